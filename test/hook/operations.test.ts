/**
 * The lifecycle operations against a fake ConnectionApi: what they send and how many requests each
 * makes. `apply` (the sync resource's hook) of a connection new in this apply: exactly one POST, and
 * on a name conflict a GET to adopt an identical connection, refuse a differing one, or take it over
 * with adoptExisting (PATCH). `apply` of a changed connection: GET + PATCH, with the credentials in
 * every PATCH and name/description only where they differ; rename through renamedFrom; a missing
 * connection is created again unless a look-alike the stack no longer declares suggests a rename
 * without renamedFrom. `delete`: GET + DELETE.
 */
import { Declaration } from "../../lib/hook/event";
import { ApplyFlags, applyConnection, deleteConnection, describeDifference, differencesFrom, scopeOf } from "../../lib/hook/operations";
import { ConfigError, KmsApiError } from "../../lib/kms/errors";
import { FakeConnectionApi } from "./fake-kms";

const UUID = "abcdef12-3456-7890-abcd-ef1234567890";
const API_KEY = "API-DECLAREDKEY0000000000000";
const URL_A = "https://your-instance.octopus.app";

function decl(overrides: Partial<Declaration> = {}): Declaration {
  return {
    path: "test/octopus",
    address: "terraform_data.octopus_connection_A13CABB9",
    kmsUrl: "https://app.kms.hanzo.ai",
    projectId: undefined,
    name: "my-conn",
    description: null,
    instanceUrl: URL_A,
    apiKeyEnv: undefined,
    adoptExisting: false,
    renamedFrom: undefined,
    removalPolicy: "destroy",
    ...overrides,
  };
}

/** An apiKey reader that counts reads. */
function keyReader() {
  const reader = Object.assign(() => {
    reader.reads++;
    return API_KEY;
  }, { reads: 0 });
  return reader;
}

const URL_B = "https://other.octopus.app";

/** Flags of the apply hook of a connection whose resource was born in this plan. */
const NEW: ApplyFlags = { newInThisApply: true, declaredNames: new Set(["my-conn"]) };
/** Flags of the apply hook of an existing connection whose fields changed. */
const CHANGED: ApplyFlags = { newInThisApply: false, declaredNames: new Set(["my-conn"]) };

const neverKey = () => {
  throw new Error("the API key must not be read");
};

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("apply, connection new in this apply", () => {
  test("exactly one POST with name, method and credentials; no description or project when absent; no lookup first", async () => {
    const api = new FakeConnectionApi();
    const key = keyReader();
    const out = await applyConnection({ api, decl: decl(), apiKey: key }, NEW);
    expect(out.action).toBe("created");
    expect(api.log).toEqual(["create my-conn"]);
    expect(api.bodies).toEqual([{ name: "my-conn", method: "api-key", credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
    expect(out.connection?.id).toBe(api.find("my-conn")!.conn.id);
    expect(api.find("my-conn")!.apiKey).toBe(API_KEY);
    expect(key.reads).toBe(1);
  });

  test("project-level with a description: still one POST", async () => {
    const api = new FakeConnectionApi();
    await applyConnection({ api, decl: decl({ projectId: UUID, description: "d" }), apiKey: keyReader() }, NEW);
    expect(api.requestCount).toBe(1);
    expect(api.bodies[0]).toEqual({ name: "my-conn", description: "d", projectId: UUID, method: "api-key", credentials: { instanceUrl: URL_A, apiKey: API_KEY } });
    expect(api.find("my-conn", UUID)).toBeDefined();
  });

  test("renamedFrom is not looked up for a new connection: one POST under the new name", async () => {
    const api = new FakeConnectionApi();
    const old = api.add("old-conn");
    const out = await applyConnection({ api, decl: decl({ renamedFrom: "old-conn" }), apiKey: keyReader() }, NEW);
    expect(out.action).toBe("created");
    expect(api.log).toEqual(["create my-conn"]);
    expect(api.find("old-conn")!.conn).toEqual(old);
  });

  test("name conflict with an identical connection: POST + GET, adopted, nothing changed", async () => {
    const api = new FakeConnectionApi();
    const existing = api.add("my-conn", { description: "d" });
    const out = await applyConnection({ api, decl: decl({ description: "d" }), apiKey: keyReader() }, NEW);
    expect(out.action).toBe("adopted");
    expect(out.connection?.id).toBe(existing.id);
    expect(out.fields).toBeUndefined();
    expect(api.log).toEqual(["create my-conn", "getByName my-conn"]);
    expect(api.find("my-conn")!.conn).toEqual(existing);
    expect(api.find("my-conn")!.apiKey).toBe("API-EXISTING");
  });

  test("null and empty descriptions count as identical", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { description: "" });
    expect((await applyConnection({ api, decl: decl({ description: null }), apiKey: keyReader() }, NEW)).action).toBe("adopted");
    expect(api.requestCount).toBe(2);
  });

  test("conflict in a project looks the name up in that project", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { projectId: UUID });
    api.add("my-conn", { description: "org-level, different" });
    const out = await applyConnection({ api, decl: decl({ projectId: UUID }), apiKey: keyReader() }, NEW);
    expect(out.action).toBe("adopted");
    expect(api.log).toEqual(["create my-conn", `getByName my-conn ${UUID}`]);
  });

  test("name conflict with a differing connection, no adoptExisting: ConfigError naming the differences; nothing changed", async () => {
    const api = new FakeConnectionApi();
    const existing = api.add("my-conn", { description: "theirs", instanceUrl: URL_B });
    const err = await rejection(applyConnection({ api, decl: decl({ description: "ours" }), apiKey: keyReader() }, NEW));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`a connection named "my-conn" already exists in the organization (id ${existing.id})`);
    expect(err.message).toContain('description: declared "ours", live "theirs"');
    expect(err.message).toContain(`instanceUrl: declared "${URL_A}", live "${URL_B}"`);
    expect(err.message).toContain("Set adoptExisting: true on test/octopus");
    expect(err.message).toContain("Nothing was changed");
    expect(err.message).not.toContain(API_KEY);
    expect(api.log).toEqual(["create my-conn", "getByName my-conn"]);
    expect(api.store.size).toBe(1);
    expect(api.find("my-conn")!.conn).toEqual(existing);
    expect(api.find("my-conn")!.apiKey).toBe("API-EXISTING");
  });

  test("name conflict with a differing connection and adoptExisting: POST + GET + PATCH of description and credentials", async () => {
    const api = new FakeConnectionApi();
    const existing = api.add("my-conn", { description: "theirs", instanceUrl: URL_B });
    const out = await applyConnection({ api, decl: decl({ description: "ours", adoptExisting: true }), apiKey: keyReader() }, NEW);
    expect(out.action).toBe("adopted");
    expect(out.fields).toEqual(["description", "instanceUrl", "apiKey"]);
    expect(api.log).toEqual(["create my-conn", "getByName my-conn", `update ${existing.id}`]);
    expect(api.bodies[1]).toEqual({ description: "ours", credentials: { instanceUrl: URL_A, apiKey: API_KEY } });
    const now = api.find("my-conn")!;
    expect(now.conn.id).toBe(existing.id);
    expect(now.conn.description).toBe("ours");
    expect(now.conn.credentials.instanceUrl).toBe(URL_A);
    expect(now.apiKey).toBe(API_KEY);
  });

  test("adoptExisting with an identical connection does not PATCH", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn");
    const out = await applyConnection({ api, decl: decl({ adoptExisting: true }), apiKey: keyReader() }, NEW);
    expect(out.action).toBe("adopted");
    expect(api.log).toEqual(["create my-conn", "getByName my-conn"]);
  });

  test("a conflict whose connection cannot be read back", async () => {
    const api = new FakeConnectionApi();
    api.create = async () => {
      api.log.push("create my-conn");
      throw new KmsApiError(400, "BadRequest", 'An App Connection with the name "my-conn" already exists', "r", { method: "POST", path: "/", attempts: 1 });
    };
    const err = await rejection(applyConnection({ api, decl: decl(), apiKey: keyReader() }, NEW));
    expect(err.message).toContain("cannot be read back; run the deploy again");
    expect(api.log).toEqual(["create my-conn", "getByName my-conn"]);
  });

  test("other create errors surface unchanged, with no lookup", async () => {
    const api = new FakeConnectionApi();
    const refusal = new KmsApiError(403, "PermissionDenied", "You are not allowed to create on app-connections", "r", { method: "POST", path: "/", attempts: 1 });
    api.create = async () => {
      api.log.push("create");
      throw refusal;
    };
    await expect(applyConnection({ api, decl: decl(), apiKey: keyReader() }, NEW)).rejects.toBe(refusal);
    expect(api.log).toEqual(["create"]);
  });

  test("an unreadable API key stops the create before anything is sent", async () => {
    const api = new FakeConnectionApi();
    await expect(applyConnection({ api, decl: decl(), apiKey: () => { throw new ConfigError("no key"); } }, NEW)).rejects.toThrow("no key");
    expect(api.requestCount).toBe(0);
  });
});

describe("apply, existing connection changed", () => {
  test("description changed: GET + PATCH (2 requests) of the description and the credentials; name not sent", async () => {
    const api = new FakeConnectionApi();
    const c = api.add("my-conn", { description: "old", apiKey: "API-OLD" });
    const key = keyReader();
    const out = await applyConnection({ api, decl: decl({ description: "new" }), apiKey: key }, CHANGED);
    expect(out).toEqual(expect.objectContaining({ action: "updated", fields: ["description", "credentials"] }));
    expect(out.connection?.id).toBe(c.id);
    expect(api.log).toEqual(["getByName my-conn", `update ${c.id}`]);
    expect(api.bodies).toEqual([{ description: "new", credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
    expect(api.bodies[0]).not.toHaveProperty("name");
    expect(api.find("my-conn")!.conn.description).toBe("new");
    expect(api.find("my-conn")!.apiKey).toBe(API_KEY);
    expect(key.reads).toBe(1);
  });

  test("nothing comparable differs (the key was rotated): GET + PATCH of the credentials only", async () => {
    const api = new FakeConnectionApi();
    const c = api.add("my-conn", { description: "d", apiKey: "API-OLD" });
    const out = await applyConnection({ api, decl: decl({ description: "d" }), apiKey: keyReader() }, CHANGED);
    expect(out).toEqual(expect.objectContaining({ action: "updated", fields: ["credentials"] }));
    expect(api.log).toEqual(["getByName my-conn", `update ${c.id}`]);
    expect(api.bodies).toEqual([{ credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
    expect(api.find("my-conn")!.apiKey).toBe(API_KEY);
  });

  test("description removed: PATCH description null, with the credentials", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { description: "old" });
    const out = await applyConnection({ api, decl: decl({ description: null }), apiKey: keyReader() }, CHANGED);
    expect(out.fields).toEqual(["description", "credentials"]);
    expect(api.bodies).toEqual([{ description: null, credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
    expect(api.find("my-conn")!.conn.description).toBeNull();
  });

  test("empty live description and no declared description: the description is not sent", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { description: "" });
    await applyConnection({ api, decl: decl({ description: null }), apiKey: keyReader() }, CHANGED);
    expect(api.bodies).toEqual([{ credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
  });

  test("instance URL changed: the credentials are sent whole, printed as [instanceUrl]", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { instanceUrl: URL_B });
    const out = await applyConnection({ api, decl: decl(), apiKey: keyReader() }, CHANGED);
    expect(out.fields).toEqual(["instanceUrl"]);
    expect(api.requestCount).toBe(2);
    expect(api.bodies).toEqual([{ credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
    expect(api.find("my-conn")!.conn.credentials.instanceUrl).toBe(URL_A);
  });

  test("description and instance URL changed: one PATCH with both", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { instanceUrl: URL_B, description: "x" });
    const out = await applyConnection({ api, decl: decl({ description: "y" }), apiKey: keyReader() }, CHANGED);
    expect(out.fields).toEqual(["description", "instanceUrl"]);
    expect(api.requestCount).toBe(2);
    expect(api.bodies).toEqual([{ description: "y", credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
  });

  test("adoptExisting changes nothing for an existing connection: GET + PATCH", async () => {
    const api = new FakeConnectionApi();
    const c = api.add("my-conn", { description: "old" });
    await applyConnection({ api, decl: decl({ description: "new", adoptExisting: true }), apiKey: keyReader() }, CHANGED);
    expect(api.log).toEqual(["getByName my-conn", `update ${c.id}`]);
  });

  test("an unreadable key: nothing is sent after the GET", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { description: "old" });
    await expect(applyConnection({ api, decl: decl({ description: "new" }), apiKey: () => { throw new ConfigError("no key"); } }, CHANGED)).rejects.toThrow("no key");
    expect(api.log).toEqual(["getByName my-conn"]);
    expect(api.find("my-conn")!.conn.description).toBe("old");
  });

  test("rename via renamedFrom: GET new name, GET old name, PATCH name and credentials; renamed, same id", async () => {
    const api = new FakeConnectionApi();
    const old = api.add("old-conn");
    const out = await applyConnection({ api, decl: decl({ renamedFrom: "old-conn" }), apiKey: keyReader() }, CHANGED);
    expect(out).toEqual(expect.objectContaining({ action: "renamed", fields: ["name", "credentials"] }));
    expect(api.log).toEqual(["getByName my-conn", "getByName old-conn", `update ${old.id}`]);
    expect(api.bodies).toEqual([{ name: "my-conn", credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
    expect(api.find("my-conn")!.conn.id).toBe(old.id);
    expect(api.find("old-conn")).toBeUndefined();
  });

  test("rename and description change in one PATCH", async () => {
    const api = new FakeConnectionApi();
    api.add("old-conn", { description: "a" });
    const out = await applyConnection({ api, decl: decl({ renamedFrom: "old-conn", description: "b" }), apiKey: keyReader() }, CHANGED);
    expect(out).toEqual(expect.objectContaining({ action: "renamed", fields: ["name", "description", "credentials"] }));
    expect(api.bodies).toEqual([{ name: "my-conn", description: "b", credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
  });

  test("rename in a project looks in that project", async () => {
    const api = new FakeConnectionApi();
    api.add("old-conn", { projectId: UUID });
    api.add("old-conn"); // the organization's namesake is not touched
    const out = await applyConnection({ api, decl: decl({ projectId: UUID, renamedFrom: "old-conn" }), apiKey: keyReader() }, CHANGED);
    expect(out.action).toBe("renamed");
    expect(api.log.slice(0, 2)).toEqual([`getByName my-conn ${UUID}`, `getByName old-conn ${UUID}`]);
    expect(api.find("my-conn", UUID)).toBeDefined();
    expect(api.find("old-conn")).toBeDefined();
  });

  test("rename already applied (renamedFrom kept in code): GET + PATCH, updated, not renamed", async () => {
    const api = new FakeConnectionApi();
    const c = api.add("my-conn", { description: "old" });
    const out = await applyConnection({ api, decl: decl({ renamedFrom: "old-conn", description: "new" }), apiKey: keyReader() }, CHANGED);
    expect(out).toEqual(expect.objectContaining({ action: "updated", fields: ["description", "credentials"] }));
    expect(api.log).toEqual(["getByName my-conn", `update ${c.id}`]);
  });

  test("missing, nothing looks alike (deleted outside, or a killed deploy never POSTed): GET + list + POST, re-created", async () => {
    const api = new FakeConnectionApi();
    api.add("other", { instanceUrl: "https://elsewhere.octopus.app" });
    const out = await applyConnection({ api, decl: decl(), apiKey: keyReader() }, CHANGED);
    expect(out.action).toBe("re-created");
    expect(api.log).toEqual(["getByName my-conn", "list", "create my-conn"]);
    expect(api.find("my-conn")?.apiKey).toBe(API_KEY);
    expect(out.connection?.id).toBe(api.find("my-conn")!.conn.id);
  });

  test("missing, a look-alike the stack does not declare (renamed without renamedFrom): ConfigError naming it; nothing created", async () => {
    const api = new FakeConnectionApi();
    const old = api.add("old-conn");
    const err = await rejection(applyConnection({ api, decl: decl(), apiKey: neverKey }, CHANGED));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('no connection named "my-conn" exists in the organization');
    expect(err.message).toContain('"old-conn" there has the same instance URL and description');
    expect(err.message).toContain('set renamedFrom: "old-conn"');
    expect(err.message).toContain("terraform apply -replace='terraform_data.octopus_connection_A13CABB9'");
    expect(err.message).toContain("Nothing was changed");
    expect(api.log).toEqual(["getByName my-conn", "list"]);
    expect([...api.store.values()].map((s) => s.conn)).toEqual([old]);
  });

  test("the look-alike check compares descriptions with null = empty", async () => {
    const api = new FakeConnectionApi();
    api.add("old-conn", { description: "" });
    expect(await rejection(applyConnection({ api, decl: decl({ description: null }), apiKey: neverKey }, CHANGED))).toBeInstanceOf(ConfigError);
    expect(api.find("my-conn")).toBeUndefined();
  });

  test("missing, and the only look-alikes are connections the stack declares (siblings): re-created", async () => {
    // After a killed deploy, the other connections of the stack point at the same Octopus instance
    // with the same (no) description: they are not the old name of a rename.
    const api = new FakeConnectionApi();
    api.add("sibling-1");
    api.add("sibling-2");
    const flags: ApplyFlags = { newInThisApply: false, declaredNames: new Set(["my-conn", "sibling-1", "sibling-2"]) };
    const out = await applyConnection({ api, decl: decl(), apiKey: keyReader() }, flags);
    expect(out.action).toBe("re-created");
    expect(api.log).toEqual(["getByName my-conn", "list", "create my-conn"]);
    expect(api.find("my-conn")?.apiKey).toBe(API_KEY);
  });

  test("missing, declared siblings and one undeclared look-alike: the error names the undeclared one", async () => {
    const api = new FakeConnectionApi();
    api.add("sibling-1");
    api.add("old-conn");
    api.add("sibling-2");
    const flags: ApplyFlags = { newInThisApply: false, declaredNames: new Set(["my-conn", "sibling-1", "sibling-2"]) };
    const err = await rejection(applyConnection({ api, decl: decl(), apiKey: neverKey }, flags));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('set renamedFrom: "old-conn"');
    expect(err.message).not.toContain("sibling");
    expect(api.find("my-conn")).toBeUndefined();
  });

  test.each([
    ["another instance URL", { instanceUrl: URL_B }],
    ["another description", { description: "something else" }],
    ["another scope (a project, for an organization-level declaration)", { projectId: UUID }],
  ])("missing, a connection with %s is no look-alike: re-created", async (_label, opts) => {
    const api = new FakeConnectionApi();
    api.add("old-conn", opts);
    const out = await applyConnection({ api, decl: decl(), apiKey: keyReader() }, CHANGED);
    expect(out.action).toBe("re-created");
    expect(api.find("my-conn")).toBeDefined();
  });

  test("missing under both names in a project: two lookups, a list of the project, then re-created there", async () => {
    const api = new FakeConnectionApi();
    const out = await applyConnection({ api, decl: decl({ projectId: UUID, renamedFrom: "old-conn" }), apiKey: keyReader() }, CHANGED);
    expect(out.action).toBe("re-created");
    expect(api.log).toEqual([`getByName my-conn ${UUID}`, `getByName old-conn ${UUID}`, `list ${UUID}`, "create my-conn"]);
    expect(api.find("my-conn", UUID)).toBeDefined();
  });
});

describe("delete", () => {
  test("GET + DELETE", async () => {
    const api = new FakeConnectionApi();
    const c = api.add("my-conn");
    const out = await deleteConnection({ api, decl: decl(), apiKey: neverKey });
    expect(out.action).toBe("deleted");
    expect(out.connection?.id).toBe(c.id);
    expect(api.log).toEqual(["getByName my-conn", `delete ${c.id}`]);
    expect(api.store.size).toBe(0);
  });

  test("removalPolicy retain: 0 requests, the connection stays", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn");
    const out = await deleteConnection({ api, decl: decl({ removalPolicy: "retain" }), apiKey: neverKey });
    expect(out.action).toBe("retained");
    expect(api.requestCount).toBe(0);
    expect(api.store.size).toBe(1);
  });

  test("already gone: 1 GET, success", async () => {
    const api = new FakeConnectionApi();
    const out = await deleteConnection({ api, decl: decl(), apiKey: neverKey });
    expect(out.action).toBe("already gone");
    expect(api.log).toEqual(["getByName my-conn"]);
  });

  test("gone between GET and DELETE: already gone", async () => {
    const api = new FakeConnectionApi();
    const c = api.add("my-conn");
    const realGet = api.getByName.bind(api);
    api.getByName = async (name, projectId) => {
      const found = await realGet(name, projectId);
      api.store.clear();
      return found;
    };
    const out = await deleteConnection({ api, decl: decl(), apiKey: neverKey });
    expect(out.action).toBe("already gone");
    expect(api.log).toEqual(["getByName my-conn", `delete ${c.id}`]);
  });

  test("a rename that never applied: deletes the connection under its previous name", async () => {
    const api = new FakeConnectionApi();
    const old = api.add("old-conn");
    const out = await deleteConnection({ api, decl: decl({ renamedFrom: "old-conn" }), apiKey: neverKey });
    expect(out.action).toBe("deleted");
    expect(api.log).toEqual(["getByName my-conn", "getByName old-conn", `delete ${old.id}`]);
  });

  test("deletes only in its own scope", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn");
    const inProject = api.add("my-conn", { projectId: UUID });
    await deleteConnection({ api, decl: decl({ projectId: UUID }), apiKey: neverKey });
    expect(api.log).toEqual([`getByName my-conn ${UUID}`, `delete ${inProject.id}`]);
    expect(api.find("my-conn")).toBeDefined();
  });
});

describe("helpers", () => {
  test("scopeOf", () => {
    expect(scopeOf({ projectId: undefined })).toBe("the organization");
    expect(scopeOf({ projectId: UUID })).toBe(`project ${UUID}`);
  });

  test("differencesFrom compares name, description (null = empty) and instance URL", () => {
    const api = new FakeConnectionApi();
    const live = api.add("live-name", { description: "", instanceUrl: "https://a.io" });
    expect(differencesFrom(live, { name: "live-name", description: null, instanceUrl: "https://a.io" })).toEqual([]);
    expect(differencesFrom(live, { name: "other", description: "x", instanceUrl: "https://b.io" }).map(describeDifference)).toEqual([
      'name: declared "other", live "live-name"',
      'description: declared "x", live ""',
      'instanceUrl: declared "https://b.io", live "https://a.io"',
    ]);
  });
});
