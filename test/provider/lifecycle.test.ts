/**
 * The connection resource's lifecycle through OctopusProvider, against the local KMS: plan create,
 * create, refresh, no-change plan, description change (no credentials sent), rename (same id),
 * project change (replace), changes and deletion by hand, key rotation, removal policies, and the
 * request count of each step.
 */
import { fingerprint } from "../../lib/shared/fingerprint";
import { UNKNOWN, ObjectValue } from "../../lib/provider/protocol/types";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { Driver, apiRequests, config, noErrors, uniqueName, unchanged } from "./harness";

let kms: LocalKms;
let tf: Driver;
beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  tf = new Driver(kms, { KMS_TOKEN: kms.token, OCTO_KEY: kms.octopusApiKey });
  noErrors(await tf.configure());
});
afterAll(async () => kms?.close());

function declared(name: string, extra: Record<string, string | boolean | null> = {}): ObjectValue {
  return config({ name, instance_url: kms.octopusUrl, api_key: kms.octopusApiKey, description: "first", ...extra });
}

async function created(name: string, extra: Record<string, string | boolean | null> = {}): Promise<{ cfg: ObjectValue; state: ObjectValue }> {
  const cfg = declared(name, extra);
  return { cfg, state: await tf.apply(null, cfg) };
}

test("plan create: id, credentials_hash and times unknown; fingerprint known; defaults applied; key null; nothing sent", async () => {
  const before = kms.requests.length;
  const plan = await tf.plan(null, declared(uniqueName()));
  noErrors(plan.diagnostics);
  const p = plan.plannedState!;
  expect(p.id).toBe(UNKNOWN);
  expect(p.credentials_hash).toBe(UNKNOWN);
  expect(p.created_at).toBe(UNKNOWN);
  expect(p.updated_at).toBe(UNKNOWN);
  expect(p.api_key).toBeNull();
  expect(p.api_key_fingerprint).toBe(fingerprint(kms.octopusApiKey));
  expect(p.removal_policy).toBe("destroy");
  expect(p.adopt_existing).toBe(false);
  expect(kms.requests.length).toBe(before);
});

test("create: 1 POST; state has the KMS's id, hash and times, never the key; a no-change plan after 1 GET per refresh", async () => {
  const since = kms.requests.length;
  const { cfg, state } = await created(uniqueName());
  expect(apiRequests(kms, since).map((r) => r.method)).toEqual(["POST"]);
  expect(state.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(state.credentials_hash).toMatch(/^[0-9a-f]{64}$/);
  expect(typeof state.created_at).toBe("string");
  expect(state.api_key).toBeNull();
  expect(JSON.stringify(state)).not.toContain(kms.octopusApiKey);

  const mark = kms.requests.length;
  const refreshed = (await tf.refresh(state))!;
  expect(apiRequests(kms, mark).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/v1/app-connections/octopus-deploy/${String(state.id)}`]);
  expect(refreshed).toEqual(state);
  const plan = await tf.plan(refreshed, cfg);
  noErrors(plan.diagnostics);
  expect(unchanged(plan, refreshed)).toBe(true);
  expect(plan.requiresReplace).toEqual([]);
});

test("description change: plan keeps credentials_hash, 1 PATCH without credentials, hash unchanged, same id", async () => {
  const { cfg, state } = await created(uniqueName());
  const next = { ...cfg, description: "second" };
  const plan = await tf.plan(state, next);
  noErrors(plan.diagnostics);
  expect(plan.plannedState!.credentials_hash).toBe(state.credentials_hash);
  expect(plan.plannedState!.updated_at).toBe(UNKNOWN);
  expect(plan.plannedState!.id).toBe(state.id);
  const since = kms.requests.length;
  const after = await tf.apply(state, next);
  const sent = apiRequests(kms, since);
  expect(sent.map((r) => r.method)).toEqual(["PATCH"]);
  expect(sent[0].body).toEqual({ description: "second" });
  expect(after.credentials_hash).toBe(state.credentials_hash);
  expect(after.description).toBe("second");
  expect(after.id).toBe(state.id);
  expect(kms.connections().find((c) => c.id === state.id)?.description).toBe("second");
});

test("rename: same id, 1 PATCH with the name only", async () => {
  const { cfg, state } = await created(uniqueName());
  const newName = uniqueName("renamed");
  const since = kms.requests.length;
  const after = await tf.apply(state, { ...cfg, name: newName });
  const sent = apiRequests(kms, since);
  expect(sent.map((r) => r.method)).toEqual(["PATCH"]);
  expect(sent[0].body).toEqual({ name: newName });
  expect(after.id).toBe(state.id);
  expect(after.name).toBe(newName);
});

test("a project change requires replacement", async () => {
  const { cfg, state } = await created(uniqueName());
  const plan = await tf.plan(state, { ...cfg, project_id: kms.projectId });
  noErrors(plan.diagnostics);
  expect(plan.requiresReplace).toEqual([["project_id"]]);
});

test("removal_policy change alone sends nothing", async () => {
  const { cfg, state } = await created(uniqueName());
  const since = kms.requests.length;
  const after = await tf.apply(state, { ...cfg, removal_policy: "retain" });
  expect(apiRequests(kms, since)).toEqual([]);
  expect(after.removal_policy).toBe("retain");
  expect(after.updated_at).toBe(state.updated_at);
});

test("a description changed by hand shows on refresh and plans it back", async () => {
  const { cfg, state } = await created(uniqueName());
  await tf.byHand().update(state.id as string, { description: "by hand" });
  const refreshed = (await tf.refresh(state))!;
  expect(refreshed.description).toBe("by hand");
  const plan = await tf.plan(refreshed, cfg);
  expect(unchanged(plan, refreshed)).toBe(false);
  expect(plan.plannedState!.description).toBe("first");
  expect(plan.plannedState!.credentials_hash).toBe(refreshed.credentials_hash);
});

test("credentials changed by hand: the plan re-sends the key (fingerprint null in the refreshed state)", async () => {
  const { cfg, state } = await created(uniqueName());
  await tf.byHand().update(state.id as string, { credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } });
  const refreshed = (await tf.refresh(state))!;
  expect(refreshed.credentials_hash).not.toBe(state.credentials_hash);
  expect(refreshed.api_key_fingerprint).toBeNull();
  const plan = await tf.plan(refreshed, cfg);
  expect(plan.plannedState!.api_key_fingerprint).toBe(fingerprint(kms.octopusApiKey));
  expect(plan.plannedState!.credentials_hash).toBe(UNKNOWN);
  const since = kms.requests.length;
  const after = await tf.apply(refreshed, cfg);
  const sent = apiRequests(kms, since);
  expect(sent.map((r) => r.method)).toEqual(["PATCH"]);
  expect(sent[0].body).toEqual({ credentials: { instanceUrl: kms.octopusUrl, apiKey: "[redacted]" } });
  expect(after.api_key_fingerprint).toBe(fingerprint(kms.octopusApiKey));
  expect(unchanged(await tf.plan((await tf.refresh(after))!, cfg), after)).toBe(true);
});

test("deleted by hand: refresh answers null (Terraform plans a create)", async () => {
  const { state } = await created(uniqueName());
  await tf.byHand().delete(state.id as string);
  expect(await tf.refresh(state)).toBeNull();
});

test("key rotation through api_key_env shows in the plan and sends the credentials once", async () => {
  const second = "API-ROTATEDKEY0000000000000001";
  kms.addOctopusApiKey(second);
  const env = { KMS_TOKEN: kms.token, ROTATING_KEY: kms.octopusApiKey };
  const own = new Driver(kms, env);
  noErrors(await own.configure());
  const cfg = config({ name: uniqueName(), instance_url: kms.octopusUrl, api_key_env: "ROTATING_KEY" });
  const state = await own.apply(null, cfg);
  expect(state.api_key_fingerprint).toBe(fingerprint(kms.octopusApiKey));
  expect(unchanged(await own.plan(state, cfg), state)).toBe(true);
  env.ROTATING_KEY = second;
  const plan = await own.plan(state, cfg);
  expect(plan.plannedState!.api_key_fingerprint).toBe(fingerprint(second));
  expect(plan.plannedState!.credentials_hash).toBe(UNKNOWN);
  const since = kms.requests.length;
  const after = await own.apply(state, cfg);
  expect(apiRequests(kms, since).map((r) => r.method)).toEqual(["PATCH"]);
  expect(after.credentials_hash).not.toBe(state.credentials_hash);
  expect(JSON.stringify(after)).not.toContain(second);
});

test("destroy: 1 DELETE; already gone is fine; retain sends nothing and keeps the connection", async () => {
  const { state } = await created(uniqueName());
  let since = kms.requests.length;
  expect(await tf.destroy(state)).toEqual([]);
  expect(apiRequests(kms, since).map((r) => r.method)).toEqual(["DELETE"]);
  expect(kms.connections().some((c) => c.id === state.id)).toBe(false);
  expect(await tf.destroy(state)).toEqual([]);

  const kept = await created(uniqueName(), { removal_policy: "retain" });
  since = kms.requests.length;
  expect(await tf.destroy(kept.state)).toEqual([]);
  expect(apiRequests(kms, since)).toEqual([]);
  expect(kms.connections().some((c) => c.id === kept.state.id)).toBe(true);
});
