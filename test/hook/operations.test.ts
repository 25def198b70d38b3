/**
 * The lifecycle operations against a fake ConnectionApi: what they send, how many requests each
 * makes, adoption, rename, and when credentials are (re)sent.
 */
import { Declaration } from "../../lib/hook/event";
import { createConnection, deleteConnection, describeDifference, differencesFrom, scopeOf, updateConnection } from "../../lib/hook/operations";
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

describe("create", () => {
  test("one POST with name, method and credentials; no description or project when absent", async () => {
    const api = new FakeConnectionApi();
    const out = await createConnection({ api, decl: decl(), apiKey: keyReader() });
    expect(out.action).toBe("created");
    expect(api.log).toEqual(["create my-conn"]);
    expect(api.bodies[0]).toEqual({ name: "my-conn", method: "api-key", credentials: { instanceUrl: URL_A, apiKey: API_KEY } });
    expect(out.connection?.id).toBe(api.find("my-conn")!.conn.id);
    expect(api.find("my-conn")!.apiKey).toBe(API_KEY);
  });

  test("project-level with a description", async () => {
    const api = new FakeConnectionApi();
    await createConnection({ api, decl: decl({ projectId: UUID, description: "d" }), apiKey: keyReader() });
    expect(api.bodies[0]).toEqual({ name: "my-conn", description: "d", projectId: UUID, method: "api-key", credentials: { instanceUrl: URL_A, apiKey: API_KEY } });
    expect(api.find("my-conn", UUID)).toBeDefined();
  });

  test("an identical existing connection is adopted: POST + GET, nothing changed", async () => {
    const api = new FakeConnectionApi();
    const existing = api.add("my-conn", { description: "d" });
    const out = await createConnection({ api, decl: decl({ description: "d" }), apiKey: keyReader() });
    expect(out.action).toBe("adopted");
    expect(out.connection?.id).toBe(existing.id);
    expect(api.log).toEqual(["create my-conn", "getByName my-conn"]);
    expect(api.find("my-conn")!.apiKey).toBe("API-EXISTING");
  });

  test("null and empty descriptions count as identical", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { description: "" });
    expect((await createConnection({ api, decl: decl({ description: null }), apiKey: keyReader() })).action).toBe("adopted");
  });

  test("conflict in a project looks the name up in that project", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { projectId: UUID });
    api.add("my-conn", { description: "org-level, different" });
    const out = await createConnection({ api, decl: decl({ projectId: UUID }), apiKey: keyReader() });
    expect(out.action).toBe("adopted");
    expect(api.log).toEqual(["create my-conn", `getByName my-conn ${UUID}`]);
  });

  test("a differing existing connection without adoptExisting: error, nothing changed", async () => {
    const api = new FakeConnectionApi();
    const existing = api.add("my-conn", { description: "theirs", instanceUrl: "https://other.octopus.app" });
    const err = await rejection(createConnection({ api, decl: decl({ description: "ours" }), apiKey: keyReader() }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`a connection named "my-conn" already exists in the organization (id ${existing.id})`);
    expect(err.message).toContain('description: declared "ours", live "theirs"');
    expect(err.message).toContain(`instanceUrl: declared "${URL_A}", live "https://other.octopus.app"`);
    expect(err.message).toContain("Set adoptExisting: true on test/octopus");
    expect(err.message).toContain("Nothing was changed");
    expect(err.message).not.toContain(API_KEY);
    expect(api.log).toEqual(["create my-conn", "getByName my-conn"]);
    expect(api.find("my-conn")!.conn).toEqual(existing);
  });

  test("a differing existing connection with adoptExisting: POST + GET + PATCH of description and credentials", async () => {
    const api = new FakeConnectionApi();
    const existing = api.add("my-conn", { description: "theirs", instanceUrl: "https://other.octopus.app" });
    const out = await createConnection({ api, decl: decl({ description: "ours", adoptExisting: true }), apiKey: keyReader() });
    expect(out.action).toBe("adopted");
    expect(out.fields?.slice(0, 2)).toEqual(["description", "instanceUrl"]);
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
    const out = await createConnection({ api, decl: decl({ adoptExisting: true }), apiKey: keyReader() });
    expect(out.action).toBe("adopted");
    expect(api.requestCount).toBe(2);
  });

  test("a conflict whose connection cannot be read back", async () => {
    const api = new FakeConnectionApi();
    api.create = async () => {
      api.log.push("create my-conn");
      throw new KmsApiError(400, "BadRequest", 'An App Connection with the name "my-conn" already exists', "r", { method: "POST", path: "/", attempts: 1 });
    };
    const err = await rejection(createConnection({ api, decl: decl(), apiKey: keyReader() }));
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
    await expect(createConnection({ api, decl: decl(), apiKey: keyReader() })).rejects.toBe(refusal);
    expect(api.log).toEqual(["create"]);
  });

  test("an unreadable API key stops the create before anything is sent", async () => {
    const api = new FakeConnectionApi();
    await expect(createConnection({ api, decl: decl(), apiKey: () => { throw new ConfigError("no key"); } })).rejects.toThrow("no key");
    expect(api.requestCount).toBe(0);
  });
});

describe("update", () => {
  // The `update` hook (name, description) and the `credentials` hook (instance URL, API key) both run
  // updateConnection; only the latter sends credentials.
  const created = { createdInThisApply: false, sendCredentials: false };
  const credentials = { createdInThisApply: false, sendCredentials: true };

  test.each([
    ["update", { createdInThisApply: true, sendCredentials: false }],
    ["credentials", { createdInThisApply: true, sendCredentials: true }],
  ])("%s: 0 requests when the connection was created in this apply", async (_op, flags) => {
    const api = new FakeConnectionApi();
    const out = await updateConnection({ api, decl: decl({ description: "new" }), apiKey: neverKey }, flags);
    expect(out.action).toBe("unchanged");
    expect(api.requestCount).toBe(0);
  });

  test("in sync: 1 GET, no PATCH, key not read", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { description: "d" });
    const out = await updateConnection({ api, decl: decl({ description: "d" }), apiKey: neverKey }, created);
    expect(out.action).toBe("in sync");
    expect(api.log).toEqual(["getByName my-conn"]);
  });

  test("description changed: 1 GET + 1 PATCH of the description only; credentials not re-sent", async () => {
    const api = new FakeConnectionApi();
    const c = api.add("my-conn", { description: "old", apiKey: "API-KEPT" });
    const out = await updateConnection({ api, decl: decl({ description: "new" }), apiKey: neverKey }, created);
    expect(out).toEqual(expect.objectContaining({ action: "updated", fields: ["description"] }));
    expect(api.log).toEqual(["getByName my-conn", `update ${c.id}`]);
    expect(api.bodies).toEqual([{ description: "new" }]);
    expect(api.find("my-conn")!.apiKey).toBe("API-KEPT");
  });

  test("description removed: PATCH description null", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { description: "old" });
    await updateConnection({ api, decl: decl({ description: null }), apiKey: neverKey }, created);
    expect(api.bodies).toEqual([{ description: null }]);
  });

  test("the update hook never sends credentials, even when the live instance URL differs", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { instanceUrl: "https://old.octopus.app" });
    const out = await updateConnection({ api, decl: decl(), apiKey: neverKey }, created);
    expect(out.action).toBe("in sync");
    expect(api.requestCount).toBe(1);
  });

  test("credentials hook, key changed: 1 GET + 1 PATCH with the current instance URL and key", async () => {
    const api = new FakeConnectionApi();
    const c = api.add("my-conn");
    const key = keyReader();
    const out = await updateConnection({ api, decl: decl(), apiKey: key }, credentials);
    expect(out).toEqual(expect.objectContaining({ action: "updated", fields: ["apiKey"] }));
    expect(api.log).toEqual(["getByName my-conn", `update ${c.id}`]);
    expect(api.bodies).toEqual([{ credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
    expect(api.find("my-conn")!.apiKey).toBe(API_KEY);
    expect(key.reads).toBe(1);
  });

  test("credentials hook, instance URL changed: the credentials are sent whole", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { instanceUrl: "https://old.octopus.app" });
    const out = await updateConnection({ api, decl: decl(), apiKey: keyReader() }, credentials);
    expect(out.fields).toContain("instanceUrl");
    expect(api.bodies).toEqual([{ credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
    expect(api.find("my-conn")!.conn.credentials.instanceUrl).toBe(URL_A);
  });

  test("credentials hook also applies a pending description change in the same PATCH", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn", { instanceUrl: "https://old.octopus.app", description: "x" });
    const out = await updateConnection({ api, decl: decl({ description: "y" }), apiKey: keyReader() }, credentials);
    expect(out.fields?.slice(0, 2)).toEqual(["description", "instanceUrl"]);
    expect(api.requestCount).toBe(2);
    expect(api.bodies).toEqual([{ description: "y", credentials: { instanceUrl: URL_A, apiKey: API_KEY } }]);
  });

  test("credentials hook with an unreadable key: nothing is sent after the GET", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn");
    await expect(updateConnection({ api, decl: decl(), apiKey: () => { throw new ConfigError("no key"); } }, credentials)).rejects.toThrow("no key");
    expect(api.log).toEqual(["getByName my-conn"]);
  });

  test("rename via renamedFrom: GET new name, GET old name, PATCH name; same id", async () => {
    const api = new FakeConnectionApi();
    const old = api.add("old-conn");
    const out = await updateConnection({ api, decl: decl({ renamedFrom: "old-conn" }), apiKey: neverKey }, created);
    expect(out).toEqual(expect.objectContaining({ action: "renamed", fields: ["name"] }));
    expect(api.log).toEqual(["getByName my-conn", "getByName old-conn", `update ${old.id}`]);
    expect(api.bodies).toEqual([{ name: "my-conn" }]);
    expect(api.find("my-conn")!.conn.id).toBe(old.id);
    expect(api.find("old-conn")).toBeUndefined();
  });

  test("rename in a project looks in that project", async () => {
    const api = new FakeConnectionApi();
    api.add("old-conn", { projectId: UUID });
    await updateConnection({ api, decl: decl({ projectId: UUID, renamedFrom: "old-conn" }), apiKey: neverKey }, created);
    expect(api.log.slice(0, 2)).toEqual([`getByName my-conn ${UUID}`, `getByName old-conn ${UUID}`]);
    expect(api.find("my-conn", UUID)).toBeDefined();
  });

  test("rename already applied (renamedFrom kept in code): 1 GET, in sync", async () => {
    const api = new FakeConnectionApi();
    api.add("my-conn");
    const out = await updateConnection({ api, decl: decl({ renamedFrom: "old-conn" }), apiKey: neverKey }, created);
    expect(out.action).toBe("in sync");
    expect(api.log).toEqual(["getByName my-conn"]);
  });

  test("not found without renamedFrom, a look-alike in the scope: error names it for renamedFrom; nothing changed", async () => {
    const api = new FakeConnectionApi();
    api.add("old-conn");
    const err = await rejection(updateConnection({ api, decl: decl(), apiKey: neverKey }, created));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('no connection named "my-conn" exists in the organization');
    expect(err.message).toContain('set renamedFrom: "old-conn"');
    expect(err.message).toContain("terraform apply -replace='terraform_data.octopus_connection_A13CABB9'");
    expect(err.message).toContain("Nothing was changed");
    expect(api.log).toEqual(["getByName my-conn", "list"]);
  });

  test("not found and no look-alike (deleted outside, or a killed deploy never POSTed): created again", async () => {
    const api = new FakeConnectionApi();
    api.add("other", { instanceUrl: "https://elsewhere.octopus.app" });
    const out = await updateConnection({ api, decl: decl(), apiKey: () => API_KEY }, created);
    expect(out.action).toBe("re-created");
    expect(api.log).toEqual(["getByName my-conn", "list", "create my-conn"]);
    expect(api.find("my-conn")?.apiKey).toBe(API_KEY);
  });

  test("credentials hook after a killed deploy: created again although siblings of the stack look alike", async () => {
    // The connection resource was recorded but its create hook never POSTed; the other connections of
    // the stack point at the same Octopus instance with the same (no) description.
    const api = new FakeConnectionApi();
    api.add("sibling-1");
    api.add("sibling-2");
    const out = await updateConnection({ api, decl: decl(), apiKey: () => API_KEY }, credentials);
    expect(out.action).toBe("re-created");
    expect(api.log).toEqual(["getByName my-conn", "create my-conn"]);
    expect(api.find("my-conn")?.apiKey).toBe(API_KEY);
  });

  test("not found under either name: two lookups, a list, then created again in the project", async () => {
    const api = new FakeConnectionApi();
    const out = await updateConnection({ api, decl: decl({ projectId: UUID, renamedFrom: "old-conn" }), apiKey: () => API_KEY }, created);
    expect(out.action).toBe("re-created");
    expect(api.log).toEqual([`getByName my-conn ${UUID}`, `getByName old-conn ${UUID}`, `list ${UUID}`, "create my-conn"]);
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
