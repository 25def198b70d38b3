/**
 * `drift [--stack DIR ...] [--unmanaged] [--json]`: compares the connections and secret syncs the
 * synthesized stacks declare with the KMS. Exit 0 in sync, 2 drift, 1 error or a connection that could not be checked
 * (like `terraform plan -detailed-exitcode`), so a scheduled pipeline job can alert.
 */
import { Command } from "commander";
import { EXIT, clientFor, progress, reportError } from "../context";
import { KmsClient } from "../../kms/client";
import { SecretSyncClient } from "../../kms/secret-syncs";
import { cdktfOutdir, listStackDirs, readStack, resolveStackDir } from "../../stacks/declarations";
import { DriftEntry, DriftReport, detectDrift } from "../../stacks/drift";
import { describeScope } from "../../shared/scope";
import { plural } from "../../stacks/import-text";

/** Where a command writes; tests capture it. */
export interface CommandIo {
  /** Standard output (text as is; add newlines). */
  readonly out: (text: string) => void;
  /** Standard error. */
  readonly err: (text: string) => void;
  /** Stream for progress (shown only when it is a terminal). */
  readonly progressStream?: NodeJS.WriteStream;
}

/** The real process streams. */
export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  progressStream: process.stderr,
};

/** Flags of `drift`. */
export interface DriftFlags {
  readonly stack?: readonly string[];
  readonly unmanaged?: boolean;
  readonly json?: boolean;
}

/** Adds the `drift` command. */
export function registerDrift(program: Command): void {
  program
    .command("drift")
    .description("compare the connections and secret syncs the synthesized stacks declare with the KMS (exit 0 in sync, 2 drift, 1 error)")
    .option("--stack <dir...>", "stack directory (cdktf.out/stacks/NAME) or stack name; repeatable (default: every stack in the cdktf output directory)")
    .option("--unmanaged", "also list connections (and secret syncs) in the same scopes that no stack declares (they count as drift)")
    .option("--json", "print the report as JSON (see docs/pipelines.md for its shape)")
    .addHelpText(
      "after",
      "\nReads cdk.tf.json of each stack; values that are Terraform references (a project id from a variable) come from\n" +
        "the stack's state (local backend: its state file; other backends: terraform show -json, after terraform init).\n" +
        "One KMS list request per KMS and scope (+1 organization-wide list per KMS when a connection is missing), and one\n" +
        "per KMS and project that declares secret syncs. A sync is compared field by field (description, environment,\n" +
        "secretPath, destination, syncOptions, autoSyncEnabled, its connection when known); a failed last sync is shown.\n" +
        "KMS credentials: as for the hook (KMS_TOKEN, or KMS_CLIENT_ID + KMS_CLIENT_SECRET).\n" +
        "Exit codes: 0 in sync, 2 drifted/missing/unmanaged, 1 error or a connection that could not be checked.",
    )
    .action(async (flags: DriftFlags) => {
      process.exitCode = await runDrift(flags);
    });
}

/** Runs `drift`; returns the exit code. */
export async function runDrift(flags: DriftFlags, io: CommandIo = processIo, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Promise<number> {
  try {
    const outdir = cdktfOutdir(cwd);
    const dirs = flags.stack?.length ? flags.stack.map((s) => resolveStackDir(s, outdir)) : listStackDirs(outdir);
    const stacks = dirs.map(readStack);
    // One client per KMS for connections and syncs (one login with client credentials).
    const clients = new Map<string, KmsClient>();
    const client = (kmsUrl: string) => clients.get(kmsUrl) ?? clients.set(kmsUrl, clientFor(kmsUrl, env)).get(kmsUrl)!;
    const report = await detectDrift({
      stacks,
      clientFor: client,
      syncClientFor: (kmsUrl) => new SecretSyncClient(client(kmsUrl)),
      unmanaged: flags.unmanaged ?? false,
      onProgress: progress(io.progressStream),
    });
    if (flags.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
    else io.out(renderDrift(report, stacks.length).map((l) => `${l}\n`).join(""));
    return report.exitCode;
  } catch (err) {
    return reportError(err, (line) => io.err(`${line}\n`));
  }
}

const LABEL: Record<DriftEntry["status"], string> = {
  "in-sync": "in sync",
  drifted: "drifted",
  missing: "missing",
  unmanaged: "unmanaged",
  unknown: "unknown",
  error: "error",
};

/** The report as a table: one row per connection or sync (a KIND column when there are syncs), details indented below. */
export function renderDrift(report: DriftReport, stackCount: number): string[] {
  if (report.connections.length === 0) {
    return [`No OctopusDeployConnection or OctopusDeploySecretSync in ${plural(stackCount, "stack")}: nothing to check.`];
  }
  const kmsUrls = new Set(report.connections.map((c) => c.kmsUrl).filter(Boolean));
  const syncs = report.connections.filter((c) => c.kind === "sync").length;
  const connections = report.connections.length - syncs;
  const header = ["STATUS", ...(syncs ? ["KIND", "NAME"] : ["CONNECTION"]), "SCOPE", ...(kmsUrls.size > 1 ? ["KMS"] : []), "DECLARED AT"];
  const rows = report.connections.map((c) => [
    LABEL[c.status],
    ...(syncs ? [c.kind] : []),
    c.name ?? "?",
    // An unknown connection's project may be the unresolved value.
    c.kmsUrl === null || (c.status === "unknown" && c.projectId === null) ? "?" : describeScope(c.projectId).replace(/^the /, ""),
    ...(kmsUrls.size > 1 ? [c.kmsUrl ?? "?"] : []),
    c.path ?? c.address ?? "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
  const indent = " ".repeat(widths[0]! + 2);
  const out = [line(header)];
  report.connections.forEach((c, i) => {
    out.push(line(rows[i]!));
    for (const d of c.differences) {
      const show = (v: DriftEntry["differences"][number]["declared"]) => (d.field === "scope" && (typeof v === "string" || v === null) ? describeScope(v) : JSON.stringify(v));
      out.push(`${indent}${d.field}: declared ${show(d.declared)}, live ${show(d.live)}`);
    }
    // An in-sync sync whose last sync failed still says so.
    const shown = (c.status !== "in-sync" && c.status !== "unmanaged") || (c.kind === "sync" && c.syncStatus === "failed");
    if (c.detail && shown) out.push(`${indent}${c.detail}`);
  });
  const s = report.summary;
  const counts = [
    `${s["in-sync"]} in sync`,
    `${s.drifted} drifted`,
    `${s.missing} missing`,
    ...(s.unmanaged ? [`${s.unmanaged} unmanaged`] : []),
    ...(s.unknown ? [`${s.unknown} unknown`] : []),
    ...(s.error ? [`${s.error} error${s.error === 1 ? "" : "s"}`] : []),
  ];
  const kms = kmsUrls.size === 1 ? ` at ${[...kmsUrls][0]}` : "";
  const what = syncs ? `${plural(connections, "connection")} and ${plural(syncs, "secret sync")}` : plural(connections, "connection");
  out.push("", `${what}${kms}: ${counts.join(", ")} (${plural(report.requests, "KMS request")}).`);
  const things = syncs ? "connections or syncs" : "connections";
  if (s.unmanaged) out.push(`Unmanaged ${things}: declare them with \`npx cdktf-kms-octopus import\`, or delete them.`);
  out.push(report.exitCode === EXIT.ok ? "In sync." : report.exitCode === EXIT.drift ? "Drift found." : `Some ${things} could not be checked.`);
  return out;
}
