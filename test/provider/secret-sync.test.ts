/**
 * `hanzokms_octopus_deploy_secret_sync` through OctopusProvider, against the local KMS and its fake
 * Octopus: validation with attribute paths (nothing sent), create (the secrets arrive as sensitive,
 * scoped Octopus variables; the provider waits for the sync), refresh and no-change plans, updates
 * field by field, replacement on a project change, changes and deletion by hand, an Octopus failure
 * as an error diagnostic with the KMS's message, delete with and without removing the variables,
 * import by id and by <project_id>/<name>, and the request count of each step (status polls apart).
 */
import { SecretSyncClient } from "../../lib/kms/secret-syncs";
import type { SecretSync } from "../../lib/kms/sync-schemas";
import { removalSettled, syncSettled, waitFor } from "../../lib/provider/resources/octopus-deploy-secret-sync/wait";
import { ObjectValue, UNKNOWN, Value } from "../../lib/provider/protocol/types";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { noErrors, uniqueName, unchanged } from "./harness";
import { SyncDriver, splitPolls, syncConfig, syncRequests } from "./secret-sync-harness";

const ROUTE = "/api/v1/secret-syncs/octopus-deploy";

let kms: LocalKms;
let tf: SyncDriver;
let connectionId: string;
/** Status polls per step, printed at the end (the report's numbers). */
const polls: Record<string, number> = {};

beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  tf = new SyncDriver(kms);
  noErrors(await tf.configure());
  connectionId = await tf.connection(uniqueName("octo"));
  await tf.setSecret("DB_PASSWORD", "s3cret-db-value-1");
  await tf.setSecret("API_TOKEN", "s3cret-api-value-1");
});
afterEach(async () => {
  await kms.syncsIdle();
  kms.setOctopusFailure(undefined);
});
afterAll(async () => {
  console.log(`status polls per step: ${JSON.stringify(polls)}`);
  await kms?.close();
});

/** Each sync writes to its own Octopus project, so tests never see each other's variables. */
function declared(values: Readonly<Record<string, Value>> = {}): ObjectValue {
  const octopusProject = uniqueName("Projects");
  kms.addOctopusProject(kms.octopusSpaceId, octopusProject);
  return syncConfig({
    name: uniqueName("sync"),
    description: "first",
    connection_id: connectionId,
    project_id: kms.projectId,
    environment: "dev",
    secret_path: "/",
    destination_space_id: kms.octopusSpaceId,
    destination_project_id: octopusProject,
    scope_environments: ["Environments-1"],
    scope_roles: ["web-server"],
    auto_sync_enabled: true,
    remove_secrets_on_destroy: false,
    ...values,
  });
}

const variables = (cfg: ObjectValue) => kms.octopusVariables(kms.octopusSpaceId, cfg.destination_project_id as string);

async function created(values: Readonly<Record<string, Value>> = {}): Promise<{ cfg: ObjectValue; state: ObjectValue }> {
  const cfg = declared(values);
  return { cfg, state: await tf.apply(null, cfg) };
}

describe("validation", () => {
  test("every bad value is an error on its attribute naming the rule; plan sends nothing", async () => {
    const cfg = declared({
      name: "Bad_Name",
      environment: "Prod!",
      secret_path: "/app/",
      key_schema: "APP_",
      destination_space_id: " ",
      scope_roles: ["web", ""],
      initial_sync_behavior: "import-prioritize-source",
      connection_id: "not-a-uuid",
      project_id: "nope",
      description: " padded",
    });
    const diagnostics = await tf.validate(cfg);
    const byPath = Object.fromEntries(diagnostics.map((d) => [JSON.stringify(d.attribute), d.detail]));
    expect(byPath).toEqual({
      '["name"]': expect.stringMatching(/name must be a slug/),
      '["environment"]': expect.stringMatching(/environment must be an environment slug/),
      '["secret_path"]': expect.stringMatching(/secret_path must not end with "\/"/),
      '["key_schema"]': expect.stringMatching(/key_schema must contain the \{\{secretKey\}\} placeholder exactly once/),
      '["destination_space_id"]': expect.stringMatching(/destination_space_id must not be empty/),
      '["scope_roles",1]': expect.stringMatching(/scope_roles\[1\] must be a non-empty string/),
      '["initial_sync_behavior"]': expect.stringMatching(/must be one of "overwrite-destination"/),
      '["connection_id"]': expect.stringMatching(/connection_id must be a KMS app connection id/),
      '["project_id"]': expect.stringMatching(/project_id must be a KMS project id/),
      '["description"]': expect.stringMatching(/description must not start or end with whitespace/),
    });
    expect(diagnostics.every((d) => d.severity === "error")).toBe(true);
    const since = kms.requests.length;
    const plan = await tf.plan(null, cfg);
    expect(plan.diagnostics?.length).toBe(diagnostics.length);
    expect(kms.requests.length).toBe(since);
  });

  test("a scope list element unknown at plan is checked at apply, before anything is sent", async () => {
    const cfg = declared({ scope_roles: [UNKNOWN] });
    expect(await tf.validate(cfg)).toEqual([]);
    const plan = await tf.plan(null, cfg);
    noErrors(plan.diagnostics);
    const since = kms.requests.length;
    const applied = await tf.provider.applyResourceChange({ typeName: "hanzokms_octopus_deploy_secret_sync", priorState: null, plannedState: plan.plannedState, config: { ...cfg, scope_roles: [""] }, plannedPrivate: Buffer.alloc(0) });
    expect(applied.diagnostics?.[0]).toMatchObject({ severity: "error", attribute: ["scope_roles", 0] });
    expect(kms.requests.length).toBe(since);
  });
});

describe("lifecycle", () => {
  test("plan create: id and status unknown, defaults applied, nothing sent", async () => {
    const since = kms.requests.length;
    const plan = await tf.plan(null, declared({ auto_sync_enabled: null, remove_secrets_on_destroy: null }));
    noErrors(plan.diagnostics);
    const p = plan.plannedState!;
    for (const a of ["id", "sync_status", "last_synced_at", "last_sync_message"]) expect(p[a]).toBe(UNKNOWN);
    expect(p).toMatchObject({ auto_sync_enabled: true, remove_secrets_on_destroy: false, disable_secret_deletion: false, initial_sync_behavior: "overwrite-destination" });
    expect(kms.requests.length).toBe(since);
  });

  test("create: 1 POST plus status polls; the secrets arrive as sensitive scoped variables; status succeeded; no value in state", async () => {
    const cfg = declared({ key_schema: "APP_{{secretKey}}" });
    const since = kms.requests.length;
    const state = await tf.apply(null, cfg);
    const { own, polls: n } = splitPolls(syncRequests(kms, since), state.id as string);
    polls.create = n;
    expect(own).toEqual([`POST ${ROUTE}`]);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(state).toMatchObject({ sync_status: "succeeded", last_sync_message: null, environment: "dev", secret_path: "/", key_schema: "APP_{{secretKey}}" });
    expect(Date.parse(state.last_synced_at as string)).not.toBeNaN();
    const vars = variables(cfg);
    expect(vars.find((v) => v.Name === "APP_DB_PASSWORD")).toMatchObject({
      Value: "s3cret-db-value-1",
      IsSensitive: true,
      Type: "Sensitive",
      Scope: { Environment: ["Environments-1"], Role: ["web-server"] },
    });
    expect(vars.find((v) => v.Name === "APP_API_TOKEN")?.Value).toBe("s3cret-api-value-1");
    expect(kms.secretSyncs().find((s) => s.id === state.id)?.destinationConfig.scopeValues).toEqual({ environments: ["Environments-1"], roles: ["web-server"] });
  });

  test("refresh: 1 GET, same state; the plan after it changes nothing", async () => {
    const { cfg, state } = await created();
    const since = kms.requests.length;
    const refreshed = (await tf.refresh(state))!;
    expect(syncRequests(kms, since)).toEqual([`GET ${ROUTE}/${String(state.id)}`]);
    expect(refreshed).toEqual(state);
    const plan = await tf.plan(refreshed, cfg);
    noErrors(plan.diagnostics);
    expect(unchanged(plan, refreshed)).toBe(true);
    expect(plan.requiresReplace).toEqual([]);
  });

  test("description change: status unknown in the plan, 1 PATCH with the description only (plus polls), same id", async () => {
    const { cfg, state } = await created();
    const next = { ...cfg, description: "second" };
    const plan = await tf.plan(state, next);
    noErrors(plan.diagnostics);
    expect(plan.requiresReplace).toEqual([]);
    expect(plan.plannedState).toMatchObject({ id: state.id, sync_status: UNKNOWN, last_synced_at: UNKNOWN });
    const since = kms.requests.length;
    const after = await tf.apply(state, next);
    const sent = kms.requests.slice(since).filter((r) => r.path.startsWith(ROUTE) && r.method !== "GET");
    expect(sent.map((r) => r.method)).toEqual(["PATCH"]);
    expect(sent[0].body).toEqual({ description: "second" });
    polls.update = splitPolls(syncRequests(kms, since), state.id as string).polls;
    expect(after).toMatchObject({ id: state.id, description: "second", sync_status: "succeeded" });
  });

  test("scope and key schema changes send the whole destinationConfig / syncOptions, once", async () => {
    const { cfg, state } = await created();
    const next = { ...cfg, scope_roles: null, scope_channels: ["Channels-1"], key_schema: "X_{{secretKey}}" };
    const since = kms.requests.length;
    const after = await tf.apply(state, next);
    const sent = kms.requests.slice(since).filter((r) => r.path.startsWith(ROUTE) && r.method !== "GET");
    expect(sent.map((r) => r.method)).toEqual(["PATCH"]);
    expect(sent[0].body).toEqual({
      syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "X_{{secretKey}}", disableSecretDeletion: false },
      destinationConfig: { spaceId: kms.octopusSpaceId, scope: "project", projectId: cfg.destination_project_id, scopeValues: { environments: ["Environments-1"], channels: ["Channels-1"] } },
    });
    expect(after).toMatchObject({ scope_roles: null, scope_channels: ["Channels-1"] });
    expect(variables(cfg).find((v) => v.Name === "X_DB_PASSWORD")?.Scope).toMatchObject({ Environment: ["Environments-1"], Channel: ["Channels-1"] });
    expect(unchanged(await tf.plan((await tf.refresh(after))!, next), after)).toBe(true);
  });

  test("remove_secrets_on_destroy alone sends nothing and keeps the status", async () => {
    const { cfg, state } = await created();
    const next = { ...cfg, remove_secrets_on_destroy: true };
    const plan = await tf.plan(state, next);
    expect(plan.plannedState!.sync_status).toBe("succeeded");
    const since = kms.requests.length;
    const after = await tf.apply(state, next);
    expect(syncRequests(kms, since)).toEqual([]);
    expect(after).toEqual({ ...state, remove_secrets_on_destroy: true });
  });

  test("a KMS project change requires replacement", async () => {
    const { cfg, state } = await created();
    const plan = await tf.plan(state, { ...cfg, project_id: kms.createProject() });
    noErrors(plan.diagnostics);
    expect(plan.requiresReplace).toEqual([["project_id"]]);
  });

  test("a change by hand shows on refresh, and the plan sets it back", async () => {
    const { cfg, state } = await created();
    await tf.byHand().syncs.updateSync(state.id as string, { description: "by hand", isAutoSyncEnabled: false });
    const refreshed = (await tf.refresh(state))!;
    expect(refreshed).toMatchObject({ description: "by hand", auto_sync_enabled: false });
    const plan = await tf.plan(refreshed, cfg);
    expect(unchanged(plan, refreshed)).toBe(false);
    expect(plan.plannedState).toMatchObject({ description: "first", auto_sync_enabled: true });
    const since = kms.requests.length;
    await tf.apply(refreshed, cfg);
    expect(kms.requests.slice(since).find((r) => r.method === "PATCH")?.body).toEqual({ description: "first", isAutoSyncEnabled: true });
  });

  test("deleted by hand: refresh answers null (Terraform plans a create)", async () => {
    const { state } = await created();
    await tf.byHand().syncs.deleteSync(state.id as string);
    expect(await tf.refresh(state)).toBeNull();
  });

  test("auto-sync off: 1 POST, no wait, no status; nothing arrives in Octopus", async () => {
    const cfg = declared({ auto_sync_enabled: false });
    const since = kms.requests.length;
    const state = await tf.apply(null, cfg);
    expect(syncRequests(kms, since)).toEqual([`POST ${ROUTE}`]);
    expect(state.sync_status).toBeNull();
    await kms.syncsIdle();
    expect(variables(cfg)).toEqual([]);
  });

  test("KMS_OCTOPUS_SYNC_WAIT=0: no wait, the state records the pending status", async () => {
    const own = new SyncDriver(kms, { KMS_TOKEN: kms.token, KMS_OCTOPUS_SYNC_WAIT: "0" });
    noErrors(await own.configure());
    const since = kms.requests.length;
    const state = await own.apply(null, declared());
    expect(syncRequests(kms, since)).toEqual([`POST ${ROUTE}`]);
    expect(state.sync_status).toBe("pending");
  });
});

describe("failures", () => {
  test("Octopus refusing the key (401): an error diagnostic with the KMS's message; the state is recorded; later plans warn", async () => {
    kms.setOctopusFailure({ status: 401 });
    const cfg = declared();
    const applied = await tf.applyResponse(null, cfg);
    const errors = (applied.diagnostics ?? []).filter((d) => d.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0].summary).toBe("Secret sync failed");
    expect(errors[0].detail).toMatch(/the sync to Octopus Deploy failed: .*You must be logged in/);
    const state = applied.newState!;
    expect(state).toMatchObject({ sync_status: "failed", last_sync_message: expect.stringMatching(/You must be logged in/) });
    expect(kms.secretSyncs().some((s) => s.id === state.id)).toBe(true);
    const plan = await tf.plan(state, cfg);
    expect(plan.diagnostics?.[0]).toMatchObject({ severity: "warning", attribute: ["sync_status"], summary: "The last sync failed" });
    expect(plan.diagnostics?.[0]?.detail).toMatch(/this apply runs the sync again/);
    expect(plan.plannedState).toMatchObject({ sync_status: UNKNOWN, last_sync_message: UNKNOWN }); // an update, so "apply again" retries
    kms.setOctopusFailure(undefined);
    // Fixed: applying the same configuration runs the sync again (one POST .../sync-secrets, no PATCH) and succeeds.
    const since = kms.requests.length;
    const retried = await tf.apply(state, cfg);
    expect(retried).toMatchObject({ sync_status: "succeeded", last_sync_message: null });
    expect(splitPolls(syncRequests(kms, since), String(state.id)).own).toEqual([`POST ${ROUTE}/${String(state.id)}/sync-secrets`]);
    expect((await tf.plan(retried, cfg)).diagnostics ?? []).toEqual([]);
  });

  test("KMS errors land on their attribute: a missing folder, a taken name", async () => {
    const missingFolder = await tf.applyResponse(null, declared({ secret_path: "/no/such/folder" }));
    expect(missingFolder.diagnostics?.[0]).toMatchObject({ severity: "error", attribute: ["secret_path"], summary: "Unknown secret folder" });
    expect(missingFolder.newState).toBeNull();
    const { cfg } = await created();
    const taken = await tf.applyResponse(null, { ...declared(), name: cfg.name });
    expect(taken.diagnostics?.[0]).toMatchObject({ severity: "error", attribute: ["name"], summary: "Secret sync name taken" });
  });
});

describe("destroy", () => {
  test("remove_secrets_on_destroy: 1 DELETE with removeSecrets, polls until the sync is gone, the variables are removed", async () => {
    const { cfg, state } = await created({ remove_secrets_on_destroy: true });
    kms.setOctopusVariables([{ Name: "PLAIN", Value: "kept" }, ...variables(cfg)], kms.octopusSpaceId, cfg.destination_project_id as string);
    expect(variables(cfg).some((v) => v.Name === "DB_PASSWORD")).toBe(true);
    const since = kms.requests.length;
    expect((await tf.destroy(state)).diagnostics ?? []).toEqual([]);
    const { own, polls: n } = splitPolls(syncRequests(kms, since), state.id as string);
    polls.deleteRemovingSecrets = n;
    expect(own).toEqual([`DELETE ${ROUTE}/${String(state.id)}?removeSecrets=true`]);
    expect(kms.secretSyncs().some((s) => s.id === state.id)).toBe(false);
    expect(variables(cfg).map((v) => v.Name)).toEqual(["PLAIN"]);
  });

  test("without it: 1 DELETE, no poll, the variables stay; already gone is fine", async () => {
    const { cfg, state } = await created();
    const since = kms.requests.length;
    expect((await tf.destroy(state)).diagnostics ?? []).toEqual([]);
    expect(syncRequests(kms, since)).toEqual([`DELETE ${ROUTE}/${String(state.id)}?removeSecrets=false`]);
    expect(variables(cfg).some((v) => v.Name === "DB_PASSWORD")).toBe(true);
    expect((await tf.destroy(state)).diagnostics ?? []).toEqual([]);
  });

  test("a failed removal is an error and the sync stays in state", async () => {
    const { state } = await created({ remove_secrets_on_destroy: true });
    kms.setOctopusFailure({ status: 500 });
    const destroyed = await tf.provider.applyResourceChange({ typeName: "hanzokms_octopus_deploy_secret_sync", priorState: state, plannedState: null, config: null, plannedPrivate: Buffer.alloc(0) });
    expect(destroyed.newState).toEqual(state);
    expect(destroyed.diagnostics?.[0]).toMatchObject({ severity: "error", attribute: ["remove_secrets_on_destroy"], detail: expect.stringMatching(/unexpected error occurred in Octopus/) });
    expect(kms.secretSyncs().some((s) => s.id === state.id)).toBe(true);
  });
});

describe("import", () => {
  test("by id and by <project_id>/<name>: the same state, 1 GET each; the plan with the same code changes nothing", async () => {
    const { cfg, state } = await created();
    let since = kms.requests.length;
    const byId = await tf.import(state.id as string);
    expect(syncRequests(kms, since)).toEqual([`GET ${ROUTE}/${String(state.id)}`]);
    since = kms.requests.length;
    const byName = await tf.import(`${kms.projectId}/${String(cfg.name)}`);
    expect(syncRequests(kms, since)).toEqual([`GET ${ROUTE}/sync-name/${String(cfg.name)}?projectId=${kms.projectId}`]);
    noErrors(byId.diagnostics);
    noErrors(byName.diagnostics);
    expect(byId.importedResources[0].state).toEqual(state);
    expect(byName.importedResources[0].state).toEqual(state);
    expect(unchanged(await tf.plan(byId.importedResources[0].state, cfg), state)).toBe(true);
  });

  test("malformed or missing ids are error diagnostics", async () => {
    expect((await tf.import("just-a-name")).diagnostics?.[0].detail).toMatch(/neither a UUID nor <project_id>\/<name>/);
    expect((await tf.import("nope/name")).diagnostics?.[0].detail).toMatch(/KMS project id/);
    expect((await tf.import(`${kms.projectId}/Bad_Name`)).diagnostics?.[0].detail).toMatch(/must be a slug/);
    expect((await tf.import(`${kms.projectId}/no-such-sync`)).diagnostics?.[0].summary).toMatch(/not found/);
    expect((await tf.import("00000000-0000-4000-8000-000000000000")).diagnostics?.[0].summary).toMatch(/not found/);
  });
});

describe("the bounded wait", () => {
  const pending = { id: "00000000-0000-4000-8000-000000000001", syncStatus: "pending", removeStatus: null } as unknown as SecretSync;
  /** A client whose sync never finishes; counts its reads. */
  function stuck(): { client: SecretSyncClient; reads: () => number } {
    let reads = 0;
    const client = { getSyncById: async () => (reads++, pending) } as unknown as SecretSyncClient;
    return { client, reads: () => reads };
  }

  test("ends at the budget with the last status, polling with backoff", async () => {
    const { client, reads } = stuck();
    const started = Date.now();
    const outcome = await waitFor(client, pending, syncSettled, { budgetMs: 1000 });
    expect(outcome.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1500);
    expect(reads()).toBeGreaterThanOrEqual(2);
    expect(reads()).toBeLessThanOrEqual(4); // 100, 200, 400 ms apart: not a busy loop
  });

  test("StopProvider ends it at once", async () => {
    const { client } = stuck();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 150);
    const started = Date.now();
    const outcome = await waitFor(client, pending, removalSettled, { budgetMs: 60_000, signal: stop.signal });
    expect(outcome.kind).toBe("stopped");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
