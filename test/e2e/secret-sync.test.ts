/**
 * OctopusDeploySecretSync under real Terraform against the local KMS and its fake Octopus: a stack
 * holding a connection and its sync; the secret arrives as a sensitive Octopus variable; a changed
 * value arrives (the KMS's auto-sync, no Terraform run); a change by hand shows in the plan (exit 2);
 * a key-schema change updates in place; an Octopus failure is an error naming the KMS's message and a
 * rerun converges; importFrom adopts a sync made by hand; destroy removes the variables
 * (removeSecretsOnDestroy). The secret values and the API key are in no state, cdktf.out, output or
 * TF_LOG=trace log. The stacks of this file share one `terraform init`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import { KmsClient, OctopusDeployConnection, OctopusDeploySecretSync, OctopusDeploySecretSyncProps } from "../../lib";
import { SecretSyncClient } from "../../lib/kms/secret-syncs";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { apply, describeE2E, destroy, plan, readTree, synth, terraformEnv, workDir } from "./harness";

jest.setTimeout(180_000);

const SYNC_ROUTE = "/api/v1/secret-syncs/octopus-deploy";
const SECRET_VALUES = ["s3cret-db-password-0001", "s3cret-db-password-0002", "s3cret-api-token-0003"];

describeE2E("OctopusDeploySecretSync under real Terraform", () => {
  let kms: LocalKms;
  const dir = workDir("kms-sync-e2e-");
  const env = (extra: NodeJS.ProcessEnv = {}) => terraformEnv(dir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: kms.octopusApiKey, KMS_OCTOPUS_SYNC_WAIT: "20", ...extra });
  const syncs = () => new SecretSyncClient(new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "token", token: kms.token, source: "test" } }));

  /** The shared stack: one connection and its syncs (by construct id). */
  function stack(declared: Record<string, Partial<OctopusDeploySecretSyncProps> & { importFrom?: true }>): string {
    return synth(dir, (s: TerraformStack) => {
      const apiKey = new TerraformVariable(s, "octopus_api_key", { type: "string", sensitive: true });
      const connection = new OctopusDeployConnection(s, "octopus", { name: "octopus", instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKey: apiKey.value });
      for (const [id, { importFrom, ...props }] of Object.entries(declared)) {
        const sync = new OctopusDeploySecretSync(s, id, {
          name: id,
          connection,
          projectId: kms.projectId,
          environment: "dev",
          secretPath: "/",
          destination: { spaceId: kms.octopusSpaceId, projectId: kms.octopusProjectId },
          syncOptions: { keySchema: "APP_{{secretKey}}" },
          removeSecretsOnDestroy: true,
          ...props,
        });
        new TerraformOutput(s, `${id}_status`, { value: sync.syncStatus });
        if (importFrom) sync.importFrom();
      }
    });
  }
  const variables = () => Object.fromEntries(kms.octopusVariables().map((v) => [v.Name, { value: v.Value, sensitive: v.IsSensitive }]));
  const noSecretIn = (text: string, where: string) => {
    for (const secret of [...SECRET_VALUES, kms.octopusApiKey, kms.token]) expect({ where, found: text.includes(secret) }).toEqual({ where, found: false });
  };

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
    kms.setSecret("DB_PASSWORD", SECRET_VALUES[0]!);
  });
  afterAll(async () => kms?.close());

  test("deploy creates the connection and the sync; the secret arrives as a sensitive Octopus variable before apply ends; no secret in state, cdktf.out, output or trace log", async () => {
    const out = stack({ "app-secrets": { description: "first" } });
    const log = path.join(dir, "trace.log");
    const result = await apply(out, env({ TF_LOG: "trace", TF_LOG_PATH: log }));
    expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: expect.stringContaining("Apply complete! Resources: 2 added") });
    // The provider waited for the sync: the variable is there when apply returns.
    expect(variables()).toEqual({ APP_DB_PASSWORD: { value: SECRET_VALUES[0], sensitive: true } });
    expect(result.output).toMatch(/app-secrets_status = "succeeded"/);
    const [sync] = kms.secretSyncs();
    expect(sync).toMatchObject({ name: "app-secrets", description: "first", syncStatus: "succeeded" });
    noSecretIn(result.output, "apply output");
    noSecretIn(fs.readFileSync(log, "utf8"), "TF_LOG=trace");
    noSecretIn(fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8"), "state");
    for (const { file, text } of readTree(path.join(dir, "out"))) noSecretIn(text, file);
  });

  test("a changed secret value arrives in Octopus through the KMS's auto-sync; the next plan has nothing to change", async () => {
    kms.setSecret("DB_PASSWORD", SECRET_VALUES[1]!);
    await kms.syncsIdle();
    expect(variables()).toEqual({ APP_DB_PASSWORD: { value: SECRET_VALUES[1], sensitive: true } });
    kms.clearRequests();
    const planned = await plan(stack({ "app-secrets": { description: "first" } }), env());
    expect({ code: planned.code, output: planned.output }).toEqual({ code: 0, output: expect.stringContaining("No changes.") });
    // The refresh read the sync once (the connection once too).
    expect(kms.requests.filter((r) => r.path.startsWith(SYNC_ROUTE)).map((r) => r.method)).toEqual(["GET"]);
  });

  test("a description changed by hand shows as an attribute diff (exit 2); apply puts it back with one PATCH", async () => {
    const [sync] = kms.secretSyncs();
    await syncs().updateSync(sync!.id, { description: "changed by hand" });
    const out = stack({ "app-secrets": { description: "first" } });
    const planned = await plan(out, env());
    expect(planned.code).toBe(2);
    expect(planned.output).toMatch(/~ description\s+= "changed by hand" -> "first"/);
    kms.clearRequests();
    expect((await apply(out, env())).code).toBe(0);
    expect(kms.requests.filter((r) => r.path.startsWith(SYNC_ROUTE) && r.method === "PATCH")).toHaveLength(1);
    expect(kms.secretSyncs()[0]).toMatchObject({ id: sync!.id, description: "first" });
  });

  test("a key-schema change updates the sync in place (same id): the variable arrives under the new name; the old one stays (the KMS deletes only names its current key schema could have made)", async () => {
    const before = kms.secretSyncs()[0]!;
    const result = await apply(stack({ "app-secrets": { description: "first", syncOptions: { keySchema: "SVC_{{secretKey}}" } } }), env());
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/0 added, 1 changed, 0 destroyed/);
    expect(kms.secretSyncs()).toEqual([expect.objectContaining({ id: before.id })]);
    expect(variables()).toEqual({ APP_DB_PASSWORD: { value: SECRET_VALUES[1], sensitive: true }, SVC_DB_PASSWORD: { value: SECRET_VALUES[1], sensitive: true } });
    kms.setOctopusVariables(kms.octopusVariables().filter((v) => v.Name !== "APP_DB_PASSWORD"));
  });

  test("an Octopus failure during the sync is an error naming the KMS's message; after the fault clears, a rerun converges", async () => {
    const out = stack({ "app-secrets": { description: "second", syncOptions: { keySchema: "SVC_{{secretKey}}" } } });
    kms.setOctopusFailure({ status: 403 });
    const failed = await apply(out, env()).finally(() => kms.setOctopusFailure(undefined));
    const output = failed.output.replace(/\s+/g, " ");
    expect(failed.code).toBe(1);
    expect(output).toContain("Error: Secret sync failed");
    expect(output).toContain("the KMS reports that the sync to Octopus Deploy failed");
    expect(output).toContain("Missing permission: VariableEdit");
    expect(kms.secretSyncs()[0]).toMatchObject({ syncStatus: "failed" });
    // The description was changed (the KMS holds it); the failed sync is a warning and an update that runs it again.
    const planned = await plan(out, env());
    expect(planned.code).toBe(2);
    expect(planned.output).toContain("Warning: The last sync failed");
    expect(planned.output).toMatch(/~ sync_status\s+= "failed" -> \(known after apply\)/);
    const rerun = await apply(out, env());
    expect(rerun.code).toBe(0);
    expect(kms.secretSyncs()[0]).toMatchObject({ description: "second", syncStatus: "succeeded" });
    expect((await plan(out, env())).code).toBe(0);
  });

  test("importFrom adopts a sync made by hand (by <projectId>/<name>); the plan then shows only what the code changes", async () => {
    kms.setSecret("API_TOKEN", SECRET_VALUES[2]!, { environment: "staging" });
    const connectionId = kms.connections()[0]!.id;
    await syncs().createSync({
      name: "by-hand",
      connectionId,
      projectId: kms.projectId,
      environment: "staging",
      secretPath: "/",
      isAutoSyncEnabled: true,
      syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "STAGING_{{secretKey}}" },
      destinationConfig: { scope: "project", spaceId: kms.octopusSpaceId, projectId: kms.octopusProjectId },
    });
    await kms.syncsIdle();
    const declared = { "app-secrets": { description: "second", syncOptions: { keySchema: "SVC_{{secretKey}}" } }, "by-hand": { environment: "staging", syncOptions: { keySchema: "STAGING_{{secretKey}}" }, importFrom: true as const } };
    const planned = await plan(stack(declared), env());
    expect(planned.code).toBe(2);
    expect(planned.output).toMatch(/Plan: 1 to import, 0 to add, 1 to change, 0 to destroy/); // remove_secrets_on_destroy is ours only
    expect((await apply(stack(declared), env())).code).toBe(0);
    expect(kms.secretSyncs().map((s) => s.name).sort()).toEqual(["app-secrets", "by-hand"]);
    expect((await plan(stack(declared), env())).code).toBe(0);
  });

  test("destroy deletes the syncs (removing their variables from Octopus) and the connection", async () => {
    expect(Object.keys(variables()).sort()).toEqual(["STAGING_API_TOKEN", "SVC_DB_PASSWORD"]);
    const out = stack({ "app-secrets": { description: "second", syncOptions: { keySchema: "SVC_{{secretKey}}" } }, "by-hand": { environment: "staging", syncOptions: { keySchema: "STAGING_{{secretKey}}" } } });
    const result = await destroy(out, env());
    expect({ code: result.code, output: result.output }).toEqual({ code: 0, output: expect.stringContaining("Destroy complete! Resources: 3 destroyed") });
    expect(kms.secretSyncs()).toEqual([]);
    expect(kms.connections()).toEqual([]);
    expect(variables()).toEqual({});
    noSecretIn(fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8"), "state after destroy");
  });
});
