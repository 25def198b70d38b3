/**
 * The provider's one KMS client for the whole process, built on first use (a plan that needs no
 * request needs no credentials). Credentials come only from the environment (kmsAuthFromEnv), never
 * from an attribute. One login per Terraform command: within this process the client's token cache
 * serves every resource; across the provider processes Terraform starts for one command, Universal
 * Auth tokens are shared through the hook's per-run directory (hook/runtime-dir.ts) keyed by the
 * terraform process, our parent. StopProvider aborts the request in flight and every later one.
 */
import * as path from "node:path";
import { KmsClient, RequestEvent, requestTrace } from "../kms/client";
import { KmsAuth, kmsAuthFromEnv } from "../kms/credentials";
import { ConfigError } from "../kms/errors";
import { Transport } from "../kms/outbound";
import { FileTokenCache, MemoryTokenCache, TokenCache } from "../kms/token-cache";
import { TUNING_ENV, retryPolicyFromEnv } from "../hook/run";
import { runDir } from "../hook/runtime-dir";
import { DiagnosticError, PROVIDER_CONFIG_SUMMARY } from "./framework/diagnostics";

/** How the session is built (tests pass a transport or a token cache). */
export interface KmsSessionOptions {
  readonly kmsUrl: string;
  readonly env: NodeJS.ProcessEnv;
  readonly transport?: Transport;
  readonly tokenCache?: TokenCache;
  /** Called after every attempt (counts, traces). */
  readonly onRequest?: (event: RequestEvent) => void;
  /** Where KMS_OCTOPUS_DEBUG lines go. @default stderr (Terraform's log) */
  readonly debug?: (line: string) => void;
}

/** The lazily built client of one provider configuration. */
export class KmsSession {
  private client?: KmsClient;
  private readonly abort = new AbortController();

  constructor(private readonly options: KmsSessionOptions) {}

  /** The client; throws a provider-configuration DiagnosticError when the environment has no (valid) credentials. */
  readonly kms = (): KmsClient => {
    if (this.client) return this.client;
    const o = this.options;
    try {
      const auth = kmsAuthFromEnv(o.env);
      this.client = new KmsClient({
        kmsUrl: o.kmsUrl,
        auth,
        transport: o.transport,
        retry: retryPolicyFromEnv(o.env),
        tokenCache: o.tokenCache ?? tokenCacheFor(auth, o.env),
        signal: this.abort.signal,
        onRequest: (e) => {
          o.onRequest?.(e);
          if (o.env[TUNING_ENV.debug] === "1") (o.debug ?? ((line) => process.stderr.write(`${line}\n`)))(requestTrace(e));
        },
      });
    } catch (err) {
      if (err instanceof ConfigError) throw DiagnosticError.at(undefined, PROVIDER_CONFIG_SUMMARY, err.message);
      throw err;
    }
    return this.client;
  };

  /** StopProvider: the request in flight is abandoned and none starts afterwards. */
  stop(): void {
    this.abort.abort();
  }

  /** Fires on stop(). */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Whether stop() was called. */
  get stopped(): boolean {
    return this.abort.signal.aborted;
  }
}

/** Universal Auth tokens are shared by the provider processes of one terraform run (unless KMS_OCTOPUS_TOKEN_CACHE=0). */
function tokenCacheFor(auth: KmsAuth, env: NodeJS.ProcessEnv): TokenCache {
  if (auth.kind !== "universal-auth" || env[TUNING_ENV.tokenCache] === "0") return new MemoryTokenCache();
  const dir = runDir(process.ppid);
  return dir ? new FileTokenCache(path.join(dir, "tokens")) : new MemoryTokenCache();
}
