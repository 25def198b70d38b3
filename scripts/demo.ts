/**
 * `npm run demo`: starts the bundled local KMS (with its fake Octopus Deploy), sets a secret in it,
 * deploys the example stack (a connection and a secret sync) with the real cdktf CLI through the
 * package's provider, and shows the secret arriving as a sensitive Octopus project variable; then a
 * changed value arriving (the KMS's auto-sync), a description change deployed in place, and destroy
 * deleting both and removing the variable. Offline. Secret values are shown only as fingerprints.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KmsClient } from "../lib/kms/client";
import { readConnection } from "../lib/read";
import { fingerprint } from "../lib/shared/fingerprint";
import { LocalKms, envWithoutKmsSettings, startLocalKms } from "../lib/testing";

/** The Octopus variable the sync writes (the example's key schema APP_{{secretKey}}). */
const VARIABLE = "APP_DB_PASSWORD";

/** One line about the variable in the fake Octopus: present, sensitive, and whether its value is the KMS's (by fingerprint). */
function showVariable(kms: LocalKms, expected: string): boolean {
  const found = kms.octopusVariables().find((v) => v.Name === VARIABLE);
  if (!found) {
    process.stdout.write(`Octopus ${kms.octopusProjectId}: no variable ${VARIABLE}\n`);
    return false;
  }
  const same = found.Value === expected;
  process.stdout.write(
    `Octopus ${kms.octopusProjectId}: ${VARIABLE} (${found.IsSensitive ? "sensitive" : "NOT sensitive"}) = value with fingerprint ${fingerprint(found.Value ?? "")}, ${same ? "the KMS secret's" : "NOT the KMS secret's"}\n`,
  );
  return same && found.IsSensitive;
}

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
      // The example's secret sync: the local KMS's project, environment dev, folder "/", to the fake Octopus's project.
      SYNC_KMS_PROJECT_ID: kms.projectId,
      OCTOPUS_SPACE_ID: kms.octopusSpaceId,
      OCTOPUS_PROJECT_ID: kms.octopusProjectId,
      TF_CLI_CONFIG_FILE: path.join(root, "terraform.tfrc"),
      CHECKPOINT_DISABLE: "1",
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
      DISABLE_VERSION_CHECK: "true",
      CI: "true",
    };

    let secret = `demo-${randomBytes(12).toString("hex")}`;
    kms.setSecret("DB_PASSWORD", secret);
    step(`KMS secret DB_PASSWORD set in environment dev, folder "/" (fingerprint ${fingerprint(secret)})`);

    step("cdktf deploy: create the connection and the secret sync");
    await cdktfRun(home, ["deploy", "--auto-approve"], env);
    const created = await read();
    process.stdout.write(`${JSON.stringify(created, null, 2)}\n`);
    const [sync] = kms.secretSyncs();
    process.stdout.write(`secret sync "${sync?.name}" (id ${sync?.id}): ${sync?.syncStatus}\n`);
    if (!showVariable(kms, secret)) throw new Error("the secret did not arrive in Octopus");

    step("a changed value in the KMS arrives in Octopus (the KMS's auto-sync; no deploy)");
    secret = `demo-${randomBytes(12).toString("hex")}`;
    kms.setSecret("DB_PASSWORD", secret);
    await kms.syncsIdle();
    if (!showVariable(kms, secret)) throw new Error("the changed value did not arrive in Octopus");

    step("cdktf deploy: update the connection's description (same connection id, the key not re-sent)");
    const described = { ...env, CONNECTION_DESCRIPTION: "Octopus for production, managed by cdktf" };
    await cdktfRun(home, ["deploy", "--auto-approve"], described);
    const updated = await read();
    process.stdout.write(`${JSON.stringify(updated, null, 2)}\n`);
    if (updated?.id !== created?.id) throw new Error("the update replaced the connection");
    if (updated?.credentialsHash !== created?.credentialsHash) throw new Error("the description change re-sent the key");

    step("cdktf destroy: the sync removes its variables from Octopus, then the sync and the connection are deleted");
    await cdktfRun(home, ["destroy", "--auto-approve"], described);
    const gone = await read();
    if (gone) throw new Error("the connection still exists after destroy");
    if (kms.secretSyncs().length) throw new Error("the sync still exists after destroy");
    if (showVariable(kms, secret) || kms.octopusVariables().some((v) => v.Name === VARIABLE)) throw new Error("the variable is still in Octopus after destroy");
    step(`done in ${((Date.now() - started) / 1000).toFixed(1)} s: secret synced to Octopus, change synced, connection updated in place, all deleted`);
  } finally {
    await kms.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
