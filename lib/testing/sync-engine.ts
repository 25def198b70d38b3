/**
 * What an Octopus Deploy secret sync does on the Octopus side (octopus-deploy-sync-fns.ts), over real
 * HTTP through the outbound guard, and the queue its jobs run in. Push: GET the project's variable
 * set; keep every non-sensitive variable; of the sensitive ones, drop (unless disableSecretDeletion)
 * those matching the key schema that are no longer in the KMS, and those about to be rewritten; add
 * one sensitive variable per secret; PUT the whole set back. Remove: PUT the set back without the
 * sensitive variables named like the sync's secrets. A failure becomes upstream's sync message
 * (parseSyncErrorMessage): Octopus's answer body as JSON, else the error's message, at most 1024 characters.
 */
import { guardedRequest, type OutboundPolicy } from "./outbound-guard";
import { removeTrailingSlash } from "./octopus-credentials";
import type { OctopusVariable, OctopusVariableInput, OctopusVariableSet } from "./octopus-variables";
import type { OctopusCredentials } from "./schemas";
import type { SyncedSecret } from "./secrets";
import type { PersistedSync } from "./secret-state";

/** How long one Octopus request may take. */
export const OCTOPUS_REQUEST_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_LENGTH = 1024;

/** Everything one job needs, read when the job starts. */
export interface SyncJob {
  /** The sync as stored. */
  readonly sync: PersistedSync;
  /** Its connection's credentials. */
  readonly credentials: OctopusCredentials;
  /** The slug of the sync's environment (for `{{environment}}`). */
  readonly environment: string;
  /** The secrets of the sync's folder. */
  readonly secrets: readonly SyncedSecret[];
}

/** An Octopus answer that was not 2xx, as axios reports it. */
class OctopusAnswerError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`Request failed with status code ${status}`);
  }
}

/** The secret's name in Octopus: the key schema with `{{environment}}` and `{{secretKey}}` filled in. */
export function applyKeySchema(key: string, environment: string, keySchema: string | undefined): string {
  if (!keySchema) return key;
  return keySchema.split("{{environment}}").join(environment).split("{{secretKey}}").join(key);
}

/** Whether an Octopus variable name could have come from this key schema (upstream's matchesSchema). */
export function matchesKeySchema(name: string, environment: string, keySchema: string | undefined): boolean {
  if (!keySchema) return true;
  const compiled = keySchema.split("{{environment}}").join(environment);
  const parts = compiled.split("{{secretKey}}");
  const prefix = parts[0] as string;
  const suffix = parts[parts.length - 1] as string;
  return name.startsWith(prefix) && name.endsWith(suffix);
}

/** Pushes the folder's secrets to the Octopus project. */
export async function pushSecrets(job: SyncJob, policy: OutboundPolicy, timeoutMs = OCTOPUS_REQUEST_TIMEOUT_MS): Promise<void> {
  const { keySchema, disableSecretDeletion } = job.sync.syncOptions;
  const scope = job.sync.destinationConfig.scopeValues ?? {};
  const url = variablesUrl(job);
  const set = await getVariableSet(url, job.credentials.apiKey, policy, timeoutMs);
  const names = new Map(job.secrets.map((s) => [applyKeySchema(s.key, job.environment, keySchema), s]));
  const sensitive = set.Variables.filter(isSensitive);
  const kept = set.Variables.filter((v) => !isSensitive(v));
  const keptSensitive = sensitive.filter((v) => {
    const deleted = !disableSecretDeletion && matchesKeySchema(v.Name, job.environment, keySchema) && !names.has(v.Name);
    return !deleted && !names.has(v.Name);
  });
  const written: OctopusVariableInput[] = [...names].map(([name, secret]) => ({
    Name: name,
    Value: secret.value,
    Description: secret.comment || "",
    Scope: {
      Environment: scope.environments,
      Role: scope.roles,
      Machine: scope.machines,
      ProcessOwner: scope.processes,
      Action: scope.actions,
      Channel: scope.channels,
    },
    IsEditable: false,
    Prompt: null,
    Type: "Sensitive",
    IsSensitive: true,
  }));
  await putVariableSet(url, { ...set, Variables: [...kept, ...keptSensitive, ...written] }, job.credentials.apiKey, policy, timeoutMs);
}

/** Removes the sensitive variables named like the sync's secrets (key schema applied). */
export async function removeSecrets(job: SyncJob, policy: OutboundPolicy, timeoutMs = OCTOPUS_REQUEST_TIMEOUT_MS): Promise<void> {
  const names = new Set(job.secrets.map((s) => applyKeySchema(s.key, job.environment, job.sync.syncOptions.keySchema)));
  const url = variablesUrl(job);
  const set = await getVariableSet(url, job.credentials.apiKey, policy, timeoutMs);
  const doomed = new Set(set.Variables.filter((v) => names.has(v.Name) && v.IsSensitive === true && v.Type === "Sensitive").map((v) => v.Id));
  await putVariableSet(url, { ...set, Variables: set.Variables.filter((v) => !doomed.has(v.Id)) }, job.credentials.apiKey, policy, timeoutMs);
}

/** Upstream's parseSyncErrorMessage for what these calls throw. */
export function syncErrorMessage(error: unknown): string {
  let message: string;
  if (error instanceof OctopusAnswerError) {
    message = error.body === "" ? error.message : JSON.stringify(parseOr(error.body));
  } else {
    message = (error as Error)?.message || "An unknown error occurred.";
  }
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...`;
}

function variablesUrl(job: SyncJob): URL {
  const { spaceId, projectId, scope } = job.sync.destinationConfig;
  if (scope !== "project") throw new Error(`Unsupported Octopus Deploy scope: ${scope as string}`);
  return new URL(`${removeTrailingSlash(job.credentials.instanceUrl)}/api/${spaceId}/projects/${projectId}/variables`);
}

async function getVariableSet(url: URL, apiKey: string, policy: OutboundPolicy, timeoutMs: number): Promise<OctopusVariableSet> {
  const answer = await guardedRequest("GET", url, apiKey, undefined, policy, timeoutMs);
  if (answer.status < 200 || answer.status > 299) throw new OctopusAnswerError(answer.status, answer.body);
  const set = parseOr(answer.body) as Partial<OctopusVariableSet> | string;
  if (typeof set !== "object" || set === null || !Array.isArray(set.Variables)) throw new Error("Cannot read properties of undefined (reading 'forEach')");
  return set as OctopusVariableSet;
}

async function putVariableSet(url: URL, set: unknown, apiKey: string, policy: OutboundPolicy, timeoutMs: number): Promise<void> {
  const answer = await guardedRequest("PUT", url, apiKey, set, policy, timeoutMs);
  if (answer.status < 200 || answer.status > 299) throw new OctopusAnswerError(answer.status, answer.body);
}

function isSensitive(variable: OctopusVariable): boolean {
  return variable.IsSensitive || variable.Type === "Sensitive";
}

/** axios's response data: the parsed JSON, or the text when it is not JSON. */
function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The job queue: jobs run one at a time, in order, each after the current HTTP answer (a macrotask
 * later), like upstream's queue worker. `idle()` resolves once no job is queued or running.
 */
export class SyncQueue {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private readonly running = new Set<string>();

  /** Queues a job for a sync; its errors are the job's business (it records them). */
  enqueue(syncId: string, job: () => Promise<void>): void {
    this.queued++;
    this.tail = this.tail
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(async () => {
        this.running.add(syncId);
        try {
          await job();
        } catch (error) {
          console.error(`local KMS: sync job of ${syncId} failed unexpectedly`, error);
        } finally {
          this.running.delete(syncId);
          this.queued--;
        }
      });
  }

  /** Whether a job of this sync is running now (upstream's sync lock). */
  isRunning(syncId: string): boolean {
    return this.running.has(syncId);
  }

  /** Resolves when every queued job (including jobs queued meanwhile) has finished. */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.tail;
  }
}
