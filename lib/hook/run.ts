/**
 * The hook runtime: reads the event and environment, builds the KMS client, runs one operation and
 * prints one line. Every line it prints passes through `redact`, so a secret that reached a message by
 * any path is still never printed.
 */
import { Declaration, HOOK_ENV, Operation, parseEvent, parseOperation } from "./event";
import { ApplyFlags, ConnectionApi, Outcome, applyConnection, deleteConnection, scopeOf } from "./operations";
import { bornInThisPlan, msUntilBornSecondEnds } from "./plan-clock";
import { runDir } from "./runtime-dir";
import { redact } from "../shared/redact";
import { KmsClient, RequestEvent, requestTrace } from "../kms/client";
import { KMS_SECRET_ENV_NAMES, KmsAuth, kmsAuthFromEnv } from "../kms/credentials";
import { ConfigError } from "../kms/errors";
import { Transport } from "../kms/outbound";
import { DEFAULT_RETRY_POLICY, RetryPolicy } from "../kms/retry";
import { FileTokenCache, MemoryTokenCache, TokenCache } from "../kms/token-cache";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Where the hook writes. */
export interface HookIo {
  /** One line to stdout. */
  readonly out: (line: string) => void;
  /** One line to stderr. */
  readonly err: (line: string) => void;
}

/** Tuning through the environment (all optional). */
export const TUNING_ENV = {
  /** Seconds before one request attempt is abandoned. */
  requestTimeout: "KMS_OCTOPUS_REQUEST_TIMEOUT",
  /** Seconds all attempts of one request may take together. */
  retryBudget: "KMS_OCTOPUS_RETRY_BUDGET",
  /** "1": print every request (method, path, status, time; never headers or bodies) to stderr. */
  debug: "KMS_OCTOPUS_DEBUG",
  /** "0": do not share Universal Auth tokens between the hooks of one apply. */
  tokenCache: "KMS_OCTOPUS_TOKEN_CACHE",
} as const;

/** Runs one hook invocation; returns the exit code. `transport` is for tests. */
export async function runHook(argv: readonly string[], env: NodeJS.ProcessEnv, io: HookIo, transport?: Transport): Promise<number> {
  const started = Date.now();
  const secrets = secretValues(env);
  const say = (write: (line: string) => void, line: string) => write(redact(line, secrets));
  let op: Operation | undefined;
  let decl: Declaration | undefined;
  let requests = 0;
  let flags: ApplyFlags | undefined;
  try {
    op = parseOperation(argv[0]);
    decl = parseEvent(env[HOOK_ENV.event]);
    const declared = decl;
    const apiKey = () => readApiKey(env, declared);
    if (declared.apiKeyEnv) secrets.push(...withTrimmed(env[declared.apiKeyEnv]));
    // Built on the first request: a retained connection's delete sends none and needs no KMS credentials.
    const api = lazyApi(() => {
      const auth = kmsAuthFromEnv(env);
      return new KmsClient({
        kmsUrl: declared.kmsUrl,
        auth,
        transport,
        retry: retryPolicyFromEnv(env),
        tokenCache: tokenCacheFor(auth, env),
        onRequest: (e: RequestEvent) => {
          requests++;
          if (env[TUNING_ENV.debug] === "1") say(io.err, requestTrace(e));
        },
      });
    });
    const input = { api, decl, apiKey };
    flags = op === "apply" ? applyFlags(env) : undefined;
    const outcome = flags ? await applyConnection(input, flags) : await deleteConnection(input);
    say(io.out, summary(outcome, decl, Date.now() - started, requests));
    return 0;
  } catch (err) {
    const what = decl ? `${decl.path}: ${op} of "${decl.name}" in ${scopeOf(decl)} failed` : `${op ?? "hook"} failed`;
    const message = err instanceof Error ? err.message : String(err);
    say(io.err, `Error: ${what} after ${Date.now() - started} ms: ${message}`);
    return 1;
  } finally {
    // The hook that creates a connection returns only once its plan's second is over (plan-clock.ts),
    // also when it fails: a POST whose answer was lost may have committed, and the next plan must not
    // look like the same creation.
    if (flags?.newInThisApply) await sleep(msUntilBornSecondEnds(env[HOOK_ENV.bornAt], Date.now()));
  }
}

/**
 * The apply hook's flags from its environment: whether the connection resource was born in the plan
 * being applied (plan-clock.ts), and the names the stack declares.
 */
export function applyFlags(env: NodeJS.ProcessEnv): ApplyFlags {
  const names = env[HOOK_ENV.declaredNames];
  return {
    newInThisApply: bornInThisPlan(env[HOOK_ENV.bornAt], env[HOOK_ENV.plannedAt]),
    declaredNames: new Set(names ? names.split(",") : []),
  };
}

/** A ConnectionApi whose client is made on its first call. */
function lazyApi(make: () => ConnectionApi): ConnectionApi {
  let client: ConnectionApi | undefined;
  const kms = () => (client ??= make());
  return {
    getByName: (name, projectId) => kms().getByName(name, projectId),
    list: (projectId) => kms().list(projectId),
    create: (body) => kms().create(body),
    update: (id, body) => kms().update(id, body),
    delete: (id) => kms().delete(id),
  };
}

/** The one line printed on success. */
export function summary(outcome: Outcome, decl: Declaration, ms: number, requests: number): string {
  const c = outcome.connection;
  const id = c ? `id ${c.id}, ` : "";
  const fields = outcome.fields?.length ? ` [${outcome.fields.join(", ")}]` : "";
  const from = outcome.action === "renamed" && decl.renamedFrom ? ` from "${decl.renamedFrom}"` : "";
  return `${outcome.action} octopus-deploy connection "${decl.name}"${from}${fields} (${id}${scopeOf(decl)}) in ${ms} ms, ${requests} request${requests === 1 ? "" : "s"}`;
}

function readApiKey(env: NodeJS.ProcessEnv, decl: Declaration): string {
  const source = decl.apiKeyEnv ?? HOOK_ENV.apiKey;
  const value = env[source];
  if (value && value.trim()) return value.trim();
  throw new ConfigError(
    decl.apiKeyEnv
      ? `apiKeyEnv names ${decl.apiKeyEnv}, which is not set (or empty) in the environment of cdktf deploy; set it to the Octopus Deploy API key. Nothing was sent.`
      : `${HOOK_ENV.apiKey} is empty: the apiKey value resolved to an empty string at apply time. Nothing was sent.`,
  );
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallbackMs: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallbackMs;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name} must be a positive number of seconds (got ${JSON.stringify(raw)}).`);
  return Math.round(value * 1000);
}

/** Retry policy with the environment's overrides. */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  return {
    ...DEFAULT_RETRY_POLICY,
    attemptTimeoutMs: seconds(env, TUNING_ENV.requestTimeout, DEFAULT_RETRY_POLICY.attemptTimeoutMs),
    budgetMs: seconds(env, TUNING_ENV.retryBudget, DEFAULT_RETRY_POLICY.budgetMs),
  };
}

function tokenCacheFor(auth: KmsAuth, env: NodeJS.ProcessEnv): TokenCache {
  if (auth.kind !== "universal-auth" || env[TUNING_ENV.tokenCache] === "0") return new MemoryTokenCache();
  const dir = runDir();
  return dir ? new FileTokenCache(path.join(dir, "tokens")) : new MemoryTokenCache();
}

/**
 * Every secret value the hook can see: the Octopus key, KMS tokens and client secrets, as set and as
 * sent (trimmed: CI secrets and .env files often end in a newline).
 */
function secretValues(env: NodeJS.ProcessEnv): string[] {
  return [HOOK_ENV.apiKey, ...KMS_SECRET_ENV_NAMES].flatMap((n) => withTrimmed(env[n]));
}

function withTrimmed(value: string | undefined): string[] {
  return value ? [value, value.trim()] : [];
}
