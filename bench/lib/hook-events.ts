/**
 * What the hook sections hand the hook: a scrubbed environment, the event Terraform would pass, and
 * the plan timestamps that say whether the connection is new in this apply; and the API call that
 * sets up a connection without the hook.
 */
import { KmsInfo } from "./kms";
import { EVENT_VERSION, HOOK_ENV } from "../../lib/hook/protocol";
import { envWithoutKmsSettings } from "../../lib/testing/terraform-env";

/** A clean environment for a hook or script run: nothing of the caller's KMS or Terraform settings. */
export function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...envWithoutKmsSettings(process.env, /^(TF_|BENCH_|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$)/), ...extra };
}

/** The event the construct hands the hook (what Terraform's jsonencode of the connection's input gives). */
export function hookEvent(kms: KmsInfo, name: string, description: string, instanceUrl = kms.octopusUrl): string {
  return JSON.stringify({
    v: EVENT_VERSION,
    marker: "cdktf-kms-octopus",
    path: `bench/${name}`,
    address: `terraform_data.${name}`,
    kms_url: kms.kmsUrl,
    project_id: null,
    name,
    description,
    instance_url: instanceUrl,
    api_key_env: null,
    adopt_existing: false,
    renamed_from: null,
    removal_policy: "destroy",
  });
}

/** Plan timestamps that tell the apply hook the connection is new in this apply (one POST)... */
export const NEW_IN_THIS_APPLY = { [HOOK_ENV.bornAt]: "2026-01-01T00:00:00Z", [HOOK_ENV.plannedAt]: "2026-01-01T00:00:00Z" };
/** ...or that it existed before (GET + PATCH). */
export const CHANGED_IN_THIS_APPLY = { [HOOK_ENV.bornAt]: "2026-01-01T00:00:00Z", [HOOK_ENV.plannedAt]: "2026-01-02T00:00:00Z" };

/** Creates a connection directly through the API (setup, not measured). */
export async function apiCreate(kms: KmsInfo, name: string, description: string): Promise<string> {
  const res = await fetch(`${kms.kmsUrl}/api/v1/app-connections/octopus-deploy`, {
    method: "POST",
    headers: { authorization: `Bearer ${kms.token}`, "content-type": "application/json" },
    body: JSON.stringify({ name, description, method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`setup: creating ${name} failed: ${res.status} ${text}`);
  return (JSON.parse(text) as { appConnection: { id: string } }).appConnection.id;
}
