/** Shared helpers of the local KMS tests: real HTTP calls with `fetch`. */
import type { LocalKms } from "../../lib/testing";

/** Base path of the Octopus Deploy connection routes. */
export const CONNECTIONS = "/api/v1/app-connections/octopus-deploy";

/** A JSON body; tests assert on it field by field, so it is left untyped. */
export type Json = any;

/** What a call returned. */
export interface ApiResult {
  /** HTTP status. */
  readonly status: number;
  /** Parsed JSON body. */
  readonly body: Json;
  /** The body as received. */
  readonly text: string;
  /** Response headers. */
  readonly headers: Headers;
}

/** Options of `call`. */
export interface CallOptions {
  /** Bearer token; default `kms.token`; `null` sends no Authorization header. */
  readonly token?: string | null;
  /** JSON body. */
  readonly body?: unknown;
  /** Raw body, sent as is with a JSON content type. */
  readonly rawBody?: string;
  /** Extra headers. */
  readonly headers?: Record<string, string>;
  /** Abort after this many milliseconds. */
  readonly timeoutMs?: number;
}

/** One request to the local KMS. */
export async function call(kms: Pick<LocalKms, "kmsUrl" | "token">, method: string, path: string, options: CallOptions = {}): Promise<ApiResult> {
  const token = options.token === undefined ? kms.token : options.token;
  const headers: Record<string, string> = { ...options.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${kms.kmsUrl}${path}`, {
    method,
    headers,
    body: payload,
    signal: options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text), text, headers: response.headers };
}

/** A valid create body pointing at the fake Octopus; `overrides` replace top-level fields. */
export function createBody(kms: Pick<LocalKms, "octopusUrl" | "octopusApiKey">, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "octo",
    method: "api-key",
    credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey },
    ...overrides,
  };
}

/** Creates a connection and returns it (fails the test on a non-200). */
export async function createConnection(kms: LocalKms, overrides: Record<string, unknown> = {}): Promise<Json> {
  const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, overrides) });
  if (result.status !== 200) throw new Error(`create failed: ${result.status} ${result.text}`);
  return result.body.appConnection;
}

/** The error body shape of every KMS error (`reqId` is random). */
export function errorBody(statusCode: number, error: string, message: unknown): Json {
  return { reqId: expect.stringMatching(/^req-[0-9a-zA-Z]{14}$/), statusCode, error, message };
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
