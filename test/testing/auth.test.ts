/** Authentication, Universal Auth login and permissions (kms-api.md §5, §6). */
import { createHmac } from "node:crypto";
import { startLocalKms, type LocalKms } from "../../lib/testing";
import { LoginBodySchema } from "../../lib/kms/schemas";
import { CONNECTIONS, call, createBody, createConnection, delay, errorBody } from "./helpers";

const LOGIN = "/api/v1/auth/universal-auth/login";
const MISSING_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

let kms: LocalKms;

beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
});
afterAll(() => kms.close());

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("token checks", () => {
  it("answers 401 Token missing without an Authorization header", async () => {
    const result = await call(kms, "GET", CONNECTIONS, { token: null });
    expect(result.status).toBe(401);
    expect(result.body).toEqual(errorBody(401, "UnauthorizedError", "Token missing"));
  });

  it("answers 403 TokenError for a malformed token", async () => {
    const result = await call(kms, "GET", CONNECTIONS, { token: "garbage" });
    expect(result.status).toBe(403);
    expect(result.body).toEqual(
      errorBody(403, "TokenError", "The provided access token is malformed. Please use a valid token or generate a new one and try again."),
    );
  });

  it("answers 403 TokenError for a token signed with another key", async () => {
    const unsigned = `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url({ identityId: "x", iat: 1 })}`;
    const forged = `${unsigned}.${createHmac("sha256", "not-the-secret").update(unsigned).digest("base64url")}`;
    const result = await call(kms, "GET", CONNECTIONS, { token: forged });
    expect(result.status).toBe(403);
    expect(result.body).toEqual(errorBody(403, "TokenError", "invalid signature"));
  });

  it("answers 403 TokenError for an unsigned (alg none) token", async () => {
    const token = `${base64url({ alg: "none", typ: "JWT" })}.${base64url({ iat: 1 })}.`;
    const result = await call(kms, "GET", CONNECTIONS, { token });
    expect(result.status).toBe(403);
    expect(result.body.message).toBe("The access token is signed with an invalid algorithm. Please provide a valid token and try again.");
  });

  it("answers 403 for a service token, naming the URL in `error`", async () => {
    const result = await call(kms, "GET", `${CONNECTIONS}?projectId=p`, { token: "st.abc.def" });
    expect(result.status).toBe(403);
    expect(result.body).toEqual(errorBody(403, `Forbidden access to ${CONNECTIONS}?projectId=p`, "You are not allowed to access this resource"));
  });

  it("answers 400 to the retired x-api-key header", async () => {
    const result = await call(kms, "GET", CONNECTIONS, { headers: { "x-api-key": "legacy" } });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(
      errorBody(400, "BadRequest", "API key authentication is not supported anymore. Please switch to identity authentication."),
    );
  });

  it("checks auth before validation: no token and a bad body is 401", async () => {
    const result = await call(kms, "POST", CONNECTIONS, { token: null, body: { name: "BAD" } });
    expect(result.status).toBe(401);
  });

  it("refuses machine-identity tokens on the JWT-only Octopus routes", async () => {
    for (const suffix of ["spaces", "projects?spaceId=Spaces-1", "scope-values?spaceId=Spaces-1&projectId=Projects-1"]) {
      const path = `${CONNECTIONS}/${MISSING_ID}/${suffix}`;
      const result = await call(kms, "GET", path);
      expect(result.status).toBe(403);
      expect(result.body.error).toBe(`Forbidden access to ${path}`);
      expect((await call(kms, "GET", path, { token: null })).status).toBe(401);
    }
  });
});

describe("Universal Auth login", () => {
  it("returns a Bearer token that the connection routes accept", async () => {
    const result = await call(kms, "POST", LOGIN, { token: null, body: { clientId: kms.clientId, clientSecret: ` ${kms.clientSecret} ` } });
    expect(result.status).toBe(200);
    expect(LoginBodySchema.safeParse(result.body).success).toBe(true);
    expect(result.body).toEqual({ accessToken: expect.any(String), expiresIn: 2592000, accessTokenMaxTTL: 2592000, tokenType: "Bearer" });
    expect((await call(kms, "GET", CONNECTIONS, { token: result.body.accessToken })).status).toBe(200);
  });

  it("accepts Hanzo's organizationSlug", async () => {
    const result = await call(kms, "POST", LOGIN, { token: null, body: { clientId: kms.clientId, clientSecret: kms.clientSecret, organizationSlug: "any-org" } });
    expect(result.status).toBe(200);
  });

  it.each([
    ["a wrong secret", () => ({ clientId: kms.clientId, clientSecret: "wrong" })],
    ["an unknown client id", () => ({ clientId: MISSING_ID, clientSecret: kms.clientSecret })],
  ])("answers 401 Invalid credentials for %s", async (_case, body) => {
    const result = await call(kms, "POST", LOGIN, { token: null, body: body() });
    expect(result.status).toBe(401);
    expect(result.body).toEqual(errorBody(401, "UnauthorizedError", "Invalid credentials"));
  });

  it("answers 422 for a body without clientSecret", async () => {
    const result = await call(kms, "POST", LOGIN, { token: null, body: { clientId: kms.clientId } });
    expect(result.status).toBe(422);
    expect(result.body.message).toContainEqual(expect.objectContaining({ path: ["clientSecret"] }));
  });

  it("logs in created identities too", async () => {
    const identity = kms.createIdentity({ permission: "full" });
    const result = await call(kms, "POST", LOGIN, { token: null, body: { clientId: identity.clientId, clientSecret: identity.clientSecret } });
    expect(result.status).toBe(200);
  });
});

describe("token expiry", () => {
  it("answers 403 'Your token has expired' once tokenTtlSeconds have passed", async () => {
    const shortLived = await startLocalKms({ tokenTtlSeconds: 1 });
    try {
      const login = await call(shortLived, "POST", LOGIN, { token: null, body: { clientId: shortLived.clientId, clientSecret: shortLived.clientSecret } });
      expect(login.body).toMatchObject({ expiresIn: 1, accessTokenMaxTTL: 2592000 });
      await delay(1100);
      const result = await call(shortLived, "GET", CONNECTIONS, { token: login.body.accessToken });
      expect(result.status).toBe(403);
      expect(result.body).toEqual(errorBody(403, "TokenError", "Your token has expired. Please re-authenticate."));
      expect(shortLived.requests.at(-1)?.authKind).toBe("expired");
      // The static token never expires.
      expect((await call(shortLived, "GET", CONNECTIONS)).status).toBe(200);
    } finally {
      await shortLived.close();
    }
  });
});

describe("permission", () => {
  it("gives an identity without permission 403 PermissionDenied on CRUD, after 404 for unknown ids", async () => {
    const existing = await createConnection(kms, { name: "guarded" });
    const { token } = kms.createIdentity({ permission: "none" });
    const denied = (action: string) => errorBody(403, "PermissionDenied", `You are not allowed to ${action} on app-connections`);

    const cases: Array<[string, string, unknown, string]> = [
      ["GET", CONNECTIONS, undefined, "read"],
      ["GET", `${CONNECTIONS}/${existing.id}`, undefined, "read"],
      ["GET", `${CONNECTIONS}/connection-name/guarded`, undefined, "read"],
      ["POST", CONNECTIONS, createBody(kms, { name: "nope" }), "create"],
      ["PATCH", `${CONNECTIONS}/${existing.id}`, { name: "nope" }, "edit"],
      ["DELETE", `${CONNECTIONS}/${existing.id}`, undefined, "delete"],
    ];
    for (const [method, path, body, action] of cases) {
      const result = await call(kms, method, path, { token, body });
      expect([method, path, result.status]).toEqual([method, path, 403]);
      expect(result.body).toEqual({ ...denied(action), details: [] });
    }
    expect((await call(kms, "GET", `${CONNECTIONS}/${MISSING_ID}`, { token })).status).toBe(404);
    expect((await call(kms, "GET", `${CONNECTIONS}/available`, { token })).body).toEqual({ appConnections: [] });
    expect(kms.connections().map((c) => c.name)).toContain("guarded");
  });
});
