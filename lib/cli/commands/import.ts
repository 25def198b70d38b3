/**
 * `import --project ID | --org [--kms-url URL] [--out FILE] [--force] [--json]`: lists the existing Octopus
 * Deploy connections of one scope and writes TypeScript that declares them (adoptExisting: true, the
 * key as a sensitive variable), so a team brings what it has under code in one pull request.
 */
import * as fs from "node:fs";
import { Command, Option } from "commander";
import { CommandIo, processIo } from "./drift";
import { clientFor, kmsUrlOf, reportError } from "../context";
import { ConfigError } from "../../kms/errors";
import * as rules from "../../shared/rules";
import { generateImportCode } from "../../stacks/import-code";
import { describeScope } from "../../shared/scope";

/** Flags of `import`. */
export interface ImportFlags {
  readonly project?: string;
  readonly org?: boolean;
  readonly kmsUrl?: string;
  readonly out?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** Adds the `import` command. */
export function registerImport(program: Command): void {
  program
    .command("import")
    .description("write TypeScript that declares the existing connections of a project or of the organization (adoptExisting: true)")
    .addOption(new Option("--project <id>", "import the connections of this KMS project").conflicts("org"))
    .addOption(new Option("--org", "import the organization-level connections").conflicts("project"))
    .option("--kms-url <url>", "KMS base URL (default: $KMS_URL, else https://app.kms.hanzo.ai)")
    .option("--out <file>", "write the code to this file instead of stdout")
    .option("--force", "overwrite --out when it exists")
    .option("--json", "print the result as JSON (the connections, the skipped ones and the code)")
    .addHelpText(
      "after",
      "\nThe code declares one OctopusDeployConnection per connection with adoptExisting: true and its API key as a\n" +
        "sensitive TerraformVariable (TF_VAR_octopus_api_key_<name>); the first deploy adopts each connection by name\n" +
        "(same id) and changes nothing in the KMS while the code matches it. One KMS request.",
    )
    .action(async (flags: ImportFlags) => {
      process.exitCode = await runImport(flags);
    });
}

/** Runs `import`; returns the exit code. */
export async function runImport(flags: ImportFlags, io: CommandIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    if (!flags.org && flags.project === undefined) throw new ConfigError("say what to import: --project <id> for a project's connections, or --org for the organization-level ones.");
    const projectId = flags.org ? null : flags.project!;
    if (projectId !== null) {
      const verdict = rules.projectId(projectId);
      if (verdict) throw new ConfigError(`--project ${verdict}`);
    }
    const exists = () => new ConfigError(`${flags.out} exists; pass --force to overwrite it.`);
    if (flags.out && !flags.force && fs.existsSync(flags.out)) throw exists(); // before asking the KMS
    const kmsUrl = kmsUrlOf(flags.kmsUrl, env);
    const live = await clientFor(kmsUrl, env).list(projectId ?? undefined);
    const command = ["npx cdktf-kms-octopus import", projectId ? `--project ${projectId}` : "--org", ...(flags.kmsUrl ? [`--kms-url ${kmsUrl}`] : [])].join(" ");
    const result = generateImportCode(live, { kmsUrl, projectId, command });

    if (flags.out) {
      try {
        // "wx": a file created meanwhile (after the check above) is not overwritten either.
        fs.writeFileSync(flags.out, result.code, { flag: flags.force ? "w" : "wx" });
      } catch (err) {
        throw (err as NodeJS.ErrnoException).code === "EEXIST" ? exists() : err;
      }
    }
    if (flags.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
    else if (!flags.out) io.out(result.code);
    for (const s of result.skipped) io.err(`Warning: ${s.name} (id ${s.id}) is not declared: ${s.reason}.\n`);
    const scope = describeScope(projectId);
    const n = result.connections.length;
    io.err(
      n === 0
        ? `No Octopus Deploy connection to import in ${scope} at ${kmsUrl}.\n`
        : `Imported ${n} connection${n === 1 ? "" : "s"} of ${scope}${flags.out ? ` into ${flags.out}` : ""}. At deploy, set ${result.connections.map((c) => c.env).join(", ")} to each connection's current API key.\n`,
    );
    return 0;
  } catch (err) {
    return reportError(err, (line) => io.err(`${line}\n`));
  }
}
