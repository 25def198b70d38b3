/**
 * The read side, end to end with real terraform and the CLI binary (bin/cdktf-kms-octopus.js, which
 * loads dist/) against the local KMS:
 * - drift after changes made by calling the KMS API directly, including the recovery it suggests;
 * - import of connections created directly, then a deploy of the generated code that adopts them
 *   (same ids, nothing changed in the KMS) and a second plan with no changes;
 * - the pipeline guide (docs/pipelines.md): its job commands, read from the guide, run in order,
 *   and are the ones its GitHub Actions and GitLab CI files run.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack, TerraformVariable } from "cdktf";
import { HOOK_ENGINE, apply, describeE2E, plan, synth, terraformEnv, tf, workDir } from "./harness";
import { OctopusDeployConnection } from "../../lib";
import { SecretSyncClient } from "../../lib/kms/secret-syncs";
import { KmsClient } from "../../lib/kms/client";
import { declaredConnections, readStack } from "../../lib/stacks/declarations";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { load, typecheck } from "../stacks/typecheck";

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "cdktf-kms-octopus.js");
const CONNECTIONS_ROUTE = "/api/v1/app-connections/octopus-deploy";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking (the local KMS answers from this process). */
function exec(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
const cli = (args: readonly string[], env: NodeJS.ProcessEnv, cwd = ROOT) => exec(process.execPath, [BIN, ...args], cwd, env);
const clientOf = (kms: LocalKms) => new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "token", token: kms.token, source: "test" } });
const connectionRequests = (kms: LocalKms) =>
  kms.requests.filter((r) => r.path.startsWith(CONNECTIONS_ROUTE)).map((r) => `${r.method} ${r.path.slice(CONNECTIONS_ROUTE.length) || "/"}`);

describeE2E("drift after changes made through the KMS API", () => {
  let kms: LocalKms;
  const dir = workDir("kms-drift-");
  let stackDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    kms = await startLocalKms({ writeLimit: 0 }); // the default read limit: drift needs two reads per run here
    env = terraformEnv(dir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key: kms.octopusApiKey, TF_VAR_project: kms.projectId });
    stackDir = synth(dir, (stack) => {
      const key = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });
      const project = new TerraformVariable(stack, "project", { type: "string" }); // resolved from the state by drift
      const common = { instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKey: key.value };
      new OctopusDeployConnection(stack, "org", { ...HOOK_ENGINE, ...common, name: "drift-org", description: "Octopus for production" });
      new OctopusDeployConnection(stack, "proj", { ...HOOK_ENGINE, ...common, name: "drift-proj", projectId: project.stringValue });
    });
    const applied = await apply(stackDir, env);
    if (applied.code !== 0) throw new Error(applied.output);
  });
  afterAll(async () => kms?.close());

  test("in sync right after the deploy: exit 0, the project id read from the state, one list request per scope", async () => {
    kms.clearRequests();
    const run = await cli(["drift", "--stack", stackDir, "--json"], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.connections.map((c: { name: string; status: string; projectId: string | null }) => [c.name, c.status, c.projectId])).toEqual([
      ["drift-org", "in-sync", null],
      ["drift-proj", "in-sync", kms.projectId],
    ]);
    expect(report.connections[1].detail).toBe("project_id read from the state");
    expect(connectionRequests(kms)).toEqual(["GET /", "GET /"]);
  });

  test("a description changed by hand: exit 2, declared vs live", async () => {
    const client = clientOf(kms);
    const live = await client.getByName("drift-org");
    await client.update(live!.id, { description: "edited in the KMS UI" });
    const run = await cli(["drift", "--stack", stackDir], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^drifted\s+drift-org\s+organization\s+test\/org\n\s+description: declared "Octopus for production", live "edited in the KMS UI"$/m);
    expect(run.stdout).toMatch(/^Drift found\.$/m);
  });

  test("a connection deleted by hand: missing, with the command that recreates it; running it restores the sync", async () => {
    const client = clientOf(kms);
    const live = await client.getByName("drift-proj", kms.projectId);
    await client.delete(live!.id);
    await client.update((await client.getByName("drift-org"))!.id, { description: "Octopus for production" });
    const run = await cli(["drift", "--stack", stackDir, "--json"], env);
    expect(run.code).toBe(2);
    const missing = JSON.parse(run.stdout).connections[1];
    expect(missing).toEqual(expect.objectContaining({ name: "drift-proj", status: "missing", id: null }));
    const address = declaredConnections(readStack(stackDir)).find((c) => c.path === "test/proj")!.address;
    expect(missing.detail).toContain(`deleted outside Terraform. Recreate it with (cd ${stackDir} && terraform apply -replace='${address}')`);

    const recreated = await apply(stackDir, env, [`-replace=${address}`]);
    expect(recreated.code).toBe(0);
    expect((await cli(["drift", "--stack", stackDir], env)).code).toBe(0);
  });

  test("--unmanaged: a connection created by hand in a declared scope", async () => {
    await clientOf(kms).create({ name: "made-by-hand", projectId: kms.projectId, method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } });
    expect((await cli(["drift", "--stack", stackDir], env)).code).toBe(0);
    const run = await cli(["drift", "--stack", stackDir, "--unmanaged"], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(new RegExp(`^unmanaged\\s+made-by-hand\\s+project ${kms.projectId}\\s+-$`, "m"));
  });
});

describeE2E("import of connections created directly, then a deploy of the generated code", () => {
  let kms: LocalKms;
  const dir = workDir("kms-import-");

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
    const client = clientOf(kms);
    const credentials = { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey };
    await client.create({ name: "octo-main", description: "Octopus for production", method: "api-key", credentials });
    await client.create({ name: "octo-quoted", description: 'a "quoted" ${not.a.reference} %{ nor a directive }', method: "api-key", credentials });
    await client.create({ name: "octo-bare", method: "api-key", credentials });
    await client.create({ name: "octo-project", projectId: kms.projectId, method: "api-key", credentials }); // another scope: not imported
  });
  afterAll(async () => kms?.close());

  test("import --org writes code that compiles; deploying it adopts every connection unchanged; the next plan is empty", async () => {
    const before = kms.connections();
    const out = path.join(dir, "imported-connections.ts");
    const run = await cli(["import", "--org", "--engine", "terraform_data", "--out", out], { ...process.env, KMS_TOKEN: kms.token, KMS_URL: kms.kmsUrl });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Imported 3 connections of the organization into");
    const code = fs.readFileSync(out, "utf8");
    expect(typecheck({ imported: code })).toEqual({ imported: [] });

    const mod = load<{ addImportedConnections(stack: TerraformStack): unknown }>(code);
    const stackDir = synth(dir, (stack) => void mod.addImportedConnections(stack));
    const keys = { TF_VAR_octopus_api_key_octo_main: kms.octopusApiKey, TF_VAR_octopus_api_key_octo_quoted: kms.octopusApiKey, TF_VAR_octopus_api_key_octo_bare: kms.octopusApiKey };
    const env = terraformEnv(dir, { KMS_TOKEN: kms.token, ...keys });
    kms.clearRequests();
    const deployed = await apply(stackDir, env);
    expect(deployed.code).toBe(0);
    expect(deployed.output.match(/adopted octopus-deploy connection "[a-z-]+"/g)?.sort()).toEqual([
      'adopted octopus-deploy connection "octo-bare"',
      'adopted octopus-deploy connection "octo-main"',
      'adopted octopus-deploy connection "octo-quoted"',
    ]);

    // Nothing changed in the KMS: same connections, same ids, versions, fields and credentials.
    expect(kms.connections()).toEqual(before);
    const requests = connectionRequests(kms);
    expect(requests.filter((r) => !r.startsWith("POST /") && !r.startsWith("GET /connection-name/"))).toEqual([]);
    expect(requests.filter((r) => r === "POST /")).toHaveLength(3);

    const again = await plan(stackDir, env);
    expect(again.output).toContain("No changes.");
    expect(again.code).toBe(0);
    const drift = await cli(["drift", "--stack", stackDir], env);
    expect(drift.code).toBe(0);
  });

  test("import --project --json lists the project's connections only", async () => {
    const run = await cli(["import", "--project", kms.projectId, "--json"], { ...process.env, KMS_TOKEN: kms.token, KMS_URL: kms.kmsUrl });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).connections.map((c: { name: string }) => c.name)).toEqual(["octo-project"]);
  });
});

describeE2E("import of a project's connection and secret sync (provider engine), then a deploy of the generated code", () => {
  let kms: LocalKms;
  const dir = workDir("kms-import-provider-");

  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
    const client = clientOf(kms);
    const connection = await client.create({ name: "octo", description: "Octopus", projectId: kms.projectId, method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } });
    kms.setSecret("DB_PASSWORD", "imported-sync-secret-value", { environment: "prod" });
    await new SecretSyncClient(client).createSync({
      name: "app",
      projectId: kms.projectId,
      connectionId: connection.id,
      environment: "prod",
      secretPath: "/",
      syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "APP_{{secretKey}}" },
      destinationConfig: { spaceId: kms.octopusSpaceId, scope: "project", projectId: kms.octopusProjectId },
    });
    await kms.syncsIdle();
  });
  afterAll(async () => kms?.close());

  test("the first deploy imports both (same ids, nothing created), sends the key once; the next plan is empty", async () => {
    const before = { connections: kms.connections(), syncs: kms.secretSyncs() };
    const out = path.join(dir, "imported.ts");
    const run = await cli(["import", "--project", kms.projectId, "--out", out], { ...process.env, KMS_TOKEN: kms.token, KMS_URL: kms.kmsUrl });
    expect(run.code).toBe(0);
    const code = fs.readFileSync(out, "utf8");
    expect(code).toMatch(/\.importFrom\("[0-9a-f-]{36}"\)/);
    const mod = load<{ addImportedConnections(stack: TerraformStack): unknown; addImportedSyncs(stack: TerraformStack, connections: unknown): unknown }>(code);
    const stackDir = synth(dir, (stack) => void mod.addImportedSyncs(stack, mod.addImportedConnections(stack)));
    const env = terraformEnv(dir, { KMS_TOKEN: kms.token, TF_VAR_octopus_api_key_octo: kms.octopusApiKey });

    const planned = await plan(stackDir, env);
    expect(planned.output).toMatch(/Plan: 2 to import, 0 to add, 1 to change, 0 to destroy\./); // the change: the key's fingerprint, recorded once
    const deployed = await apply(stackDir, env);
    expect(deployed.code).toBe(0);
    expect(kms.connections().map((c) => c.id)).toEqual(before.connections.map((c) => c.id));
    expect(kms.secretSyncs().map((s) => s.id)).toEqual(before.syncs.map((s) => s.id));
    const again = await plan(stackDir, env, ["-detailed-exitcode"]);
    expect(again.output).toContain("No changes.");
    expect(again.code).toBe(0);
    expect((await cli(["drift", "--stack", stackDir], env)).code).toBe(0);
  });
});

/** Commands of the guide: each `<!-- job: NAME -->` sh block, and each job of its CI files. */
function guide(): { jobs: Record<string, string[]>; pipelines: Record<string, Record<string, string[]>> } {
  const text = fs.readFileSync(path.join(ROOT, "docs", "pipelines.md"), "utf8");
  const jobs: Record<string, string[]> = {};
  for (const m of text.matchAll(/<!-- job: ([a-z]+) -->\n```sh\n([\s\S]*?)```/g)) jobs[m[1]!] = m[2]!.trim().split("\n");
  const pipelines: Record<string, Record<string, string[]>> = {};
  for (const m of text.matchAll(/<!-- pipeline: ([a-z]+) -->\n```yaml\n([\s\S]*?)```/g)) {
    const kind = m[1]!;
    const perJob: Record<string, string[]> = {};
    let job: string | undefined;
    let inScript = false; // GitLab: the items of a job's `script:` key
    for (const line of m[2]!.split("\n")) {
      // GitHub: jobs at 2 spaces under `jobs:`, commands in `- run:` steps; GitLab: jobs at column 0.
      const header = kind === "github" ? /^ {2}([a-z]+):$/.exec(line) : /^([a-z]+):$/.exec(line);
      if (header) job = header[1];
      if (kind === "gitlab" && /^ {2}[a-z_]+:/.test(line)) inScript = /^ {2}script:$/.test(line);
      const command = kind === "github" ? /^\s+- run: (.*)$/.exec(line) : inScript ? /^ {4}- (.*)$/.exec(line) : null;
      if (job && command && job !== "default") (perJob[job] ??= []).push(command[1]!.replace(/\s+# .*$/, ""));
    }
    pipelines[kind] = perJob;
  }
  return { jobs, pipelines };
}

describeE2E("the pipeline guide: its commands, run as written", () => {
  const { jobs, pipelines } = guide();

  test("the GitHub Actions and GitLab CI jobs run exactly the guide's commands (after npm ci)", () => {
    expect(Object.keys(jobs)).toEqual(["plan", "synth", "apply", "drift"]);
    for (const kind of ["github", "gitlab"]) {
      const ci = Object.fromEntries(Object.entries(pipelines[kind]!).map(([job, cmds]) => [job, cmds.filter((c) => c !== "npm ci")]));
      expect({ kind, ...ci }).toEqual({ kind, ...jobs });
    }
  });

  let kms: LocalKms;
  const dir = workDir("kms-pipeline-");
  const project = path.join(dir, "repo");
  const artifact = path.join(dir, "apply-job"); // another machine: cdktf.out only, no node_modules
  const shims = path.join(dir, "bin");
  const STACK_DIR = "cdktf.out/stacks/octopus-connections";

  /** The CI environment: the guide's variable names; `npx` resolves to this repository's binaries. */
  const env = (withNpx = true): NodeJS.ProcessEnv => {
    const e = terraformEnv(dir, {
      STACK_DIR,
      KMS_URL: kms.kmsUrl, // read by the example app for its kmsUrl
      OCTOPUS_URL: kms.octopusUrl,
      KMS_CLIENT_ID: kms.clientId,
      KMS_CLIENT_SECRET: kms.clientSecret,
      TF_VAR_octopus_api_key: kms.octopusApiKey,
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
      DISABLE_VERSION_CHECK: "true",
      PATH: `${withNpx ? `${shims}${path.delimiter}` : ""}${process.env.PATH}`,
    });
    delete e.TF_DATA_DIR; // each job has its own .terraform in the stack directory, as on CI
    return e;
  };
  /** Runs one command line of the guide with bash (pipefail, as CI shells do). */
  const sh = (line: string, cwd: string, withNpx = true) => exec("bash", ["-o", "pipefail", "-c", line], cwd, env(withNpx));

  beforeAll(async () => {
    kms = await startLocalKms({ writeLimit: 0 });
    fs.mkdirSync(project);
    fs.mkdirSync(shims);
    // The example stack (examples/main.ts): octopus-connections, key from TF_VAR_octopus_api_key.
    const config = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")) as Record<string, unknown>;
    fs.writeFileSync(path.join(project, "cdktf.json"), JSON.stringify({ ...config, app: `node ${path.join(ROOT, "dist", "examples", "main.js")}` }));
    fs.writeFileSync(
      path.join(shims, "npx"),
      `#!/bin/sh\ncase "$1" in\n  cdktf) shift; exec "${path.join(ROOT, "node_modules", ".bin", "cdktf")}" "$@";;\n  cdktf-kms-octopus) shift; exec "${process.execPath}" "${BIN}" "$@";;\n  *) echo "unexpected: npx $*" >&2; exit 97;;\nesac\n`,
      { mode: 0o755 },
    );
  });
  afterAll(async () => kms?.close());

  test("plan job on a pull request: Terraform's plan, then one explained line per connection", async () => {
    const outputs: Run[] = [];
    for (const line of jobs.plan!) {
      const run = await sh(line, project);
      if (run.code !== 0) throw new Error(`${line} failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
      outputs.push(run);
    }
    expect(outputs[2]!.stdout.replace(/\x1b\[[0-9;]*m/g, "")).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
    expect(outputs[3]!.stdout).toBe(
      `create  octopus-connections/octopus (my-octopus-deploy-connection): create in the organization on ${kms.kmsUrl}\n` +
        "Connections: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 to stop managing, 0 unchanged.\n",
    );
    expect(outputs.map((o) => o.stdout + o.stderr).join("")).not.toContain(kms.octopusApiKey);
    expect(fs.existsSync(path.join(project, STACK_DIR, "plan.json"))).toBe(false);
    expect(kms.connections()).toEqual([]);
  });

  test("synth job, then the apply job on another machine with only cdktf.out, node and terraform", async () => {
    expect(jobs.synth).toEqual([jobs.plan![0]]); // the same synth the plan job just ran
    fs.cpSync(path.join(project, "cdktf.out"), path.join(artifact, "cdktf.out"), { recursive: true, filter: (src) => !src.endsWith(`${path.sep}.terraform`) && !src.endsWith("tfplan") });
    expect(fs.existsSync(path.join(artifact, "node_modules"))).toBe(false);
    for (const line of jobs.apply!) {
      const run = await sh(line, artifact, false);
      if (run.code !== 0) throw new Error(`${line} failed (${run.code}):\n${run.stdout}\n${run.stderr}`);
    }
    expect(kms.connections()).toEqual([expect.objectContaining({ name: "my-octopus-deploy-connection", description: "Octopus for production" })]);
  });

  test("drift job on a schedule: exit 0, then 2 after a change made by hand", async () => {
    expect(jobs.drift![0]).toBe(jobs.plan![0]); // same synth, same output
    const [, init, drift] = jobs.drift!;
    expect((await sh(init!, project)).code).toBe(0);
    const inSync = await sh(drift!, project);
    expect(inSync.code).toBe(0);
    expect(inSync.stdout).toMatch(/^In sync\.$/m);
    expect(inSync.stderr).toBe("");

    const client = clientOf(kms);
    const live = await client.getByName("my-octopus-deploy-connection");
    await client.update(live!.id, { description: "changed in the KMS UI" });
    const drifted = await sh(drift!, project);
    expect(drifted.code).toBe(2);
    expect(drifted.stdout).toMatch(/description: declared "Octopus for production", live "changed in the KMS UI"/);
  });
});

describeE2E("explain-plan with terraform show -json piped in (the guide's plan step, by hand)", () => {
  test("a state JSON is refused: exit 1 and one Error line", async () => {
    const dir = workDir("kms-explain-");
    const stackDir = synth(dir, () => undefined);
    const env = terraformEnv(dir);
    await plan(stackDir, env); // init
    const shown = await tf(stackDir, ["show", "-json"], env);
    const file = path.join(dir, "state.json");
    fs.writeFileSync(file, shown.output);
    const run = await cli(["explain-plan", file], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Error: this is not a Terraform JSON plan/);
  });
});
