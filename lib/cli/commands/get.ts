/** `get NAME [--project ID]`: the live connection as the KMS returns it (it never holds a secret). */
import { Command } from "commander";
import { EXIT, clientFor, kmsUrlOf, reportError } from "../context";
import { readConnection } from "../../read";
import { describeScope } from "../../shared/scope";

/** Adds the `get` command. */
export function registerGet(program: Command): void {
  program
    .command("get")
    .description("print a connection as the KMS returns it (JSON; no secret is ever part of it)")
    .argument("<name>", "connection name")
    .option("--project <id>", "KMS project id (default: an organization-level connection)")
    .option("--kms-url <url>", "KMS base URL (default: $KMS_URL, else https://app.kms.hanzo.ai)")
    .action(async (name: string, opts: { project?: string; kmsUrl?: string }) => {
      try {
        const kmsUrl = kmsUrlOf(opts.kmsUrl);
        const connection = await readConnection({ name, projectId: opts.project, client: clientFor(kmsUrl) });
        if (!connection) {
          process.stderr.write(`Error: no Octopus Deploy connection named "${name}" in ${describeScope(opts.project)} at ${kmsUrl}.\n`);
          process.exitCode = EXIT.error;
          return;
        }
        // Only the credential field the API documents: whatever else a KMS or a proxy adds there is not printed.
        const shown = { ...connection, credentials: { instanceUrl: connection.credentials.instanceUrl } };
        process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}
