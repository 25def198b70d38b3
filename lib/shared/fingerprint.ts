/**
 * A one-way fingerprint of the Octopus API key, so that a plan shows a rotation without the key or
 * anything reversible: the first 16 hex digits (64 bits) of SHA-256 over a domain prefix and the key.
 * Used by the construct (synth time), and by the provider (plan time, for the write-only key or the
 * one its environment holds). No cdktf import, so the provider bundle does not carry cdktf.
 */
import { createHash } from "node:crypto";

/** Domain separation: the fingerprint of a key here never equals a plain SHA-256 of it elsewhere. */
export const FINGERPRINT_PREFIX = "cdktf-kms-octopus/api-key/v1:";
/** Hex digits kept. */
export const FINGERPRINT_LENGTH = 16;

/** Fingerprint of a key. */
export function fingerprint(apiKey: string): string {
  return createHash("sha256").update(FINGERPRINT_PREFIX + apiKey).digest("hex").slice(0, FINGERPRINT_LENGTH);
}
