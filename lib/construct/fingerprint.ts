/**
 * A one-way fingerprint of the Octopus API key, so that `cdktf diff` shows a rotation without the key
 * or anything reversible: the first 16 hex digits (64 bits) of SHA-256 over a domain prefix and the
 * key. The same value is computed by Terraform (for keys given as Terraform values) and here (for keys
 * read from the environment at synth time); a test keeps the two equal.
 */
import { createHash } from "node:crypto";
import { Fn } from "cdktf";

/** Domain separation: the fingerprint of a key here never equals a plain SHA-256 of it elsewhere. */
export const FINGERPRINT_PREFIX = "cdktf-kms-octopus/api-key/v1:";
/** Hex digits kept. */
export const FINGERPRINT_LENGTH = 16;

/** Fingerprint of a key known at synth time. */
export function fingerprint(apiKey: string): string {
  return createHash("sha256").update(FINGERPRINT_PREFIX + apiKey).digest("hex").slice(0, FINGERPRINT_LENGTH);
}

/**
 * Terraform expression for the fingerprint of a key that is a Terraform value. `nonsensitive` is
 * deliberate: the fingerprint reveals nothing usable about the key, and a plan must show it change.
 */
export function fingerprintExpression(apiKeyToken: string): string {
  return Fn.nonsensitive(Fn.substr(Fn.sha256(Fn.join("", [FINGERPRINT_PREFIX, apiKeyToken])), 0, FINGERPRINT_LENGTH));
}
