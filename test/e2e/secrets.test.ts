/**
 * Secret exposure: with distinctive Octopus key, KMS token and client secret values, a deploy, a
 * plan (what `cdktf diff` shows), an update with a key rotation, a failed apply and a destroy are
 * scanned, on the provider engine and on the hook engine. The values must appear nowhere in
 * cdktf.out, the state files, terraform's output (which includes every hook's stdout and stderr),
 * Terraform's own log at TF_LOG=trace (the provider's logs included), any process's command line
 * during the applies, or the local KMS's request log. The state may hold the key's one-way
 * fingerprint, nothing more.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack, TerraformVariable } from "cdktf";
import { OctopusDeployConnection } from "../../lib";
import { fingerprint } from "../../lib/construct/fingerprint";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { HOOK_ENGINE, TfResult, apply, describeE2E, destroy, plan, readTree, synth, terraformEnv, workDir } from "./harness";

jest.setTimeout(120_000);

/** Samples every process's command line while `work` runs (every few ms). */
async function watchCommandLines<T>(work: () => Promise<T>): Promise<{ result: T; cmdlines: Set<string> }> {
  const cmdlines = new Set<string>();
  const sample = () => {
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        cmdlines.add(fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").replace(/\0/g, " "));
      } catch {
        // the process ended between readdir and read
      }
    }
  };
  const timer = setInterval(sample, 3);
  try {
    return { result: await work(), cmdlines };
  } finally {
    clearInterval(timer);
  }
}

/** What each engine's runs look like, so the scans below are known to have looked at real runs. */
const ENGINES = [
  { engine: "provider", props: {}, created: /hanzokms_octopus_deploy_connection\.octopus_[0-9A-F_a-z]+: Creation complete/, process: "terraform-provider-hanzokms" },
  { engine: "terraform_data", props: HOOK_ENGINE, created: /created octopus-deploy connection "secret-test"/, process: "hook.js" },
] as const;

describeE2E.each(ENGINES)("secrets never leak ($engine engine)", ({ engine, props, created, process: runs }) => {
  let kms: LocalKms;
  const dir = workDir(`kms-secrets-${engine}-`);
  const requestLog = path.join(dir, "kms-requests.jsonl");
  const traceLog = path.join(dir, "terraform-trace.log");
  const key1 = "API-CANARYKEYONE0000000000000";
  const key2 = "API-CANARYKEYTWO0000000000000";
  const outputs: TfResult[] = [];
  const cmdlines = new Set<string>();
  let stackDir = "";

  const build = (description: string) => (stack: TerraformStack) => {
    const apiKey = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true }).value;
    new OctopusDeployConnection(stack, "octopus", { ...props, name: "secret-test", description, instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, projectId: kms.projectId, apiKey });
    new OctopusDeployConnection(stack, "from-env", { ...props, name: "secret-env", instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKeyEnv: "OCTOPUS_KEY" });
  };
  const env = (key: string, auth: "ua" | "token") =>
    terraformEnv(dir, {
      TF_VAR_octopus_api_key: key,
      OCTOPUS_KEY: key,
      TF_LOG: "trace",
      TF_LOG_PATH: traceLog, // Terraform appends: one log of every step
      ...(auth === "ua" ? { KMS_CLIENT_ID: kms.clientId, KMS_CLIENT_SECRET: kms.clientSecret } : { KMS_TOKEN: kms.token }),
    });
  const step = async (fn: () => Promise<TfResult>) => {
    const { result, cmdlines: seen } = await watchCommandLines(fn);
    seen.forEach((c) => cmdlines.add(c));
    outputs.push(result);
    return result;
  };
  const synthWith = (description: string, key: string) => {
    process.env.OCTOPUS_KEY = key;
    try {
      stackDir = synth(dir, build(description));
    } finally {
      delete process.env.OCTOPUS_KEY;
    }
  };

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0, requestLogPath: requestLog });
    kms.addOctopusApiKey(key1);
    kms.addOctopusApiKey(key2);

    synthWith("first", key1);
    expect((await step(() => apply(stackDir, env(key1, "ua")))).code).toBe(0);
    expect((await step(() => plan(stackDir, env(key2, "token")))).code).toBe(2); // the diff of a rotation
    synthWith("second", key2);
    expect((await step(() => apply(stackDir, env(key2, "ua")))).code).toBe(0); // update + rotation
    kms.revokeOctopusApiKey(key1);
    synthWith("second", key1);
    const failed = await step(() => apply(stackDir, env(key1, "token"))); // the KMS rejects the revoked key
    expect(failed.code).not.toBe(0);
    expect(failed.output).toMatch(/Failed to validate Octopus Deploy credentials/);
    synthWith("second", key2);
    expect((await step(() => destroy(stackDir, env(key2, "token")))).code).toBe(0);
  });
  afterAll(async () => kms?.close());

  const secrets = () => ({ key1, key2, token: kms.token, clientSecret: kms.clientSecret });

  test("the applies really ran the engine and the KMS really saw the keys (the scans below can fail)", () => {
    const bodies = kms.requests.map((r) => JSON.stringify(r.body ?? null));
    expect(bodies.filter((b) => b.includes('"apiKey":"[redacted]"')).length).toBeGreaterThanOrEqual(3);
    expect(outputs.map((o) => o.output).join("\n")).toMatch(created);
    expect([...cmdlines].some((c) => c.includes(runs))).toBe(true);
    expect(fs.statSync(traceLog).size).toBeGreaterThan(100_000);
  });

  test.each(["key1", "key2", "token", "clientSecret"] as const)("%s appears in no synthesized file, state file or backup", (which) => {
    const value = secrets()[which];
    const files = readTree(dir).filter((f) => !f.file.endsWith("kms-requests.jsonl"));
    expect(files.some((f) => f.file.endsWith(".tfstate"))).toBe(true);
    expect(files.some((f) => f.file.endsWith("cdk.tf.json"))).toBe(true);
    expect(files.filter((f) => f.text.includes(value)).map((f) => f.file)).toEqual([]);
  });

  test("the state holds the key's one-way fingerprint at most", () => {
    // The backup is the state before the destroy, after the failed apply with key1: the hook engine
    // recorded key1's fingerprint on the replaced resource, the provider kept key2's (the update failed).
    const state = fs.readFileSync(path.join(dir, "terraform.tfstate.backup"), "utf8");
    expect(state).toContain(`"api_key_fingerprint": "${fingerprint(engine === "provider" ? key2 : key1)}"`);
  });

  test.each(["key1", "key2", "token", "clientSecret"] as const)("%s appears nowhere in Terraform's trace log", (which) => {
    expect(fs.readFileSync(traceLog, "utf8").includes(secrets()[which])).toBe(false);
  });

  test.each(["key1", "key2", "token", "clientSecret"] as const)("%s appears in no terraform output (hooks' stdout and stderr included), success or failure", (which) => {
    expect(outputs.filter((o) => o.output.includes(secrets()[which])).length).toBe(0);
  });

  test.each(["key1", "key2", "token", "clientSecret"] as const)("%s appears in no process command line during the applies", (which) => {
    expect([...cmdlines].filter((c) => c.includes(secrets()[which]))).toEqual([]);
  });

  test.each(["key1", "key2", "token", "clientSecret"] as const)("%s appears nowhere in the local KMS request log", (which) => {
    expect(JSON.stringify(kms.requests)).not.toContain(secrets()[which]);
    expect(fs.readFileSync(requestLog, "utf8")).not.toContain(secrets()[which]);
  });
});
