/**
 * The provider engine (the default) under real Terraform against the local KMS: create, a no-change
 * plan that reads, drift by hand in the plan (-detailed-exitcode 2), a description change that keeps
 * credentials_hash, rename in place, key rotation through the fingerprint, re-creation of a connection
 * deleted by hand, import (importFrom and `terraform import`), removal from code (delete or retain),
 * KMS faults, errors as diagnostics on their attribute, and the key nowhere (state, cdktf.out, plans,
 * Terraform's trace log), and the data source (lookup) of a connection the stack does not manage.
 * The stacks of one file share one `terraform init`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { KmsClient, OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib";
import { FaultOptions, LocalKms, startLocalKms } from "../../lib/testing";
import { apply, describeE2E, destroy, plan, readTree, synth, terraformEnv, tf, withFaults, workDir } from "./harness";

jest.setTimeout(180_000);

const ROUTE = "/api/v1/app-connections/octopus-deploy";
const TYPE = "hanzokms_octopus_deploy_connection";

/** Connection requests (login excluded) as "METHOD path". */
function requests(kms: LocalKms): string[] {
  return kms.requests.filter((r) => r.path.startsWith(ROUTE)).map((r) => `${r.method} ${r.path.slice(ROUTE.length) || "/"}`);
}

describeE2E("provider engine under real Terraform", () => {
  let kms: LocalKms;
  let api: KmsClient;
  const dir = workDir("kms-provider-e2e-");
  let key = "";
  const env = (extra: NodeJS.ProcessEnv = {}) => terraformEnv(dir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: key, ...extra });

  /** Synthesizes the shared stack: connections by construct id, each with its props. */
  function stack(connections: Record<string, Partial<OctopusDeployConnectionProps> & { importFrom?: string | true }>, extra?: (s: TerraformStack) => void): string {
    return synth(dir, (s) => {
      const apiKey = new TerraformVariable(s, "octopus_api_key", { type: "string", sensitive: true });
      for (const [id, { importFrom, ...props }] of Object.entries(connections)) {
        const conn = new OctopusDeployConnection(s, id, { name: id, instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKey: apiKey.value, ...props });
        new TerraformOutput(s, `${id}_id`, { value: conn.connectionId });
        if (importFrom) conn.importFrom(importFrom === true ? undefined : importFrom);
      }
      extra?.(s);
    });
  }
  const byName = (name: string) => kms.connections().find((c) => c.name === name);

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
    key = kms.octopusApiKey;
    api = new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "token", token: kms.token, source: "test" } });
  });
  afterAll(async () => kms?.close());

  test("create: one POST; the id is an output; the state holds no key", async () => {
    const dirOut = stack({ alpha: { description: "first" } });
    kms.clearRequests();
    const result = await apply(dirOut, env());
    expect(result.code).toBe(0);
    expect(requests(kms)).toEqual(["POST /"]);
    const created = byName("alpha")!;
    expect(result.output).toContain(`alpha_id = "${created.id}"`);
    const state = fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8");
    expect(state).toContain(created.id);
    expect(state).toContain(created.credentialsHash!);
    expect(state).not.toContain(key);
  });

  test("a plan with nothing to change reads the connection (one GET) and exits 0", async () => {
    kms.clearRequests();
    const result = await plan(stack({ alpha: { description: "first" } }), env());
    expect(result.code).toBe(0);
    expect(requests(kms)).toEqual([`GET /${byName("alpha")!.id}`]);
  });

  test("a description changed by hand shows in the plan as an attribute diff (exit 2); apply puts it back with one PATCH without credentials", async () => {
    const before = byName("alpha")!;
    await api.update(before.id, { description: "changed by hand" });
    const dirOut = stack({ alpha: { description: "first" } });
    const planned = await plan(dirOut, env());
    expect(planned.code).toBe(2);
    expect(planned.output).toMatch(/~ description\s+= "changed by hand" -> "first"/);
    kms.clearRequests();
    expect((await apply(dirOut, env())).code).toBe(0);
    const patches = kms.requests.filter((r) => r.method === "PATCH");
    expect(patches).toHaveLength(1);
    expect(patches[0]!.body).not.toHaveProperty("credentials");
    const after = byName("alpha")!;
    expect(after).toEqual(expect.objectContaining({ id: before.id, description: "first", credentialsHash: before.credentialsHash }));
  });

  test("a description change in code keeps credentials_hash (no key re-sent)", async () => {
    const before = byName("alpha")!;
    kms.clearRequests();
    expect((await apply(stack({ alpha: { description: "second" } }), env())).code).toBe(0);
    expect(requests(kms).filter((r) => !r.startsWith("GET"))).toEqual([`PATCH /${before.id}`]);
    expect(byName("alpha")).toEqual(expect.objectContaining({ id: before.id, description: "second", credentialsHash: before.credentialsHash }));
  });

  test("a rename in code renames in place: same id, no renamedFrom", async () => {
    const before = byName("alpha")!;
    const result = await apply(stack({ alpha: { name: "alpha-renamed", description: "second" } }), env());
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/1 changed, 0 destroyed/);
    expect(kms.connections().map((c) => [c.id, c.name])).toEqual([[before.id, "alpha-renamed"]]);
  });

  test("a rotated key shows as a fingerprint change in the plan, never the key, and apply re-sends it", async () => {
    const before = byName("alpha-renamed")!;
    const rotated = "API-ROTATEDKEY0000000000000000";
    kms.addOctopusApiKey(rotated);
    key = rotated;
    const dirOut = stack({ alpha: { name: "alpha-renamed", description: "second" } });
    const planned = await plan(dirOut, env());
    expect(planned.code).toBe(2);
    expect(planned.output).toMatch(/~ api_key_fingerprint\s+= "[0-9a-f]{16}" -> "[0-9a-f]{16}"/);
    expect(planned.output).not.toContain(rotated);
    expect((await apply(dirOut, env())).code).toBe(0);
    expect(byName("alpha-renamed")!.credentialsHash).not.toBe(before.credentialsHash);
    expect((await plan(dirOut, env())).code).toBe(0);
  });

  test("a connection deleted by hand is planned for creation and created again", async () => {
    const before = byName("alpha-renamed")!;
    await api.delete(before.id);
    const dirOut = stack({ alpha: { name: "alpha-renamed", description: "second" } });
    const planned = await plan(dirOut, env());
    expect(planned.code).toBe(2);
    expect(planned.output).toMatch(/will be created/);
    expect((await apply(dirOut, env())).code).toBe(0);
    const again = byName("alpha-renamed")!;
    expect(again.id).not.toBe(before.id);
    expect((await plan(dirOut, env())).code).toBe(0);
  });

  test("importFrom adopts an existing connection (same id); the plan then shows only what the code changes", async () => {
    const existing = await api.create({ name: "beta", description: "made elsewhere", method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: key } });
    const dirOut = stack({ alpha: { name: "alpha-renamed", description: "second" }, beta: { description: "made elsewhere", importFrom: true } });
    const planned = await plan(dirOut, env());
    // Imported, and the key sent once: the KMS never returns it, so the state cannot know it is the declared one.
    expect(planned.output).toMatch(/\(imported from "beta"\)/);
    expect(planned.output).toMatch(/\+ api_key_fingerprint = "[0-9a-f]{16}"/);
    expect(planned.output).toMatch(/1 to import, 0 to add, 1 to change, 0 to destroy/);
    expect((await apply(dirOut, env())).code).toBe(0);
    expect(byName("beta")!.id).toBe(existing.id);
    expect((await plan(dirOut, env())).code).toBe(0);
    // The code changes the description: only that shows.
    const changed = await plan(stack({ alpha: { name: "alpha-renamed", description: "second" }, beta: { description: "now managed" } }), env());
    expect(changed.code).toBe(2);
    expect(changed.output).toMatch(/~ description\s+= "made elsewhere" -> "now managed"/);
    expect(changed.output).toMatch(/0 to add, 1 to change, 0 to destroy/);
  });

  test("terraform import by project/name reads a project-level connection", async () => {
    const existing = await api.create({ name: "gamma", projectId: kms.projectId, method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: key } });
    const dirOut = stack({ alpha: { name: "alpha-renamed", description: "second" }, beta: { description: "made elsewhere" }, gamma: { projectId: kms.projectId } });
    const address = Object.keys((JSON.parse(fs.readFileSync(path.join(dirOut, "cdk.tf.json"), "utf8")) as { resource: Record<string, object> }).resource[TYPE]!).find((a) => a.startsWith("gamma"))!;
    const imported = await tf(dirOut, ["import", "-input=false", "-no-color", `${TYPE}.${address}`, `${kms.projectId}/gamma`], env());
    expect(imported.code).toBe(0);
    expect((await apply(dirOut, env())).code).toBe(0);
    expect(byName("gamma")!.id).toBe(existing.id);
    expect((await plan(dirOut, env())).code).toBe(0);
  });

  test("removing a construct from code deletes its connection; with removalPolicy retain it stays in the KMS", async () => {
    const keep = { alpha: { name: "alpha-renamed", description: "second" }, beta: { description: "made elsewhere", removalPolicy: "retain" as const }, gamma: { projectId: kms.projectId } };
    expect((await apply(stack(keep), env())).code).toBe(0);
    const result = await apply(stack({ alpha: keep.alpha }), env());
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/2 destroyed/);
    expect(kms.connections().map((c) => c.name).sort()).toEqual(["alpha-renamed", "beta"]);
    await api.delete(byName("beta")!.id);
  });

  test("429 and 5xx answers are retried: the apply converges with no duplicate", async () => {
    const faults: FaultOptions = { rate: 0.5, seed: 7, kinds: ["429", "500", "503"] };
    const result = await withFaults(kms, faults, () => apply(stack({ alpha: { name: "alpha-renamed", description: "third" }, delta: {} }), env({ KMS_OCTOPUS_RETRY_BUDGET: "60" })));
    expect(result.code).toBe(0);
    expect(kms.connections().map((c) => c.name).sort()).toEqual(["alpha-renamed", "delta"]);
    expect(byName("alpha-renamed")!.description).toBe("third");
  });

  test("errors are diagnostics on their attribute with the KMS's message; bad input is refused before anything is sent", async () => {
    kms.clearRequests();
    const badKey = await apply(stack({ alpha: { name: "alpha-renamed", description: "third" }, delta: {}, epsilon: {} }), env({ TF_VAR_octopus_api_key: "API-NOTAVALIDKEY000000000000000" }));
    expect(badKey.code).not.toBe(0);
    expect(badKey.output).toMatch(/Failed to validate Octopus Deploy credentials/);
    expect(badKey.output).toMatch(/with hanzokms_octopus_deploy_connection\.epsilon_connection_[0-9A-F]{8},[\s\S]*api_key/);
    expect(badKey.output).not.toContain("API-NOTAVALIDKEY000000000000000");

    const noCredentials = await plan(stack({ alpha: { name: "alpha-renamed", description: "third" }, delta: {} }), { ...env(), KMS_TOKEN: "" });
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.output).toMatch(/KMS_TOKEN/);
  });

  test("the key is in no file Terraform or cdktf wrote, and not in Terraform's trace log", async () => {
    const log = path.join(dir, "trace.log");
    const result = await apply(stack({ alpha: { name: "alpha-renamed", description: "traced" }, delta: {} }), env({ TF_LOG: "trace", TF_LOG_PATH: log }));
    expect(result.code).toBe(0);
    expect(fs.statSync(log).size).toBeGreaterThan(10_000);
    const secrets = [key, kms.token, kms.clientSecret];
    for (const { file, text } of [...readTree(dir), { file: "output", text: result.output }]) {
      for (const secret of secrets) if (text.includes(secret)) throw new Error(`${file} contains a secret`);
    }
  });

  test("lookup reads a connection the stack does not manage: its id is usable; an unknown name is a plan error on name", async () => {
    const shared = await api.create({ name: "shared-elsewhere", projectId: kms.projectId, method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: key } });
    const managed = { alpha: { name: "alpha-renamed", description: "traced" }, delta: {} };
    const withLookup = (name: string) =>
      stack(managed, (s) => {
        const found = OctopusDeployConnection.lookup(s, "shared", { name, projectId: kms.projectId, kmsUrl: kms.kmsUrl });
        new TerraformOutput(s, "shared_id", { value: found.connectionId });
      });
    try {
      const dirOut = withLookup("shared-elsewhere");
      expect((await apply(dirOut, env())).code).toBe(0);
      expect((await tf(dirOut, ["output", "-raw", "shared_id"], env())).output.trim()).toBe(shared.id);
      expect((await plan(dirOut, env())).code).toBe(0);
      const missing = await plan(withLookup("not-there"), env());
      expect(missing.code).toBe(1);
      // The diagnostic points at the data source's name attribute and says where it looked.
      expect(missing.output).toMatch(/Error: Connection not found/);
      expect(missing.output).toMatch(/in data\.hanzokms_octopus_deploy_connection\.shared:\s*\n\s*\d+:\s*"name": "not-there"/);
      expect(missing.output.replace(/\s+/g, " ")).toContain(`"not-there" in project ${kms.projectId}: no connection of that name exists there.`);
      expect(byName("shared-elsewhere")!.id).toBe(shared.id); // never touched
    } finally {
      await api.delete(shared.id);
    }
  });

  test("destroy deletes what the stack manages", async () => {
    const result = await destroy(stack({ alpha: { name: "alpha-renamed", description: "traced" }, delta: {} }), env());
    expect(result.code).toBe(0);
    expect(kms.connections()).toEqual([]);
  });
});
