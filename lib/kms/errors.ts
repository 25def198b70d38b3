/**
 * Errors of the KMS client. Each message says what happened, where, the KMS `reqId` when there is
 * one, and what to do; none ever contains a token, client secret or API key.
 */

/** Something in the caller's configuration (environment, props, event) is wrong; nothing was sent. */
export class ConfigError extends Error {
  public override readonly name = "ConfigError";
}

/** Details of an HTTP exchange that failed, without any secret. */
export interface KmsErrorContext {
  /** HTTP method of the request. */
  readonly method: string;
  /** Path (and query) of the request, relative to the KMS URL. */
  readonly path: string;
  /** How many attempts were made. */
  readonly attempts: number;
}

/** The KMS answered with an error status. */
export class KmsApiError extends Error {
  public override readonly name = "KmsApiError";
  constructor(
    /** HTTP status code. */
    public readonly status: number,
    /** The KMS `error` field, e.g. "BadRequest", "ValidationFailure", "TokenError". */
    public readonly kmsError: string | undefined,
    /** The KMS `message`, flattened to one string (422 issue lists are joined). */
    public readonly kmsMessage: string,
    /** The KMS request id, for its operators. */
    public readonly reqId: string | undefined,
    /** Which request failed. */
    public readonly context: KmsErrorContext,
  ) {
    super(formatApiError(status, kmsError, kmsMessage, reqId, context));
  }

  /** True for the KMS's duplicate-name answer (400 `An App Connection with the name "x" already exists`). */
  get isNameConflict(): boolean {
    return this.status === 400 && /already exists/i.test(this.kmsMessage);
  }

  /** True when an access token was refused because it is expired or unknown (a fresh login may help). */
  get isTokenRejected(): boolean {
    return this.status === 401 || (this.status === 403 && this.kmsError === "TokenError");
  }
}

/** The KMS could not be reached, or kept failing with retryable errors until the retry budget ran out. */
export class KmsUnavailableError extends Error {
  public override readonly name = "KmsUnavailableError";
  constructor(
    /** The last failure, already free of secrets. */
    public readonly lastFailure: string,
    /** Which request failed. */
    public readonly context: KmsErrorContext,
    /** Milliseconds spent, all attempts included. */
    public readonly elapsedMs: number,
    /** What to do, when the default advice (run again, raise the budget) does not apply. */
    hint?: string,
  ) {
    super(
      `${context.method} ${context.path} failed after ${context.attempts} attempt(s) in ${(elapsedMs / 1000).toFixed(1)}s: ${lastFailure}. ` +
        (hint ??
          `The KMS was unreachable, overloaded or rate limiting; nothing is lost: run the deploy again (every operation is idempotent), ` +
            `or raise KMS_OCTOPUS_RETRY_BUDGET (seconds).`),
    );
  }
}

/** What to do when the KMS's TLS certificate is not accepted. */
export const CERTIFICATE_HINT =
  "The KMS's TLS certificate was not accepted (it is always verified). If the KMS uses a certificate from a private CA, " +
  "set NODE_EXTRA_CA_CERTS to the CA's PEM file; otherwise check kmsUrl and the certificate (host name, expiry).";

/** The KMS answered 2xx with a body that does not match the documented contract. */
export class KmsResponseError extends Error {
  public override readonly name = "KmsResponseError";
}

function formatApiError(status: number, kmsError: string | undefined, kmsMessage: string, reqId: string | undefined, context: KmsErrorContext): string {
  const what = `KMS answered ${status}${kmsError ? ` ${kmsError}` : ""} to ${context.method} ${context.path}: ${kmsMessage}`;
  const id = reqId ? ` (reqId ${reqId})` : "";
  return `${what}${id}. ${hintFor(status, kmsError, kmsMessage)}`;
}

/** What the user can do about an error status. */
export function hintFor(status: number, kmsError: string | undefined, kmsMessage: string): string {
  if (status === 400 && /validate Octopus Deploy credentials/i.test(kmsMessage)) {
    return "The KMS could not sign in to Octopus Deploy with the API key: check the key (not expired or revoked) and the instance URL; the KMS calls GET <instanceUrl>/api/users/me with it.";
  }
  if (status === 400 && /already exists/i.test(kmsMessage)) {
    return "Another connection already has this name in this scope: pick another name, or set adoptExisting: true to manage it.";
  }
  if (status === 400 && /find project/i.test(kmsMessage)) {
    return "Check projectId: it must be the id of a KMS project your identity can see.";
  }
  if (status === 401) {
    return "Check the KMS credentials in the environment (KMS_TOKEN, or KMS_CLIENT_ID and KMS_CLIENT_SECRET).";
  }
  if (status === 403 && kmsError === "TokenError") {
    return "The access token is expired or invalid: set a fresh KMS_TOKEN, or use KMS_CLIENT_ID and KMS_CLIENT_SECRET so the hook can log in again.";
  }
  if (status === 403) {
    return "The identity lacks permission: give it the app-connections permissions (read, create, edit, delete) in the organization or project.";
  }
  if (status === 404) {
    return "The connection does not exist (any more) in that scope.";
  }
  if (status === 422) {
    return "The KMS rejected the request body; fix the field named above.";
  }
  if (status === 429) {
    return "The KMS rate limit was hit; run again later or raise KMS_OCTOPUS_RETRY_BUDGET.";
  }
  return "See the KMS logs for this reqId.";
}
