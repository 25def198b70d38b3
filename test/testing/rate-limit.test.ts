/** Rate limits (kms-api.md §10) and where they sit in the hook order (§5). */
import { startLocalKms, type LocalKms } from "../../lib/testing";
import { RateLimiter } from "../../lib/testing/rate-limit";
import { CONNECTIONS, call, createBody, errorBody } from "./helpers";

describe("over HTTP", () => {
  let kms: LocalKms;
  beforeEach(async () => {
    kms = await startLocalKms({ readLimit: 2, writeLimit: 1 });
  });
  afterEach(() => kms.close());

  it("answers 429 with Retry-After and x-ratelimit headers past the read limit", async () => {
    const first = await call(kms, "GET", CONNECTIONS);
    expect(first.headers.get("x-ratelimit-limit")).toBe("2");
    expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
    expect(Number(first.headers.get("x-ratelimit-reset"))).toBeGreaterThan(0);
    expect((await call(kms, "GET", CONNECTIONS)).headers.get("x-ratelimit-remaining")).toBe("0");

    const limited = await call(kms, "GET", CONNECTIONS);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(59);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body).toEqual(errorBody(429, "RateLimitExceeded", `Rate limit exceeded. Please try again in ${retryAfter} seconds`));
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
  });

  it("counts writes apart from reads, login included", async () => {
    await call(kms, "GET", CONNECTIONS);
    await call(kms, "GET", CONNECTIONS);
    expect((await call(kms, "POST", CONNECTIONS, { body: createBody(kms) })).status).toBe(200);
    const login = await call(kms, "POST", "/api/v1/auth/universal-auth/login", { token: null, body: { clientId: kms.clientId, clientSecret: kms.clientSecret } });
    expect(login.status).toBe(429);
  });

  it("answers 401/403 before 429, and 429 before 422", async () => {
    await call(kms, "GET", CONNECTIONS);
    await call(kms, "GET", CONNECTIONS);
    expect((await call(kms, "GET", CONNECTIONS, { token: null })).status).toBe(401);
    expect((await call(kms, "GET", CONNECTIONS, { token: "garbage" })).status).toBe(403);
    expect((await call(kms, "GET", `${CONNECTIONS}/not-a-uuid`)).status).toBe(429);
  });

  it("does not limit /healthcheck", async () => {
    for (let i = 0; i < 4; i++) expect((await call(kms, "GET", "/healthcheck", { token: null })).status).toBe(200);
  });
});

it("turns a limit off with 0 (no headers either)", async () => {
  const kms = await startLocalKms({ readLimit: 0 });
  try {
    for (let i = 0; i < 70; i++) {
      const result = await call(kms, "GET", CONNECTIONS);
      expect(result.status).toBe(200);
      expect(result.headers.get("x-ratelimit-limit")).toBeNull();
    }
  } finally {
    await kms.close();
  }
});

describe("RateLimiter", () => {
  it("opens a fixed 60 s window at the first request and per client IP", () => {
    let now = 0;
    const limiter = new RateLimiter({ read: 1, write: 0 }, 60_000, () => now);
    expect(limiter.consume("a", "read").allowed).toBe(true);
    expect(limiter.consume("b", "read").allowed).toBe(true);
    expect(limiter.consume("a", "write").allowed).toBe(true);
    now = 59_500;
    const refused = limiter.consume("a", "read");
    expect(refused.allowed).toBe(false);
    expect(!refused.allowed && refused.error.extras.headers?.["retry-after"]).toBe("1");
    now = 60_000;
    expect(limiter.consume("a", "read").allowed).toBe(true);
  });
});
