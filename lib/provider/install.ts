/**
 * Putting the bundled provider where Terraform finds it without a network or a CLI config: the
 * implied local mirror `<dir>/terraform.d/plugins/<host>/<namespace>/<type>/<version>/<os>_<arch>/`,
 * and the `.terraform.lock.hcl` entry that pins its content. Used by the construct (at synth, into
 * each stack's directory) and by `cdktf-kms-octopus install-provider` (plain HCL users). No cdktf
 * import: this runs in the CLI too.
 *
 * The provider is one Node script (dist/provider/provider.js, `#!/usr/bin/env node`), the same file
 * on every platform, so it is placed under each platform directory Terraform may look in.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROVIDER_FILE, PROVIDER_HOSTNAME, PROVIDER_NAMESPACE, PROVIDER_SOURCE, PROVIDER_TYPE, PROVIDER_VERSION } from "./address";

/** Platforms the provider file is placed for (Terraform's `<os>_<arch>` directory names). */
export const PLATFORMS = ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"] as const;

/** Absolute path of a file built into the installed package (dist/...), found by walking up from here. */
export function packageFile(relative: string, what: string): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cdktf-kms-octopus: ${what} ${relative} is missing; run \`npm run build\` in the package (it is built on install and before tests).`);
}

/** The bundled provider inside the installed package. */
export function providerBundlePath(): string {
  return packageFile(path.join("dist", "provider", "provider.js"), "the provider bundle");
}

/** Directory of the provider's versions under a plugins directory. */
function versionDir(pluginsDir: string): string {
  return path.join(pluginsDir, PROVIDER_HOSTNAME, PROVIDER_NAMESPACE, PROVIDER_TYPE, PROVIDER_VERSION);
}

/**
 * Terraform's `h1:` hash of a provider package directory (golang.org/x/mod dirhash Hash1, as
 * Terraform's getproviders.PackageHashV1 computes it): SHA-256 over the sorted lines
 * "<sha256 hex of the file>  <path relative to the directory>\n", base64.
 */
export function packageHashV1(dir: string): string {
  const files: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(d, entry.name), r);
      else files.push(r);
    }
  };
  walk(dir, "");
  files.sort();
  const summary = createHash("sha256");
  for (const file of files) {
    const digest = createHash("sha256").update(fs.readFileSync(path.join(dir, file))).digest("hex");
    summary.update(`${digest}  ${file}\n`);
  }
  return `h1:${summary.digest("base64")}`;
}

/** What {@link installProvider} did. */
export interface InstalledProvider {
  /** The plugins directory the provider was placed in. */
  readonly pluginsDir: string;
  /** Terraform's `h1:` hash of the package (the same for every platform). */
  readonly hash: string;
}

/**
 * Places the bundled provider in `pluginsDir` (e.g. `<stack dir>/terraform.d/plugins`) for every
 * platform of {@link PLATFORMS}, replacing what was there for this version.
 */
export function installProvider(pluginsDir: string, bundle = providerBundlePath()): InstalledProvider {
  const content = fs.readFileSync(bundle);
  let hash = "";
  for (const platform of PLATFORMS) {
    const dir = path.join(versionDir(pluginsDir), platform);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, PROVIDER_FILE), content, { mode: 0o755 });
    hash = packageHashV1(dir);
  }
  return { pluginsDir, hash };
}

/** The lock-file block that pins this provider's version and content. */
export function lockBlock(hash: string): string {
  return [
    `provider "${PROVIDER_SOURCE}" {`,
    `  version     = "${PROVIDER_VERSION}"`,
    `  constraints = "${PROVIDER_VERSION}"`,
    "  hashes = [",
    `    "${hash}",`,
    "  ]",
    "}",
    "",
  ].join("\n");
}

const LOCK_HEADER = '# This file is maintained automatically by "terraform init".\n# Manual edits may be lost in future updates.\n';

/**
 * Writes (or updates) `<dir>/.terraform.lock.hcl` so that it pins this provider to `hash`, keeping
 * the entries of every other provider. A provider file changed afterwards then fails `terraform
 * init` with a checksum mismatch instead of running.
 */
export function writeLockFile(dir: string, hash: string): string {
  const file = path.join(dir, ".terraform.lock.hcl");
  const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : LOCK_HEADER;
  const escaped = PROVIDER_SOURCE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const others = existing.replace(new RegExp(`\\n?provider "${escaped}" \\{[^}]*\\}\\n?`, "g"), "\n").replace(/\n{3,}/g, "\n\n");
  fs.writeFileSync(file, `${others.replace(/\n*$/, "\n")}\n${lockBlock(hash)}`);
  return file;
}
