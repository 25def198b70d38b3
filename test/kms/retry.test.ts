/** The retry policy's pure functions. */
import {
  DEFAULT_RETRY_POLICY,
  RetryPolicy,
  describeNetworkError,
  isCertificateError,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfterMs,
  retryDelayMs,
} from "../../lib/kms/retry";
import { fetchFailed, netError, timeoutError } from "./fakes";

const policy: RetryPolicy = { budgetMs: 60_000, baseDelayMs: 100, maxDelayMs: 2_000, attemptTimeoutMs: 1_000 };
const NOW = Date.parse("2026-06-01T12:00:00Z");

describe("isRetryableStatus", () => {
  test.each([429, 500, 502, 503, 504])("%i is transient", (status) => expect(isRetryableStatus(status)).toBe(true));
  test.each([200, 201, 204, 301, 302, 400, 401, 403, 404, 409, 422, 501, 505, 599])("%i is final", (status) => expect(isRetryableStatus(status)).toBe(false));
});

describe("isCertificateError", () => {
  test.each(["CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "ERR_TLS_CERT_ALTNAME_INVALID"])(
    "%s is a certificate problem, directly and as fetch's cause",
    (code) => {
      expect(isCertificateError(netError(code))).toBe(true);
      expect(isCertificateError(fetchFailed(code))).toBe(true);
    },
  );
  test.each(["ECONNRESET", "ENOTFOUND", "EPROTO"])("%s is not", (code) => expect(isCertificateError(fetchFailed(code))).toBe(false));
});

describe("isRetryableNetworkError", () => {
  test.each(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"])(
    "%s is transient, directly and as fetch's cause",
    (code) => {
      expect(isRetryableNetworkError(netError(code))).toBe(true);
      expect(isRetryableNetworkError(fetchFailed(code))).toBe(true);
    },
  );
  test("timeouts and aborts are transient", () => {
    expect(isRetryableNetworkError(timeoutError())).toBe(true);
    expect(isRetryableNetworkError(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBe(true);
  });
  test.each(["CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "ERR_TLS_CERT_ALTNAME_INVALID", "ENOTFOUND", "ERR_INVALID_URL", "EACCES"])(
    "%s is final",
    (code) => {
      expect(isRetryableNetworkError(netError(code))).toBe(false);
      expect(isRetryableNetworkError(fetchFailed(code))).toBe(false);
    },
  );
  test("errors without a code, and non-errors, are final", () => {
    expect(isRetryableNetworkError(new Error("boom"))).toBe(false);
    expect(isRetryableNetworkError(new TypeError("fetch failed"))).toBe(false);
    expect(isRetryableNetworkError("ECONNRESET")).toBe(false);
    expect(isRetryableNetworkError({ code: "ECONNRESET" })).toBe(false);
    expect(isRetryableNetworkError(undefined)).toBe(false);
    expect(isRetryableNetworkError(Object.assign(new Error("x"), { code: 42 }))).toBe(false);
  });
});

describe("describeNetworkError", () => {
  test("code and message; fetch's cause wins over its generic message", () => {
    expect(describeNetworkError(netError("ECONNRESET", "socket hang up"))).toBe("ECONNRESET: socket hang up");
    expect(describeNetworkError(fetchFailed("CERT_HAS_EXPIRED"))).toBe("CERT_HAS_EXPIRED: CERT_HAS_EXPIRED cause");
    expect(describeNetworkError(new Error("plain"))).toBe("plain");
  });
  test("timeouts say so", () => {
    expect(describeNetworkError(timeoutError())).toBe("no answer before the attempt timeout");
  });
  test("non-errors are stringified", () => {
    expect(describeNetworkError("weird")).toBe("weird");
    expect(describeNetworkError(undefined)).toBe("undefined");
  });
});

describe("retryDelayMs", () => {
  test("full jitter: uniform below a ceiling that doubles per attempt up to the cap", () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 10].map((attempt) => retryDelayMs(attempt, undefined, policy, () => 0.999999, NOW));
    expect(ceilings).toEqual([99, 199, 399, 799, 1599, 1999, 1999, 1999]);
    for (const attempt of [1, 3, 8]) expect(retryDelayMs(attempt, undefined, policy, () => 0, NOW)).toBe(0);
    expect(retryDelayMs(3, undefined, policy, () => 0.5, NOW)).toBe(200);
  });

  test("attempt 0 or negative is treated like the first", () => {
    expect(retryDelayMs(0, undefined, policy, () => 0.5, NOW)).toBe(50);
  });

  test("Retry-After seconds is a floor, with at most min(1 s, 4 × base) jitter on top", () => {
    expect(retryDelayMs(1, "5", policy, () => 0, NOW)).toBe(5000);
    expect(retryDelayMs(1, "5", policy, () => 0.999999, NOW)).toBe(5000 + 399);
    const big = { ...policy, baseDelayMs: 10_000, maxDelayMs: 60_000 };
    expect(retryDelayMs(1, "5", big, () => 0.999999, NOW)).toBe(5000 + 999);
    // The floor holds even past the backoff cap.
    expect(retryDelayMs(1, "30", policy, () => 0.5, NOW)).toBeGreaterThanOrEqual(30_000);
  });

  test("Retry-After as an HTTP date", () => {
    const at = new Date(NOW + 8_000).toUTCString();
    expect(retryDelayMs(1, at, policy, () => 0, NOW)).toBe(8_000);
  });

  test("an unreadable Retry-After falls back to backoff", () => {
    expect(retryDelayMs(2, "soon", policy, () => 0.5, NOW)).toBe(100);
  });

  test("defaults: 250 ms base, 15 s cap, 30 s attempts, 5 min budget", () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ budgetMs: 300_000, baseDelayMs: 250, maxDelayMs: 15_000, attemptTimeoutMs: 30_000 });
  });
});

describe("parseRetryAfterMs", () => {
  test.each([
    ["0", 0],
    ["1", 1000],
    ["2.5", 2500],
    [" 7 ", 7000],
    ["120", 120_000],
  ])("delta-seconds %p", (value, ms) => expect(parseRetryAfterMs(value, NOW)).toBe(ms));

  test("HTTP dates: in the future → the difference; in the past → 0", () => {
    expect(parseRetryAfterMs(new Date(NOW + 61_000).toUTCString(), NOW)).toBe(61_000);
    expect(parseRetryAfterMs(new Date(NOW - 61_000).toUTCString(), NOW)).toBe(0);
  });

  test.each([undefined, "", "   ", "soon", "1s"])("absent or unreadable %p → undefined", (value) => {
    expect(parseRetryAfterMs(value, NOW)).toBeUndefined();
  });
});
