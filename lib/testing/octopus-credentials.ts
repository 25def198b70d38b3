/**
 * The KMS's check of Octopus Deploy credentials (kms-api.md §4): a real `GET {instanceUrl}/api/users/me`,
 * through the same outbound guard as the syncs (outbound-guard.ts).
 *
 * Emulated choices, where upstream depends on its version or environment:
 * - The guard sits inside the `try` (newest `safeRequest` variant), so a refused URL (credentials in
 *   it, or a local address while internal connections are not allowed) reads "- verify API key is correct".
 * - Failures are worded as axios words them: "Request failed with status code N" for a non-2xx answer
 *   (redirects are not followed, so a 3xx fails), Node's own message for network errors, "timeout of
 *   Nms exceeded" for a timeout, "Unsupported protocol X:" for a non-HTTP scheme.
 * - axios-retry's retries (3, on network errors and idempotent 5xx) are not emulated: one attempt.
 */
import { badRequest, KmsHttpError } from "./errors";
import { guardedRequest, type OutboundPolicy } from "./outbound-guard";
import type { OctopusCredentials } from "./schemas";

/** How long the check waits for Octopus before failing. */
export const CREDENTIAL_CHECK_TIMEOUT_MS = 10_000;

const FAILED = "Failed to validate Octopus Deploy credentials";

/** A local KMS talks to a local fake Octopus: internal addresses allowed unless said otherwise. */
const ALLOW_INTERNAL: OutboundPolicy = { allowInternalIpConnections: true };

/** Resolves when Octopus accepts the key; otherwise throws the KMS's 400. */
export async function checkOctopusCredentials(
  credentials: OctopusCredentials,
  timeoutMs = CREDENTIAL_CHECK_TIMEOUT_MS,
  policy: OutboundPolicy = ALLOW_INTERNAL,
): Promise<void> {
  const target = new URL(`${removeTrailingSlash(credentials.instanceUrl)}/api/users/me`);
  if (target.protocol !== "http:" && target.protocol !== "https:") throw badRequest(`${FAILED}: Unsupported protocol ${target.protocol}`);
  let status: number;
  try {
    status = (await guardedRequest("GET", target, credentials.apiKey, undefined, policy, timeoutMs)).status;
  } catch (error) {
    if (error instanceof KmsHttpError) throw badRequest(`${FAILED} - verify API key is correct`);
    throw badRequest(`${FAILED}: ${(error as Error).message}`);
  }
  if (status < 200 || status > 299) throw badRequest(`${FAILED}: Request failed with status code ${status}`);
}

/** Upstream's removeTrailingSlash: one trailing "/" goes. */
export function removeTrailingSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}
