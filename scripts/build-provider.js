#!/usr/bin/env node
// Bundles the provider (lib/provider/main.ts and everything it imports: protocol, KMS client, gRPC,
// protobufjs, msgpack, zod) into one dependency-free executable, dist/provider/provider.js, which the
// construct copies into each stack's terraform.d/plugins and install-provider places for HCL users.
const esbuild = require("esbuild");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

/** Bundles `entry` into `outfile` as a node executable. */
async function bundleProvider(entry, outfile) {
  fs.rmSync(path.dirname(outfile), { recursive: true, force: true });
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
  });
  fs.chmodSync(outfile, 0o755);
}

module.exports = { bundleProvider };

if (require.main === module) {
  bundleProvider(path.join(root, "lib/provider/main.ts"), path.join(root, "dist/provider/provider.js")).catch(() => process.exit(1));
}
