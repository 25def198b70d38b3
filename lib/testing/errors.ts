/**
 * The errors the local KMS answers with. Each maps to one branch of the upstream error handler
 * (kms-api.md §5): the body is always `{ reqId, statusCode, message, error }`, plus `details` where
 * upstream adds them.
 */

/** An error that becomes an HTTP answer with a KMS-shaped body. */
export class KmsHttpError extends Error {
  /**
   * @param statusCode HTTP status of the answer.
   * @param errorName The body's `error` field (the upstream error class name).
   * @param payload The body's `message` field: a string, or the zod issues of a 422.
   * @param extras `details` for the body and extra response headers.
   */
  constructor(
    readonly statusCode: number,
    readonly errorName: string,
    readonly payload: string | readonly unknown[],
    readonly extras: { readonly details?: unknown; readonly headers?: Readonly<Record<string, string>> } = {},
  ) {
    super(typeof payload === "string" ? payload : `${errorName} (${payload.length} issues)`);
    this.name = "KmsHttpError";
  }

  /** The response body for the request `reqId`. */
  body(reqId: string): Record<string, unknown> {
    const body: Record<string, unknown> = { reqId, statusCode: this.statusCode, message: this.payload, error: this.errorName };
    if (this.extras.details !== undefined) body.details = this.extras.details;
    return body;
  }
}

/** 400 BadRequestError. */
export function badRequest(message: string): KmsHttpError {
  return new KmsHttpError(400, "BadRequest", message);
}

/** 404 NotFoundError. */
export function notFound(message: string): KmsHttpError {
  return new KmsHttpError(404, "NotFound", message);
}

/** 401 from verifyAuth when no token was sent. */
export function tokenMissing(): KmsHttpError {
  return new KmsHttpError(401, "UnauthorizedError", "Token missing");
}

/** 401 from Universal Auth login with an unknown client id or a wrong secret. */
export function invalidCredentials(): KmsHttpError {
  return new KmsHttpError(401, "UnauthorizedError", "Invalid credentials");
}

/** 403 for a JWT that fails verification (jsonwebtoken error, already mapped to upstream's text). */
export function tokenError(message: string): KmsHttpError {
  return new KmsHttpError(403, "TokenError", message);
}

/** 403 from verifyAuth when the token kind is not allowed on the route; `url` includes the query. */
export function forbiddenAccess(url: string): KmsHttpError {
  return new KmsHttpError(403, `Forbidden access to ${url}`, "You are not allowed to access this resource");
}

/** 403 CASL denial on the app-connections subject; an identity without permission has no rules. */
export function permissionDenied(action: string): KmsHttpError {
  return new KmsHttpError(403, "PermissionDenied", `You are not allowed to ${action} on app-connections`, { details: [] });
}

/** 422 request validation failure; `issues` are zod issues (zod 4 issues never carry the input). */
export function validationFailure(issues: readonly unknown[]): KmsHttpError {
  return new KmsHttpError(422, "ValidationFailure", issues);
}

/** 429 from the rate limiter (or an injected fault), with the headers @fastify/rate-limit sends. */
export function rateLimited(retryAfterSeconds: number, headers: Readonly<Record<string, string>> = {}): KmsHttpError {
  return new KmsHttpError(429, "RateLimitExceeded", `Rate limit exceeded. Please try again in ${retryAfterSeconds} seconds`, {
    headers: { ...headers, "retry-after": String(retryAfterSeconds) },
  });
}

/** 500 for anything unexpected: upstream never leaks the cause. */
export function internalError(): KmsHttpError {
  return new KmsHttpError(500, "InternalServerError", "Something went wrong");
}
