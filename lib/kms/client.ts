/**
 * The KMS HTTP client for Octopus Deploy app connections (contract: shared/reference/kms-api.md).
 * Every response is parsed with zod; transient failures are retried within a time budget; an access
 * token refused as expired is renewed through Universal Auth (see `call`). Secrets never enter a message.
 */
import { KmsAuth } from "./credentials";
import { CERTIFICATE_HINT, ConfigError, KmsApiError, KmsErrorContext, KmsResponseError, KmsUnavailableError } from "./errors";
import { OutboundResponse, Transport, httpTransport } from "./outbound";
import { DEFAULT_RETRY_POLICY, RetryPolicy, describeNetworkError, isCertificateError, isRetryableNetworkError, isRetryableStatus, retryDelayMs } from "./retry";
import {
  Connection,
  ConnectionListBodySchema,
  CreateConnectionBody,
  ErrorBodySchema,
  LoginBodySchema,
  OCTOPUS_APP,
  SingleConnectionBodySchema,
  UpdateConnectionBody,
} from "./schemas";
import { MemoryTokenCache, TokenCache, tokenCacheKey } from "./token-cache";
import { VERSION } from "../version";
import { redact } from "../shared/redact";
import * as rules from "../shared/rules";
import * as z from "zod/mini";
import { setTimeout as wait } from "node:timers/promises";

/** What a request looked like, for counting and debugging (no secrets). */
export interface RequestEvent {
  /** HTTP method. */
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** Status code, or the network failure. */
  readonly outcome: number | string;
  /** Milliseconds the attempt took. */
  readonly ms: number;
  /** Attempt number, from 1. */
  readonly attempt: number;
}

/** The KMS_OCTOPUS_DEBUG line of one attempt (method, path, outcome, time; never headers or bodies). */
export function requestTrace(e: RequestEvent): string {
  return `  ${e.method} ${e.path} -> ${e.outcome} (${e.ms} ms, attempt ${e.attempt})`;
}

/** Options of {@link KmsClient}. */
export interface KmsClientOptions {
  /** Base URL of the KMS, e.g. https://app.kms.hanzo.ai (no trailing /api). */
  readonly kmsUrl: string;
  /** Credentials, usually from {@link kmsAuthFromEnv}. */
  readonly auth: KmsAuth;
  /** How requests are sent. @default httpTransport */
  readonly transport?: Transport;
  /** Retry and timeout policy. @default DEFAULT_RETRY_POLICY */
  readonly retry?: Partial<RetryPolicy>;
  /** Where Universal Auth tokens are kept. @default a MemoryTokenCache */
  readonly tokenCache?: TokenCache;
  /** Called after every attempt. @default none */
  readonly onRequest?: (event: RequestEvent) => void;
  /** Random source of the backoff jitter (tests pin it). @default Math.random */
  readonly random?: () => number;
  /** Waits between attempts (tests make it instant). @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * When it fires, the attempt in flight is abandoned and no further attempt starts (the provider's
   * StopProvider: Ctrl-C). Every operation is idempotent, so a rerun converges. @default - none
   */
  readonly signal?: AbortSignal;
}

const ROUTE = `/api/v1/app-connections/${OCTOPUS_APP}`;
const LOGIN_ROUTE = "/api/v1/auth/universal-auth/login";

/** HTTP methods of the KMS API. */
export type Method = "GET" | "POST" | "PATCH" | "DELETE";

/** Client of the KMS app-connection API for Octopus Deploy. */
export class KmsClient {
  /** Base URL without trailing slash. */
  readonly kmsUrl: string;
  private readonly transport: Transport;
  private readonly policy: RetryPolicy;
  private readonly tokenCache: TokenCache;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: KmsClientOptions) {
    this.kmsUrl = options.kmsUrl.replace(/\/+$/, "");
    // The KMS credentials go to this URL: it must be https (http only to loopback), with no user info.
    const verdict = rules.serviceUrl(this.kmsUrl);
    if (verdict) throw new ConfigError(`kmsUrl ${verdict} (nothing was sent).`);
    // Node's NODE_TLS_REJECT_UNAUTHORIZED=0 would silently turn off certificate checks: the
    // KMS gets the Octopus API key and the KMS credentials, so the client refuses instead.
    if (!options.transport && /^https:/i.test(this.kmsUrl) && process.env.NODE_TLS_REJECT_UNAUTHORIZED === "0") {
      throw new ConfigError(
        "NODE_TLS_REJECT_UNAUTHORIZED=0 is set: it turns off TLS certificate verification, and credentials are never sent to an unverified KMS " +
          "(nothing was sent). Unset it; for a KMS whose certificate comes from a private CA, set NODE_EXTRA_CA_CERTS to the CA's PEM file.",
      );
    }
    this.transport = options.transport ?? httpTransport;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.tokenCache = options.tokenCache ?? new MemoryTokenCache();
    this.random = options.random ?? Math.random;
    // The default wait ends early when the signal fires (no timer left behind after a stop).
    this.sleep = options.sleep ?? ((ms) => wait(ms, undefined, { signal: options.signal }).catch(() => undefined));
  }

  /** GET by name: org-level when `projectId` is undefined. Resolves undefined on 404. */
  async getByName(name: string, projectId?: string): Promise<Connection | undefined> {
    const path = `${ROUTE}/connection-name/${encodeURIComponent(name)}${query({ projectId })}`;
    return this.orNotFound(() => this.call("GET", path, undefined, SingleConnectionBodySchema)).then((b) => b?.appConnection);
  }

  /** GET by id. Resolves undefined on 404. */
  async getById(id: string): Promise<Connection | undefined> {
    return this.orNotFound(() => this.call("GET", `${ROUTE}/${encodeURIComponent(id)}`, undefined, SingleConnectionBodySchema)).then((b) => b?.appConnection);
  }

  /** List: a project's connections, or with no `projectId` every Octopus connection of the organization. */
  async list(projectId?: string): Promise<Connection[]> {
    return (await this.call("GET", `${ROUTE}${query({ projectId })}`, undefined, ConnectionListBodySchema)).appConnections;
  }

  /** POST: create. */
  async create(body: CreateConnectionBody): Promise<Connection> {
    return (await this.call("POST", ROUTE, body, SingleConnectionBodySchema)).appConnection;
  }

  /** PATCH: update name, description and/or credentials. */
  async update(id: string, body: UpdateConnectionBody): Promise<Connection> {
    return (await this.call("PATCH", `${ROUTE}/${encodeURIComponent(id)}`, body, SingleConnectionBodySchema)).appConnection;
  }

  /** DELETE. Resolves undefined when the connection was already gone (404). */
  async delete(id: string): Promise<Connection | undefined> {
    return this.orNotFound(() => this.call("DELETE", `${ROUTE}/${encodeURIComponent(id)}`, undefined, SingleConnectionBodySchema)).then((b) => b?.appConnection);
  }

  /** @internal Runs `fn`; the KMS's own NotFound resolves undefined (used by secret-syncs.ts too). */
  async orNotFound<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      // Only the KMS's own NotFound (kms-api.md): a 404 from a proxy or a wrong base URL is an error,
      // never "already gone".
      if (err instanceof KmsApiError && err.status === 404 && err.kmsError === "NotFound") return undefined;
      throw err;
    }
  }

  /**
   * An authenticated call (Universal Auth: a refused token is renewed). The first refusal always
   * renews. A renewed token can expire too while its request is retried (Retry-After longer than the
   * token lives): refused after a retry, it is renewed again; refused on its first attempt, the
   * refusal is not about its age and surfaces. All attempts share one retry budget.
   * @internal Also the call path of the other KMS APIs of this library (secret-syncs.ts).
   */
  async call<S extends z.ZodMiniType>(method: Method, path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    const started = Date.now();
    let token = await this.accessToken(undefined, started);
    for (let renewed = false; ; renewed = true) {
      try {
        return await this.send(method, path, body, schema, token, started);
      } catch (err) {
        if (!(err instanceof KmsApiError) || !err.isTokenRejected || this.options.auth.kind !== "universal-auth") throw err;
        if (renewed && err.context.attempts === 1) throw err;
        token = await this.accessToken(token, started);
      }
    }
  }

  /**
   * The bearer token; with `refused`, a token the KMS just refused, which is dropped and replaced. A
   * login counts against the budget of the request that needs it (`started`).
   */
  private async accessToken(refused: string | undefined, started: number): Promise<string> {
    const auth = this.options.auth;
    if (auth.kind === "token") return auth.token;
    const key = tokenCacheKey(this.kmsUrl, auth.clientId, auth.clientSecret, auth.organizationSlug);
    if (refused && this.tokenCache.get(key)?.accessToken === refused) this.tokenCache.delete(key);
    const cached = this.tokenCache.get(key);
    if (cached) return cached.accessToken;
    return this.tokenCache.exclusive(key, async () => {
      const again = this.tokenCache.get(key);
      if (again) return again.accessToken;
      const login = await this.send(
        "POST",
        LOGIN_ROUTE,
        { clientId: auth.clientId, clientSecret: auth.clientSecret, ...(auth.organizationSlug ? { organizationSlug: auth.organizationSlug } : {}) },
        LoginBodySchema,
        undefined,
        started,
      );
      this.tokenCache.set(key, { accessToken: login.accessToken, expiresAt: Date.now() + login.expiresIn * 1000 });
      return login.accessToken;
    });
  }

  /** One logical request: attempts until success, a final error, or the retry budget (counted from `started`) runs out. */
  private async send<S extends z.ZodMiniType>(
    method: Method,
    path: string,
    body: unknown,
    schema: S,
    token: string | undefined,
    started = Date.now(),
  ): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: "application/json", "user-agent": `cdktf-kms-octopus/${VERSION}` };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const text = body === undefined ? undefined : JSON.stringify(body);

    const signal = this.options.signal;
    for (let attempt = 1; ; attempt++) {
      const context: KmsErrorContext = { method, path, attempts: attempt };
      if (signal?.aborted) throw stoppedError(context, started);
      const attemptStart = Date.now();
      let failure: string;
      let retryAfter: string | undefined;
      try {
        const res = await this.transport({ method, url: this.kmsUrl + path, headers, body: text, timeoutMs: this.policy.attemptTimeoutMs, signal });
        this.options.onRequest?.({ method, path, outcome: res.status, ms: Date.now() - attemptStart, attempt });
        if (res.status >= 200 && res.status < 300) return parseBody(res, schema, context);
        const error = parseError(res, context, secretsIn(body, token, this.options.auth));
        if (!isRetryableStatus(res.status)) throw error;
        failure = `${res.status}${error.kmsError ? ` ${error.kmsError}` : ""}: ${error.kmsMessage}${error.reqId ? ` (reqId ${error.reqId})` : ""}`;
        retryAfter = res.headers["retry-after"];
      } catch (err) {
        if (err instanceof KmsApiError || err instanceof KmsResponseError) throw err;
        if (signal?.aborted) throw stoppedError(context, started);
        const description = describeNetworkError(err);
        this.options.onRequest?.({ method, path, outcome: description, ms: Date.now() - attemptStart, attempt });
        if (!isRetryableNetworkError(err)) {
          throw new KmsUnavailableError(
            `${description} (not retried: not a transient failure)`,
            context,
            Date.now() - started,
            isCertificateError(err) ? CERTIFICATE_HINT : undefined,
          );
        }
        failure = description;
      }
      const delay = retryDelayMs(attempt, retryAfter, this.policy, this.random);
      if (Date.now() - started + delay >= this.policy.budgetMs) {
        throw new KmsUnavailableError(failure, context, Date.now() - started);
      }
      await this.pause(delay);
    }
  }

  /** Waits between attempts; returns early when the signal fires (the next attempt then does not start). */
  private pause(ms: number): Promise<void> {
    const signal = this.options.signal;
    if (!signal) return this.sleep(ms);
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        resolve();
      };
      signal.addEventListener("abort", done, { once: true });
      void this.sleep(ms).then(done, done);
    });
  }
}

/** The request was abandoned because the signal fired (Terraform asked the provider to stop). */
function stoppedError(context: KmsErrorContext, started: number): KmsUnavailableError {
  return new KmsUnavailableError(
    "stopped (Terraform asked the provider to stop)",
    context,
    Date.now() - started,
    "Nothing further was sent; the request in flight may or may not have been applied by the KMS. Run again: every operation is idempotent, and a create that did commit is found and adopted.",
  );
}

function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : "";
}

function parseBody<S extends z.ZodMiniType>(res: OutboundResponse, schema: S, context: KmsErrorContext): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    throw new KmsResponseError(`${context.method} ${context.path}: the KMS answered ${res.status} with a body that is not JSON; is kmsUrl the KMS base URL?`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
    throw new KmsResponseError(`${context.method} ${context.path}: the KMS answer does not match the API contract (${issues}).`);
  }
  return parsed.data;
}

/**
 * What this request sent that is secret: the bearer token, the KMS credentials and an API key in the
 * body. An error body that echoes the request (a proxy, a debug endpoint) must not carry them into a
 * message.
 */
function secretsIn(body: unknown, token: string | undefined, auth: KmsAuth): (string | undefined)[] {
  const b = body as { clientSecret?: unknown; credentials?: { apiKey?: unknown } } | undefined;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return [token, auth.kind === "token" ? auth.token : auth.clientSecret, text(b?.clientSecret), text(b?.credentials?.apiKey)];
}

function parseError(res: OutboundResponse, context: KmsErrorContext, secrets: readonly (string | undefined)[]): KmsApiError {
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  const parsed = ErrorBodySchema.safeParse(json);
  const data = parsed.success ? parsed.data : {};
  const message = Array.isArray(data.message)
    ? data.message.map((i) => `${(i.path ?? []).join(".") || "(body)"}: ${i.message ?? "invalid"}`).join("; ")
    : (data.message ?? (res.body.trim().slice(0, 200) || "(no message)"));
  return new KmsApiError(res.status, data.error, redact(message, secrets), data.reqId ?? res.headers["x-request-id"], context);
}
