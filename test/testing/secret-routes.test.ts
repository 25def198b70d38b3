/**
 * The local KMS's v4 secrets routes and secret-sync routes over HTTP: environments of a new project,
 * secrets CRUD with folders, envelopes, upstream's 400/404/422 answers, and the sync object's fields.
 */
import { startLocalKms, type LocalKms } from "../../lib/testing";
import { call, createConnection, errorBody, type Json } from "./helpers";

const SYNCS = "/api/v1/secret-syncs/octopus-deploy";
const SECRETS = "/api/v4/secrets";

let kms: LocalKms;
let connection: Json;

beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  connection = await createConnection(kms);
});
afterAll(async () => kms?.close());

const where = () => ({ projectId: kms.projectId, environment: "staging" });

test("a project has the environments of a new KMS project", () => {
  expect(kms.environments().map(({ slug, name }) => [slug, name])).toEqual([["dev", "Development"], ["staging", "Staging"], ["prod", "Production"]]);
  const other = kms.createProject();
  expect(kms.environments(other).map((e) => e.slug)).toEqual(["dev", "staging", "prod"]);
});

test("secrets CRUD: create, read, list, update, rename, delete, with upstream's envelopes", async () => {
  const created = await call(kms, "POST", `${SECRETS}/FIRST`, { body: { ...where(), secretValue: "  one  ", secretComment: "note" } });
  expect(created.status).toBe(200);
  expect(created.body.secret).toMatchObject({ secretKey: "FIRST", secretValue: "one", secretComment: "note", version: 1, type: "shared", environment: "staging", secretPath: "/", workspace: kms.projectId });
  const read = await call(kms, "GET", `${SECRETS}/FIRST?projectId=${kms.projectId}&environment=staging`);
  expect(read.body.secret).toMatchObject({ secretKey: "FIRST", secretValue: "one", secretValueHidden: false });
  const updated = await call(kms, "PATCH", `${SECRETS}/FIRST`, { body: { ...where(), secretValue: "two", newSecretName: "RENAMED" } });
  expect(updated.body.secret).toMatchObject({ secretKey: "RENAMED", secretValue: "two", version: 2 });
  const list = await call(kms, "GET", `${SECRETS}?projectId=${kms.projectId}&environment=staging`);
  expect(list.body).toEqual({ secrets: [expect.objectContaining({ secretKey: "RENAMED", secretValue: "two" })], imports: [] });
  const deleted = await call(kms, "DELETE", `${SECRETS}/RENAMED`, { body: where() });
  expect(deleted.body.secret).toMatchObject({ secretKey: "RENAMED" });
  expect((await call(kms, "GET", `${SECRETS}/RENAMED?projectId=${kms.projectId}&environment=staging`)).body).toEqual(errorBody(404, "NotFound", "Secret with name 'RENAMED' not found"));
});

test("secrets: duplicate 400, missing folder 404 (never created), folders made by the test helper, 422 for a bad body", async () => {
  await call(kms, "POST", `${SECRETS}/DUP`, { body: { ...where(), secretValue: "x" } });
  expect((await call(kms, "POST", `${SECRETS}/DUP`, { body: { ...where(), secretValue: "x" } })).body).toEqual(errorBody(400, "BadRequest", "Secret already exists"));
  const missing = await call(kms, "POST", `${SECRETS}/IN_FOLDER`, { body: { ...where(), secretPath: "/app/db/", secretValue: "x" } });
  expect(missing.body).toEqual(errorBody(404, "CreateSecret", "Folder with path '/app/db' in environment with slug 'staging' not found"));
  kms.createFolder("staging", "/app/db");
  expect((await call(kms, "POST", `${SECRETS}/IN_FOLDER`, { body: { ...where(), secretPath: "/app/db", secretValue: "x" } })).status).toBe(200);
  expect((await call(kms, "GET", `${SECRETS}?projectId=${kms.projectId}&environment=staging&secretPath=/app`)).body.secrets).toEqual([]);
  const invalid = await call(kms, "POST", `${SECRETS}/NO_VALUE`, { body: where() });
  expect(invalid.status).toBe(422);
  expect(invalid.body.message[0].path).toEqual(["secretValue"]);
  expect((await call(kms, "GET", SECRETS)).body).toEqual(errorBody(400, "BadRequest", "Missing project id or environment"));
});

function syncBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "route-sync",
    projectId: kms.projectId,
    connectionId: connection.id,
    environment: "staging",
    secretPath: "/",
    isAutoSyncEnabled: false,
    syncOptions: { initialSyncBehavior: "overwrite-destination" },
    destinationConfig: { spaceId: "Spaces-1", scope: "project", projectId: "Projects-1" },
    ...overrides,
  };
}

test("sync routes: create, get by id and by name, list, update, delete, with every upstream field", async () => {
  const created = await call(kms, "POST", SYNCS, { body: syncBody({ description: "d" }) });
  expect(created.status).toBe(200);
  const sync = created.body.secretSync;
  expect(Object.keys(sync).sort()).toEqual(
    [
      "id", "name", "description", "destination", "isAutoSyncEnabled", "version", "projectId", "folderId", "connectionId", "createdAt", "updatedAt",
      "syncStatus", "lastSyncJobId", "lastSyncMessage", "lastSyncedAt", "importStatus", "lastImportJobId", "lastImportMessage", "lastImportedAt",
      "removeStatus", "lastRemoveJobId", "lastRemoveMessage", "lastRemovedAt", "syncOptions", "destinationConfig", "connection", "environment", "folder",
    ].sort(),
  );
  expect(sync).toMatchObject({
    destination: "octopus-deploy",
    isAutoSyncEnabled: false,
    syncStatus: null,
    connection: { app: "octopus-deploy", name: connection.name, id: connection.id },
    environment: { slug: "staging", name: "Staging" },
    folder: { path: "/" },
  });
  expect((await call(kms, "GET", `${SYNCS}/${sync.id}`)).body.secretSync.id).toBe(sync.id);
  expect((await call(kms, "GET", `${SYNCS}/sync-name/route-sync?projectId=${kms.projectId}`)).body.secretSync.id).toBe(sync.id);
  expect((await call(kms, "GET", `${SYNCS}?projectId=${kms.projectId}`)).body.secretSyncs.map((s: Json) => s.id)).toContain(sync.id);
  const updated = await call(kms, "PATCH", `${SYNCS}/${sync.id}`, { body: { description: "e" } });
  expect(updated.body.secretSync).toMatchObject({ description: "e", version: 2 });
  expect((await call(kms, "POST", SYNCS, { body: syncBody() })).body).toEqual(
    errorBody(400, "BadRequest", `A Secret Sync with the name "route-sync" already exists for the project with ID "${kms.projectId}"`),
  );
  expect((await call(kms, "DELETE", `${SYNCS}/${sync.id}`)).body.secretSync.id).toBe(sync.id);
  expect((await call(kms, "GET", `${SYNCS}/${sync.id}`)).body).toEqual(errorBody(404, "NotFound", `Could not find Octopus Deploy Sync with ID "${sync.id}"`));
  expect((await call(kms, "GET", `${SYNCS}/sync-name/route-sync?projectId=${kms.projectId}`)).status).toBe(404);
});

test.each([
  ["a key schema without {{secretKey}}", { syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "APP_" } }, ["syncOptions", "keySchema"]],
  ["an import behaviour Octopus cannot do", { syncOptions: { initialSyncBehavior: "import-prioritize-source" } }, ["syncOptions", "initialSyncBehavior"]],
  ["an empty space id", { destinationConfig: { spaceId: "", scope: "project", projectId: "Projects-1" } }, ["destinationConfig", "spaceId"]],
  ["another scope", { destinationConfig: { spaceId: "Spaces-1", scope: "tenant", projectId: "Projects-1" } }, ["destinationConfig", "scope"]],
  ["scope values that are not strings", { destinationConfig: { spaceId: "Spaces-1", scope: "project", projectId: "P", scopeValues: { roles: [1] } } }, ["destinationConfig", "scopeValues", "roles", 0]],
  ["a non-UUID connection id", { connectionId: "c" }, ["connectionId"]],
  ["an environment that is not a slug", { environment: "Dev Env" }, ["environment"]],
] as const)("create refuses %s with 422 naming the field", async (_what, overrides, path) => {
  const result = await call(kms, "POST", SYNCS, { body: syncBody(overrides as Record<string, unknown>) });
  expect(result.status).toBe(422);
  expect(result.body.message.map((i: Json) => i.path)).toContainEqual(path);
});

test("create refuses a missing folder (400) and an unknown connection (404); list needs projectId (422)", async () => {
  expect((await call(kms, "POST", SYNCS, { body: syncBody({ secretPath: "/nope" }) })).body).toEqual(
    errorBody(400, "BadRequest", `Could not find folder with path "/nope" in environment "staging" for project with ID "${kms.projectId}"`),
  );
  const unknown = "00000000-0000-4000-8000-000000000000";
  expect((await call(kms, "POST", SYNCS, { body: syncBody({ connectionId: unknown }) })).body).toEqual(errorBody(404, "NotFound", `Could not find App Connection with ID ${unknown}`));
  expect((await call(kms, "GET", SYNCS)).status).toBe(422);
  expect((await call(kms, "POST", `${SYNCS}/not-a-uuid/sync-secrets`)).status).toBe(422);
});
