/**
 * KmsClient against a scripted transport: parsing, status handling, retries with an instant fake
 * clock, Universal Auth token reuse and renewal, and secrets kept out of URLs and messages.
 */
import { KmsClient, KmsClientOptions, RequestEvent } from "../../lib/kms/client";
import { KmsAuth } from "../../lib/kms/credentials";
import { ConfigError, KmsApiError, KmsResponseError, KmsUnavailableError } from "../../lib/kms/errors";
import { MemoryTokenCache } from "../../lib/kms/token-cache";
import { VERSION } from "../../lib/version";
import {
  CONN_ID,
  FakeClock,
  Reply,
  ScriptedTransport,
  connection,
  fetchFailed,
  kmsError,
  login,
  netError,
  ok,
  timeoutError,
} from "./fakes";

const KMS = "https://kms.example.com";
const ROUTE = "/api/v1/app-connections/octopus-deploy";
const STATIC_TOKEN = "static-token-SECRET-0001";
const CLIENT_ID = "client-id-0001";
const CLIENT_SECRET = "client-secret-SECRET-0001";
const API_KEY = "API-OCTOPUSKEYSECRET000000000";
const PROJECT = "abcdef12-3456-7890-abcd-ef1234567890";

const tokenAuth: KmsAuth = { kind: "token", token: STATIC_TOKEN, source: "KMS_TOKEN" };
const uaAuth: KmsAuth = { kind: "universal-auth", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, source: "KMS_CLIENT_ID and KMS_CLIENT_SECRET" };

let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock().install();
});
afterEach(() => clock.uninstall());

function client(fake: ScriptedTransport, options: Partial<KmsClientOptions> = {}): KmsClient {
  return new KmsClient({ kmsUrl: KMS, auth: tokenAuth, transport: fake.transport, sleep: clock.sleep, random: () => 0.5, ...options });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

const createBody = {
  name: "my-conn",
  description: "d",
  method: "api-key" as const,
  credentials: { instanceUrl: "https://your-instance.octopus.app", apiKey: API_KEY },
};

describe("the KMS URL", () => {
  test.each(["http://kms.example.com", "https://user:pass@kms.example.com", "ftp://kms.example.com", "not a url"])("%s is refused before anything is sent", (kmsUrl) => {
    const fake = new ScriptedTransport();
    expect(() => client(fake, { kmsUrl })).toThrow(ConfigError);
    expect(fake.calls).toBe(0);
  });

  test("http is accepted for loopback only", () => {
    expect(() => client(new ScriptedTransport(), { kmsUrl: "http://127.0.0.1:8080" })).not.toThrow();
  });
});

describe("successful calls", () => {
  test("getByName: org-level GET by name, parsed", async () => {
    const fake = new ScriptedTransport(ok(connection({ description: "hello" })));
    const c = await client(fake).getByName("my-conn");
    expect(c).toEqual(expect.objectContaining({ id: CONN_ID, name: "my-conn", description: "hello", credentials: { instanceUrl: "https://your-instance.octopus.app" } }));
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].method).toBe("GET");
    expect(fake.requests[0].url).toBe(`${KMS}${ROUTE}/connection-name/my-conn`);
    expect(fake.requests[0].body).toBeUndefined();
  });

  test("getByName: project scope goes in the query; the name is URL-encoded", async () => {
    const fake = new ScriptedTransport(ok(), ok());
    await client(fake).getByName("my-conn", PROJECT);
    await client(fake).getByName("a/b?c#d");
    expect(fake.requests[0].url).toBe(`${KMS}${ROUTE}/connection-name/my-conn?projectId=${PROJECT}`);
    expect(fake.requests[1].url).toBe(`${KMS}${ROUTE}/connection-name/a%2Fb%3Fc%23d`);
  });

  test("getById, list, create, update, delete: methods, paths and bodies", async () => {
    const fake = new ScriptedTransport(
      ok(),
      { status: 200, body: { appConnections: [connection(), connection({ id: "other", name: "other" })] } },
      { status: 200, body: { appConnections: [] } },
      ok(),
      ok(connection({ name: "renamed" })),
      ok(),
    );
    const kms = client(fake);
    expect((await kms.getById(CONN_ID))?.id).toBe(CONN_ID);
    expect((await kms.list()).map((c) => c.name)).toEqual(["my-conn", "other"]);
    expect(await kms.list(PROJECT)).toEqual([]);
    expect((await kms.create({ ...createBody, projectId: PROJECT })).id).toBe(CONN_ID);
    expect((await kms.update(CONN_ID, { name: "renamed" })).name).toBe("renamed");
    expect((await kms.delete(CONN_ID))?.id).toBe(CONN_ID);
    expect(fake.requests.map((r) => `${r.method} ${r.url.slice(KMS.length)}`)).toEqual([
      `GET ${ROUTE}/${CONN_ID}`,
      `GET ${ROUTE}`,
      `GET ${ROUTE}?projectId=${PROJECT}`,
      `POST ${ROUTE}`,
      `PATCH ${ROUTE}/${CONN_ID}`,
      `DELETE ${ROUTE}/${CONN_ID}`,
    ]);
    expect(JSON.parse(fake.requests[3].body!)).toEqual({ ...createBody, projectId: PROJECT });
    expect(fake.requests[3].headers["content-type"]).toBe("application/json");
    expect(JSON.parse(fake.requests[4].body!)).toEqual({ name: "renamed" });
    expect(fake.requests[5].body).toBeUndefined();
  });

  test("a trailing slash on kmsUrl is dropped", async () => {
    const fake = new ScriptedTransport(ok());
    const kms = client(fake, { kmsUrl: `${KMS}//` });
    expect(kms.kmsUrl).toBe(KMS);
    await kms.getById(CONN_ID);
    expect(fake.requests[0].url).toBe(`${KMS}${ROUTE}/${CONN_ID}`);
  });

  test("unknown response fields are kept; the API key is never expected back", async () => {
    const fake = new ScriptedTransport(ok(connection({ futureField: 1, project: null })));
    const c = await client(fake).getById(CONN_ID);
    expect(c).toEqual(expect.objectContaining({ futureField: 1 }));
  });

  test("headers: bearer token, JSON accept, user agent with the version; the attempt timeout is passed", async () => {
    const fake = new ScriptedTransport(ok());
    await client(fake, { retry: { attemptTimeoutMs: 1234 } }).getById(CONN_ID);
    const req = fake.requests[0];
    expect(req.headers.authorization).toBe(`Bearer ${STATIC_TOKEN}`);
    expect(req.headers.accept).toBe("application/json");
    expect(req.headers["user-agent"]).toBe(`cdktf-kms-octopus/${VERSION}`);
    expect(req.timeoutMs).toBe(1234);
  });
});

describe("not found", () => {
  test.each([
    ["getByName", (k: KmsClient) => k.getByName("gone")],
    ["getById", (k: KmsClient) => k.getById(CONN_ID)],
    ["delete", (k: KmsClient) => k.delete(CONN_ID)],
  ])("%s resolves undefined on 404, with one request", async (_name, call) => {
    const fake = new ScriptedTransport(kmsError(404, "NotFound", "Could not find App Connection"));
    await expect(call(client(fake))).resolves.toBeUndefined();
    expect(fake.calls).toBe(1);
  });

  test("list does not hide a 404", async () => {
    const fake = new ScriptedTransport(kmsError(404, "NotFound", "no such route"));
    const err = await rejection(client(fake).list());
    expect(err).toBeInstanceOf(KmsApiError);
    expect((err as KmsApiError).status).toBe(404);
  });

  test("a 404 that is not the KMS's NotFound (a proxy, a wrong base URL) is an error, never absent", async () => {
    for (const reply of [{ status: 404, body: "<html>404 Not Found</html>" }, kmsError(404, "Not Found", "Route GET:/x not found")]) {
      const fake = new ScriptedTransport(reply);
      const err = await rejection(client(fake).delete(CONN_ID));
      expect(err).toBeInstanceOf(KmsApiError);
      expect((err as KmsApiError).status).toBe(404);
    }
  });

  test("update and create do not hide a 404", async () => {
    const fake = new ScriptedTransport(kmsError(404, "NotFound", "x"), kmsError(404, "NotFound", "y"));
    await expect(client(fake).update(CONN_ID, { name: "n" })).rejects.toBeInstanceOf(KmsApiError);
    await expect(client(fake).create(createBody)).rejects.toBeInstanceOf(KmsApiError);
  });
});

describe("final errors", () => {
  test.each([
    [400, "BadRequest", 'An App Connection with the name "my-conn" already exists', /already exists/],
    [401, "UnauthorizedError", "Token missing", /Token missing/],
    [403, "PermissionDenied", "You are not allowed to create on app-connections", /not allowed to create/],
    [403, "TokenError", "Your token has expired. Please re-authenticate.", /token has expired/],
    [409, "Conflict", "conflict", /conflict/],
    [501, "NotImplemented", "nope", /nope/],
  ])("%i %s → KmsApiError, not retried", async (status, error, message, fragment) => {
    const fake = new ScriptedTransport(kmsError(status, error, message, "req-abc-123"));
    const err = await rejection(client(fake).create(createBody));
    expect(err).toBeInstanceOf(KmsApiError);
    const e = err as KmsApiError;
    expect(e.status).toBe(status);
    expect(e.kmsError).toBe(error);
    expect(e.reqId).toBe("req-abc-123");
    expect(e.message).toMatch(fragment);
    expect(e.message).toContain("reqId req-abc-123");
    expect(e.message).toContain(`POST ${ROUTE}`);
    expect(e.context.attempts).toBe(1);
    expect(fake.calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  test("422: the issue list is flattened with its paths", async () => {
    const issues = [
      { code: "custom", message: "name field can only contain lowercase letters, numbers, and hyphens", path: ["name"] },
      { code: "invalid_string", message: "Invalid Instance URL", path: ["credentials", "instanceUrl"] },
      { code: "custom", message: "Invalid input" },
    ];
    const fake = new ScriptedTransport(kmsError(422, "ValidationFailure", issues, "req-422"));
    const err = (await rejection(client(fake).create(createBody))) as KmsApiError;
    expect(err).toBeInstanceOf(KmsApiError);
    expect(err.status).toBe(422);
    expect(err.kmsMessage).toBe(
      "name: name field can only contain lowercase letters, numbers, and hyphens; credentials.instanceUrl: Invalid Instance URL; (body): Invalid input",
    );
    expect(err.message).toContain("credentials.instanceUrl: Invalid Instance URL");
    expect(err.message).toContain("reqId req-422");
    expect(fake.calls).toBe(1);
  });

  test("an error body that is not JSON: the text is the message; x-request-id is the reqId", async () => {
    const fake = new ScriptedTransport({ status: 400, body: "<html>Bad Request from proxy</html>", headers: { "x-request-id": "proxy-42" } });
    const err = (await rejection(client(fake).getById(CONN_ID))) as KmsApiError;
    expect(err).toBeInstanceOf(KmsApiError);
    expect(err.kmsMessage).toBe("<html>Bad Request from proxy</html>");
    expect(err.reqId).toBe("proxy-42");
  });

  test("an error body that echoes the request never carries the token, the client secret or the API key", async () => {
    const echo = (body: string) => ({ status: 400, body: `echo: authorization: Bearer ${STATIC_TOKEN} ${body}` });
    const fake = new ScriptedTransport(echo(JSON.stringify(createBody)));
    const err = (await rejection(client(fake).create(createBody))) as KmsApiError;
    expect(err.kmsMessage).toContain("[redacted]");
    expect(err.message).not.toContain(STATIC_TOKEN);
    expect(err.message).not.toContain(API_KEY);
    const ua = new ScriptedTransport({ status: 400, body: `echo: ${CLIENT_SECRET}` });
    const loginErr = await rejection(client(ua, { auth: uaAuth }).list());
    expect(loginErr.message).not.toContain(CLIENT_SECRET);
  });

  test("an empty error body", async () => {
    const fake = new ScriptedTransport({ status: 400, body: "" });
    const err = (await rejection(client(fake).getById(CONN_ID))) as KmsApiError;
    expect(err.kmsMessage).toBe("(no message)");
  });
});

describe("retries", () => {
  test("429 with Retry-After: waits at least that long, then succeeds", async () => {
    const fake = new ScriptedTransport(kmsError(429, "RateLimitExceeded", "Rate limit exceeded. Please try again in 7 seconds", "req-429", { "retry-after": "7" }), ok());
    const c = await client(fake).getById(CONN_ID);
    expect(c?.id).toBe(CONN_ID);
    expect(fake.calls).toBe(2);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(7000);
    expect(clock.sleeps[0]).toBeLessThan(7000 + 1001);
  });

  test("429 with Retry-After as an HTTP date", async () => {
    const at = new Date(clock.now + 12_000).toUTCString();
    const fake = new ScriptedTransport({ status: 429, body: { message: "slow down" }, headers: { "retry-after": at } }, ok());
    await client(fake).getById(CONN_ID);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(11_000); // HTTP dates have 1 s resolution
  });

  test("a Retry-After longer than the remaining budget fails at once instead of sleeping", async () => {
    const fake = new ScriptedTransport({ status: 429, body: { message: "later" }, headers: { "retry-after": "3600" } });
    const err = await rejection(client(fake, { retry: { budgetMs: 60_000 } }).getById(CONN_ID));
    expect(err).toBeInstanceOf(KmsUnavailableError);
    expect(fake.calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
    expect(err.message).toContain("429");
  });

  test.each([500, 502, 503, 504])("%i is retried, then succeeds", async (status) => {
    const fake = new ScriptedTransport(kmsError(status, "InternalServerError", "Something went wrong"), { status, body: "<html>gateway</html>" }, ok());
    await expect(client(fake).getById(CONN_ID)).resolves.toEqual(expect.objectContaining({ id: CONN_ID }));
    expect(fake.calls).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
  });

  test.each([
    ["ECONNRESET", () => netError("ECONNRESET")],
    ["ECONNREFUSED via fetch's cause", () => fetchFailed("ECONNREFUSED")],
    ["UND_ERR_SOCKET via fetch's cause", () => fetchFailed("UND_ERR_SOCKET")],
    ["EAI_AGAIN", () => netError("EAI_AGAIN")],
    ["a TimeoutError", () => timeoutError()],
  ])("network error %s is retried, then succeeds", async (_label, error) => {
    const fake = new ScriptedTransport(error(), error(), ok());
    await expect(client(fake).create(createBody)).resolves.toEqual(expect.objectContaining({ id: CONN_ID }));
    expect(fake.calls).toBe(3);
    // The same request is sent again, unchanged.
    expect(fake.requests[2]).toEqual(fake.requests[0]);
  });

  test("backoff grows exponentially with full jitter (random pinned) up to the cap", async () => {
    const fake = new ScriptedTransport(...Array.from({ length: 8 }, () => kmsError(503, "x", "down")), ok());
    await client(fake, { random: () => 0.5, retry: { baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 100_000 } }).getById(CONN_ID);
    expect(clock.sleeps).toEqual([50, 100, 200, 400, 500, 500, 500, 500]);
  });

  test("budget exhausted → KmsUnavailableError naming the attempts and the last failure", async () => {
    const fake = new ScriptedTransport(...Array.from({ length: 50 }, () => kmsError(503, "ServiceUnavailable", "maintenance", "req-503")));
    const kms = client(fake, { random: () => 0.5, retry: { baseDelayMs: 1000, maxDelayMs: 4000, budgetMs: 10_000 } });
    const err = await rejection(kms.getById(CONN_ID));
    expect(err).toBeInstanceOf(KmsUnavailableError);
    const e = err as KmsUnavailableError;
    // Delays (random 0.5): 500, 1000, 2000, 2000, 2000, 2000 = 9500 ms; a 7th wait would pass 10 s.
    const attempts = fake.calls;
    expect(attempts).toBe(7);
    expect(clock.sleeps).toEqual([500, 1000, 2000, 2000, 2000, 2000]);
    expect(e.context.attempts).toBe(attempts);
    expect(e.message).toContain(`failed after ${attempts} attempt(s)`);
    expect(e.message).toContain("503 ServiceUnavailable: maintenance (reqId req-503)");
    expect(e.message).toContain("KMS_OCTOPUS_RETRY_BUDGET");
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(10_000);
    expect(attempts).toBe(clock.sleeps.length + 1);
    expect(attempts).toBeGreaterThan(2);
  });

  test("network errors until the budget runs out", async () => {
    const fake = new ScriptedTransport(...Array.from({ length: 50 }, () => netError("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.1:443")));
    const err = await rejection(client(fake, { retry: { budgetMs: 5_000 } }).getById(CONN_ID));
    expect(err).toBeInstanceOf(KmsUnavailableError);
    expect(err.message).toContain("ECONNREFUSED");
    expect(err.message).toMatch(/failed after \d+ attempt\(s\)/);
  });

  test.each([
    ["CERT_HAS_EXPIRED", () => fetchFailed("CERT_HAS_EXPIRED")],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", () => netError("DEPTH_ZERO_SELF_SIGNED_CERT", "self-signed certificate")],
    ["ENOTFOUND", () => netError("ENOTFOUND", "getaddrinfo ENOTFOUND kms.example.com")],
    ["a plain Error", () => new Error("something odd")],
  ])("non-retryable network error %s → one attempt, KmsUnavailableError", async (label, error) => {
    const fake = new ScriptedTransport(error(), ok());
    const err = await rejection(client(fake).getById(CONN_ID));
    expect(err).toBeInstanceOf(KmsUnavailableError);
    expect(err.message).toContain("not retried");
    expect(err.message).toContain("after 1 attempt(s)");
    if (label.match(/^[A-Z_]+$/)) expect(err.message).toContain(label);
    // A certificate problem is not fixed by running again: the advice is NODE_EXTRA_CA_CERTS instead.
    if (label.includes("CERT")) {
      expect(err.message).toContain("NODE_EXTRA_CA_CERTS");
      expect(err.message).not.toContain("KMS_OCTOPUS_RETRY_BUDGET");
    } else {
      expect(err.message).not.toContain("NODE_EXTRA_CA_CERTS");
    }
    expect(fake.calls).toBe(1);
  });

  describe("NODE_TLS_REJECT_UNAUTHORIZED=0 (Node's switch that turns certificate checks off)", () => {
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    beforeEach(() => {
      process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    });

    test("an https KMS with the default transport is refused before anything is sent", () => {
      expect(() => new KmsClient({ kmsUrl: KMS, auth: tokenAuth })).toThrow(ConfigError);
      expect(() => new KmsClient({ kmsUrl: KMS, auth: tokenAuth })).toThrow(/NODE_TLS_REJECT_UNAUTHORIZED=0.*NODE_EXTRA_CA_CERTS/);
    });

    test("plain http to loopback and injected transports are not affected", () => {
      expect(() => new KmsClient({ kmsUrl: "http://127.0.0.1:8080", auth: tokenAuth })).not.toThrow();
      expect(() => client(new ScriptedTransport())).not.toThrow();
    });
  });

  test("onRequest sees every attempt with its outcome", async () => {
    const events: RequestEvent[] = [];
    const fake = new ScriptedTransport(netError("ECONNRESET"), kmsError(502, "x", "bad gateway"), ok());
    await client(fake, { onRequest: (e) => events.push(e) }).getById(CONN_ID);
    expect(events.map((e) => [e.method, e.path, e.outcome, e.attempt])).toEqual([
      ["GET", `${ROUTE}/${CONN_ID}`, "ECONNRESET: connect ECONNRESET", 1],
      ["GET", `${ROUTE}/${CONN_ID}`, 502, 2],
      ["GET", `${ROUTE}/${CONN_ID}`, 200, 3],
    ]);
  });
});

describe("response contract", () => {
  test.each([
    ["not JSON", { status: 200, body: "<html>login page</html>" }, /not JSON/],
    ["no appConnection", { status: 200, body: { connection: connection() } }, /appConnection/],
    ["another app", { status: 200, body: { appConnection: connection({ app: "github" }) } }, /app/],
    ["id missing", { status: 200, body: { appConnection: connection({ id: undefined }) } }, /appConnection\.id/],
    ["credentials missing", { status: 200, body: { appConnection: connection({ credentials: undefined }) } }, /credentials/],
    ["name a number", { status: 200, body: { appConnection: connection({ name: 5 }) } }, /appConnection\.name/],
  ] as const)("%s → KmsResponseError, not retried", async (_label, reply, fragment) => {
    const fake = new ScriptedTransport(reply as Reply, ok());
    const err = await rejection(client(fake).getById(CONN_ID));
    expect(err).toBeInstanceOf(KmsResponseError);
    expect(err.message).toMatch(fragment);
    expect(err.message).toContain(`GET ${ROUTE}/${CONN_ID}`);
    expect(fake.calls).toBe(1);
  });

  test("a list with one bad entry is refused", async () => {
    const fake = new ScriptedTransport({ status: 200, body: { appConnections: [connection(), connection({ method: "oauth" })] } });
    await expect(client(fake).list()).rejects.toBeInstanceOf(KmsResponseError);
  });

  test("a login answer without accessToken is refused", async () => {
    const fake = new ScriptedTransport({ status: 200, body: { expiresIn: 10 } });
    const err = await rejection(client(fake, { auth: uaAuth }).getById(CONN_ID));
    expect(err).toBeInstanceOf(KmsResponseError);
    expect(err.message).toContain("accessToken");
  });
});

describe("Universal Auth", () => {
  const isLogin = (url: string) => url === `${KMS}/api/v1/auth/universal-auth/login`;

  test("logs in once and reuses the token: 2 requests → 3 calls", async () => {
    const fake = new ScriptedTransport(login("access-1"), ok(), ok());
    const kms = client(fake, { auth: uaAuth });
    await kms.getById(CONN_ID);
    await kms.getByName("my-conn");
    expect(fake.calls).toBe(3);
    expect(fake.requests.map((r) => isLogin(r.url))).toEqual([true, false, false]);
    const loginReq = fake.requests[0];
    expect(loginReq.method).toBe("POST");
    expect(JSON.parse(loginReq.body!)).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    expect(loginReq.headers.authorization).toBeUndefined();
    expect(fake.requests[1].headers.authorization).toBe("Bearer access-1");
    expect(fake.requests[2].headers.authorization).toBe("Bearer access-1");
  });

  test("the organization slug is sent when set", async () => {
    const fake = new ScriptedTransport(login("access-1"), ok());
    await client(fake, { auth: { ...uaAuth, organizationSlug: "acme" } }).getById(CONN_ID);
    expect(JSON.parse(fake.requests[0].body!)).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, organizationSlug: "acme" });
  });

  test("concurrent requests share one login", async () => {
    const fake = new ScriptedTransport(login("access-1"), ok(), ok(), ok());
    const kms = client(fake, { auth: uaAuth });
    await Promise.all([kms.getById(CONN_ID), kms.getById(CONN_ID), kms.getByName("x")]);
    expect(fake.requests.filter((r) => isLogin(r.url))).toHaveLength(1);
    expect(fake.calls).toBe(4);
  });

  test("clients sharing a token cache share the token", async () => {
    const cache = new MemoryTokenCache();
    const fake = new ScriptedTransport(login("access-1"), ok(), ok());
    await client(fake, { auth: uaAuth, tokenCache: cache }).getById(CONN_ID);
    await client(fake, { auth: uaAuth, tokenCache: cache }).getById(CONN_ID);
    expect(fake.calls).toBe(3);
  });

  test("an expired token is replaced by a new login", async () => {
    const fake = new ScriptedTransport(login("access-1", 3600), ok(), login("access-2", 3600), ok());
    const kms = client(fake, { auth: uaAuth });
    await kms.getById(CONN_ID);
    clock.advance(3600 * 1000);
    await kms.getById(CONN_ID);
    expect(fake.requests.map((r) => (isLogin(r.url) ? "login" : r.headers.authorization))).toEqual(["login", "Bearer access-1", "login", "Bearer access-2"]);
  });

  test.each([
    ["403 TokenError", kmsError(403, "TokenError", "Your token has expired. Please re-authenticate.")],
    ["401", kmsError(401, "UnauthorizedError", "Token missing")],
  ])("token refused (%s) → one re-login and a retry", async (_label, refusal) => {
    const fake = new ScriptedTransport(login("access-1"), refusal, login("access-2"), ok());
    const c = await client(fake, { auth: uaAuth }).getById(CONN_ID);
    expect(c?.id).toBe(CONN_ID);
    expect(fake.requests.map((r) => (isLogin(r.url) ? "login" : r.headers.authorization))).toEqual(["login", "Bearer access-1", "login", "Bearer access-2"]);
  });

  test("a second refusal surfaces (no loop)", async () => {
    const fake = new ScriptedTransport(login("access-1"), kmsError(401, "UnauthorizedError", "nope"), login("access-2"), kmsError(401, "UnauthorizedError", "still nope", "req-2nd"), ok());
    const err = (await rejection(client(fake, { auth: uaAuth }).getById(CONN_ID))) as KmsApiError;
    expect(err).toBeInstanceOf(KmsApiError);
    expect(err.status).toBe(401);
    expect(err.reqId).toBe("req-2nd");
    expect(fake.calls).toBe(4);
  });

  test("a renewed token that expires while its request is retried (Retry-After) is renewed again", async () => {
    const expired = kmsError(403, "TokenError", "Your token has expired. Please re-authenticate.");
    const throttled = { status: 429, body: { statusCode: 429, error: "RateLimitExceeded", message: "slow down" }, headers: { "retry-after": "3" } };
    const fake = new ScriptedTransport(login("access-1"), expired, login("access-2"), throttled, expired, login("access-3"), ok());
    const c = await client(fake, { auth: uaAuth }).getById(CONN_ID);
    expect(c?.id).toBe(CONN_ID);
    expect(fake.requests.map((r) => (isLogin(r.url) ? "login" : r.headers.authorization))).toEqual([
      "login",
      "Bearer access-1",
      "login",
      "Bearer access-2",
      "Bearer access-2",
      "login",
      "Bearer access-3",
    ]);
  });

  test("renewals share the request's retry budget: no endless login loop", async () => {
    const expired = kmsError(403, "TokenError", "Your token has expired. Please re-authenticate.");
    const throttled = { status: 429, body: { statusCode: 429, error: "RateLimitExceeded", message: "slow down" }, headers: { "retry-after": "100" } };
    const fake = new ScriptedTransport(login("access-1"), expired);
    for (let i = 2; i < 10; i++) fake.then(login(`access-${i}`), throttled, expired);
    const err = await rejection(client(fake, { auth: uaAuth, retry: { budgetMs: 250_000 } }).getById(CONN_ID));
    expect(err).toBeInstanceOf(KmsUnavailableError);
    // Each round waits ~100 s: renewed twice within the 250 s budget, the third round's wait would overrun it.
    expect(fake.requests.filter((r) => isLogin(r.url))).toHaveLength(4);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThan(250_000);
  });

  test("a permission error (403 PermissionDenied) does not trigger a re-login", async () => {
    const fake = new ScriptedTransport(login("access-1"), kmsError(403, "PermissionDenied", "You are not allowed to read on app-connections"), login("x"), ok());
    const err = (await rejection(client(fake, { auth: uaAuth }).getById(CONN_ID))) as KmsApiError;
    expect(err.status).toBe(403);
    expect(fake.calls).toBe(2);
  });

  test("a refused login (bad client secret) surfaces at once, hinting at the credential variables", async () => {
    const fake = new ScriptedTransport(kmsError(401, "UnauthorizedError", "Invalid credentials"), login("x"), ok());
    const err = (await rejection(client(fake, { auth: uaAuth }).getById(CONN_ID))) as KmsApiError;
    expect(err).toBeInstanceOf(KmsApiError);
    expect(err.message).toContain("/api/v1/auth/universal-auth/login");
    expect(err.message).toContain("KMS_CLIENT_ID");
    expect(err.message).not.toContain(CLIENT_SECRET);
    expect(fake.calls).toBe(1);
  });

  test("a token the KMS says expires within the safety margin is still used for the request", async () => {
    const fake = new ScriptedTransport(login("short", 5), ok());
    await client(fake, { auth: uaAuth }).getById(CONN_ID);
    expect(fake.requests[1].headers.authorization).toBe("Bearer short");
  });
});

describe("static token", () => {
  test.each([
    ["401", kmsError(401, "UnauthorizedError", "Token missing"), /KMS_TOKEN/],
    ["403 TokenError", kmsError(403, "TokenError", "Your token has expired. Please re-authenticate."), /fresh KMS_TOKEN/],
  ])("refused (%s) → no re-login, the error hints KMS_TOKEN", async (_label, refusal, hint) => {
    const fake = new ScriptedTransport(refusal, ok());
    const err = (await rejection(client(fake).getById(CONN_ID))) as KmsApiError;
    expect(err).toBeInstanceOf(KmsApiError);
    expect(err.message).toMatch(hint);
    expect(fake.calls).toBe(1);
  });
});

describe("secrets", () => {
  test("no secret in any URL; the token only in the authorization header; the API key only in bodies", async () => {
    const fake = new ScriptedTransport(login("access-SECRET-9"), ok(), ok(), ok(), ok());
    const kms = client(fake, { auth: uaAuth });
    await kms.create({ ...createBody, projectId: PROJECT });
    await kms.update(CONN_ID, { credentials: { instanceUrl: "https://o.io", apiKey: API_KEY } });
    await kms.getByName("my-conn", PROJECT);
    await kms.delete(CONN_ID);
    for (const req of fake.requests) {
      for (const secret of [CLIENT_SECRET, "access-SECRET-9", API_KEY, CLIENT_ID]) expect(req.url).not.toContain(secret);
      const otherHeaders = Object.entries(req.headers).filter(([k]) => k !== "authorization");
      for (const secret of [CLIENT_SECRET, "access-SECRET-9", API_KEY]) expect(JSON.stringify(otherHeaders)).not.toContain(secret);
    }
    expect(fake.requests.filter((r) => r.body?.includes(API_KEY)).map((r) => r.method)).toEqual(["POST", "PATCH"]);
    expect(fake.requests.filter((r) => r.body?.includes(CLIENT_SECRET)).map((r) => r.url)).toEqual([`${KMS}/api/v1/auth/universal-auth/login`]);
  });

  test("no token, client secret or API key in any error message", async () => {
    const SECRETS = [STATIC_TOKEN, CLIENT_SECRET, API_KEY, "access-SECRET-7"];
    const scenarios: [KmsAuth, Reply[], (k: KmsClient) => Promise<unknown>][] = [
      [tokenAuth, [kmsError(400, "BadRequest", "Failed to validate Octopus Deploy credentials: Request failed with status code 401")], (k) => k.create(createBody)],
      [tokenAuth, [kmsError(422, "ValidationFailure", [{ message: "Required", path: ["credentials", "apiKey"] }])], (k) => k.create(createBody)],
      [tokenAuth, [kmsError(401, "UnauthorizedError", "Token missing")], (k) => k.update(CONN_ID, { credentials: { instanceUrl: "https://o.io", apiKey: API_KEY } })],
      [tokenAuth, [kmsError(403, "TokenError", "expired")], (k) => k.getById(CONN_ID)],
      [tokenAuth, [fetchFailed("CERT_HAS_EXPIRED")], (k) => k.create(createBody)],
      [tokenAuth, Array.from({ length: 30 }, () => netError("ECONNRESET", "socket hang up")), (k) => k.create(createBody)],
      [tokenAuth, [{ status: 200, body: "not json" }], (k) => k.create(createBody)],
      [tokenAuth, [{ status: 200, body: { appConnection: { bad: true } } }], (k) => k.create(createBody)],
      [uaAuth, [kmsError(401, "UnauthorizedError", "Invalid credentials")], (k) => k.getById(CONN_ID)],
      [uaAuth, [login("access-SECRET-7"), kmsError(401, "x", "no"), login("access-SECRET-7"), kmsError(401, "x", "no")], (k) => k.create(createBody)],
      [uaAuth, [{ status: 200, body: { accessToken: "access-SECRET-7" } }], (k) => k.getById(CONN_ID)],
    ];
    for (const [auth, script, call] of scenarios) {
      const fake = new ScriptedTransport(...script);
      const err = await rejection(call(client(fake, { auth, retry: { budgetMs: 5_000 } })));
      expect(err).toBeInstanceOf(Error);
      for (const secret of SECRETS) {
        expect(err.message).not.toContain(secret);
        expect(String(err.stack)).not.toContain(secret);
      }
    }
  });
});
