/**
 * Bounded waits for the KMS's sync jobs, which run after the answer (create, update and delete with
 * removeSecrets only queue them): GET by id with backoff (100 ms, doubling, at most 2 s apart) until
 * the job's status leaves "pending"/"running" (a sync) or the sync is gone (a delete with
 * removeSecrets), the budget passes, or StopProvider fires. Each poll is one GET of the sync. The
 * budget is KMS_OCTOPUS_SYNC_WAIT seconds (default 60; 0 = do not wait).
 */
import { setTimeout as delay } from "node:timers/promises";
import { KmsApiError } from "../../../kms/errors";
import type { SecretSyncClient } from "../../../kms/secret-syncs";
import type { SecretSync } from "../../../kms/sync-schemas";

/** Environment variable of the wait budget, in whole seconds. */
export const SYNC_WAIT_ENV = "KMS_OCTOPUS_SYNC_WAIT";
/** Default wait budget. */
export const DEFAULT_SYNC_WAIT_SECONDS = 60;
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;
const JOB_RUNNING = "already in progress";

/** How a wait ended. `sync` is the last sync read (the answer that queued the job when none was read). */
export type WaitOutcome =
  | { readonly kind: "done"; readonly sync: SecretSync }
  | { readonly kind: "gone" }
  | { readonly kind: "timeout"; readonly sync: SecretSync; readonly seconds: number }
  | { readonly kind: "stopped"; readonly sync: SecretSync }
  | { readonly kind: "unreadable"; readonly sync: SecretSync; readonly error: unknown };

/** What a wait needs. */
export interface WaitOptions {
  /** Milliseconds the wait may take. */
  readonly budgetMs: number;
  /** StopProvider. */
  readonly signal?: AbortSignal;
}

/** The wait budget from the environment; a malformed value is the default. */
export function waitBudgetMs(env: NodeJS.ProcessEnv): number {
  const raw = env[SYNC_WAIT_ENV]?.trim();
  const seconds = raw && /^\d{1,4}$/.test(raw) ? Number(raw) : DEFAULT_SYNC_WAIT_SECONDS;
  return seconds * 1000;
}

/** Sleeps `ms`; false when the signal fired first. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls until `settled(sync)` (or the sync is gone, when `goneIsDone`). `initial` is the answer that
 * queued the job: it is what a timeout or a stop reports when no poll answered.
 */
export async function waitFor(syncs: SecretSyncClient, initial: SecretSync, settled: (s: SecretSync) => boolean, options: WaitOptions): Promise<WaitOutcome> {
  const deadline = Date.now() + options.budgetMs;
  let last = initial;
  for (let interval = FIRST_POLL_MS; ; interval = Math.min(interval * 2, MAX_POLL_MS)) {
    if (Date.now() + interval > deadline) return { kind: "timeout", sync: last, seconds: Math.round(options.budgetMs / 1000) };
    if (!(await pause(interval, options.signal))) return { kind: "stopped", sync: last };
    let read: SecretSync | undefined;
    try {
      read = await syncs.getSyncById(initial.id);
    } catch (error) {
      if (options.signal?.aborted) return { kind: "stopped", sync: last };
      return { kind: "unreadable", sync: last, error };
    }
    if (!read) return { kind: "gone" };
    last = read;
    if (settled(read)) return { kind: "done", sync: read };
  }
}

/** Whether a sync job's status is final (or there is no job: auto-sync off). */
export function syncSettled(s: SecretSync): boolean {
  return s.syncStatus !== "pending" && s.syncStatus !== "running";
}

/** Whether a removal's status is final (failed: the KMS keeps the sync). */
export function removalSettled(s: SecretSync): boolean {
  return s.removeStatus === "failed" || s.removeStatus === "succeeded";
}

/** Runs `fn`; while the KMS answers that a job of the sync is running (its 400), tries again with the same backoff, within the budget. */
export async function retryWhileBusy<T>(fn: () => Promise<T>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.budgetMs;
  for (let interval = FIRST_POLL_MS; ; interval = Math.min(interval * 2, MAX_POLL_MS)) {
    try {
      return await fn();
    } catch (err) {
      const busy = err instanceof KmsApiError && err.status === 400 && err.kmsMessage.includes(JOB_RUNNING);
      if (!busy || Date.now() + interval > deadline || !(await pause(interval, options.signal))) throw err;
    }
  }
}
