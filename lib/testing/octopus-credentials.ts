/**
 * The KMS's check of Octopus Deploy credentials (kms-api.md §4): a real `GET {instanceUrl}/api/users/me`.
 *
 * Emulated choices, where upstream depends on its version or environment:
 * - SSRF guard as in NODE_ENV=development / ALLOW_INTERNAL_IP_CONNECTIONS=true: loopback and private
 *   addresses are allowed; only URLs with `user:pass@` are refused. The guard sits inside the `try`
 *   (newest `safeRequest` variant), so a refusal reads "- verify API key is correct".
 * - Failures are worded as axios words them: "Request failed with status code N" for a non-2xx answer
 *   (redirects are not followed, so a 3xx fails), Node's own message for network errors, "timeout of
 *   Nms exceeded" for a timeout, "Unsupported protocol X:" for a non-HTTP scheme.
 * - axios-retry's retries (3, on network errors and idempotent 5xx) are not emulated: one attempt.
 */
import * as http from "node:http";
import * as https from "node:https";
import { badRequest } from "./errors";
import type { OctopusCredentials } from "./schemas";

/** How long the check waits for Octopus before failing. */
export const CREDENTIAL_CHECK_TIMEOUT_MS = 10_000;

const FAILED = "Failed to validate Octopus Deploy credentials";

/** Resolves when Octopus accepts the key; otherwise throws the KMS's 400. */
export async function checkOctopusCredentials(credentials: OctopusCredentials, timeoutMs = CREDENTIAL_CHECK_TIMEOUT_MS): Promise<void> {
  const base = credentials.instanceUrl.endsWith("/") ? credentials.instanceUrl.slice(0, -1) : credentials.instanceUrl;
  const target = new URL(`${base}/api/users/me`);
  if (target.username !== "" || target.password !== "") throw badRequest(`${FAILED} - verify API key is correct`);
  if (target.protocol !== "http:" && target.protocol !== "https:") throw badRequest(`${FAILED}: Unsupported protocol ${target.protocol}`);
  let status: number;
  try {
    status = await getStatus(target, credentials.apiKey, timeoutMs);
  } catch (error) {
    throw badRequest(`${FAILED}: ${(error as Error).message}`);
  }
  if (status < 200 || status > 299) throw badRequest(`${FAILED}: Request failed with status code ${status}`);
}

/** The status of one GET with the Octopus key headers; the body is discarded. */
function getStatus(target: URL, apiKey: string, timeoutMs: number): Promise<number> {
  const client = target.protocol === "https:" ? https : http;
  const headers = { "X-Octopus-ApiKey": apiKey, "X-NuGet-ApiKey": apiKey, Accept: "application/json" };
  return new Promise((resolve, reject) => {
    const request = client.get(target, { headers, agent: false }, (response) => {
      clearTimeout(timer);
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    const timer = setTimeout(() => request.destroy(new Error(`timeout of ${timeoutMs}ms exceeded`)), timeoutMs);
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
