/**
 * The local KMS's Octopus Deploy secret syncs end to end over real HTTP: secrets set through the v4
 * routes arrive in the fake Octopus as sensitive, scoped variables (key schema applied), changes and
 * deletions follow (disableSecretDeletion honoured), remove-secrets removes only the sync's sensitive
 * variables, Octopus failures become failed statuses with Octopus's message, and the SSRF guard.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { startLocalKms, type LocalKms } from "../../lib/testing";
import { call, createConnection, errorBody, type Json } from "./helpers";

const SYNCS = "/api/v1/secret-syncs/octopus-deploy";
const SECRETS = "/api/v4/secrets";

let kms: LocalKms;
let statePath: string;
let connection: Json;

beforeAll(async () => {
  statePath = join(mkdtempSync(join(tmpdir(), "kms-syncs-")), "state.json");
  kms = await startLocalKms({ statePath, readLimit: 0, writeLimit: 0 });
  connection = await createConnection(kms, { name: "octo-syncs" });
});
afterAll(async () => kms?.close());

function syncBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "to-octopus",
    projectId: kms.projectId,
    connectionId: connection.id,
    environment: "dev",
    secretPath: "/",
    syncOptions: { initialSyncBehavior: "overwrite-destination" },
    destinationConfig: { spaceId: kms.octopusSpaceId, scope: "project", projectId: kms.octopusProjectId },
    ...overrides,
  };
}

async function setSecret(name: string, value: string, where: { environment?: string; secretPath?: string } = {}): Promise<void> {
  const body = { projectId: kms.projectId, environment: where.environment ?? "dev", secretPath: where.secretPath ?? "/", secretValue: value };
  const existing = await call(kms, "GET", `${SECRETS}/${name}?projectId=${kms.projectId}&environment=${body.environment}&secretPath=${encodeURIComponent(body.secretPath)}`);
  const result = await call(kms, existing.status === 200 ? "PATCH" : "POST", `${SECRETS}/${name}`, { body });
  if (result.status !== 200) throw new Error(`set secret failed: ${result.status} ${result.text}`);
}

async function createSync(overrides: Record<string, unknown> = {}): Promise<Json> {
  const result = await call(kms, "POST", SYNCS, { body: syncBody(overrides) });
  if (result.status !== 200) throw new Error(`create sync failed: ${result.status} ${result.text}`);
  return result.body.secretSync;
}

async function syncById(id: string): Promise<Json> {
  return (await call(kms, "GET", `${SYNCS}/${id}`)).body.secretSync;
}

const byName = (name: string) => kms.octopusVariables().find((v) => v.Name === name);

describe("sync engine", () => {
  afterEach(async () => {
    await kms.syncsIdle();
    for (const sync of kms.secretSyncs()) await call(kms, "DELETE", `${SYNCS}/${sync.id}`);
    kms.setOctopusVariables([]);
    kms.setOctopusFailure(undefined);
  });

  test("create with auto-sync: the answer is pending, then the secrets arrive as sensitive scoped variables with the key schema", async () => {
    await setSecret("DB_PASSWORD", "s3cret-one");
    const sync = await createSync({
      syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "APP_{{environment}}_{{secretKey}}" },
      destinationConfig: {
        spaceId: kms.octopusSpaceId,
        scope: "project",
        projectId: kms.octopusProjectId,
        scopeValues: { environments: ["Environments-1"], roles: ["web-server"] },
      },
    });
    expect(sync).toMatchObject({ syncStatus: "pending", isAutoSyncEnabled: true, version: 1, environment: { slug: "dev", name: "Development" }, folder: { path: "/" } });
    await kms.syncsIdle();
    expect(byName("APP_dev_DB_PASSWORD")).toMatchObject({
      Value: "s3cret-one",
      IsSensitive: true,
      Type: "Sensitive",
      IsEditable: false,
      Scope: { Environment: ["Environments-1"], Role: ["web-server"] },
    });
    const after = await syncById(sync.id);
    expect(after).toMatchObject({ syncStatus: "succeeded", lastSyncMessage: null, lastSyncJobId: expect.any(String) });
    expect(Date.parse(after.lastSyncedAt)).not.toBeNaN();
  });

  test("a changed value arrives; a deleted secret's variable goes unless disableSecretDeletion", async () => {
    await setSecret("API_TOKEN", "first");
    const sync = await createSync();
    await kms.syncsIdle();
    expect(byName("API_TOKEN")?.Value).toBe("first");
    await setSecret("API_TOKEN", "second");
    await kms.syncsIdle();
    expect(byName("API_TOKEN")?.Value).toBe("second");

    await call(kms, "DELETE", `${SECRETS}/API_TOKEN`, { body: { projectId: kms.projectId, environment: "dev" } });
    await kms.syncsIdle();
    expect(byName("API_TOKEN")).toBeUndefined();

    await setSecret("KEEP_ME", "v1");
    await call(kms, "PATCH", `${SYNCS}/${sync.id}`, { body: { syncOptions: { initialSyncBehavior: "overwrite-destination", disableSecretDeletion: true } } });
    await kms.syncsIdle();
    await call(kms, "DELETE", `${SECRETS}/KEEP_ME`, { body: { projectId: kms.projectId, environment: "dev" } });
    await kms.syncsIdle();
    expect(byName("KEEP_ME")?.Value).toBe("v1");
    await call(kms, "DELETE", `${SECRETS}/DB_PASSWORD`, { body: { projectId: kms.projectId, environment: "dev" } });
  });

  test("remove-secrets removes only the sync's sensitive variables; non-sensitive ones and other sensitive ones stay", async () => {
    kms.setOctopusVariables([
      { Name: "SHARED", Value: "plain" },
      { Name: "OTHER_SECRET", Value: "theirs", IsSensitive: true, Type: "Sensitive" },
    ]);
    await setSecret("SHARED", "from-kms");
    // disableSecretDeletion: without it (and with no key schema) every sensitive variable not in the KMS would go.
    const sync = await createSync({ isAutoSyncEnabled: false, syncOptions: { initialSyncBehavior: "overwrite-destination", disableSecretDeletion: true } });
    expect(sync.syncStatus).toBeNull();
    expect((await call(kms, "POST", `${SYNCS}/${sync.id}/sync-secrets`)).body.secretSync.syncStatus).toBe("pending");
    await kms.syncsIdle();
    // A sensitive SHARED is added beside the plain one, which a sync never touches.
    expect(kms.octopusVariables().filter((v) => v.Name === "SHARED").map((v) => v.Value).sort()).toEqual(["from-kms", "plain"]);
    expect(byName("OTHER_SECRET")?.Value).toBe("theirs");

    const removed = await call(kms, "POST", `${SYNCS}/${sync.id}/remove-secrets`);
    expect(removed.body.secretSync.removeStatus).toBe("pending");
    await kms.syncsIdle();
    expect(kms.octopusVariables().map((v) => [v.Name, v.Value])).toEqual(expect.arrayContaining([["SHARED", "plain"]]));
    expect(kms.octopusVariables().some((v) => v.Name === "SHARED" && v.IsSensitive)).toBe(false);
    expect(byName("OTHER_SECRET")?.Value).toBe("theirs");
    expect((await syncById(sync.id)).removeStatus).toBe("succeeded");
    await call(kms, "DELETE", `${SECRETS}/SHARED`, { body: { projectId: kms.projectId, environment: "dev" } });
  });

  test("delete with removeSecrets=true removes the variables, then the sync", async () => {
    await setSecret("GONE_SOON", "x1");
    const sync = await createSync();
    await kms.syncsIdle();
    expect(byName("GONE_SOON")).toBeDefined();
    const answer = await call(kms, "DELETE", `${SYNCS}/${sync.id}?removeSecrets=true`);
    expect(answer.body.secretSync).toMatchObject({ id: sync.id, removeStatus: "pending" });
    await kms.syncsIdle();
    expect(byName("GONE_SOON")).toBeUndefined();
    expect((await call(kms, "GET", `${SYNCS}/${sync.id}`)).status).toBe(404);
    await call(kms, "DELETE", `${SECRETS}/GONE_SOON`, { body: { projectId: kms.projectId, environment: "dev" } });
  });

  test.each([
    [401, /You must be logged in/],
    [404, /The resource you requested was not found/],
    [500, /An unexpected error occurred in Octopus/],
  ] as const)("Octopus answering %i: the sync fails with Octopus's answer as its message", async (status, message) => {
    kms.setOctopusFailure({ status, times: 1 });
    const sync = await createSync();
    await kms.syncsIdle();
    const failed = await syncById(sync.id);
    expect(failed.syncStatus).toBe("failed");
    expect(failed.lastSyncMessage).toMatch(message);
    expect(JSON.parse(failed.lastSyncMessage)).toHaveProperty("ErrorMessage");
    // The next trigger works again.
    await call(kms, "POST", `${SYNCS}/${sync.id}/sync-secrets`);
    await kms.syncsIdle();
    expect((await syncById(sync.id)).syncStatus).toBe("succeeded");
  });

  test("an unknown Octopus project: failed, with the resource named", async () => {
    const sync = await createSync({ destinationConfig: { spaceId: kms.octopusSpaceId, scope: "project", projectId: "Projects-404" } });
    await kms.syncsIdle();
    expect(await syncById(sync.id)).toMatchObject({ syncStatus: "failed", lastSyncMessage: expect.stringContaining("Projects-404") });
  });

  test("secret values are in neither the request log nor the state file in clear", async () => {
    await setSecret("LOGGED_SECRET", "value-that-must-not-leak-123");
    await kms.syncsIdle();
    expect(JSON.stringify(kms.requests)).not.toContain("value-that-must-not-leak-123");
    expect(readFileSync(statePath, "utf8")).not.toContain("value-that-must-not-leak-123");
    await call(kms, "DELETE", `${SECRETS}/LOGGED_SECRET`, { body: { projectId: kms.projectId, environment: "dev" } });
  });

  test("a connection used by a sync cannot be deleted", async () => {
    await createSync();
    const refused = await call(kms, "DELETE", `/api/v1/app-connections/octopus-deploy/${connection.id}`);
    expect(refused.status).toBe(400);
  });
});

describe("outbound guard (ALLOW_INTERNAL_IP_CONNECTIONS)", () => {
  test("with allowInternalIpConnections false, a loopback Octopus is refused: connection check and sync", async () => {
    const strict = await startLocalKms({ allowInternalIpConnections: false });
    try {
      const refused = await call(strict, "POST", "/api/v1/app-connections/octopus-deploy", {
        body: { name: "octo", method: "api-key", credentials: { instanceUrl: strict.octopusUrl, apiKey: strict.octopusApiKey } },
      });
      expect(refused.body).toEqual(errorBody(400, "BadRequest", "Failed to validate Octopus Deploy credentials - verify API key is correct"));
      expect(strict.connections()).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  test("a sync to a loopback Octopus, restarted with internal addresses refused, fails with upstream's message", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "kms-strict-")), "state.json");
    const open = await startLocalKms({ statePath: path });
    const conn = await createConnection(open, { name: "octo" });
    const body = { ...syncBody(), projectId: open.projectId, connectionId: conn.id, isAutoSyncEnabled: false };
    const sync = (await call(open, "POST", SYNCS, { body })).body.secretSync;
    await open.close();
    const strict = await startLocalKms({ statePath: path, allowInternalIpConnections: false });
    try {
      expect((await call(strict, "POST", `${SYNCS}/${sync.id}/sync-secrets`)).status).toBe(200);
      await strict.syncsIdle();
      expect(strict.secretSyncs()[0]).toMatchObject({ id: sync.id, syncStatus: "failed", lastSyncMessage: "Local IPs not allowed as URL" });
    } finally {
      await strict.close();
    }
  });

  test("the guard's address rules and messages", async () => {
    const { isPrivateAddress, checkOutboundUrl } = await import("../../lib/testing/outbound-guard");
    expect(["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1", "fd00::1", "::ffff:127.0.0.1"].every(isPrivateAddress)).toBe(true);
    expect(["8.8.8.8", "172.32.0.1", "2001:4860::8888"].some(isPrivateAddress)).toBe(false);
    await expect(checkOutboundUrl(new URL("http://127.0.0.1:1/"), { allowInternalIpConnections: false })).rejects.toMatchObject({ payload: "Local IPs not allowed as URL" });
    await expect(checkOutboundUrl(new URL("http://localhost:1/"), { allowInternalIpConnections: false })).rejects.toMatchObject({ payload: "Local IPs not allowed as URL" });
    await expect(checkOutboundUrl(new URL("http://u:p@127.0.0.1:1/"), { allowInternalIpConnections: true })).rejects.toMatchObject({
      payload: "URLs with user credentials (e.g., user:pass@) are not allowed",
    });
    await expect(checkOutboundUrl(new URL("http://127.0.0.1:1/"), { allowInternalIpConnections: true })).resolves.toBeUndefined();
  });
});
