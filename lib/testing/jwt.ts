/**
 * Minimal HS256 JSON Web Tokens. Verification failures carry the same messages as `jsonwebtoken`,
 * which upstream's error handler turns into its 403 TokenError texts (see `tokenErrorMessage`).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Claims every token of the local KMS carries. */
export interface JwtClaims {
  /** Issued at, seconds since the epoch. */
  readonly iat: number;
  /** Expiry, seconds since the epoch; absent on never-expiring tokens. */
  readonly exp?: number;
  /** Any other claim. */
  readonly [claim: string]: unknown;
}

/** A token that failed verification; `message` is jsonwebtoken's. */
export class JwtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JwtError";
  }
}

const HEADER = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));

/** Signs `claims`; the same claims and secret always give the same token. */
export function signJwt(claims: JwtClaims, secret: Buffer): string {
  const unsigned = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${unsigned}.${hmac(unsigned, secret)}`;
}

/** Verifies signature and expiry (jsonwebtoken semantics: expired once `now >= exp`). */
export function verifyJwt(token: string, secret: Buffer, nowMs: number): JwtClaims {
  if (token === "") throw new JwtError("jwt must be provided");
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("jwt malformed");
  const [header, payload, signature] = parts as [string, string, string];
  const decodedHeader = parseJsonObject(header);
  if (decodedHeader?.alg !== "HS256") throw new JwtError(decodedHeader ? "invalid algorithm" : "invalid token");
  if (!safeEqual(signature, hmac(`${header}.${payload}`, secret))) throw new JwtError("invalid signature");
  const claims = parseJsonObject(payload);
  if (!claims || typeof claims.iat !== "number") throw new JwtError("invalid token");
  if (typeof claims.exp === "number" && Math.floor(nowMs / 1000) >= claims.exp) throw new JwtError("jwt expired");
  return claims as JwtClaims;
}

/** Upstream's message for a jsonwebtoken failure (error-handler.ts). */
export function tokenErrorMessage(error: JwtError): string {
  switch (error.message) {
    case "jwt expired":
      return "Your token has expired. Please re-authenticate.";
    case "jwt malformed":
      return "The provided access token is malformed. Please use a valid token or generate a new one and try again.";
    case "invalid algorithm":
      return "The access token is signed with an invalid algorithm. Please provide a valid token and try again.";
    default:
      return error.message;
  }
}

function hmac(data: string, secret: Buffer): string {
  return createHmac("sha256", secret).update(data).digest("base64url");
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function parseJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
