/**
 * `drift` in-process against the local KMS (no Terraform: stacks are synthesized in-process and the
 * connections created through the KMS API): the table, the JSON shape, exit codes 0/2/1, progress on a
 * terminal only, stack discovery, and errors.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack, TerraformVariable } from "cdktf";
import { captureIo } from "./io";
import { EXIT } from "../../lib/cli/context";
import { runDrift } from "../../lib/cli/commands/drift";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { KmsClient } from "../../lib/kms/client";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { HOOK_ENGINE, synthStack, tempDir } from "../stacks/helpers";

let kms: LocalKms;
let client: KmsClient;
let env: NodeJS.ProcessEnv;
let project: string;

beforeAll(async () => {
  kms = await startLocalKms();
  project = kms.projectId;
  client = new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "token", token: kms.token, source: "test" } });
  env = { KMS_TOKEN: kms.token };
});
afterAll(async () => kms?.close());

const create = (name: string, extra: { projectId?: string; description?: string } = {}) =>
  client.create({ name, method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey }, ...extra });

function declare(stack: TerraformStack, connections: Record<string, { projectId?: string; description?: string }>): void {
  for (const [name, props] of Object.entries(connections)) {
    new OctopusDeployConnection(stack, name, { ...HOOK_ENGINE, name, instanceUrl: kms.octopusUrl, apiKeyEnv: "OCTOPUS_API_KEY", kmsUrl: kms.kmsUrl, ...props });
  }
}

/** A project directory with cdktf.json and one synthesized stack; returns [cwd, stackDir]. */
function projectDir(connections: Record<string, { projectId?: string; description?: string }>, output = "cdktf.out"): [string, string] {
  const cwd = tempDir("proj-");
  fs.writeFileSync(path.join(cwd, "cdktf.json"), JSON.stringify({ language: "typescript", app: "node main.js", output }));
  const stackDir = synthStack((s) => declare(s, connections), { outdir: path.join(cwd, output), name: "octopus-connections" });
  return [cwd, stackDir];
}

describe("a stack in sync, then changed by hand", () => {
  let cwd: string;
  let stackDir: string;
  beforeAll(async () => {
    [cwd, stackDir] = projectDir({ "drift-a": { description: "A" }, "drift-b": { projectId: project } }, "out");
    await create("drift-a", { description: "A" });
    await create("drift-b", { projectId: project });
  });

  test("in sync: exit 0, a table with one row per connection, quiet progress when not a terminal", async () => {
    const io = captureIo();
    kms.clearRequests();
    expect(await runDrift({}, io, env, cwd)).toBe(EXIT.ok);
    const lines = io.stdout().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^STATUS\s+CONNECTION\s+SCOPE\s+DECLARED AT$/);
    expect(lines[1]).toMatch(/^in sync\s+drift-a\s+organization\s+octopus-connections\/drift-a$/);
    expect(lines[2]).toMatch(new RegExp(`^in sync\\s+drift-b\\s+project ${project}\\s+octopus-connections/drift-b$`));
    expect(lines.slice(-2)).toEqual([`2 connections at ${kms.kmsUrl}: 2 in sync, 0 drifted, 0 missing (2 KMS requests).`, "In sync."]);
    expect(io.stderr()).toBe("");
    expect(io.progress).toEqual([]);
    expect(kms.requests.map((r) => r.method)).toEqual(["GET", "GET"]);
  });

  test("progress shows on a terminal, on the progress stream only", async () => {
    const io = captureIo(true);
    await runDrift({ stack: [stackDir] }, io, env, cwd);
    expect(io.progress.join("")).toContain(`2/2 ${kms.kmsUrl}`);
    expect(io.stdout()).not.toContain("\r");
  });

  test("a change made through the KMS API: exit 2, field, declared and live value", async () => {
    const a = await client.getByName("drift-a");
    await client.update(a!.id, { description: "edited by hand" });
    const io = captureIo();
    expect(await runDrift({ stack: ["octopus-connections"] }, io, env, cwd)).toBe(EXIT.drift);
    expect(io.stdout()).toMatch(/^drifted\s+drift-a\s+organization\s+octopus-connections\/drift-a\n\s+description: declared "A", live "edited by hand"$/m);
    expect(io.stdout()).toMatch(/Drift found\.\n$/);
  });

  test("--json: the documented shape", async () => {
    const io = captureIo();
    expect(await runDrift({ stack: [stackDir], json: true }, io, env, cwd)).toBe(EXIT.drift);
    const report = JSON.parse(io.stdout());
    expect(Object.keys(report)).toEqual(["version", "exitCode", "summary", "requests", "connections"]);
    expect(report).toEqual(
      expect.objectContaining({
        version: 1,
        exitCode: 2,
        summary: { "in-sync": 1, drifted: 1, missing: 0, unmanaged: 0, unknown: 0, error: 0 },
        requests: 2,
      }),
    );
    expect(report.connections[0]).toEqual({
      kind: "connection",
      status: "drifted",
      name: "drift-a",
      kmsUrl: kms.kmsUrl,
      projectId: null,
      stack: "octopus-connections",
      stackDir: path.resolve(stackDir),
      address: expect.stringMatching(/^terraform_data\.drift-a_connection_[0-9A-F]{8}$/),
      path: "octopus-connections/drift-a",
      id: expect.any(String),
      differences: [{ field: "description", declared: "A", live: "edited by hand" }],
      detail: null,
    });
  });

  test("--unmanaged: a connection created by hand in the same scope", async () => {
    await create("hand-made", { projectId: project });
    const io = captureIo();
    expect(await runDrift({ stack: [stackDir], unmanaged: true }, io, env, cwd)).toBe(EXIT.drift);
    expect(io.stdout()).toMatch(new RegExp(`^unmanaged\\s+hand-made\\s+project ${project}\\s+-$`, "m"));
    expect(io.stdout()).toContain("declare them with `npx cdktf-kms-octopus import`");
  });
});

test("missing, and several KMS in one table (a KMS column)", async () => {
  const other = await startLocalKms();
  try {
    const [cwd] = projectDir({ "only-here": {} });
    const dir2 = synthStack((s) => new OctopusDeployConnection(s, "elsewhere", { ...HOOK_ENGINE, name: "elsewhere", instanceUrl: other.octopusUrl, apiKeyEnv: "K", kmsUrl: other.kmsUrl }), {
      outdir: path.join(cwd, "cdktf.out"),
      name: "second",
    });
    const io = captureIo();
    // The second KMS refuses the first one's token: an error row for its connection; the drift elsewhere still gives exit 2.
    expect(await runDrift({}, io, env, cwd)).toBe(EXIT.drift);
    expect(io.stdout()).toMatch(/^STATUS\s+CONNECTION\s+SCOPE\s+KMS\s+DECLARED AT$/m);
    expect(io.stdout()).toMatch(/^missing\s+only-here\s+organization\s+http:\/\/127\.0\.0\.1:\d+\s+octopus-connections\/only-here$/m);
    expect(io.stdout()).toMatch(/^error\s+elsewhere\s+organization\s+http:.*second\/elsewhere\n\s+KMS answered 403 TokenError/m);
    expect(dir2).toContain("second");
  } finally {
    await other.close();
  }
});

test("an unresolvable reference: exit 1, and no KMS request", async () => {
  const cwd = tempDir();
  const dir = synthStack(
    (s) => new OctopusDeployConnection(s, "v", { ...HOOK_ENGINE, name: "v", instanceUrl: kms.octopusUrl, apiKeyEnv: "K", kmsUrl: kms.kmsUrl, projectId: new TerraformVariable(s, "p", { type: "string" }).stringValue }),
    { outdir: path.join(cwd, "cdktf.out") },
  );
  kms.clearRequests();
  const io = captureIo();
  expect(await runDrift({ stack: [dir] }, io, env, cwd)).toBe(EXIT.error);
  expect(io.stdout()).toMatch(/^unknown\s+v\s+\?\s+test\/v\n\s+unresolved reference: \$\{var\.p\} \(project_id\); no state file at /m);
  expect(io.stdout()).toMatch(/Some connections could not be checked\.\n$/);
  expect(kms.requests).toEqual([]);
});

describe("errors: exit 1 and one Error line on stderr", () => {
  test("no synthesized stacks", async () => {
    const io = captureIo();
    expect(await runDrift({}, io, env, tempDir())).toBe(EXIT.error);
    expect(io.stderr()).toMatch(/^Error: No synthesized stacks in .*cdktf\.out\/stacks: run `npx cdktf synth` first/);
    expect(io.stdout()).toBe("");
  });

  test("a --stack that is not a stack", async () => {
    const io = captureIo();
    expect(await runDrift({ stack: ["nope"] }, io, env, tempDir())).toBe(EXIT.error);
    expect(io.stderr()).toMatch(/^Error: nope is not a synthesized stack/);
  });

  test("no KMS credentials: nothing is sent", async () => {
    const [cwd] = projectDir({ x: {} });
    kms.clearRequests();
    const io = captureIo();
    expect(await runDrift({}, io, {}, cwd)).toBe(EXIT.error);
    expect(io.stderr()).toMatch(/^Error: No KMS credentials in the environment/);
    expect(kms.requests).toEqual([]);
  });

  test("a stack without connections has nothing to check", async () => {
    const cwd = tempDir();
    synthStack(() => undefined, { outdir: path.join(cwd, "cdktf.out") });
    const io = captureIo();
    expect(await runDrift({}, io, env, cwd)).toBe(EXIT.ok);
    expect(io.stdout()).toBe("No OctopusDeployConnection or OctopusDeploySecretSync in 1 stack: nothing to check.\n");
  });
});
