/**
 * describePlan on hand-built JSON plans, for the cases the end-to-end plan tests (test/e2e/plan.test.ts,
 * real Terraform) cannot reach offline: the null_resource engine, tainted resources, values known only
 * after apply, and the key moving between apiKey and apiKeyEnv.
 */
import { CONNECTION_MARKER } from "../../lib/construct/octopus-deploy-connection";
import { NotAPlanError, PlanExplanation, describePlan, renderPlanExplanation } from "../../lib/stacks/plan";

const KMS = "https://kms.example.com";
const URL = "https://o.octopus.app";
const P1 = "11111111-1111-4111-8111-111111111111";
const SECRET = "API-SECRETSECRETSECRETSECRET12";
const CONN = "terraform_data.octopus_connection_AAAAAAAA";
const SYNC = "terraform_data.octopus_sync_BBBBBBBB";

type Decl = Record<string, unknown>;
const decl = (over: Decl = {}): Decl => ({
  v: 2, marker: CONNECTION_MARKER, path: "s/octopus", address: CONN, kms_url: KMS, project_id: null, name: "octo", description: "prod",
  instance_url: URL, api_key_env: null, adopt_existing: false, renamed_from: null, removal_policy: "destroy", ...over,
});
const syncT = (over: Decl = {}) => ({ connection: "cid", name: "octo", description: "prod", instance_url: URL, api_key_fingerprint: "0123456789abcdef", ...over });

interface Rc { address: string; type: string; mode: string; action_reason?: string; change: { actions: string[]; before: unknown; after: unknown; after_unknown?: unknown } }
const conn = (actions: string[], before: Decl | null, after: Decl | null, extra: Partial<Rc> & { after_unknown?: unknown } = {}): Rc => ({
  address: CONN, type: "terraform_data", mode: "managed", ...extra,
  change: {
    actions,
    before: before && { id: "cid", input: before, output: before, triggers_replace: { kms_url: before.kms_url, project_id: before.project_id, born: "2026-11-26T10:00:00Z" } },
    after: after && { input: after, triggers_replace: { kms_url: after.kms_url, project_id: after.project_id, born: before ? "2026-11-26T10:00:00Z" : "2026-11-26T11:00:00Z" } },
    after_unknown: extra.after_unknown ?? {},
  },
});
const hook = (address: string, actions: string[], before: Decl | null, after: Decl | null, reason?: string): Rc => ({
  address, type: "terraform_data", mode: "managed", ...(reason ? { action_reason: reason } : {}),
  change: { actions, before: before && { id: "h", triggers_replace: before }, after: after && { triggers_replace: after } },
});
const REPLACE = ["delete", "create"];
const NOOP = ["no-op"];

function plan(rcs: Rc[], withConfig = true): unknown {
  const refs = { triggers_replace: { references: [`${CONN}.id`, CONN] } };
  return {
    format_version: "1.2",
    variables: { octopus_api_key: { value: SECRET } },
    resource_changes: rcs,
    configuration: withConfig ? { root_module: { resources: [{ address: SYNC, expressions: refs }] } } : { root_module: {} },
  };
}
const one = (p: unknown, options = {}) => {
  const e = describePlan(p, options);
  expect(e.connections).toHaveLength(1);
  return e.connections[0]!;
};

test("the two resources of a connection make one entry, named by construct path and connection name", () => {
  const e = describePlan(plan([conn(NOOP, decl(), decl()), hook(SYNC, REPLACE, syncT(), syncT({ description: "new" }))]));
  expect(e.connections).toEqual([expect.objectContaining({ address: CONN, path: "s/octopus", name: "octo", action: "update", summary: 'description "prod" -> "new"' })]);
  expect(e.counts).toEqual({ create: 0, update: 1, replace: 0, delete: 0, forget: 0, "no-op": 0 });
});

test("without configuration references, the sync resource is linked by the connection id it recorded", () => {
  const e = one(plan([conn(NOOP, decl(), decl()), hook(SYNC, REPLACE, syncT(), syncT({ api_key_fingerprint: "fedcba9876543210" }))], false));
  expect(e.summary).toBe("rotate the API key (the new key is sent and validated)");
});

test("a key fingerprint is never shown, and neither are the plan's variables", () => {
  const p = plan([conn(NOOP, decl(), decl()), hook(SYNC, REPLACE, syncT(), syncT({ api_key_fingerprint: "fedcba9876543210" }))]);
  const e = describePlan(p);
  const text = JSON.stringify(e) + renderPlanExplanation(e).join("\n");
  expect(text).not.toContain("0123456789abcdef");
  expect(text).not.toContain("fedcba9876543210");
  expect(text).not.toContain(SECRET);
  expect(e.connections[0]!.changes).toEqual([{ field: "apiKey", before: null, after: null }]);
});

test("the key moving between apiKey and apiKeyEnv is a key source change", () => {
  const e = one(plan([conn(["update"], decl(), decl({ api_key_env: "OCTO_KEY" })), hook(SYNC, REPLACE, syncT(), syncT({ api_key_fingerprint: "env:OCTO_KEY" }))]));
  expect(e.summary).toBe('apiKeyEnv (none) -> "OCTO_KEY"; API key source changes (apiKey / apiKeyEnv): the key is sent again');
});

test("a change that the KMS never sees is said to be recorded only", () => {
  const e = one(plan([conn(["update"], decl(), decl({ removal_policy: "retain" })), hook(SYNC, NOOP, syncT(), syncT())]));
  expect(e).toEqual(expect.objectContaining({ action: "update", summary: 'removalPolicy "destroy" -> "retain" (recorded only; no KMS request)' }));
});

test("create with adoptExisting says it may adopt", () => {
  const e = one(plan([conn(["create"], null, decl({ adopt_existing: true, project_id: P1 }))]));
  expect(e.summary).toBe(`create in project ${P1} on ${KMS}, or adopt and update the existing connection of that name (adoptExisting)`);
});

test("a project known only after apply", () => {
  const created = one(plan([conn(["create"], null, decl({ project_id: null }), { after_unknown: { input: { project_id: true } } })]));
  expect(created.summary).toBe(`create in a project known after apply on ${KMS}`);
  const replaced = one(plan([conn(REPLACE, decl({ project_id: P1 }), decl({ project_id: null }), { action_reason: "replace_because_cannot_update", after_unknown: { input: { project_id: true } } })]));
  expect(replaced.summary).toBe(
    `replace because the project changes (project ${P1} -> (known after apply)): the connection is deleted, then created again in a project known after apply on ${KMS} with a new id`,
  );
  expect(replaced.changes).toContainEqual({ field: "projectId", before: P1, after: null, afterUnknown: true });
});

test("tainted resources: a replaced connection, a re-run sync hook", () => {
  expect(one(plan([conn(REPLACE, decl(), decl(), { action_reason: "replace_because_tainted" })])).summary).toMatch(/^replace because a previous apply of it failed \(tainted\): the connection is deleted, then created again/);
  const rerun = one(plan([conn(NOOP, decl(), decl()), hook(SYNC, REPLACE, syncT(), syncT(), "replace_because_tainted")]));
  expect(rerun).toEqual(expect.objectContaining({ action: "update", summary: "re-apply the declaration (a previous apply of it failed)" }));
});

test("-replace by request", () => {
  expect(one(plan([conn(REPLACE, decl(), decl(), { action_reason: "replace_by_request" })])).summary).toMatch(/^replace because requested with -replace:/);
});

test("replacing a connection whose removalPolicy is retain keeps the old one", () => {
  const e = one(plan([conn(REPLACE, decl({ removal_policy: "retain" }), decl({ removal_policy: "retain", kms_url: "https://kms2.example.com" }))]));
  expect(e.summary).toBe('replace because the KMS changes ("https://kms.example.com" -> "https://kms2.example.com"): a new connection is created in the organization on https://kms2.example.com; the old one stays in the KMS (removalPolicy "retain")');
});

describe("null_resource engine (declaration in string triggers)", () => {
  const nul = (actions: string[], before: Decl | null, after: Decl | null): Rc => {
    const strings = (d: Decl | null) => d && { id: "cid", triggers: Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v === null ? "" : String(v)])) };
    return { address: "null_resource.octopus_connection_AAAAAAAA", type: "null_resource", mode: "managed", action_reason: "replace_because_cannot_update", change: { actions, before: strings(before), after: strings(after) } };
  };

  test("a rename replaces the connection (the name is part of its identity there)", () => {
    const e = one(plan([nul(REPLACE, decl(), decl({ name: "octo2" }))]));
    expect(e).toEqual(expect.objectContaining({ action: "replace", name: "octo2" }));
    expect(e.summary).toBe(`replace because the name changes ("octo" -> "octo2"): the connection is deleted, then created again in the organization on ${KMS} with a new id`);
  });

  test("empty strings are nulls", () => {
    const e = one(plan([nul(["create"], null, decl({ description: null, project_id: null }))]));
    expect(e.summary).toBe(`create in the organization on ${KMS}`);
  });

  test("changes come from the sync resource's triggers (the connection's are recorded at creation)", () => {
    const sync = { ...hook("null_resource.octopus_sync_BBBBBBBB", REPLACE, null, null), type: "null_resource", change: { actions: REPLACE, before: { id: "u", triggers: syncT() }, after: { triggers: syncT({ description: "new", instance_url: "https://p.octopus.app" }) } } };
    const e = one(plan([nul(NOOP, decl(), decl()), sync as Rc], false));
    expect(e.summary).toBe('description "prod" -> "new"; instance URL "https://o.octopus.app" -> "https://p.octopus.app" (credentials re-validated by the KMS)');
  });
});

describe("removal", () => {
  const removal = (before = decl()) => plan([conn(["delete"], before, null, { action_reason: "delete_because_no_resource_config" }), hook(SYNC, ["delete"], syncT(), null)], false);

  test("without the stack, a caution: only OctopusDeployConnection.removed() deletes", () => {
    const e = one(removal());
    expect(e).toEqual(expect.objectContaining({ action: "delete", summary: `removed from the code: delete from the KMS (the organization on ${KMS})` }));
    expect(e.warnings).toEqual(["removed from the code: the connection is deleted only if the code uses OctopusDeployConnection.removed() (pass --stack to check)"]);
  });

  test("with the stack's removed block carrying the delete hook: delete, no warning", () => {
    const e = one(removal(), { removed: new Map([[CONN, { destroy: true, destroyHook: true, overridesRetain: false }]]) });
    expect(e).toEqual(expect.objectContaining({ action: "delete", warnings: [] }));
  });

  test('a connection deployed with "retain": kept by the plain removed block, deleted by one with removalPolicy "destroy"', () => {
    const retained = decl({ removal_policy: "retain" });
    const kept = one(removal(retained), { removed: new Map([[CONN, { destroy: true, destroyHook: true, overridesRetain: false }]]) });
    expect(kept).toEqual(expect.objectContaining({ action: "forget", summary: `removed from the code; stays in the KMS (the organization on ${KMS}): its removalPolicy is "retain"` }));
    const forced = one(removal(retained), { removed: new Map([[CONN, { destroy: true, destroyHook: true, overridesRetain: true }]]) });
    expect(forced).toEqual(expect.objectContaining({ action: "delete", summary: `removed from the code: delete from the KMS (the organization on ${KMS})` }));
  });

  test("with the stack but no removed block: the connection would be orphaned", () => {
    const e = one(removal(), { removed: new Map() });
    expect(e.action).toBe("forget");
    expect(e.summary).toBe(`removed from the code without a hook: stays in the KMS (the organization on ${KMS}), unmanaged`);
    expect(e.warnings[0]).toMatch(/without OctopusDeployConnection\.removed\(\): Terraform runs no hook/);
  });
});

test("a plan without connections, and an empty plan", () => {
  const other = { address: "terraform_data.x", type: "terraform_data", mode: "managed", change: { actions: ["create"], before: null, after: { input: "x" } } };
  expect(describePlan(plan([other as Rc])).connections).toEqual([]);
  expect(renderPlanExplanation(describePlan({ format_version: "1.2", planned_values: {} }))).toEqual(["No Octopus Deploy connection in this plan."]);
});

test("what is not a JSON plan is refused with the command that makes one", () => {
  for (const input of [null, [], "x", { values: {} }]) expect(() => describePlan(input)).toThrow(NotAPlanError);
  expect(() => describePlan({})).toThrow(/terraform show -json tfplan/);
});

test("rendering: one line per connection, warnings below, then the counts", () => {
  const e: PlanExplanation = describePlan(plan([conn(NOOP, decl(), decl({ name: "octo2" })), hook(SYNC, REPLACE, syncT(), syncT({ name: "octo2" }))]));
  expect(renderPlanExplanation(e)).toEqual([
    'update  s/octopus (octo2): name "octo" -> "octo2"',
    '        ! the name changes from "octo" to "octo2" without renamedFrom: "octo": the hook looks for "octo2", finds nothing, and the apply fails while "octo" is still in the KMS. Set renamedFrom: "octo" to rename in place.',
    "Connections: 0 to create, 1 to update, 0 to replace, 0 to delete, 0 to stop managing, 0 unchanged.",
  ]);
});
