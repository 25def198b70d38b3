/** Error classes of the KMS client: message format, classification and the hint for every case. */
import { CERTIFICATE_HINT, ConfigError, KmsApiError, KmsResponseError, KmsUnavailableError, hintFor } from "../../lib/kms/errors";

const ctx = { method: "POST", path: "/api/v1/app-connections/octopus-deploy", attempts: 1 };

describe("hintFor", () => {
  test.each([
    [400, "BadRequest", "Failed to validate Octopus Deploy credentials: Request failed with status code 401", /sign in to Octopus Deploy with the API key.*instance URL.*\/api\/users\/me/],
    [400, "BadRequest", "Failed to validate Octopus Deploy credentials - verify API key is correct", /check the key/],
    [400, "BadRequest", 'An App Connection with the name "x" already exists', /pick another name, or set adoptExisting: true/],
    [400, "BadRequest", "Could not find project with ID 123", /Check projectId/],
    [401, "UnauthorizedError", "Token missing", /KMS_TOKEN, or KMS_CLIENT_ID and KMS_CLIENT_SECRET/],
    [403, "TokenError", "Your token has expired. Please re-authenticate.", /expired or invalid: set a fresh KMS_TOKEN/],
    [403, "PermissionDenied", "You are not allowed to create on app-connections", /lacks permission.*app-connections permissions/],
    [403, undefined, "Forbidden", /lacks permission/],
    [404, "NotFound", "Could not find App Connection", /does not exist/],
    [422, "ValidationFailure", "name: bad", /rejected the request body/],
    [429, "RateLimitExceeded", "Rate limit exceeded", /rate limit.*KMS_OCTOPUS_RETRY_BUDGET/],
    [500, "InternalServerError", "Something went wrong", /KMS logs for this reqId/],
    [400, "BadRequest", "something else", /KMS logs/],
  ])("%i %s %p", (status, kmsError, message, hint) => {
    expect(hintFor(status, kmsError, message)).toMatch(hint);
  });
});

describe("KmsApiError", () => {
  test("message: status, error name, request, KMS message, reqId, hint", () => {
    const e = new KmsApiError(400, "BadRequest", 'An App Connection with the name "x" already exists', "req-1", ctx);
    expect(e.message).toBe(
      `KMS answered 400 BadRequest to POST /api/v1/app-connections/octopus-deploy: An App Connection with the name "x" already exists (reqId req-1). ` +
        "Another connection already has this name in this scope: pick another name, or set adoptExisting: true to manage it.",
    );
    expect(e.name).toBe("KmsApiError");
    expect(e).toBeInstanceOf(Error);
  });

  test("without error name and reqId", () => {
    const e = new KmsApiError(502, undefined, "(no message)", undefined, { method: "GET", path: "/x", attempts: 3 });
    expect(e.message).toBe("KMS answered 502 to GET /x: (no message). See the KMS logs for this reqId.");
    expect(e.message).not.toContain("undefined");
  });

  test("isNameConflict only for 400 'already exists'", () => {
    expect(new KmsApiError(400, "BadRequest", 'An App Connection with the name "x" already exists', undefined, ctx).isNameConflict).toBe(true);
    expect(new KmsApiError(400, "BadRequest", "ALREADY EXISTS", undefined, ctx).isNameConflict).toBe(true);
    expect(new KmsApiError(409, "Conflict", "already exists", undefined, ctx).isNameConflict).toBe(false);
    expect(new KmsApiError(400, "BadRequest", "Could not find project", undefined, ctx).isNameConflict).toBe(false);
  });

  test("isTokenRejected for 401 and 403 TokenError only", () => {
    expect(new KmsApiError(401, undefined, "Token missing", undefined, ctx).isTokenRejected).toBe(true);
    expect(new KmsApiError(403, "TokenError", "expired", undefined, ctx).isTokenRejected).toBe(true);
    expect(new KmsApiError(403, "PermissionDenied", "no", undefined, ctx).isTokenRejected).toBe(false);
    expect(new KmsApiError(403, undefined, "no", undefined, ctx).isTokenRejected).toBe(false);
    expect(new KmsApiError(400, "TokenError", "no", undefined, ctx).isTokenRejected).toBe(false);
  });
});

describe("KmsUnavailableError", () => {
  test("names the request, attempts, time, last failure, and what to do", () => {
    const e = new KmsUnavailableError("503 ServiceUnavailable: down (reqId r)", { method: "GET", path: "/p", attempts: 4 }, 12_345);
    expect(e.message).toContain("GET /p failed after 4 attempt(s) in 12.3s: 503 ServiceUnavailable: down (reqId r).");
    expect(e.message).toContain("run the deploy again");
    expect(e.message).toContain("KMS_OCTOPUS_RETRY_BUDGET");
    expect(e.lastFailure).toBe("503 ServiceUnavailable: down (reqId r)");
    expect(e.elapsedMs).toBe(12_345);
    expect(e.name).toBe("KmsUnavailableError");
  });

  test("a specific hint replaces the advice to run again", () => {
    const e = new KmsUnavailableError("CERT_HAS_EXPIRED: certificate has expired", { method: "GET", path: "/p", attempts: 1 }, 10, CERTIFICATE_HINT);
    expect(e.message).toContain("GET /p failed after 1 attempt(s) in 0.0s: CERT_HAS_EXPIRED: certificate has expired. The KMS's TLS certificate");
    expect(e.message).toContain("NODE_EXTRA_CA_CERTS");
    expect(e.message).not.toContain("run the deploy again");
  });
});

describe("other classes", () => {
  test("names", () => {
    expect(new ConfigError("x").name).toBe("ConfigError");
    expect(new KmsResponseError("x").name).toBe("KmsResponseError");
    expect(new ConfigError("x")).toBeInstanceOf(Error);
  });
});
