/**
 * `install-provider [--dir DIR]`: places the package's Terraform provider where `terraform init`
 * finds it without a network (the implied local mirror DIR/terraform.d/plugins, or
 * ~/.terraform.d/plugins with --user), writes or updates DIR/.terraform.lock.hcl with its hash, and
 * prints the `required_providers` HCL, for stacks written in plain HCL. cdktf stacks need none of
 * this: the construct does it at synth.
 */
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { reportError } from "../context";
import { PROVIDER_SOURCE, PROVIDER_TYPE, PROVIDER_VERSION } from "../../provider/address";
import { installProvider, writeLockFile } from "../../provider/install";

/** The HCL a configuration needs to use the provider. */
export function requiredProvidersHcl(): string {
  return [
    "terraform {",
    "  required_providers {",
    `    ${PROVIDER_TYPE} = {`,
    `      source  = "${PROVIDER_SOURCE}"`,
    `      version = "${PROVIDER_VERSION}"`,
    "    }",
    "  }",
    "}",
    "",
    `provider "${PROVIDER_TYPE}" {`,
    '  kms_url = "https://app.kms.hanzo.ai" # KMS credentials come from KMS_TOKEN or KMS_CLIENT_ID + KMS_CLIENT_SECRET',
    "}",
    "",
  ].join("\n");
}

/** Adds the `install-provider` command. */
export function registerInstallProvider(program: Command): void {
  program
    .command("install-provider")
    .description("install the provider for plain-HCL configurations: DIR/terraform.d/plugins and DIR/.terraform.lock.hcl, then print the required_providers block")
    .option("--dir <dir>", "the Terraform configuration's directory", ".")
    .option("--user", "install into ~/.terraform.d/plugins instead (every configuration of this user; the lock file is still written to --dir)")
    .option("--json", "print { pluginsDir, lockFile, source, version, hash } as JSON")
    .action((opts: { dir: string; user?: boolean; json?: boolean }) => {
      try {
        const dir = path.resolve(opts.dir);
        const pluginsDir = opts.user ? path.join(os.homedir(), ".terraform.d", "plugins") : path.join(dir, "terraform.d", "plugins");
        const { hash } = installProvider(pluginsDir);
        const lockFile = writeLockFile(dir, hash);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ pluginsDir, lockFile, source: PROVIDER_SOURCE, version: PROVIDER_VERSION, hash }, null, 2)}\n`);
          return;
        }
        process.stderr.write(`Installed ${PROVIDER_SOURCE} ${PROVIDER_VERSION} in ${pluginsDir} and pinned it in ${lockFile} (${hash}).\nAdd to your configuration:\n\n`);
        process.stdout.write(requiredProvidersHcl());
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}
