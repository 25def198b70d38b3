/**
 * The real cdktf CLI on the example stack (examples/main.ts, the one `npm run demo` deploys; the
 * default engine, the package's provider): `cdktf deploy`, `cdktf diff`, `cdktf destroy` against the
 * local KMS, from a scratch project directory so that no state lands in the repository.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { describeE2E, terraformEnv, workDir } from "./harness";

jest.setTimeout(180_000);

const root = path.resolve(__dirname, "..", "..");
const NAME = "my-octopus-deploy-connection";

function cdktf(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, "node_modules", ".bin", "cdktf"), args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

describeE2E("the cdktf CLI on the example stack", () => {
  let kms: LocalKms;
  const dir = workDir("kms-cdktf-cli-");
  const env = (extra: NodeJS.ProcessEnv = {}) =>
    terraformEnv(dir, {
      KMS_URL: kms.kmsUrl,
      KMS_CLIENT_ID: kms.clientId,
      KMS_CLIENT_SECRET: kms.clientSecret,
      OCTOPUS_URL: kms.octopusUrl,
      TF_VAR_octopus_api_key: kms.octopusApiKey,
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
      DISABLE_VERSION_CHECK: "true",
      ...extra,
    });

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
    const config = JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ ...config, app: `node ${path.join(root, "dist", "examples", "main.js")}` }));
  });
  afterAll(async () => kms?.close());

  test("deploy creates, diff shows a description change, deploy updates in place, destroy deletes", async () => {
    const deployed = await cdktf(dir, ["deploy", "--auto-approve"], env());
    expect(deployed.code).toBe(0);
    const [created] = kms.connections();
    expect(deployed.output).toMatch(new RegExp(`hanzokms_octopus_deploy_connection\\.octopus_connection_[0-9A-F]{8}: Creation complete after \\d+s \\[id=${created!.id}\\]`));
    expect(created).toEqual(expect.objectContaining({ name: NAME, description: "Octopus for production" }));

    const changed = env({ CONNECTION_DESCRIPTION: "Octopus, production" });
    const diff = await cdktf(dir, ["diff"], changed);
    expect(diff.code).toBe(0);
    expect(diff.output.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/description\s+=\s+"Octopus for production" -> "Octopus, production"/);
    expect(diff.output).not.toContain(kms.octopusApiKey);
    expect(kms.connections()[0]!.description).toBe("Octopus for production"); // diff changes nothing

    const updated = await cdktf(dir, ["deploy", "--auto-approve"], changed);
    expect(updated.code).toBe(0);
    expect(kms.connections()).toEqual([expect.objectContaining({ id: created!.id, description: "Octopus, production" })]);

    const destroyed = await cdktf(dir, ["destroy", "--auto-approve"], changed);
    expect(destroyed.code).toBe(0);
    expect(kms.connections()).toEqual([]);
    expect(fs.existsSync(path.join(dir, "terraform.octopus-connections.tfstate"))).toBe(true);
  });
});
