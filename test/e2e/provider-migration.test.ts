/**
 * The provider engine's operational edges under real Terraform: a stack deployed with the
 * terraform_data engine moves to the provider keeping its connection (same id, no delete, no
 * create); a synthesized stack is self-contained (copied elsewhere, it inits and applies with no
 * extra step); a provider killed in the middle of an apply, or an apply interrupted with Ctrl-C
 * (SIGINT to the whole process group, as a terminal sends it: Terraform calls StopProvider), is
 * reported by Terraform and a rerun converges with nothing duplicated.
 */
import { spawn, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack, TerraformVariable } from "cdktf";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { TERRAFORM, apply, describeE2E, plan, synth, terraformEnv, tf, workDir } from "./harness";

jest.setTimeout(180_000);

describeE2E("provider engine: migration, portability, a killed provider", () => {
  let kms: LocalKms;
  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  });
  afterAll(async () => kms?.close());

  const build = (kmsProps: () => Partial<OctopusDeployConnectionProps>, names: readonly string[]) => (s: TerraformStack) => {
    const apiKey = new TerraformVariable(s, "octopus_api_key", { type: "string", sensitive: true });
    for (const name of names) new OctopusDeployConnection(s, name, { name, instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKey: apiKey.value, ...kmsProps() });
  };

  test("terraform_data -> provider keeps each connection: moved, same id, nothing created or deleted", async () => {
    const dir = workDir("kms-migrate-");
    const env = terraformEnv(dir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: kms.octopusApiKey });
    const names = ["mig-a", "mig-b"];
    expect((await apply(synth(dir, build(() => ({ engine: "terraform_data", description: "d" }), names)), env)).code).toBe(0);
    const before = kms.connections().filter((c) => names.includes(c.name));
    expect(before).toHaveLength(2);

    const stackDir = synth(dir, build(() => ({ description: "d" }), names));
    // The stack now needs the provider: init again (same data directory, new provider).
    expect((await tf(stackDir, ["init", "-input=false", "-no-color"], env)).code).toBe(0);
    kms.clearRequests();
    const planned = await tf(stackDir, ["plan", "-input=false", "-no-color"], env);
    if (planned.code !== 0) throw new Error(planned.output);
    expect(planned.output).toMatch(/\(moved from terraform_data\.mig-a_connection_[0-9A-F]{8}\)/);
    expect(planned.output).toMatch(/terraform_data\.mig-a_sync_[0-9A-F]{8} will no longer be managed by Terraform, but will not be destroyed/);
    expect(planned.output).not.toMatch(/will be created|will be destroyed|must be replaced/);
    expect(kms.requests.filter((r) => r.method !== "GET" && !r.path.includes("login"))).toEqual([]);

    const applied = await apply(stackDir, env);
    expect(applied.code).toBe(0);
    expect(applied.output).toMatch(/0 added, \d+ changed, 0 destroyed/);
    const after = kms.connections().filter((c) => names.includes(c.name));
    expect(after.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());
    expect((await plan(stackDir, env)).code).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(dir, "terraform.tfstate"), "utf8")) as { resources: { type: string }[] };
    expect(state.resources.map((r) => r.type)).toEqual(["hanzokms_octopus_deploy_connection", "hanzokms_octopus_deploy_connection"]);
  });

  test("a synthesized stack is self-contained: copied to another directory, it inits offline and applies", async () => {
    const synthDir = workDir("kms-synth-job-");
    const stackDir = synth(synthDir, build(() => ({}), ["portable"]));
    const deployDir = workDir("kms-deploy-job-");
    const copied = path.join(deployDir, "stack");
    fs.cpSync(stackDir, copied, { recursive: true });
    // The local backend path in cdk.tf.json points at the synth job's directory; keep state with the copy.
    const config = JSON.parse(fs.readFileSync(path.join(copied, "cdk.tf.json"), "utf8")) as { terraform: { backend: { local: { path: string } } } };
    config.terraform.backend.local.path = path.join(deployDir, "terraform.tfstate");
    fs.writeFileSync(path.join(copied, "cdk.tf.json"), JSON.stringify(config));
    const env = terraformEnv(deployDir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: kms.octopusApiKey });
    const applied = await apply(copied, env);
    expect(applied.code).toBe(0);
    expect(kms.connections().map((c) => c.name)).toContain("portable");
    expect(applied.output).not.toMatch(/registry\.terraform\.io|Downloading/);
  });

  test("a provider killed mid-apply: Terraform reports it, the rerun converges, nothing is duplicated", async () => {
    const dir = workDir("kms-kill-");
    const env = terraformEnv(dir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: kms.octopusApiKey });
    const names = Array.from({ length: 6 }, (_, i) => `kill-${i}`);
    const stackDir = synth(dir, build(() => ({}), names));
    expect((await tf(stackDir, ["init", "-input=false", "-no-color"], env)).code).toBe(0);
    kms.setLatency(400);
    try {
      const child = spawn(TERRAFORM, ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: stackDir, env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const done = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
      // Kill the provider once the first create is under way.
      for (let i = 0; i < 200 && !/Creating\.\.\./.test(output); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      const pids = execFileSync("pgrep", ["-f", `${dir}.*terraform-provider-hanzokms`], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) process.kill(Number(pid), "SIGKILL");
      const code = await done;
      expect(code).not.toBe(0);
      expect(output).toMatch(/plugin|provider/i);
    } finally {
      kms.setLatency(0);
    }
    const rerun = await apply(stackDir, env);
    expect(rerun.code).toBe(0);
    const made = kms.connections().filter((c) => names.includes(c.name));
    expect(made.map((c) => c.name).sort()).toEqual([...names].sort());
    expect((await plan(stackDir, env)).code).toBe(0);
  });
  test("Ctrl-C during an apply: Terraform stops the provider at once (StopProvider), the rerun converges, nothing is duplicated", async () => {
    const dir = workDir("kms-ctrl-c-");
    const env = terraformEnv(dir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: kms.octopusApiKey });
    const names = Array.from({ length: 4 }, (_, i) => `ctrl-c-${i}`);
    const stackDir = synth(dir, build(() => ({}), names));
    expect((await tf(stackDir, ["init", "-input=false", "-no-color"], env)).code).toBe(0);
    kms.setLatency(5_000); // every create is still in flight when the signal comes
    let stoppedAfter = Infinity;
    try {
      // Its own process group, so the signal reaches Terraform and its provider as a terminal's Ctrl-C does.
      const child = spawn(TERRAFORM, ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: stackDir, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      const done = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
      for (let i = 0; i < 200 && !/Creating\.\.\./.test(output); i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      const signalled = Date.now();
      process.kill(-child.pid!, "SIGINT");
      const code = await done;
      stoppedAfter = Date.now() - signalled;
      expect(code).not.toBe(0);
      expect(output).toMatch(/Interrupt received/);
      expect(output).not.toContain(kms.octopusApiKey);
    } finally {
      kms.setLatency(0);
    }
    // StopProvider abandons the requests in flight: Terraform did not wait out the KMS's 5 s.
    expect(stoppedAfter).toBeLessThan(3_000);
    const rerun = await apply(stackDir, env);
    expect(rerun.code).toBe(0);
    const made = kms.connections().filter((c) => names.includes(c.name));
    expect(made.map((c) => c.name).sort()).toEqual([...names].sort());
    expect((await plan(stackDir, env, ["-detailed-exitcode"])).code).toBe(0);
  });
});
