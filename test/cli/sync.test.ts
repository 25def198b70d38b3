/**
 * `sync` and `remove-secrets` in-process against the local KMS: the variable arrives / goes in the
 * fake Octopus, --json's shape, exit 1 with the KMS's message on a failed sync, and bad input.
 */
import { captureIo } from "./io";
import { EXIT } from "../../lib/cli/context";
import { runSync } from "../../lib/cli/commands/sync";
import { KmsClient } from "../../lib/kms/client";
import { SecretSyncClient } from "../../lib/kms/secret-syncs";
import { LocalKms, startLocalKms } from "../../lib/testing";

let kms: LocalKms;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  env = { KMS_TOKEN: kms.token, KMS_URL: kms.kmsUrl };
  const client = new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "token", token: kms.token, source: "test" } });
  const connection = await client.create({ name: "octo", method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } });
  await fetch(`${kms.kmsUrl}/api/v4/secrets/RUNBOOK_KEY`, {
    method: "POST",
    headers: { authorization: `Bearer ${kms.token}`, "content-type": "application/json" },
    body: JSON.stringify({ projectId: kms.projectId, environment: "prod", secretValue: "runbook-value" }),
  });
  await new SecretSyncClient(client).createSync({
    name: "runbook",
    projectId: kms.projectId,
    connectionId: connection.id,
    environment: "prod",
    secretPath: "/",
    isAutoSyncEnabled: false,
    syncOptions: { initialSyncBehavior: "overwrite-destination" },
    destinationConfig: { spaceId: kms.octopusSpaceId, scope: "project", projectId: kms.octopusProjectId },
  });
});
afterAll(async () => kms?.close());

const value = () => kms.octopusVariables().find((v) => v.Name === "RUNBOOK_KEY")?.Value;

test("sync: triggers, waits, exits 0; the variable is in Octopus; remove-secrets takes it away", async () => {
  expect(value()).toBeUndefined();
  const io = captureIo();
  expect(await runSync("sync", "runbook", { projectId: kms.projectId, wait: 10 }, io, env)).toBe(EXIT.ok);
  expect(io.stdout()).toMatch(/^synced "runbook" \(id [0-9a-f-]{36}\): succeeded at \d{4}-/);
  expect(value()).toBe("runbook-value");
  expect(io.stdout() + io.stderr()).not.toContain("runbook-value");

  const removed = captureIo();
  expect(await runSync("remove-secrets", "runbook", { projectId: kms.projectId, wait: 10, json: true }, removed, env)).toBe(EXIT.ok);
  expect(JSON.parse(removed.stdout())).toEqual({
    action: "remove-secrets",
    id: expect.any(String),
    name: "runbook",
    projectId: kms.projectId,
    status: "succeeded",
    message: null,
    at: expect.any(String),
  });
  expect(value()).toBeUndefined();
});

test("a failed sync exits 1 with the KMS's message (Octopus's answer)", async () => {
  kms.setOctopusFailure({ status: 401, times: 1 });
  const io = captureIo();
  expect(await runSync("sync", "runbook", { projectId: kms.projectId, wait: 10 }, io, env)).toBe(EXIT.error);
  expect(io.stderr()).toMatch(/^Error: sync of "runbook" \(id [0-9a-f-]+\) did not succeed: the KMS reports: \{"ErrorMessage":"You must be logged in/);
});

test("bad input and unknown syncs are errors that name the flag, before or without a change", async () => {
  const bad = captureIo();
  expect(await runSync("sync", "runbook", { projectId: "not-a-uuid" }, bad, env)).toBe(EXIT.error);
  expect(bad.stderr()).toContain("--project-id must be a KMS project id");
  const missing = captureIo();
  expect(await runSync("sync", "nope", { projectId: kms.projectId }, missing, env)).toBe(EXIT.error);
  expect(missing.stderr()).toContain('no Octopus Deploy secret sync named "nope"');
  const badName = captureIo();
  expect(await runSync("sync", "Not_A_Slug", { projectId: kms.projectId }, badName, env)).toBe(EXIT.error);
  expect(badName.stderr()).toContain("<name> must be a slug");
});
