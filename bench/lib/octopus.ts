/**
 * The secret sync's two ends, as the benchmark sees them from outside the dev-server process: a KMS
 * secret created through the KMS's v4 secrets API (setup, before any mark), and the fake Octopus's
 * project variables read through its REST API (`GET /api/{space}/projects/{project}/variables`, the
 * API key in the X-Octopus-ApiKey header; sensitive values come back as null, as from Octopus, so
 * only names are compared). Reading Octopus never touches the KMS or its request log.
 */
import { KmsInfo } from "./kms";
import { DEFAULT_PROJECT_ID, DEFAULT_SPACE_ID } from "../../lib/testing/octopus-variables";

/** The Octopus space and project of the dev-server's fake Octopus. */
export const OCTOPUS_DESTINATION = { spaceId: DEFAULT_SPACE_ID, projectId: DEFAULT_PROJECT_ID } as const;

/** Creates a shared secret in the dev-server's default project (`environment`, folder "/"). */
export async function createKmsSecret(kms: KmsInfo, name: string, value: string, environment = "dev"): Promise<void> {
  const res = await fetch(`${kms.kmsUrl}/api/v4/secrets/${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${kms.token}`, "content-type": "application/json" },
    body: JSON.stringify({ projectId: kms.projectId, environment, secretPath: "/", secretValue: value, type: "shared" }),
  });
  if (!res.ok) throw new Error(`setup: creating the KMS secret ${name} failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
  await res.arrayBuffer();
}

/** Names of the variables of the fake Octopus's default project. */
export async function octopusVariableNames(kms: KmsInfo): Promise<string[]> {
  const { spaceId, projectId } = OCTOPUS_DESTINATION;
  const res = await fetch(`${kms.octopusUrl}/api/${spaceId}/projects/${projectId}/variables`, { headers: { "x-octopus-apikey": kms.octopusApiKey } });
  if (!res.ok) throw new Error(`reading the fake Octopus's variables failed: ${res.status}`);
  return ((await res.json()) as { Variables: { Name: string }[] }).Variables.map((v) => v.Name);
}

/**
 * Polls the fake Octopus every `intervalMs` until a variable named `name` exists; resolves with
 * `performance.now()` of the poll that saw it, or undefined once `stop` resolved without it.
 */
export async function whenVariableAppears(kms: KmsInfo, name: string, stop: Promise<unknown>, intervalMs = 20): Promise<number | undefined> {
  let stopped = false;
  void stop.finally(() => (stopped = true));
  for (;;) {
    const wasStopped = stopped;
    if ((await octopusVariableNames(kms)).includes(name)) return performance.now();
    if (wasStopped) return undefined;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
