/**
 * `npm run demo`: starts the bundled local KMS, deploys the example stack with the real cdktf CLI,
 * prints the connection as the KMS returns it, changes its description and deploys again, then
 * destroys it. Offline: only built-in Terraform resources are used.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KmsClient } from "../lib/kms/client";
import { readConnection } from "../lib/read";
import { envWithoutKmsSettings, startLocalKms } from "../lib/testing";

const root = path.resolve(__dirname, "..", "..");
const cdktf = path.join(root, "node_modules", ".bin", "cdktf");

function step(title: string): void {
  process.stdout.write(`\n=== ${title}\n`);
}

/** Runs the cdktf CLI (asynchronously: the local KMS answers from this same process meanwhile). */
function cdktfRun(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cdktf, args, { cwd: dir, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`cdktf ${args.join(" ")} failed with exit code ${code}`))));
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-demo-"));
  const kms = await startLocalKms({ statePath: path.join(home, "kms-state.json") });
  // The example app runs from a scratch project directory, so its Terraform state stays out of the repo.
  const config = JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")) as Record<string, unknown>;
  fs.writeFileSync(path.join(home, "cdktf.json"), JSON.stringify({ ...config, app: `node ${path.join(root, "dist", "examples", "main.js")}` }));
  const client = new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "token", token: kms.token, source: "local KMS" } });
  const read = () => readConnection({ name: "my-octopus-deploy-connection", client });
  try {
    step(`local KMS at ${kms.kmsUrl}, fake Octopus Deploy at ${kms.octopusUrl}`);
    const env: NodeJS.ProcessEnv = {
      ...envWithoutKmsSettings(),
      KMS_URL: kms.kmsUrl,
      KMS_CLIENT_ID: kms.clientId,
      KMS_CLIENT_SECRET: kms.clientSecret,
      OCTOPUS_URL: kms.octopusUrl,
      TF_VAR_octopus_api_key: kms.octopusApiKey,
      TF_CLI_CONFIG_FILE: path.join(root, "terraform.tfrc"),
      CHECKPOINT_DISABLE: "1",
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
      DISABLE_VERSION_CHECK: "true",
      CI: "true",
    };

    step("cdktf deploy: create");
    await cdktfRun(home, ["deploy", "--auto-approve"], env);
    const created = await read();
    process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);

    step("cdktf deploy: update the description (same connection id)");
    await cdktfRun(home, ["deploy", "--auto-approve"], { ...env, CONNECTION_DESCRIPTION: "Octopus for production, managed by cdktf" });
    const updated = await read();
    process.stdout.write(`${JSON.stringify(updated, null, 2)}\n`);
    if (updated?.id !== created?.id) throw new Error("the update replaced the connection");

    step("cdktf destroy");
    await cdktfRun(home, ["destroy", "--auto-approve"], { ...env, CONNECTION_DESCRIPTION: "Octopus for production, managed by cdktf" });
    const gone = await read();
    if (gone) throw new Error("the connection still exists after destroy");
    step(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: created, updated in place, deleted`);
  } finally {
    await kms.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
