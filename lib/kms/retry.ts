/**
 * Retry policy for KMS requests: which failures are worth another attempt and how long to wait.
 * Pure functions, so the policy is tested without a network.
 */

/** How the client retries. */
export interface RetryPolicy {
  /** Give up when the next attempt would start after this many milliseconds in total. */
  readonly budgetMs: number;
  /** First backoff ceiling, doubled on every attempt ("full jitter" picks a delay below it). */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling. */
  readonly maxDelayMs: number;
  /** Abort one attempt after this many milliseconds (connect, headers and body). */
  readonly attemptTimeoutMs: number;
}

/** Defaults: 30 s per attempt, 5 min in all, backoff 250 ms doubling up to 15 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  budgetMs: 300_000,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  attemptTimeoutMs: 30_000,
};

/** 429 and the 5xx a proxy or an overloaded KMS answers are transient; every other status is final. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * Transient network error codes: Node's sockets, and undici's (global `fetch`) with AbortError,
 * since a `Transport` may be any fetch-based function (the default, httpTransport, raises Node's).
 */
const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_ABORTED",
]);

/** Network failures (reset, refused, timeouts) are transient; TLS and URL errors are not. */
export function isRetryableNetworkError(err: unknown): boolean {
  if (!isErrorLike(err)) return false;
  if (err.name === "TimeoutError" || err.name === "AbortError") return true;
  const code = errorCode(err) ?? errorCode(err.cause);
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/** TLS certificate failures (untrusted issuer, self-signed, expired, wrong host name): never transient. */
export function isCertificateError(err: unknown): boolean {
  if (!isErrorLike(err)) return false;
  const code = errorCode(err) ?? errorCode(err.cause);
  return code !== undefined && /CERT|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT/.test(code);
}

/** A one-line description of a network failure (no URL credentials: the client never puts any in URLs). */
export function describeNetworkError(err: unknown): string {
  if (!isErrorLike(err)) return String(err);
  if (err.name === "TimeoutError" || err.name === "AbortError") return "no answer before the attempt timeout";
  const code = errorCode(err) ?? errorCode(err.cause);
  const causeMessage = isErrorLike(err.cause) ? err.cause.message : undefined;
  return [code, causeMessage ?? err.message].filter(Boolean).join(": ");
}

/**
 * Whether `err` looks like an Error. Not `instanceof`: errors made by Node's internals belong to
 * another realm under test runners that sandbox globals (jest), and would not be classified.
 */
function isErrorLike(err: unknown): err is Error {
  return typeof err === "object" && err !== null && typeof (err as { name?: unknown }).name === "string" && typeof (err as { message?: unknown }).message === "string";
}

function errorCode(err: unknown): string | undefined {
  if (err && typeof err === "object" && "code" in err && typeof (err as { code: unknown }).code === "string") {
    return (err as { code: string }).code;
  }
  return undefined;
}

/**
 * Milliseconds to wait before attempt `attempt + 1` (attempt counts from 1). Full jitter:
 * uniform in [0, min(maxDelay, base * 2^(attempt-1))]; when the KMS sent `Retry-After`, never less
 * than that (plus a little jitter, so that parallel hooks do not come back in the same millisecond).
 */
export function retryDelayMs(attempt: number, retryAfter: string | undefined, policy: RetryPolicy, random: () => number, now = Date.now()): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const backoff = Math.floor(random() * ceiling);
  const floor = parseRetryAfterMs(retryAfter, now);
  if (floor === undefined) return backoff;
  return floor + Math.floor(random() * Math.min(1000, policy.baseDelayMs * 4));
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
