/**
 * OctopusDeployConnection.removed(): Terraform `removed` blocks that must address exactly the two
 * resources the construct created at the same path (`connection` and `sync`), the connection's block
 * carrying the destroy hook, started by the same launcher as a live connection's, so the connection
 * is deleted (or kept with "retain", no hook) when the construct leaves the code.
 */
import "cdktf/lib/testing/adapters/jest";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { HOOK_ENGINE, testApp } from "./app";
import { Construct } from "constructs";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { LAUNCHER_SCRIPT, hookInterpreter } from "../../lib/construct/launcher";
import { CONNECTION_CHILDREN } from "../../lib/construct/removed";

interface Removed {
  from: string;
  lifecycle: { destroy: boolean };
  provisioner?: { "local-exec": { when: string; command: string; interpreter: string[]; environment: Record<string, string>; quiet?: boolean } }[];
}

function synth(build: (stack: TerraformStack) => void): { resource?: Record<string, Record<string, unknown>>; removed?: Removed[] } {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  build(stack);
  return JSON.parse(Testing.synth(stack));
}

function liveAddresses(engine: "terraform_data" | "null_resource", scope: (s: TerraformStack) => Construct = (s) => s): string[] {
  const s = synth((stack) => new OctopusDeployConnection(scope(stack), "octopus", { ...HOOK_ENGINE, name: "c", instanceUrl: "https://o.io", apiKeyEnv: "K", engine }));
  return Object.entries(s.resource!).flatMap(([type, rs]) => Object.keys(rs).map((name) => `${type}.${name}`)).sort();
}

const HOOK_PATH = /^assets\/cdktf-kms-octopus-hook\/[0-9A-F]+\/hook\.js$/;

test("the children are the connection and the sync resource, as the live construct has them", () => {
  expect([...CONNECTION_CHILDREN]).toEqual(["connection", "sync"]);
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  const live = new OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: "c", instanceUrl: "https://o.io", apiKeyEnv: "K" });
  expect(live.node.children.map((c) => c.node.id)).toEqual([...CONNECTION_CHILDREN]);
});

describe.each(["terraform_data", "null_resource"] as const)("engine %s", (engine) => {
  test("removed blocks address exactly the resources the construct had: connection and sync", () => {
    const s = synth((stack) => OctopusDeployConnection.removed(stack, "octopus", { engine }));
    expect(s.resource).toBeUndefined();
    expect(s.removed!.map((b) => b.from).sort()).toEqual(liveAddresses(engine));
    expect(s.removed!.map((b) => b.from.replace(/^\w+\.octopus_|_[0-9A-F]{8}$/g, ""))).toEqual(["connection", "sync"]);
    for (const b of s.removed!) expect(b.from.startsWith(`${engine}.`)).toBe(true);
  });

  test("also inside a nested scope", () => {
    const s = synth((stack) => OctopusDeployConnection.removed(new Construct(stack, "team"), "octopus", { engine }));
    expect(s.removed!.map((b) => b.from).sort()).toEqual(liveAddresses(engine, (stack) => new Construct(stack, "team")));
  });

  test("default: destroy, with the delete hook (launcher, reading only self) on the connection block only", () => {
    const s = synth((stack) => OctopusDeployConnection.removed(stack, "octopus", { engine }));
    for (const b of s.removed!) expect(b.lifecycle).toEqual({ destroy: true });
    const withHooks = s.removed!.filter((b) => b.provisioner);
    expect(withHooks).toHaveLength(1);
    expect(withHooks[0].from).toMatch(/\.octopus_connection_[0-9A-F]{8}$/);
    expect(withHooks[0].provisioner).toHaveLength(1);
    const hook = withHooks[0].provisioner![0]["local-exec"];
    const hookPath = hook.interpreter.at(-1)!;
    expect(hookPath).toMatch(HOOK_PATH);
    expect(hook).toEqual({
      when: "destroy",
      command: "delete",
      interpreter: hookInterpreter(hookPath),
      environment: { KMS_OCTOPUS_EVENT: engine === "null_resource" ? "${jsonencode(self.triggers)}" : "${jsonencode(self.input)}" },
      quiet: true,
    });
    if (process.platform !== "win32") expect(hook.interpreter).toEqual(["/bin/sh", "-c", LAUNCHER_SCRIPT, "cdktf-kms-octopus-hook", hookPath]);
  });

  test("the removed delete hook is the live connection's delete hook", () => {
    const removed = synth((stack) => OctopusDeployConnection.removed(stack, "octopus", { engine }));
    const live = synth((stack) => new OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: "c", instanceUrl: "https://o.io", apiKeyEnv: "K", engine }));
    const liveConnection = Object.entries(live.resource![engine]).find(([k]) => k.startsWith("octopus_connection_"))![1] as Pick<Removed, "provisioner">;
    expect(removed.removed!.find((b) => b.provisioner)!.provisioner).toEqual(liveConnection.provisioner);
  });

  test('an explicit "destroy" overrides the recorded policy: the hook gets the recorded declaration with removal_policy "destroy"', () => {
    const s = synth((stack) => OctopusDeployConnection.removed(stack, "octopus", { engine, removalPolicy: "destroy" }));
    const hook = s.removed!.find((b) => b.provisioner)!.provisioner![0]["local-exec"];
    const self = engine === "null_resource" ? "self.triggers" : "self.input";
    expect(hook.environment).toEqual({ KMS_OCTOPUS_EVENT: `\${jsonencode(merge(${self}, { removal_policy = "destroy" }))}` });
  });

  test("retain: forget the resources without running any hook", () => {
    const s = synth((stack) => OctopusDeployConnection.removed(stack, "octopus", { engine, removalPolicy: "retain" }));
    expect(s.removed!.length).toBe(2);
    for (const b of s.removed!) {
      expect(b.lifecycle).toEqual({ destroy: false });
      expect(b.provisioner).toBeUndefined();
    }
  });
});

test("the hook path equals the one a live connection in the same stack uses", () => {
  const s = synth((stack) => {
    new OctopusDeployConnection(stack, "kept", { ...HOOK_ENGINE, name: "kept", instanceUrl: "https://o.io", apiKeyEnv: "K" });
    OctopusDeployConnection.removed(stack, "gone");
  });
  const live = JSON.stringify(s.resource);
  const hookPath = s.removed!.find((b) => b.provisioner)!.provisioner![0]["local-exec"].interpreter.at(-1)!;
  expect(hookPath).toMatch(HOOK_PATH);
  expect(live).toContain(hookPath);
});

test("several removed connections in one stack collect into one removed list", () => {
  const s = synth((stack) => {
    OctopusDeployConnection.removed(stack, "a");
    OctopusDeployConnection.removed(stack, "b", { removalPolicy: "retain" });
  });
  expect(s.removed!.length).toBe(4);
  expect(new Set(s.removed!.map((b) => b.from)).size).toBe(4);
  expect(s.removed!.filter((b) => b.provisioner).map((b) => b.from)).toEqual([expect.stringMatching(/^terraform_data\.a_connection_[0-9A-F]{8}$/)]);
});

describe("terraform", () => {
  let dir: string;
  const saved = { tf: process.env.TF_CLI_CONFIG_FILE, cp: process.env.CHECKPOINT_DISABLE };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-removed-"));
    fs.writeFileSync(path.join(dir, "terraform.tfrc"), "disable_checkpoint = true\n");
    process.env.TF_CLI_CONFIG_FILE = path.join(dir, "terraform.tfrc");
    process.env.CHECKPOINT_DISABLE = "1";
  });
  afterAll(() => {
    if (saved.tf === undefined) delete process.env.TF_CLI_CONFIG_FILE;
    else process.env.TF_CLI_CONFIG_FILE = saved.tf;
    if (saved.cp === undefined) delete process.env.CHECKPOINT_DISABLE;
    else process.env.CHECKPOINT_DISABLE = saved.cp;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a stack with removed blocks (both policies) next to a live connection is valid Terraform", () => {
    const app = testApp();
    const stack = new TerraformStack(app, "test");
    new OctopusDeployConnection(stack, "kept", { ...HOOK_ENGINE, name: "kept", instanceUrl: "https://o.io", apiKeyEnv: "K" });
    OctopusDeployConnection.removed(stack, "gone");
    OctopusDeployConnection.removed(stack, "kept-in-kms", { removalPolicy: "retain" });
    const outdir = Testing.fullSynth(stack);
    try {
      expect(outdir).toBeValidTerraform();
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);

  test("applied after a live deploy, the blocks delete the connection through the launcher (or forget it with retain)", () => {
    const work = fs.mkdtempSync(path.join(dir, "apply-"));
    const env = { ...process.env, TF_IN_AUTOMATION: "1", TF_DATA_DIR: path.join(work, ".tf") };
    const tf = (...args: string[]) => execFileSync("terraform", args, { cwd: work, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const log = path.join(work, "calls.jsonl");
    /** Writes the stack's configuration and a stand-in hook that records its operation and event. */
    const configure = (build: (stack: TerraformStack) => void) => {
      const config = synth(build);
      fs.writeFileSync(path.join(work, "main.tf.json"), JSON.stringify(config));
      const hookPath = JSON.stringify(config).match(/assets\/cdktf-kms-octopus-hook\/[0-9A-F]+\/hook\.js/)![0];
      fs.mkdirSync(path.join(work, path.dirname(hookPath)), { recursive: true });
      fs.writeFileSync(
        path.join(work, hookPath),
        `require("node:fs").appendFileSync(${JSON.stringify(log)}, JSON.stringify({ op: process.argv[2], name: JSON.parse(process.env.KMS_OCTOPUS_EVENT).name }) + "\\n");`,
      );
    };
    const calls = () => {
      const lines = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
      fs.rmSync(log, { force: true });
      return lines.map((l) => JSON.parse(l) as { op: string; name: string }).sort((a, b) => a.name.localeCompare(b.name));
    };
    const live = (stack: TerraformStack) => {
      new OctopusDeployConnection(stack, "gone", { ...HOOK_ENGINE, name: "gone", instanceUrl: "https://o.io", apiKeyEnv: "K" });
      new OctopusDeployConnection(stack, "forgotten", { ...HOOK_ENGINE, name: "forgotten", instanceUrl: "https://o.io", apiKeyEnv: "K" });
    };
    configure(live);
    tf("init", "-input=false", "-no-color");
    tf("apply", "-auto-approve", "-input=false", "-no-color");
    expect(calls()).toEqual([
      { op: "apply", name: "forgotten" },
      { op: "apply", name: "gone" },
    ]);
    expect(tf("state", "list").trim().split("\n")).toHaveLength(4);
    configure((stack) => {
      OctopusDeployConnection.removed(stack, "gone");
      OctopusDeployConnection.removed(stack, "forgotten", { removalPolicy: "retain" });
    });
    tf("apply", "-auto-approve", "-input=false", "-no-color");
    expect(calls()).toEqual([{ op: "delete", name: "gone" }]);
    // Every resource of both constructs left the state: the blocks addressed all of them.
    expect(tf("show", "-json")).not.toMatch(/"resources"/);
  }, 60_000);
});
