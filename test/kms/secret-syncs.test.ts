/**
 * SecretSyncClient against the local KMS: every method through KmsClient's call path (one request
 * each, token renewal shared), 404 → undefined, and answers parsed with the sync schemas.
 */
import { KmsClient } from "../../lib/kms/client";
import { KmsApiError } from "../../lib/kms/errors";
import { SecretSyncClient } from "../../lib/kms/secret-syncs";
import { SecretSyncSchema } from "../../lib/kms/sync-schemas";
import { LocalKms, startLocalKms } from "../../lib/testing";

let kms: LocalKms;
let syncs: SecretSyncClient;
let connectionId: string;

beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  // Universal Auth: the sync client must reuse the client's login, not log in itself.
  const client = new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "universal-auth", clientId: kms.clientId, clientSecret: kms.clientSecret, source: "test" } });
  syncs = new SecretSyncClient(client);
  connectionId = (await client.create({ name: "octo", method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } })).id;
});
afterAll(async () => kms?.close());

const body = () => ({
  name: "client-sync",
  projectId: kms.projectId,
  connectionId,
  environment: "dev",
  secretPath: "/",
  syncOptions: { initialSyncBehavior: "overwrite-destination" as const, keySchema: "K_{{secretKey}}" },
  destinationConfig: { spaceId: kms.octopusSpaceId, scope: "project" as const, projectId: kms.octopusProjectId },
});

test("create, read, list, update, trigger, remove, delete: one request each", async () => {
  kms.clearRequests();
  const created = await syncs.createSync(body());
  expect(created).toMatchObject({ name: "client-sync", syncStatus: "pending", isAutoSyncEnabled: true });
  // The token the client got when it created the connection is reused: no second login.
  expect(kms.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/v1/secret-syncs/octopus-deploy"]);
  await kms.syncsIdle();

  kms.clearRequests();
  expect((await syncs.getSyncById(created.id))?.syncStatus).toBe("succeeded");
  expect((await syncs.getSyncByName("client-sync", kms.projectId))?.id).toBe(created.id);
  expect((await syncs.listSyncs(kms.projectId)).map((s) => s.id)).toEqual([created.id]);
  expect((await syncs.updateSync(created.id, { description: "changed" })).description).toBe("changed");
  await kms.syncsIdle();
  expect((await syncs.triggerSync(created.id)).syncStatus).toBe("pending");
  await kms.syncsIdle();
  expect((await syncs.removeSecrets(created.id)).removeStatus).toBe("pending");
  await kms.syncsIdle();
  expect((await syncs.deleteSync(created.id))?.id).toBe(created.id);
  expect(kms.requests.map((r) => r.method)).toEqual(["GET", "GET", "GET", "PATCH", "POST", "POST", "DELETE"]);
  expect(kms.requests[6]?.query).toEqual({ removeSecrets: "false" });
});

test("404s resolve undefined; other errors surface as KmsApiError", async () => {
  const unknown = "00000000-0000-4000-8000-000000000000";
  expect(await syncs.getSyncById(unknown)).toBeUndefined();
  expect(await syncs.getSyncByName("nope", kms.projectId)).toBeUndefined();
  expect(await syncs.deleteSync(unknown, { removeSecrets: true })).toBeUndefined();
  await expect(syncs.triggerSync(unknown)).rejects.toBeInstanceOf(KmsApiError);
  await expect(syncs.createSync({ ...body(), syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "NO_PLACEHOLDER" } })).rejects.toMatchObject({
    status: 422,
    kmsMessage: expect.stringContaining("syncOptions.keySchema: Key schema must include exactly one {{secretKey}}"),
  });
});

test("the sync schema refuses an answer that is not a sync", () => {
  expect(SecretSyncSchema.safeParse({ id: "x", name: "n" }).success).toBe(false);
});
