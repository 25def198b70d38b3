/**
 * `sync <name>` and `remove-secrets <name>` (`--project-id ID [--kms-url URL] [--json] [--wait S]`):
 * the manual "sync now" and "remove secrets" of an Octopus Deploy secret sync, for runbooks. Each
 * triggers the KMS's job, then waits (bounded) for its result: exit 0 when it succeeded, 1 with the
 * KMS's message when it failed or did not finish in time. No secret value is ever part of the output.
 */
import { Command, InvalidArgumentError } from "commander";
import { CommandIo, processIo } from "./drift";
import { clientFor, EXIT, kmsUrlOf, reportError } from "../context";
import { ConfigError, KmsApiError } from "../../kms/errors";
import { SecretSyncClient } from "../../kms/secret-syncs";
import type { SecretSync } from "../../kms/sync-schemas";
import * as rules from "../../shared/rules";
import * as syncRules from "../../shared/sync-rules";

/** Which job a command runs. */
export type SyncAction = "sync" | "remove-secrets";

/** Flags of `sync` and `remove-secrets`. */
export interface SyncFlags {
  readonly projectId: string;
  readonly kmsUrl?: string;
  readonly json?: boolean;
  /** Seconds to wait for the result. @default 60 */
  readonly wait?: number;
}

/** Milliseconds between two reads of the sync while waiting. */
const POLL_MS = 250;
const JOB_RUNNING = "already in progress";

/** Adds `sync` and `remove-secrets`. */
export function registerSync(program: Command): void {
  for (const action of ["sync", "remove-secrets"] as const) {
    program
      .command(action)
      .description(action === "sync" ? "sync an Octopus Deploy secret sync now and wait for its result" : "remove the variables an Octopus Deploy secret sync pushed, and wait for the result")
      .argument("<name>", "secret sync name")
      .requiredOption("--project-id <id>", "KMS project id of the sync (syncs live in projects)")
      .option("--kms-url <url>", "KMS base URL (default: $KMS_URL, else https://app.kms.hanzo.ai)")
      .option("--json", "print the result as JSON")
      .option("--wait <seconds>", "how long to wait for the result (default 60)", seconds, 60)
      .action(async (name: string, flags: SyncFlags) => {
        process.exitCode = await runSync(action, name, flags);
      });
  }
}

/** Runs `sync` or `remove-secrets`; returns the exit code. */
export async function runSync(action: SyncAction, name: string, flags: SyncFlags, io: CommandIo = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const verdict = syncRules.syncName(name);
    if (verdict) throw new ConfigError(`<name> ${verdict}`);
    const projectVerdict = rules.projectId(flags.projectId);
    if (projectVerdict) throw new ConfigError(`--project-id ${projectVerdict}`);
    const kmsUrl = kmsUrlOf(flags.kmsUrl, env);
    const syncs = new SecretSyncClient(clientFor(kmsUrl, env));
    const deadline = Date.now() + (flags.wait ?? 60) * 1000;
    const found = await syncs.getSyncByName(name, flags.projectId);
    if (!found) throw new ConfigError(`no Octopus Deploy secret sync named "${name}" in project ${flags.projectId} at ${kmsUrl}.`);
    await trigger(() => (action === "sync" ? syncs.triggerSync(found.id) : syncs.removeSecrets(found.id)), deadline);
    const done = await waitForResult(syncs, found.id, action, deadline);
    const result = describe(action, found, done);
    if (flags.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
    if (result.status === "succeeded") {
      if (!flags.json) io.out(`${action === "sync" ? "synced" : "removed the secrets of"} "${name}" (id ${found.id}): succeeded at ${result.at ?? "an unknown time"}.\n`);
      return EXIT.ok;
    }
    const why =
      result.status === "failed"
        ? `the KMS reports: ${result.message ?? "(no message)"}`
        : `still ${result.status ?? "not started"} after ${flags.wait ?? 60} s (pass a longer --wait to wait more)`;
    io.err(`Error: ${action === "sync" ? "sync" : "remove-secrets"} of "${name}" (id ${found.id}) did not succeed: ${why}\n`);
    return EXIT.error;
  } catch (err) {
    return reportError(err, (line) => io.err(`${line}\n`));
  }
}

/** Triggers the job; while another job of the sync runs (the KMS's 400), tries again until the deadline. */
async function trigger(fn: () => Promise<SecretSync>, deadline: number): Promise<void> {
  for (;;) {
    try {
      await fn();
      return;
    } catch (err) {
      const busy = err instanceof KmsApiError && err.status === 400 && err.kmsMessage.includes(JOB_RUNNING);
      if (!busy || Date.now() + POLL_MS > deadline) throw err;
      await sleep(POLL_MS);
    }
  }
}

/** Reads the sync until the job's status is final or the deadline passes; undefined when the sync went away. */
async function waitForResult(syncs: SecretSyncClient, id: string, action: SyncAction, deadline: number): Promise<SecretSync | undefined> {
  for (;;) {
    const sync = await syncs.getSyncById(id);
    const status = sync && (action === "sync" ? sync.syncStatus : sync.removeStatus);
    if (!sync || status === "succeeded" || status === "failed" || Date.now() + POLL_MS > deadline) return sync;
    await sleep(POLL_MS);
  }
}

/** The result as printed by --json. */
function describe(action: SyncAction, found: SecretSync, sync: SecretSync | undefined) {
  const status = sync ? (action === "sync" ? sync.syncStatus : sync.removeStatus) : undefined;
  return {
    action,
    id: found.id,
    name: found.name,
    projectId: found.projectId,
    status: status ?? null,
    message: (sync && (action === "sync" ? sync.lastSyncMessage : sync.lastRemoveMessage)) ?? null,
    at: (sync && (action === "sync" ? sync.lastSyncedAt : sync.lastRemovedAt)) ?? null,
  };
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > 3600) throw new InvalidArgumentError("Expected whole seconds from 1 to 3600.");
  return n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
