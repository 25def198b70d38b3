/**
 * Validation rules, one small pure function each (cdk-nag style): a rule returns undefined when the
 * value is fine, or one sentence that states the rule. Shared by the construct (synth time) and the
 * hook (apply time, for values that were Terraform references at synth). No dependencies, so the
 * hook bundle stays small.
 */

/** A rule's verdict: undefined = compliant, a string = the rule that was broken. */
export type Verdict = string | undefined;

/**
 * Longest name the hook engines accept (their documented limit). The newest KMS allows 64, older
 * releases 32 (kms-api.md §2); 32 is safe on both.
 */
export const NAME_MAX = 32;
/**
 * Longest name current KMS releases accept (kms-api.md §2), used by the provider, which follows the
 * KMS: an older KMS that allows only 32 answers a longer name with its own 422, shown on `name`.
 */
export const NAME_MAX_CURRENT = 64;
/** Longest description the KMS accepts (kms-api.md §2). */
export const DESCRIPTION_MAX = 256;
/** Longest instance URL the KMS accepts (kms-api.md §2). */
export const URL_MAX = 255;

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const URL_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Connection name: the KMS slug rule, lowercase letters, digits and single inner hyphens, 1 to `max` (default {@link NAME_MAX}) characters. */
export function connectionName(value: string, max: number = NAME_MAX): Verdict {
  if (value.length === 0) return "must not be empty";
  if (value.length > max) return `must be at most ${max} characters (got ${value.length})`;
  if (!SLUG.test(value)) return "must be a slug: lowercase letters a-z, digits 0-9 and single hyphens between them (the KMS rule)";
  return undefined;
}

/** Description: at most 256 characters, no leading or trailing whitespace (the KMS trims it), no control characters but tab and newline. */
export function description(value: string): Verdict {
  if (value.length > DESCRIPTION_MAX) return `must be at most ${DESCRIPTION_MAX} characters (got ${value.length})`;
  if (value !== value.trim()) return "must not start or end with whitespace (the KMS trims it, which would show as drift)";
  if (CONTROL_EXCEPT_WHITESPACE.test(value)) return "must not contain control characters (tab and newline are allowed)";
  return undefined;
}

/** Whether a host name is a loopback address (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * An https URL (or http to a loopback address, for local testing), at most 255 characters, with no
 * user:password@, query or fragment. Used for the Octopus instance URL and the KMS URL.
 */
export function serviceUrl(value: string): Verdict {
  if (value.length === 0) return "must not be empty";
  if (value.length > URL_MAX) return `must be at most ${URL_MAX} characters (got ${value.length})`;
  if (!URL_CHARS.test(value)) return "must contain only URL characters (no spaces, quotes, braces or non-ASCII; percent-encode them)";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute URL such as https://your-instance.octopus.app";
  }
  if (url.username || url.password) return "must not contain user:password@ (credentials never go in URLs)";
  if (url.search || url.hash || value.includes("?") || value.includes("#")) return "must not have a query or fragment";
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol === "http:") return "must use https (plain http is accepted only for loopback addresses such as 127.0.0.1)";
  return `must use https, not ${url.protocol.replace(/:$/, "")}`;
}

/** KMS project id: a UUID. */
export function projectId(value: string): Verdict {
  return UUID.test(value) ? undefined : "must be a KMS project id (a UUID such as abcdef12-3456-7890-abcd-ef1234567890)";
}

/**
 * An environment variable that may hold the Octopus API key: not one of `reserved` (the KMS
 * credentials' names, passed in by the caller so this file keeps no imports) and not KMS_OCTOPUS_*.
 * Checked after {@link envVarName}.
 */
export function apiKeyEnvNotReserved(value: string, reserved: readonly string[]): Verdict {
  if (reserved.includes(value) || value.startsWith("KMS_OCTOPUS_")) return `must not be ${value}: that name is reserved for the KMS credentials and the hook`;
  return undefined;
}

/** Name of an environment variable: letters, digits and underscores, not starting with a digit, at most 128 characters. */
export function envVarName(value: string): Verdict {
  if (value.length === 0 || value.length > 128) return "must be 1-128 characters";
  if (!ENV_NAME.test(value)) return "must be an environment variable name: letters, digits and _, not starting with a digit";
  return undefined;
}
