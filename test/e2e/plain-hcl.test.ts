/**
 * Plain HCL, as the README shows it: `install-provider` puts the provider in a configuration's
 * directory and pins it, and the README's own HCL (a connection and a secret sync, the key a
 * write-only variable) inits offline, applies against the local KMS, plans clean and destroys.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { describeE2E, tf, terraformEnv, workDir } from "./harness";

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, "..", "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The README's HCL, pointed at the local KMS and its fake Octopus. */
function readmeHcl(kms: LocalKms): string {
  const block = /```hcl\n([\s\S]*?)```/.exec(README)?.[1];
  if (!block) throw new Error("README lost its HCL example");
  const out = block
    .replace('"https://app.kms.hanzo.ai"', JSON.stringify(kms.kmsUrl))
    .replace('"https://your-instance.octopus.app"', JSON.stringify(kms.octopusUrl))
    .replace('"abcdef12-3456-7890-abcd-ef1234567890"', JSON.stringify(kms.projectId))
    .replace('"Spaces-1"', JSON.stringify(kms.octopusSpaceId))
    .replace('"Projects-1"', JSON.stringify(kms.octopusProjectId));
  expect(out).not.toMatch(/app\.kms\.hanzo\.ai|your-instance|abcdef12-/); // every placeholder replaced
  return out;
}

describeE2E("plain HCL with install-provider", () => {
  let kms: LocalKms;
  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  });
  afterAll(async () => kms?.close());

  test("the README's HCL applies a connection and its sync, plans clean, and destroys", async () => {
    const dir = workDir("kms-hcl-");
    const env = terraformEnv(dir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: kms.octopusApiKey });
    const installed = spawnSync(process.execPath, [path.join(ROOT, "bin", "cdktf-kms-octopus.js"), "install-provider", "--dir", dir, "--json"], { env, encoding: "utf8" });
    expect(installed.status).toBe(0);
    expect(JSON.parse(installed.stdout)).toEqual(expect.objectContaining({ source: "cdktf-kms-octopus.invalid/hanzo/hanzokms", lockFile: path.join(dir, ".terraform.lock.hcl") }));
    fs.writeFileSync(path.join(dir, "main.tf"), readmeHcl(kms));

    expect((await tf(dir, ["init", "-input=false", "-no-color"], env)).code).toBe(0);
    const applied = await tf(dir, ["apply", "-auto-approve", "-input=false", "-no-color"], env);
    expect(applied.output).toMatch(/Apply complete! Resources: 2 added/);
    expect(applied.code).toBe(0);
    const [connection] = kms.connections();
    expect(connection).toEqual(expect.objectContaining({ name: "my-octopus-deploy-connection" }));
    expect(kms.secretSyncs()).toEqual([expect.objectContaining({ name: "app-secrets", connectionId: connection!.id })]);

    expect((await tf(dir, ["plan", "-detailed-exitcode", "-input=false", "-no-color"], env)).code).toBe(0);
    expect((await tf(dir, ["destroy", "-auto-approve", "-input=false", "-no-color"], env)).code).toBe(0);
    expect(kms.connections()).toEqual([]);
    expect(kms.secretSyncs()).toEqual([]);
    for (const file of ["terraform.tfstate", "terraform.tfstate.backup"]) {
      const state = path.join(dir, file);
      if (fs.existsSync(state)) expect(fs.readFileSync(state, "utf8")).not.toContain(kms.octopusApiKey);
    }
  });
});
