/** Connection CRUD over real HTTP: scoping, uniqueness, not-found and response shapes (kms-api.md §1, §3, §5, §7). */
import { startLocalKms, type LocalKms } from "../../lib/testing";
import { SingleConnectionBodySchema, ConnectionListBodySchema } from "../../lib/kms/schemas";
import { CONNECTIONS, call, createBody, createConnection, errorBody } from "./helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MISSING_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

let kms: LocalKms;

beforeEach(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
});
afterEach(() => kms.close());

describe("create", () => {
  it("answers 200 with exactly the sanitized fields, no project, and a body the client schema accepts", async () => {
    const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, { name: "  my-octo  ", description: " first " }) });

    expect(result.status).toBe(200);
    expect(SingleConnectionBodySchema.safeParse(result.body).success).toBe(true);
    const connection = result.body.appConnection;
    expect(Object.keys(connection).sort()).toEqual(
      [
        "app",
        "createdAt",
        "credentials",
        "credentialsHash",
        "description",
        "gatewayId",
        "id",
        "isAutoRotationEnabled",
        "isPlatformManagedCredentials",
        "method",
        "name",
        "orgId",
        "projectId",
        "updatedAt",
        "version",
      ].sort(),
    );
    expect(connection).toEqual({
      id: expect.stringMatching(UUID),
      name: "my-octo",
      description: "first",
      version: 1,
      orgId: kms.orgId,
      createdAt: expect.any(String),
      updatedAt: connection.createdAt,
      isPlatformManagedCredentials: false,
      gatewayId: null,
      projectId: null,
      isAutoRotationEnabled: false,
      credentialsHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      app: "octopus-deploy",
      method: "api-key",
      credentials: { instanceUrl: kms.octopusUrl },
    });
    expect(new Date(connection.createdAt).toISOString()).toBe(connection.createdAt);
  });

  it("keeps the instance URL exactly as sent (after trim), trailing slash included", async () => {
    const connection = await createConnection(kms, { credentials: { instanceUrl: ` ${kms.octopusUrl}/ `, apiKey: kms.octopusApiKey } });
    expect(connection.credentials).toEqual({ instanceUrl: `${kms.octopusUrl}/` });
  });

  it("stores a missing description as null, and creates project connections", async () => {
    const connection = await createConnection(kms, { projectId: kms.projectId });
    expect(connection).toMatchObject({ description: null, projectId: kms.projectId });
  });

  it("treats an empty projectId as org level, as upstream's truthiness check does", async () => {
    expect(await createConnection(kms, { projectId: "" })).toMatchObject({ projectId: null });
  });

  it("answers 400 for an unknown project", async () => {
    const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, { projectId: "no-such-project" }) });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(errorBody(400, "BadRequest", "Could not find project with ID no-such-project"));
  });
});

describe("name uniqueness", () => {
  it("allows one name once at org level and once per project", async () => {
    const other = kms.createProject();
    await createConnection(kms, { name: "shared" });
    await createConnection(kms, { name: "shared", projectId: kms.projectId });
    await createConnection(kms, { name: "shared", projectId: other });
    expect(kms.connections()).toHaveLength(3);
  });

  it.each([
    ["org level", false],
    ["a project", true],
  ])("refuses a duplicate in %s with 400", async (_scope, inProject) => {
    const overrides = inProject ? { projectId: kms.projectId } : {};
    await createConnection(kms, { name: "dup", ...overrides });
    const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, { name: "dup", ...overrides }) });
    expect(result.status).toBe(400);
    expect(result.body).toEqual(errorBody(400, "BadRequest", 'An App Connection with the name "dup" already exists'));
  });

  it("refuses a rename onto a taken name in the same scope, but allows keeping its own name", async () => {
    await createConnection(kms, { name: "first" });
    const second = await createConnection(kms, { name: "second" });

    const conflict = await call(kms, "PATCH", `${CONNECTIONS}/${second.id}`, { body: { name: "first" } });
    expect(conflict.status).toBe(400);
    expect(conflict.body).toEqual(errorBody(400, "BadRequest", 'An App Connection with the name "first" already exists'));

    const same = await call(kms, "PATCH", `${CONNECTIONS}/${second.id}`, { body: { name: "second" } });
    expect(same.status).toBe(200);
  });

  it("allows a project connection to take a name used at org level", async () => {
    await createConnection(kms, { name: "taken" });
    const inProject = await createConnection(kms, { name: "other", projectId: kms.projectId });
    const result = await call(kms, "PATCH", `${CONNECTIONS}/${inProject.id}`, { body: { name: "taken" } });
    expect(result.status).toBe(200);
    expect(result.body.appConnection).toMatchObject({ name: "taken", projectId: kms.projectId });
  });
});

describe("read", () => {
  it("gets by id", async () => {
    const created = await createConnection(kms);
    const result = await call(kms, "GET", `${CONNECTIONS}/${created.id}`);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ appConnection: created });
  });

  it("answers 404 for an unknown id and 422 for a non-UUID id", async () => {
    const missing = await call(kms, "GET", `${CONNECTIONS}/${MISSING_ID}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(errorBody(404, "NotFound", `Could not find App Connection with ID ${MISSING_ID}`));

    const garbled = await call(kms, "GET", `${CONNECTIONS}/not-a-uuid`);
    expect(garbled.status).toBe(422);
    expect(garbled.body).toEqual(errorBody(422, "ValidationFailure", [expect.objectContaining({ code: "invalid_format", path: ["connectionId"] })]));
  });

  it("gets by name in the org scope without projectId, and in the project scope with it", async () => {
    const atOrg = await createConnection(kms, { name: "same" });
    const inProject = await createConnection(kms, { name: "same", projectId: kms.projectId });
    const projectOnly = await createConnection(kms, { name: "project-only", projectId: kms.projectId });

    expect((await call(kms, "GET", `${CONNECTIONS}/connection-name/same`)).body.appConnection.id).toBe(atOrg.id);
    expect((await call(kms, "GET", `${CONNECTIONS}/connection-name/same?projectId=${kms.projectId}`)).body.appConnection.id).toBe(inProject.id);

    const orgMiss = await call(kms, "GET", `${CONNECTIONS}/connection-name/${projectOnly.name}`);
    expect(orgMiss.status).toBe(404);
    expect(orgMiss.body).toEqual(errorBody(404, "NotFound", "Could not find App Connection with name project-only in organization scope."));

    const projectMiss = await call(kms, "GET", `${CONNECTIONS}/connection-name/nothing?projectId=${kms.projectId}`);
    expect(projectMiss.status).toBe(404);
    expect(projectMiss.body).toEqual(errorBody(404, "NotFound", "Could not find App Connection with name nothing in project scope."));
  });

  it("looks names up exactly, with no slug check", async () => {
    const result = await call(kms, "GET", `${CONNECTIONS}/connection-name/${encodeURIComponent("Not A Slug")}`);
    expect(result.status).toBe(404);
    expect(result.body.message).toBe("Could not find App Connection with name Not A Slug in organization scope.");
  });

  it("lists all connections of the org (project ones included) sorted by name, with their project", async () => {
    await createConnection(kms, { name: "b-org" });
    await createConnection(kms, { name: "a-project", projectId: kms.projectId });
    await createConnection(kms, { name: "c-org" });

    const result = await call(kms, "GET", `${CONNECTIONS}/`);
    expect(result.status).toBe(200);
    expect(ConnectionListBodySchema.safeParse(result.body).success).toBe(true);
    expect(result.body.appConnections.map((c: { name: string }) => c.name)).toEqual(["a-project", "b-org", "c-org"]);
    expect(result.body.appConnections[0].project).toEqual({ id: kms.projectId, name: "Project 1", slug: "project-1", type: "secret-manager" });
    expect(result.body.appConnections[1].project).toBeNull();
  });

  it("lists one project's connections with ?projectId, and 404s an unknown project", async () => {
    await createConnection(kms, { name: "org" });
    await createConnection(kms, { name: "mine", projectId: kms.projectId });
    await createConnection(kms, { name: "theirs", projectId: kms.createProject() });

    const result = await call(kms, "GET", `${CONNECTIONS}?projectId=${kms.projectId}`);
    expect(result.body.appConnections.map((c: { name: string }) => c.name)).toEqual(["mine"]);

    const unknown = await call(kms, "GET", `${CONNECTIONS}?projectId=${MISSING_ID}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(errorBody(404, "NotFound", `Could not find project with ID ${MISSING_ID}`));
  });

  it("lists available connections of a scope in the short form", async () => {
    const atOrg = await createConnection(kms, { name: "org" });
    const inProject = await createConnection(kms, { name: "proj", projectId: kms.projectId });

    const org = await call(kms, "GET", `${CONNECTIONS}/available`);
    expect(org.status).toBe(200);
    expect(org.body).toEqual({ appConnections: [{ app: "octopus-deploy", name: "org", id: atOrg.id, projectId: null, orgId: kms.orgId }] });

    const project = await call(kms, "GET", `${CONNECTIONS}/available?projectId=${kms.projectId}`);
    expect(project.body.appConnections).toEqual([{ app: "octopus-deploy", name: "proj", id: inProject.id, projectId: kms.projectId, orgId: kms.orgId }]);
  });

  it("serves the org-wide list and the app options", async () => {
    await createConnection(kms);
    expect((await call(kms, "GET", "/api/v1/app-connections")).body.appConnections).toHaveLength(1);
    expect((await call(kms, "GET", "/api/v1/app-connections/options")).body).toEqual({
      appConnectionOptions: [{ name: "Octopus Deploy", app: "octopus-deploy", methods: ["api-key"] }],
    });
  });
});

describe("update", () => {
  it("changes name and description, bumps version and updatedAt, keeps the rest", async () => {
    const created = await createConnection(kms, { description: "old" });
    const result = await call(kms, "PATCH", `${CONNECTIONS}/${created.id}`, { body: { name: "renamed", description: null } });

    expect(result.status).toBe(200);
    expect(result.body.appConnection).toEqual({
      ...created,
      name: "renamed",
      description: null,
      version: 2,
      updatedAt: expect.any(String),
    });
    expect(result.body.appConnection.updatedAt >= created.updatedAt).toBe(true);
  });

  it("bumps the version on every update, even an empty one, and ignores method/projectId", async () => {
    const created = await createConnection(kms);
    await call(kms, "PATCH", `${CONNECTIONS}/${created.id}`, { body: {} });
    const result = await call(kms, "PATCH", `${CONNECTIONS}/${created.id}`, { body: { method: "other", projectId: kms.projectId } });
    expect(result.status).toBe(200);
    expect(result.body.appConnection).toMatchObject({ version: 3, projectId: null, method: "api-key" });
  });

  it("answers 404 for an unknown id", async () => {
    const result = await call(kms, "PATCH", `${CONNECTIONS}/${MISSING_ID}`, { body: { name: "x" } });
    expect(result.status).toBe(404);
    expect(result.body).toEqual(errorBody(404, "NotFound", `Could not find App Connection with ID ${MISSING_ID}`));
  });
});

describe("delete", () => {
  it("returns the deleted record, then the id is gone", async () => {
    const created = await createConnection(kms);
    const result = await call(kms, "DELETE", `${CONNECTIONS}/${created.id}`);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ appConnection: created });
    expect((await call(kms, "GET", `${CONNECTIONS}/${created.id}`)).status).toBe(404);
    expect(kms.connections()).toEqual([]);
  });

  it("answers 404 for an unknown id and 422 for a non-UUID", async () => {
    expect((await call(kms, "DELETE", `${CONNECTIONS}/${MISSING_ID}`)).status).toBe(404);
    expect((await call(kms, "DELETE", `${CONNECTIONS}/nope`)).status).toBe(422);
  });
});

describe("other paths", () => {
  it("answers 404 for an unknown route and 200 on /healthcheck", async () => {
    const unknown = await call(kms, "GET", "/api/v1/nothing");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(errorBody(404, "NotFound", "Route GET:/api/v1/nothing not found"));

    const health = await call(kms, "GET", "/healthcheck", { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ date: expect.any(String), message: "Ok" });
  });

  it("gives every answer a unique request id, in the body and the x-request-id header", async () => {
    const first = await call(kms, "GET", `${CONNECTIONS}/${MISSING_ID}`);
    const second = await call(kms, "GET", `${CONNECTIONS}/${MISSING_ID}`);
    expect(first.body.reqId).toBe(first.headers.get("x-request-id"));
    expect(first.body.reqId).not.toBe(second.body.reqId);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const result = await call(kms, "POST", CONNECTIONS, { rawBody: "{nope" });
    expect(result.status).toBe(400);
    expect(result.body.error).toBe("BadRequest");
  });

  it("listens on 127.0.0.1 only", () => {
    expect(kms.kmsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(kms.octopusUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
