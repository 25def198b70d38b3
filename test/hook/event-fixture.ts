import { EVENT_VERSION } from "../../lib/hook/protocol";

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
