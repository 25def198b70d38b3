/**
 * The remaining rows of the behaviour table, with real terraform against the local KMS: renames
 * without renamedFrom, replacement on project or KMS change, destroy of a connection already gone,
 * removalPolicy "retain", adoption on create, missing credentials, removal from code, one Universal
 * Auth login per apply, and hostile strings stored verbatim with nothing evaluated.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack, TerraformVariable } from "cdktf";
import { KmsClient, OctopusDeployConnection } from "../../lib";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { Fixture, NAME, connectionRequests } from "./fixture";
import { HOOK_ENGINE, describeE2E, hookLines, tf } from "./harness";

jest.setTimeout(120_000);

const api = (kms: LocalKms) => new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "token", token: kms.token, source: "test" } });

describeE2E("behaviour", () => {
  let kms: LocalKms;
  beforeEach(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  });
  afterEach(async () => kms.close());

  test("a name change without renamedFrom fails with an error that explains renamedFrom, and changes nothing", async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    expect((await f.deploy()).code).toBe(0);
    const before = kms.connections();
    const result = await f.deploy({ name: "octo-other" });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/no connection named "octo-other" exists in the organization/);
    expect(result.output).toMatch(/set renamedFrom: "octo-main" \(its previous name\)/);
    expect(result.output).toMatch(/terraform apply -replace='terraform_data\.octopus_connection_[0-9A-F]{8}'/);
    expect(kms.connections()).toEqual(before);
    // Saying what was meant converges: renamedFrom renames the same connection.
    expect((await f.deploy({ name: "octo-other", renamedFrom: NAME })).code).toBe(0);
    expect(kms.connections()).toEqual([expect.objectContaining({ id: before[0]!.id, name: "octo-other" })]);
  });

  test("a projectId change replaces the connection: deleted in the organization, created in the project", async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    expect((await f.deploy()).code).toBe(0);
    const [orgLevel] = kms.connections();
    const result = await f.deploy({ projectId: kms.projectId });
    expect(result.code).toBe(0);
    const after = kms.connections();
    expect(after).toHaveLength(1);
    expect(after[0]!.projectId).toBe(kms.projectId);
    expect(after[0]!.id).not.toBe(orgLevel!.id);
    const lines = hookLines(result.output);
    expect(lines[0]).toMatch(/^deleted octopus-deploy connection "octo-main" \(id .*, the organization\)/);
    expect(lines[1]).toMatch(new RegExp(`^created octopus-deploy connection "octo-main" \\(id .*, project ${kms.projectId}\\)`));
  });

  test("a kmsUrl change replaces the connection: deleted in the old KMS, created in the new one", async () => {
    const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "kms-two-"));
    const first = await startLocalKms({ statePath: path.join(dir, "a.json"), readLimit: 0, writeLimit: 0 });
    first.createProject(); // writes the state file: the second KMS starts from a copy (same token)
    fs.copyFileSync(path.join(dir, "a.json"), path.join(dir, "b.json"));
    const second = await startLocalKms({ statePath: path.join(dir, "b.json"), readLimit: 0, writeLimit: 0 });
    try {
      const f = new Fixture(first, "apiKeyEnv", first.octopusApiKey);
      expect((await f.deploy({ kmsUrl: first.kmsUrl })).code).toBe(0);
      expect(first.connections()).toHaveLength(1);
      const result = await f.deploy({ kmsUrl: second.kmsUrl });
      expect(result.code).toBe(0);
      expect(first.connections()).toHaveLength(0);
      expect(second.connections()).toEqual([expect.objectContaining({ name: NAME })]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  test("an update of a connection deleted outside Terraform creates it again", async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    expect((await f.deploy({ description: "one" })).code).toBe(0);
    await api(kms).delete(kms.connections()[0]!.id);
    const result = await f.deploy({ description: "two" });
    expect(result.code).toBe(0);
    expect(kms.connections()).toEqual([expect.objectContaining({ name: NAME, description: "two" })]);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^re-created octopus-deploy connection "octo-main"/)]);
  });

  test("a missing connection whose siblings look alike is created again: the stack's own names are never taken for an old name", async () => {
    // Three connections to one Octopus instance with one description: after a deploy that never
    // POSTed one of them (simulated: deleted, and its sync resource tainted), the other two look
    // exactly like a renamed one would. They are declared by the stack, so the hook re-creates.
    const names = ["octo-a", "octo-b", "octo-c"];
    const f = new Fixture(kms, "apiKeyEnv", kms.octopusApiKey);
    const build = (stack: TerraformStack) => {
      for (const name of names) new OctopusDeployConnection(stack, name, { ...HOOK_ENGINE, name, description: "same", instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKeyEnv: "OCTOPUS_API_KEY" });
    };
    expect((await f.deploy({}, {}, build)).code).toBe(0);
    await api(kms).delete(kms.connections().find((c) => c.name === "octo-b")!.id);
    const stackDir = f.synth({}, build);
    const sync = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as { resource: { terraform_data: Record<string, unknown> } };
    const address = `terraform_data.${Object.keys(sync.resource.terraform_data).find((k) => /^octo-b_sync_[0-9A-F]{8}$/.test(k))}`;
    expect((await tf(stackDir, ["taint", address], f.env())).code).toBe(0);
    const result = await f.deploy({}, {}, build);
    expect(result.code).toBe(0);
    expect(kms.connections().map((c) => c.name).sort()).toEqual(names);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^re-created octopus-deploy connection "octo-b"/)]);
  });

  test("destroy of a connection already deleted outside Terraform succeeds", async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    expect((await f.deploy()).code).toBe(0);
    await api(kms).delete(kms.connections()[0]!.id);
    const result = await f.destroy();
    expect(result.code).toBe(0);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^already gone octopus-deploy connection "octo-main"/)]);
  });

  test('removalPolicy "retain" keeps the connection on destroy, without a request', async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    expect((await f.deploy({ removalPolicy: "retain" })).code).toBe(0);
    const result = await f.destroy({ removalPolicy: "retain" });
    expect(result.code).toBe(0);
    expect(kms.connections()).toHaveLength(1);
    expect(connectionRequests(kms)).toEqual([]);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^retained octopus-deploy connection "octo-main"/)]);
  });

  test("create adopts an identical existing connection (a retried create after a lost response is safe)", async () => {
    const existing = await api(kms).create({ name: NAME, method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } });
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    const result = await f.deploy();
    expect(result.code).toBe(0);
    expect(kms.connections()).toEqual([expect.objectContaining({ id: existing.id })]);
    expect(connectionRequests(kms)).toEqual(["POST /", `GET /connection-name/${NAME}`]);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^adopted octopus-deploy connection "octo-main" \(id /)]);
  });

  test("a lost state file (a deploy killed while Terraform wrote it) is recovered by deploying again: the connection is adopted, same id, and destroy deletes it", async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    expect((await f.deploy()).code).toBe(0);
    const [created] = kms.connections();
    // What an interrupt during the local backend's state write leaves when the run started without
    // state (no .backup): an empty file, which Terraform reads as no state.
    fs.writeFileSync(path.join(f.dir, "terraform.tfstate"), "");
    const again = await f.deploy();
    expect(again.code).toBe(0);
    expect(kms.connections()).toEqual([expect.objectContaining({ id: created!.id, name: NAME })]);
    expect(connectionRequests(kms)).toEqual(["POST /", `GET /connection-name/${NAME}`]);
    expect(hookLines(again.output)).toEqual([expect.stringMatching(/^adopted octopus-deploy connection "octo-main" \(id /)]);
    expect((await f.plan()).code).toBe(0);
    expect((await f.destroy()).code).toBe(0);
    expect(kms.connections()).toEqual([]);
  });

  test("create refuses a differing existing connection unless adoptExisting, which adopts it and applies the declaration", async () => {
    const existing = await api(kms).create({ name: NAME, description: "made by hand", method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } });
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    const refused = await f.deploy({ description: "declared" });
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/already exists in the organization .* and differs from the declaration \(description: declared "declared", live "made by hand"\)/s);
    expect(refused.output).toMatch(/Set adoptExisting: true/);
    expect(kms.connections()).toEqual([expect.objectContaining({ id: existing.id, description: "made by hand" })]);
    const adopted = await f.deploy({ description: "declared", adoptExisting: true });
    expect(adopted.code).toBe(0);
    expect(kms.connections()).toEqual([expect.objectContaining({ id: existing.id, description: "declared" })]);
    expect(kms.connections()[0]!.credentialsHash).not.toBe(existing.credentialsHash); // our key was applied
  });

  test("missing KMS credentials fail with the variable names, before any request", async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    const result = await f.deploy({}, { KMS_TOKEN: "" });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/No KMS credentials in the environment \(nothing was sent to the KMS\)\. Set KMS_TOKEN/);
    expect(result.output).toMatch(/KMS_CLIENT_ID and KMS_CLIENT_SECRET/);
    expect(kms.requests).toHaveLength(0);
  });

  test("Universal Auth: one login for a whole apply of several connections", async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    const build = (stack: TerraformStack) => {
      const apiKey = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true }).value;
      for (let i = 0; i < 8; i++) new OctopusDeployConnection(stack, `c${i}`, { ...HOOK_ENGINE, name: `conn-${i}`, instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKey });
    };
    const result = await f.deploy({}, { KMS_TOKEN: "", KMS_CLIENT_ID: kms.clientId, KMS_CLIENT_SECRET: kms.clientSecret }, build);
    expect(result.code).toBe(0);
    expect(kms.connections()).toHaveLength(8);
    expect(kms.requests.filter((r) => r.path === "/api/v1/auth/universal-auth/login")).toHaveLength(1);
  });

  test("OctopusDeployConnection.removed deletes the connection; with retain it keeps it", async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    const both = (stack: TerraformStack) => {
      const apiKey = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true }).value;
      new OctopusDeployConnection(stack, "gone", { ...HOOK_ENGINE, name: "conn-gone", instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKey });
      new OctopusDeployConnection(stack, "kept", { ...HOOK_ENGINE, name: "conn-kept", instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKey });
    };
    expect((await f.deploy({}, {}, both)).code).toBe(0);
    expect(kms.connections().map((c) => c.name).sort()).toEqual(["conn-gone", "conn-kept"]);
    const removed = (stack: TerraformStack) => {
      new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });
      OctopusDeployConnection.removed(stack, "gone");
      OctopusDeployConnection.removed(stack, "kept", { removalPolicy: "retain" });
    };
    const result = await f.deploy({}, {}, removed);
    expect(result.code).toBe(0);
    expect(kms.connections().map((c) => c.name)).toEqual(["conn-kept"]);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^deleted octopus-deploy connection "conn-gone"/)]);
    // The removed blocks did their job: the next plan is empty even without them.
    const after = await f.plan({}, (stack) => void new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true }));
    expect(after.code).toBe(0);
  });

  test('OctopusDeployConnection.removed with removalPolicy "destroy" deletes a connection deployed with "retain"', async () => {
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    expect((await f.deploy({ removalPolicy: "retain" })).code).toBe(0);
    expect(kms.connections()).toHaveLength(1);
    const result = await f.deploy({}, {}, (stack) => {
      new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });
      OctopusDeployConnection.removed(stack, "octopus", { removalPolicy: "destroy" });
    });
    expect(result.code).toBe(0);
    expect(kms.connections()).toEqual([]);
    expect(hookLines(result.output)).toEqual([expect.stringMatching(/^deleted octopus-deploy connection "octo-main"/)]);
  });

  test("hostile descriptions are stored verbatim and nothing is evaluated by a shell or by Terraform", async () => {
    const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "canary-"));
    const canary = path.join(dir, "canary");
    const hostile = [
      `$(touch ${canary})`,
      "`touch " + canary + "`",
      `a; touch ${canary}; b`,
      `'single' "double" \\ back`,
      "line one\nline two\ttab",
      "100% %s %d %{if true}x%{endif}",
      "${path.module} ${file(\"/etc/passwd\")} $${x} %%{y}",
    ];
    const f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    const build = (stack: TerraformStack) => {
      const apiKey = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true }).value;
      hostile.forEach((description, i) => new OctopusDeployConnection(stack, `h${i}`, { ...HOOK_ENGINE, name: `hostile-${i}`, description, instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKey }));
    };
    const result = await f.deploy({}, {}, build);
    expect(result.code).toBe(0);
    const stored = Object.fromEntries(kms.connections().map((c) => [c.name, c.description]));
    hostile.forEach((description, i) => expect(stored[`hostile-${i}`]).toBe(description));
    expect(fs.existsSync(canary)).toBe(false);
    expect((await f.plan({}, build)).code).toBe(0); // and no perpetual diff
  });
});
