/**
 * describePlan on provider-engine plans: JSON in the shape `terraform show -json tfplan` gives with
 * Terraform 1.11 for a `hanzokms_octopus_deploy_connection` (format 1.2: resource_changes with
 * before/after attributes, after_unknown, replace_paths, change.importing, previous_address;
 * resource_drift; configuration.provider_config for kms_url). The write-only key is never in a plan;
 * a rotation shows only as a new api_key_fingerprint, which is never printed.
 */
import { describePlan, renderPlanExplanation } from "../../lib/stacks/plan";

const TYPE = "hanzokms_octopus_deploy_connection";
const ADDRESS = `${TYPE}.octopus_connection_A13CABB9`;
const KMS = "https://kms.example.com";
const URL = "https://o.octopus.app";
const P1 = "11111111-1111-4111-8111-111111111111";
const P2 = "22222222-2222-4222-8222-222222222222";
const ID = "395c5660-4cdf-443b-9b49-bebc6bba4cf1";
const FP_OLD = "0123456789abcdef";
const FP_NEW = "fedcba9876543210";
const SECRET = "API-SECRETSECRETSECRETSECRET12";

type Attrs = Record<string, unknown>;
/** Configured attributes (after, before the provider's computed ones). */
const config = (over: Attrs = {}): Attrs => ({
  name: "octo", description: "prod", project_id: null, instance_url: URL, api_key: null, api_key_env: null,
  removal_policy: "destroy", adopt_existing: false, ...over,
});
/** Attributes in state: the configured ones plus what the provider computed. */
const state = (over: Attrs = {}): Attrs => ({
  ...config(), id: ID, credentials_hash: "h1", api_key_fingerprint: FP_OLD, created_at: "2026-11-26T10:00:00Z", updated_at: "2026-11-26T10:00:00Z", ...over,
});
const COMPUTED_UNKNOWN = { id: true, credentials_hash: true, api_key_fingerprint: true, created_at: true, updated_at: true };

interface Change { actions: string[]; before: Attrs | null; after: Attrs | null; after_unknown?: Attrs; replace_paths?: string[][]; importing?: { id: string } }
function rc(change: Change, extra: Attrs = {}) {
  return {
    address: ADDRESS, mode: "managed", type: TYPE, name: "octopus_connection_A13CABB9", provider_name: "cdktf-kms-octopus.invalid/hanzo/hanzokms",
    change: { after_unknown: {}, before_sensitive: {}, after_sensitive: { api_key: true }, ...change }, ...extra,
  };
}
function plan(changes: unknown[], extra: Attrs = {}, inConfig = true) {
  return {
    format_version: "1.2",
    terraform_version: "1.11.4",
    variables: { octopus_api_key: { value: SECRET } },
    resource_changes: changes,
    configuration: {
      provider_config: { hanzokms: { name: "hanzokms", full_name: "cdktf-kms-octopus.invalid/hanzo/hanzokms", expressions: { kms_url: { constant_value: KMS } } } },
      root_module: { resources: inConfig ? [{ address: ADDRESS, mode: "managed", type: TYPE, name: "octopus_connection_A13CABB9", provider_config_key: "hanzokms", expressions: {}, schema_version: 0 }] : [] },
    },
    ...extra,
  };
}
const one = (p: unknown, options = {}) => {
  const e = describePlan(p, options);
  expect(e.connections).toHaveLength(1);
  return e.connections[0]!;
};

test("create: the scope and the KMS of its provider configuration; the id known after apply", () => {
  const c = one(plan([rc({ actions: ["create"], before: null, after: config({ project_id: P1 }), after_unknown: COMPUTED_UNKNOWN })]));
  expect(c).toEqual({ address: ADDRESS, path: null, name: "octo", action: "create", changes: [], warnings: [], summary: `create in project ${P1} on ${KMS}` });
});

test("create with adoptExisting, and an aliased provider configuration", () => {
  const p = plan([rc({ actions: ["create"], before: null, after: config({ adopt_existing: true }), after_unknown: COMPUTED_UNKNOWN })]);
  p.configuration.provider_config = { "hanzokms.kms_1": { name: "hanzokms", alias: "kms_1", expressions: { kms_url: { constant_value: "https://other.example.com" } } } } as never;
  p.configuration.root_module.resources[0]!.provider_config_key = "hanzokms.kms_1";
  expect(one(p).summary).toBe("create in the organization on https://other.example.com, or adopt and update the existing connection of that name (adoptExisting)");
});

test("a connection deleted by hand: the refresh found it gone, the plan creates it again", () => {
  const p = plan([rc({ actions: ["create"], before: null, after: config(), after_unknown: COMPUTED_UNKNOWN })], {
    resource_drift: [rc({ actions: ["delete"], before: state(), after: null })],
  });
  expect(one(p)).toEqual(expect.objectContaining({ action: "create", summary: `create again (it was deleted outside Terraform) in the organization on ${KMS}` }));
});

test("update in place: the fields, before and after; a description change sends no key", () => {
  const c = one(plan([rc({ actions: ["update"], before: state(), after: state({ description: "new", instance_url: "https://p.octopus.app" }), after_unknown: { updated_at: true } })]));
  expect(c.action).toBe("update");
  expect(c.changes).toEqual([
    { field: "description", before: "prod", after: "new" },
    { field: "instanceUrl", before: URL, after: "https://p.octopus.app" },
  ]);
  expect(c.summary).toBe('description "prod" -> "new"; instance URL "https://o.octopus.app" -> "https://p.octopus.app" (credentials re-validated by the KMS)');
});

test("a rename is in place, same id, with no renamedFrom and no warning", () => {
  const c = one(plan([rc({ actions: ["update"], before: state(), after: state({ name: "octo-2" }) })]));
  expect(c).toEqual(expect.objectContaining({ name: "octo-2", action: "update", warnings: [], summary: 'rename "octo" -> "octo-2" (same id)' }));
  expect(c.changes).toEqual([{ field: "name", before: "octo", after: "octo-2" }]);
});

test("key rotation: only the fingerprint changes; it is never printed, nor the key", () => {
  const p = plan([rc({ actions: ["update"], before: state(), after: state({ api_key_fingerprint: FP_NEW }), after_unknown: { credentials_hash: true, updated_at: true } })]);
  const c = one(p);
  expect(c.changes).toEqual([{ field: "apiKey", before: null, after: null }]);
  expect(c.summary).toBe("rotate the API key (the new key is sent and validated)");
  const text = JSON.stringify(describePlan(p)) + renderPlanExplanation(describePlan(p)).join("\n");
  for (const secret of [SECRET, FP_OLD, FP_NEW]) expect(text).not.toContain(secret);
});

test("the key moves to apiKeyEnv: the source changes, the key is sent again", () => {
  const c = one(plan([rc({ actions: ["update"], before: state(), after: state({ api_key_env: "OCTOPUS_API_KEY", api_key_fingerprint: FP_NEW }) })]));
  expect(c.summary).toBe('API key source changes (apiKeyEnv (none) -> "OCTOPUS_API_KEY"): the key is sent again');
});

test("a credentials hash that differs from the state (changed by hand): the key is sent again", () => {
  const c = one(plan([rc({ actions: ["update"], before: state({ credentials_hash: "h-by-hand" }), after: state(), after_unknown: { credentials_hash: true } })]));
  expect(c).toEqual(expect.objectContaining({ action: "update", summary: "re-send the API key: the KMS's credentials differ from the state (changed outside Terraform)" }));
});

test("a change made by hand is set back: resource_drift says so", () => {
  const p = plan([rc({ actions: ["update"], before: state({ description: "by hand" }), after: state() })], {
    resource_drift: [rc({ actions: ["update"], before: state(), after: state({ description: "by hand" }) })],
  });
  expect(one(p).summary).toBe('changed outside Terraform: set back to the code; description "by hand" -> "prod"');
});

test("removalPolicy alone is recorded only: no KMS request", () => {
  expect(one(plan([rc({ actions: ["update"], before: state(), after: state({ removal_policy: "retain" }) })])).summary).toBe(
    'removalPolicy "destroy" -> "retain" (recorded only; no KMS request)',
  );
});

test("replace because the project changes: deleted and created again with a new id (or the old one kept with retain)", () => {
  const change = { actions: ["delete", "create"], before: state({ project_id: P1 }), after: config({ project_id: P2 }), after_unknown: COMPUTED_UNKNOWN, replace_paths: [["project_id"]] };
  const c = one(plan([rc(change, { action_reason: "replace_because_cannot_update" })]));
  expect(c.action).toBe("replace");
  expect(c.summary).toBe(`replace because the project changes (project ${P1} -> project ${P2}): the connection is deleted, then created again in project ${P2} on ${KMS} with a new id`);
  const retained = one(plan([rc({ ...change, before: state({ project_id: P1, removal_policy: "retain" }) }, { action_reason: "replace_because_cannot_update" })]));
  expect(retained.summary).toMatch(/: a new connection is created in project 2{8}-.* on https:\/\/kms\.example\.com; the old one stays in the KMS \(removalPolicy "retain"\)$/);
});

test("removed from the code: deleted by the provider (no removed() needed), or kept with removalPolicy retain", () => {
  const gone = (policy: string) => plan([rc({ actions: ["delete"], before: state({ removal_policy: policy }), after: null }, { action_reason: "delete_because_no_resource_config" })], {}, false);
  expect(one(gone("destroy"))).toEqual(expect.objectContaining({ action: "delete", warnings: [], summary: `removed from the code: delete from the KMS (the organization on ${KMS})` }));
  expect(one(gone("retain"))).toEqual(expect.objectContaining({ action: "forget", summary: `removed from the code: stays in the KMS (the organization on ${KMS}): its removalPolicy is "retain"` }));
  expect(one(plan([rc({ actions: ["delete"], before: state(), after: null })])).summary).toBe(`destroy: delete from the KMS (the organization on ${KMS})`);
});

test("a removed block with destroy = false: forget", () => {
  expect(one(plan([rc({ actions: ["forget"], before: state(), after: null })], {}, false))).toEqual(
    expect.objectContaining({ action: "forget", summary: `stop managing it; stays in the KMS (the organization on ${KMS})` }),
  );
});

test("import (importFrom): the existing connection is imported, then only what the code changes", () => {
  const same = one(plan([rc({ actions: ["no-op"], before: state(), after: state(), importing: { id: ID } })]));
  expect(same).toEqual(expect.objectContaining({ action: "no-op", summary: `import the existing connection "${ID}" (same id; nothing created); no change in the KMS` }));
  const changed = one(plan([rc({ actions: ["update"], before: state(), after: state({ description: "new" }), importing: { id: "octo" } })]));
  expect(changed).toEqual(expect.objectContaining({ action: "update", summary: 'import the existing connection "octo" (same id; nothing created); description "prod" -> "new"' }));
});

test("moved from the terraform_data engine: the same connection, and the old sync resource forgotten silently", () => {
  const p = plan([
    rc({ actions: ["no-op"], before: state(), after: state() }, { previous_address: "terraform_data.octopus_connection_A13CABB9" }),
    { address: "terraform_data.octopus_sync_5EB44FE5", mode: "managed", type: "terraform_data", change: { actions: ["forget"], before: { id: "x", triggers_replace: { connection: "x", name: "octo" } }, after: null } },
  ]);
  const e = describePlan(p);
  expect(e.connections).toEqual([
    expect.objectContaining({ address: ADDRESS, action: "no-op", summary: "moved from terraform_data.octopus_connection_A13CABB9 (the terraform_data engine): the same connection, same id; no change in the KMS" }),
  ]);
});

test("no change at all, and the construct path from the stack", () => {
  const c = one(plan([rc({ actions: ["no-op"], before: state(), after: state() })]), { paths: new Map([[ADDRESS, "s/octopus"]]) });
  expect(c).toEqual(expect.objectContaining({ path: "s/octopus", action: "no-op", summary: "no change" }));
  expect(renderPlanExplanation(describePlan(plan([rc({ actions: ["no-op"], before: state(), after: state() })])))[0]).toBe(`no-op  ${ADDRESS} (octo): no change`);
});
