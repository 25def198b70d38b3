/**
 * `import --project ID | --org [--kms-url URL] [--engine provider|terraform_data] [--out FILE] [--force] [--json]`:
 * lists the existing Octopus Deploy connections of one scope and writes TypeScript that declares them
 * (the key as a sensitive variable; `conn.importFrom(id)` with the provider engine, the default, or
 * `adoptExisting: true` with `--engine terraform_data`), so a team brings what it has under code in
 * one pull request. With `--project` the project's Octopus Deploy secret syncs come too (one more
 * list request), each with `sync.importFrom(id)`; they need the provider engine.
 */
import * as fs from "node:fs";
import { Command, Option } from "commander";
import { CommandIo, processIo } from "./drift";
import { clientFor, kmsUrlOf, reportError } from "../context";
import { ConfigError } from "../../kms/errors";
import { SecretSyncClient } from "../../kms/secret-syncs";
import * as rules from "../../shared/rules";
import { IMPORT_ENGINES, ImportEngine, generateImportCode } from "../../stacks/import-code";
import { describeScope } from "../../shared/scope";
import { plural } from "../../stacks/import-text";

/** Flags of `import`. */
export interface ImportFlags {
  readonly project?: string;
  readonly org?: boolean;
  readonly kmsUrl?: string;
  /** Engine of the generated code. @default "provider" */
  readonly engine?: ImportEngine;
  readonly out?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** Adds the `import` command. */
export function registerImport(program: Command): void {
  program
    .command("import")
    .description("write TypeScript that declares the existing connections (and a project's secret syncs) of a project or of the organization (importFrom, or adoptExisting with --engine terraform_data)")
    .addOption(new Option("--project <id>", "import the connections and the Octopus Deploy secret syncs of this KMS project").conflicts("org"))
    .addOption(new Option("--org", "import the organization-level connections").conflicts("project"))
    .option("--kms-url <url>", "KMS base URL (default: $KMS_URL, else https://app.kms.hanzo.ai)")
    .addOption(new Option("--engine <engine>", "engine of the generated connections: provider imports each by id (importFrom); terraform_data adopts each by name (adoptExisting)").choices([...IMPORT_ENGINES]).default("provider"))
    .option("--out <file>", "write the code to this file instead of stdout")
    .option("--force", "overwrite --out when it exists")
    .option("--json", "print the result as JSON (the connections, the syncs, the skipped ones and the code)")
    .addHelpText(
      "after",
      "\nThe code declares one OctopusDeployConnection per connection with its API key as a sensitive TerraformVariable\n" +
        "(TF_VAR_octopus_api_key_<name>). With the provider engine (the default) each is followed by conn.importFrom(\"<id>\"):\n" +
        "the first deploy imports it by id and the plan shows only what the code changes. With --engine terraform_data each\n" +
        "has adoptExisting: true: the first deploy adopts it by name (same id).\n" +
        "With --project, each secret sync of the project follows as an OctopusDeploySecretSync with sync.importFrom(\"<id>\"),\n" +
        "using the imported connection's construct (else the connection's id); syncs need the provider engine, so\n" +
        "--engine terraform_data lists them as not declared. One KMS request (two with --project).",
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
    const engine = flags.engine ?? "provider";
    if (!(IMPORT_ENGINES as readonly string[]).includes(engine)) throw new ConfigError(`--engine must be one of ${IMPORT_ENGINES.join(", ")}; got ${JSON.stringify(engine)}`);
    if (projectId !== null) {
      const verdict = rules.projectId(projectId);
      if (verdict) throw new ConfigError(`--project ${verdict}`);
    }
    const exists = () => new ConfigError(`${flags.out} exists; pass --force to overwrite it.`);
    if (flags.out && !flags.force && fs.existsSync(flags.out)) throw exists(); // before asking the KMS
    const kmsUrl = kmsUrlOf(flags.kmsUrl, env);
    const client = clientFor(kmsUrl, env);
    const live = await client.list(projectId ?? undefined);
    // Syncs live in projects: the organization has none.
    const syncs = projectId === null ? [] : await new SecretSyncClient(client).listSyncs(projectId);
    const command = [
      "npx cdktf-kms-octopus import",
      projectId ? `--project ${projectId}` : "--org",
      ...(flags.kmsUrl ? [`--kms-url ${kmsUrl}`] : []),
      ...(engine !== "provider" ? [`--engine ${engine}`] : []),
    ].join(" ");
    const result = generateImportCode(live, { kmsUrl, projectId, command, engine, syncs });

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
    for (const s of result.skipped) io.err(`Warning: ${s.kind === "sync" ? "secret sync " : ""}${s.name} (id ${s.id}) is not declared: ${s.reason}.\n`);
    io.err(summary(result.connections.map((c) => c.env), result.syncs.length, projectId, kmsUrl, flags.out));
    return 0;
  } catch (err) {
    return reportError(err, (line) => io.err(`${line}\n`));
  }
}

/** The line on stderr after an import: what was imported, and the API keys to set at deploy. */
function summary(envs: readonly string[], syncs: number, projectId: string | null, kmsUrl: string, out: string | undefined): string {
  const scope = describeScope(projectId);
  if (envs.length === 0 && syncs === 0) return `No Octopus Deploy connection${projectId !== null ? " or secret sync" : ""} to import in ${scope} at ${kmsUrl}.\n`;
  const what = [...(envs.length ? [plural(envs.length, "connection")] : []), ...(syncs ? [plural(syncs, "secret sync")] : [])].join(" and ");
  const keys = envs.length ? ` At deploy, set ${envs.join(", ")} to each connection's current API key.` : "";
  return `Imported ${what} of ${scope}${out ? ` into ${out}` : ""}.${keys}\n`;
}
