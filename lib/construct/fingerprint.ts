/**
 * A one-way fingerprint of the Octopus API key, so that `cdktf diff` shows a rotation without the key
 * or anything reversible: the first 16 hex digits (64 bits) of SHA-256 over a domain prefix and the
 * key. The same value is computed by Terraform (for keys given as Terraform values) and here (for keys
 * read from the environment at synth time); a test keeps the two equal.
 */
import { Fn } from "../cdk";
import { FINGERPRINT_LENGTH, FINGERPRINT_PREFIX } from "../shared/fingerprint";

// The fingerprint itself lives in lib/shared (the provider computes it too, without cdktf).
export { FINGERPRINT_LENGTH, FINGERPRINT_PREFIX, fingerprint } from "../shared/fingerprint";

/**
 * Terraform expression for the fingerprint of a key that is a Terraform value. `nonsensitive` is
 * deliberate: the fingerprint reveals nothing usable about the key, and a plan must show it change.
 */
export function fingerprintExpression(apiKeyToken: string): string {
  return Fn.nonsensitive(Fn.substr(Fn.sha256(Fn.join("", [FINGERPRINT_PREFIX, apiKeyToken])), 0, FINGERPRINT_LENGTH));
}
