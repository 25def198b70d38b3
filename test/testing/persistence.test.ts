/** The state file: restarts give back the same world, and no secret is ever stored in clear. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalKms } from "../../lib/testing";
import { CONNECTIONS, call, createConnection } from "./helpers";

let dir: string;
let statePath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "local-kms-state-"));
  statePath = join(dir, "nested", "state.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("comes back after a restart with the same identities, project, keys, tokens and connections", async () => {
  const first = await startLocalKms({ statePath });
  const extraKey = "API-EXTRAKEYEXTRAKEYEXTRAKEY12";
  first.addOctopusApiKey(extraKey);
  const orgLevel = await createConnection(first, { name: "org-level", credentials: { instanceUrl: first.octopusUrl, apiKey: extraKey } });
  const otherProject = first.createProject();
  await createConnection(first, { name: "in-project", projectId: otherProject });
  const reader = first.createIdentity({ permission: "none" });
  const login = await call(first, "POST", "/api/v1/auth/universal-auth/login", {
    token: null,
    body: { clientId: first.clientId, clientSecret: first.clientSecret },
  });
  const connectionsBefore = first.connections();
  first.revokeOctopusApiKey(first.octopusApiKey);
  const before = { ...first };
  await first.close();

  const second = await startLocalKms({ statePath });
  try {
    for (const field of ["token", "clientId", "clientSecret", "orgId", "projectId", "octopusApiKey", "octopusUrl"] as const) {
      expect([field, second[field]]).toEqual([field, before[field]]);
    }
    expect(second.connections()).toEqual(connectionsBefore);

    const listed = await call(second, "GET", CONNECTIONS);
    expect(listed.status).toBe(200);
    expect(listed.body.appConnections.map((c: { name: string }) => c.name)).toEqual(["in-project", "org-level"]);
    expect((await call(second, "GET", `${CONNECTIONS}/${orgLevel.id}`, { token: login.body.accessToken })).status).toBe(200);
    expect((await call(second, "GET", CONNECTIONS, { token: reader.token })).status).toBe(403);
    expect((await call(second, "GET", `${CONNECTIONS}?projectId=${otherProject}`)).body.appConnections).toHaveLength(1);

    // Octopus keys keep their validity: the extra one works, the revoked one does not.
    const me = (key: string) => fetch(`${second.octopusUrl}/api/users/me`, { headers: { "X-Octopus-ApiKey": key } });
    expect((await me(extraKey)).status).toBe(200);
    expect((await me(second.octopusApiKey)).status).toBe(401);
  } finally {
    await second.close();
  }
});

it("never stores a secret in clear, and leaves no temporary file behind", async () => {
  const kms = await startLocalKms({ statePath });
  try {
    const apiKey = "API-CLEARTEXTCLEARTEXTCLEAR12";
    kms.addOctopusApiKey(apiKey);
    await createConnection(kms, { credentials: { instanceUrl: kms.octopusUrl, apiKey } });
    const identity = kms.createIdentity({ permission: "full" });

    const text = readFileSync(statePath, "utf8");
    for (const secret of [apiKey, kms.octopusApiKey, kms.clientSecret, identity.clientSecret, kms.token, identity.token]) {
      expect(text).not.toContain(secret);
    }
    expect(JSON.parse(text)).toMatchObject({ version: 1, org: { id: kms.orgId } });
    expect(readdirSync(join(dir, "nested"))).toEqual(["state.json"]);
  } finally {
    await kms.close();
  }
});

it("writes the state file at start, so a restart without changes gives the same credentials", async () => {
  const first = await startLocalKms({ statePath });
  const token = first.token;
  await first.close();
  const second = await startLocalKms({ statePath });
  await second.close();
  expect(second.token).toBe(token);
});

it("refuses a state file that is not its own, naming the file", async () => {
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ version: 2 }));
  await expect(startLocalKms({ statePath: join(dir, "bad.json") })).rejects.toThrow(/state file .*bad\.json is not valid/);
  writeFileSync(join(dir, "garbled.json"), "{");
  await expect(startLocalKms({ statePath: join(dir, "garbled.json") })).rejects.toThrow(/garbled\.json is not JSON/);
});
