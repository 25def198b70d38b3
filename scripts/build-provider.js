#!/usr/bin/env node
// Bundles the provider (lib/provider/main.ts and everything it imports: protocol with its own gRPC
// transport and protobuf codec, KMS client, msgpack, zod/mini) into one dependency-free executable,
// dist/provider/provider.js, which the construct copies into each stack's terraform.d/plugins and
// install-provider places for HCL users. What main.ts require()s stays lazy in the bundle.
const esbuild = require("esbuild");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const SHEBANG = "#!/usr/bin/env node";

/**
 * Bundles `entry` into `outfile` as a node executable (one minified CommonJS file for node20, a
 * `#!/usr/bin/env node` first line, mode 0755). Only the outfile and its .LEGAL.txt are replaced
 * (esbuild writes the latter only when there are legal comments, so an old one must not outlive its
 * code); nothing else in the directory is touched.
 */
async function bundleProvider(entry, outfile) {
  for (const file of [outfile, `${outfile}.LEGAL.txt`]) fs.rmSync(file, { force: true });
  // esbuild keeps an entry's own hashbang line; add one only when the entry has none.
  const hasShebang = fs.readFileSync(entry, "utf8").startsWith("#!");
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
    ...(hasShebang ? {} : { banner: { js: SHEBANG } }),
  });
  fs.chmodSync(outfile, 0o755);
}

bundleProvider(path.join(root, "lib/provider/main.ts"), path.join(root, "dist/provider/provider.js")).catch(() => process.exit(1));
