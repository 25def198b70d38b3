import { EVENT_VERSION } from "../../lib/hook/protocol";

/** The plan timestamp of the apply hook fixtures. */
export const PLANNED_AT = "2026-11-26T17:57:20Z";
/** The apply hook's timestamps when the connection resource was born in the plan being applied. */
export const NEW = { KMS_OCTOPUS_BORN_AT: PLANNED_AT, KMS_OCTOPUS_PLANNED_AT: PLANNED_AT };
/** ... when it was born in an earlier plan (the connection exists, a field changed). */
export const CHANGED = { KMS_OCTOPUS_BORN_AT: "2026-10-01T08:00:00Z", KMS_OCTOPUS_PLANNED_AT: PLANNED_AT };

/** The hook event as the construct synthesizes it (terraform_data form, current EVENT_VERSION), for hook tests. */
export function eventRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    v: EVENT_VERSION,
    marker: "cdktf-kms-octopus",
    path: "test/octopus",
    address: "terraform_data.octopus_connection_A13CABB9",
    kms_url: "https://app.kms.hanzo.ai",
    project_id: null,
    name: "my-conn",
    description: null,
    instance_url: "https://your-instance.octopus.app",
    api_key_env: null,
    adopt_existing: false,
    renamed_from: null,
    removal_policy: "destroy",
    ...overrides,
  };
}
