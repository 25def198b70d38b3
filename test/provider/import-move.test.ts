/**
 * Taking over existing connections: ImportResourceState (by id, name, project/name), creating over
 * an identical or differing connection (adoption), and MoveResourceState from the terraform_data
 * engine's connection resource; UpgradeResourceState from version 0.
 */
import { EVENT_VERSION } from "../../lib/hook/protocol";
import { fingerprint } from "../../lib/shared/fingerprint";
import { OCTOPUS_METHOD } from "../../lib/kms/schemas";
import { ObjectValue } from "../../lib/provider/protocol/types";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { Driver, TYPE, apiRequests, config, noErrors, uniqueName, unchanged } from "./harness";

let kms: LocalKms;
let tf: Driver;
beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  tf = new Driver(kms);
  noErrors(await tf.configure());
});
afterAll(async () => kms?.close());

async function existing(name: string, extra: { description?: string; projectId?: string } = {}) {
  return tf.byHand().create({ name, method: OCTOPUS_METHOD, credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey }, ...extra });
}

function declared(name: string, extra: Record<string, string | boolean | null> = {}): ObjectValue {
  return config({ name, instance_url: kms.octopusUrl, api_key: kms.octopusApiKey, ...extra });
}

async function importById(id: string) {
  return tf.provider.importResourceState({ typeName: TYPE, id });
}

describe("import", () => {
  test("by id, by name and by project/name give the same state: the KMS's values, no key, fingerprint null", async () => {
    const name = uniqueName();
    const c = await existing(name, { description: "imported" });
    const p = await existing(name, { projectId: kms.projectId });
    const byId = await importById(c.id);
    const byName = await importById(name);
    const byProject = await importById(`${kms.projectId}/${name}`);
    for (const r of [byId, byName, byProject]) noErrors(r.diagnostics);
    expect(byId.importedResources[0].state).toEqual(byName.importedResources[0].state);
    const s = byId.importedResources[0].state;
    expect(s).toMatchObject({ id: c.id, name, description: "imported", project_id: null, instance_url: kms.octopusUrl, api_key: null, api_key_fingerprint: null, removal_policy: "destroy", adopt_existing: false });
    expect(byProject.importedResources[0].state).toMatchObject({ id: p.id, project_id: kms.projectId });
  });

  test("after an import the plan shows only the key being sent once (and what the code changes); then nothing", async () => {
    const name = uniqueName();
    const c = await existing(name, { description: "d" });
    const state = (await tf.refresh((await importById(c.id)).importedResources[0].state))!;
    const cfg = declared(name, { description: "d" });
    const plan = await tf.plan(state, cfg);
    noErrors(plan.diagnostics);
    const changed = Object.keys(state).filter((k) => JSON.stringify(plan.plannedState![k]) !== JSON.stringify(state[k]));
    expect(changed.sort()).toEqual(["api_key_fingerprint", "credentials_hash", "updated_at"]);
    expect(plan.plannedState!.api_key_fingerprint).toBe(fingerprint(kms.octopusApiKey));
    const after = await tf.apply(state, cfg);
    expect(after.id).toBe(c.id);
    expect(unchanged(await tf.plan((await tf.refresh(after))!, cfg), after)).toBe(true);
  });

  test("a missing connection or a malformed id is an error diagnostic", async () => {
    const missing = await importById("no-such-connection-here");
    expect(missing.diagnostics?.[0]).toMatchObject({ severity: "error", summary: expect.stringMatching(/not found/) });
    const bad = await importById("not-a-project/name");
    expect(bad.diagnostics?.[0].detail).toMatch(/project id/);
    const badName = await importById("Bad_Name");
    expect(badName.diagnostics?.[0].detail).toMatch(/must be a slug/);
  });
});

describe("create over an existing connection", () => {
  test("identical: adopted with the same id (POST refused, GET by name, PATCH of the credentials)", async () => {
    const name = uniqueName();
    const c = await existing(name, { description: "same" });
    const since = kms.requests.length;
    const state = await tf.apply(null, declared(name, { description: "same" }));
    expect(state.id).toBe(c.id);
    expect(apiRequests(kms, since).map((r) => `${r.method} ${r.status}`)).toEqual(["POST 400", "GET 200", "PATCH 200"]);
    expect(apiRequests(kms, since)[2].body).toEqual({ credentials: { instanceUrl: kms.octopusUrl, apiKey: "[redacted]" } });
  });

  test("differing: an error on name naming the differing fields, nothing changed; adopt_existing takes it over", async () => {
    const name = uniqueName();
    const c = await existing(name, { description: "theirs" });
    const diagnostics = await tf.applyFails(null, declared(name, { description: "ours" }));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0].attribute).toEqual(["name"]);
    expect(diagnostics[0].detail).toMatch(/description: declared "ours", in the KMS "theirs"/);
    expect(diagnostics[0].detail).not.toMatch(/instance_url/);
    expect(kms.connections().find((x) => x.id === c.id)?.description).toBe("theirs");

    const state = await tf.apply(null, declared(name, { description: "ours", adopt_existing: true }));
    expect(state.id).toBe(c.id);
    expect(state.description).toBe("ours");
  });
});

describe("moveResourceState from terraform_data", () => {
  function dataState(decl: Record<string, unknown>, wrapped: boolean): string {
    const value = wrapped ? { value: decl, type: ["object", {}] } : decl;
    return JSON.stringify({ id: "6a4e0f3e-0000-0000-0000-000000000000", input: value, output: value, triggers_replace: null });
  }
  function declaration(name: string, extra: Record<string, unknown> = {}) {
    return {
      v: EVENT_VERSION,
      marker: "cdktf-kms-octopus",
      path: "test/conn",
      address: "terraform_data.conn_connection_ABCD",
      kms_url: kms.kmsUrl,
      project_id: null,
      name,
      description: "moved",
      instance_url: kms.octopusUrl,
      api_key_env: "OCTO_KEY",
      adopt_existing: false,
      renamed_from: null,
      removal_policy: "retain",
      ...extra,
    };
  }
  const move = (stateJson: string, sourceTypeName = "terraform_data") =>
    tf.provider.moveResourceState({ sourceProviderAddress: "terraform.io/builtin/terraform", sourceTypeName, sourceSchemaVersion: 0, sourceStateJson: stateJson, targetTypeName: TYPE, sourcePrivate: Buffer.alloc(0) });

  test.each([true, false])("moves without the KMS (Terraform moves before it configures the provider); the refresh finds the same connection by name (wrapped: %s)", async (wrapped) => {
    const name = uniqueName();
    const c = await existing(name, { description: "moved" });
    const since = kms.requests.length;
    const moved = await move(dataState(declaration(name), wrapped));
    noErrors(moved.diagnostics);
    expect(moved.targetState).toMatchObject({ id: null, name, description: "moved", api_key_env: "OCTO_KEY", removal_policy: "retain", api_key_fingerprint: null });
    expect(apiRequests(kms, since)).toEqual([]);
    const refreshed = await tf.refresh(moved.targetState!);
    expect(refreshed).toMatchObject({ id: c.id, name, api_key_env: "OCTO_KEY", removal_policy: "retain", api_key_fingerprint: null, credentials_hash: c.credentialsHash });
    expect(apiRequests(kms, since).map((r) => r.method)).toEqual(["GET"]);
  });

  test("a connection missing from the KMS moves with a null id, which the refresh drops (Terraform plans a create)", async () => {
    const moved = await move(dataState(declaration(uniqueName()), true));
    noErrors(moved.diagnostics);
    expect(moved.targetState!.id).toBeNull();
    expect(await tf.refresh(moved.targetState!)).toBeNull();
  });

  test("another source type, or a state without a declaration is refused", async () => {
    const wrongType = await move("{}", "aws_instance");
    expect(wrongType.diagnostics?.[0].summary).toMatch(/Unsupported move/);
    const noDecl = await move(JSON.stringify({ id: "x", input: null, output: null }));
    expect(noDecl.diagnostics?.[0].detail).toMatch(/no connection declaration/);
  });
});

describe("upgradeResourceState", () => {
  const upgrade = (version: number, raw: unknown) => tf.provider.upgradeResourceState({ typeName: TYPE, version, rawStateJson: JSON.stringify(raw) });

  test("version 0 → 1: defaults filled, fingerprint null, unknown attributes dropped, no request", async () => {
    const since = kms.requests.length;
    const r = await upgrade(0, { id: "abc", name: "n", instance_url: "https://x.octopus.app", removal_policy: null, api_key_fingerprint: "0123456789abcdef", legacy: 1 });
    noErrors(r.diagnostics);
    expect(r.upgradedState).toMatchObject({ id: "abc", name: "n", removal_policy: "destroy", adopt_existing: false, api_key_fingerprint: null, api_key: null, description: null });
    expect(r.upgradedState).not.toHaveProperty("legacy");
    expect(kms.requests.length).toBe(since);
  });

  test("version 1 is kept as is; a newer version is refused", async () => {
    const state = { id: "abc", name: "n", instance_url: "u", api_key_fingerprint: "0123456789abcdef", removal_policy: "retain", adopt_existing: true };
    expect((await upgrade(1, state)).upgradedState).toMatchObject(state);
    const newer = await upgrade(2, state);
    expect(newer.diagnostics?.[0].detail).toMatch(/newer provider/);
    expect(newer.upgradedState).toBeNull();
  });
});
