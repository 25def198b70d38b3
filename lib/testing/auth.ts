/**
 * Authentication (kms-api.md §6): machine-identity access tokens, their verification as upstream's
 * inject-identity + verifyAuth do it, and Universal Auth login.
 */
import type { IncomingHttpHeaders } from "node:http";
import { randomUUID } from "node:crypto";
import { badRequest, forbiddenAccess, invalidCredentials, tokenError, tokenMissing, type KmsHttpError } from "./errors";
import { JwtError, signJwt, tokenErrorMessage, verifyJwt } from "./jwt";
import type { PersistedIdentity, Store } from "./store";

/** Upstream's default Universal Auth access token TTL and max TTL (30 days). */
export const DEFAULT_TOKEN_TTL_SECONDS = 2_592_000;

/**
 * How a request authenticated, as recorded in the request log:
 * "static" = a never-expiring token minted by the server (`LocalKms.token`, `createIdentity().token`),
 * "identity" = an access token from Universal Auth login, "expired" = a valid-signature token past its
 * expiry, "invalid" = any other credential that was refused, "none" = no credential at all.
 */
export type AuthKind = "none" | "static" | "identity" | "expired" | "invalid";

/** The result of checking a request's credentials. */
export type AuthOutcome =
  | { readonly kind: "static" | "identity"; readonly identity: PersistedIdentity }
  | { readonly kind: "none" | "expired" | "invalid"; readonly error: KmsHttpError };

/** Body of a successful Universal Auth login. */
export interface LoginResult {
  /** The access token (a JWT). */
  readonly accessToken: string;
  /** Its lifetime in seconds. */
  readonly expiresIn: number;
  /** The identity's maximum access token lifetime in seconds. */
  readonly accessTokenMaxTTL: number;
  /** Always "Bearer". */
  readonly tokenType: "Bearer";
}

const IDENTITY_ACCESS_TOKEN = "identityAccessToken";

/** Mints and checks access tokens. */
export class TokenAuthority {
  constructor(
    private readonly store: Store,
    private readonly tokenTtlSeconds: number,
  ) {}

  /** The identity's never-expiring token; deterministic, so it survives restarts with the same state. */
  staticToken(identity: PersistedIdentity): string {
    return signJwt(
      { identityId: identity.id, identityAccessTokenId: identity.staticTokenId, authTokenType: IDENTITY_ACCESS_TOKEN, iat: identity.staticTokenIssuedAt },
      this.store.jwtSecret,
    );
  }

  /** Universal Auth login; 401 "Invalid credentials" on an unknown client id or a wrong secret. */
  login(clientId: string, clientSecret: string): LoginResult {
    const identity = this.store.identityByClientCredentials(clientId, clientSecret);
    if (!identity) throw invalidCredentials();
    const iat = Math.floor(Date.now() / 1000);
    const accessToken = signJwt(
      { identityId: identity.id, identityAccessTokenId: randomUUID(), authTokenType: IDENTITY_ACCESS_TOKEN, iat, exp: iat + this.tokenTtlSeconds },
      this.store.jwtSecret,
    );
    return {
      accessToken,
      expiresIn: this.tokenTtlSeconds,
      accessTokenMaxTTL: Math.max(this.tokenTtlSeconds, DEFAULT_TOKEN_TTL_SECONDS),
      tokenType: "Bearer",
    };
  }

  /**
   * Checks a request's credentials in upstream's order: `x-api-key` (400, no longer supported),
   * no Authorization header (401), `st.` service token (403, not allowed on these routes), then the
   * JWT (403 TokenError). `url` is the request URL with its query, as upstream's 403 names it.
   */
  authenticate(headers: IncomingHttpHeaders, url: string): AuthOutcome {
    if (headers["x-api-key"]) {
      return { kind: "invalid", error: badRequest("API key authentication is not supported anymore. Please switch to identity authentication.") };
    }
    const header = headers.authorization;
    if (!header) return { kind: "none", error: tokenMissing() };
    // Upstream takes `slice(7)` without checking the "Bearer " prefix; so does the emulator.
    const token = header.slice(7);
    if (token.startsWith("st.")) return { kind: "invalid", error: forbiddenAccess(url) };
    try {
      const claims = verifyJwt(token, this.store.jwtSecret, Date.now());
      const identity = typeof claims.identityId === "string" ? this.store.identity(claims.identityId) : undefined;
      if (!identity) return { kind: "invalid", error: tokenError("invalid token") };
      return { kind: claims.exp === undefined ? "static" : "identity", identity };
    } catch (error) {
      if (!(error instanceof JwtError)) throw error;
      return { kind: error.message === "jwt expired" ? "expired" : "invalid", error: tokenError(tokenErrorMessage(error)) };
    }
  }
}
