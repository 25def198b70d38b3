/**
 * Fixed-window rate limiting per client IP (kms-api.md §10): a window opens at a client's first
 * request and lasts 60 s; reads and writes are counted in separate windows.
 *
 * Ambiguity: upstream keys @fastify/rate-limit by IP with per-route configs, which may count each
 * route separately; the contract only says "key = client IP", so the emulator keeps one read and one
 * write counter per IP.
 */
import { rateLimited, type KmsHttpError } from "./errors";

/** Which limit a route uses: GETs read, POST/PATCH/DELETE and login write. */
export type RateClass = "read" | "write";

/** Requests allowed per window; 0 disables that limit. */
export interface RateLimits {
  /** GET routes. */
  readonly read: number;
  /** POST/PATCH/DELETE routes and Universal Auth login. */
  readonly write: number;
}

/** The outcome of counting one request. */
export type RateDecision =
  | { readonly allowed: true; readonly headers: Readonly<Record<string, string>> }
  | { readonly allowed: false; readonly error: KmsHttpError };

interface Window {
  count: number;
  readonly resetAt: number;
}

/** Counts requests per (client IP, rate class) in fixed windows. */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: RateLimits,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request; over the limit, the 429 to answer (with `Retry-After`). */
  consume(clientIp: string, rateClass: RateClass): RateDecision {
    const limit = this.limits[rateClass];
    if (limit === 0) return { allowed: true, headers: {} };
    const key = `${rateClass} ${clientIp}`;
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now >= window.resetAt) {
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    const resetSeconds = Math.ceil((window.resetAt - now) / 1000);
    const headers = {
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": String(Math.max(0, limit - window.count)),
      "x-ratelimit-reset": String(resetSeconds),
    };
    return window.count <= limit ? { allowed: true, headers } : { allowed: false, error: rateLimited(resetSeconds, headers) };
  }
}
