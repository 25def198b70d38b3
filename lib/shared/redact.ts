/** Keeping secrets out of printed text: the hook's output lines and the KMS client's error messages. */

/** Replaces every occurrence of a secret (4+ characters; shorter ones would mangle ordinary text) with [redacted]. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
