/**
 * OctopusDeployConnection.removed(): Terraform `removed` blocks that must address exactly the
 * resources the construct created at the same path, carrying the destroy hook so the connection is
 * deleted (or kept with "retain") when the construct leaves the code.
 */
import "cdktf/lib/testing/adapters/jest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { testApp } from "./app";
import { Construct } from "constructs";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";

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
  const s = synth((stack) => new OctopusDeployConnection(scope(stack), "octopus", { name: "c", instanceUrl: "https://o.io", apiKeyEnv: "K", engine }));
  return Object.entries(s.resource!).flatMap(([type, rs]) => Object.keys(rs).map((name) => `${type}.${name}`)).sort();
}

describe.each(["terraform_data", "null_resource"] as const)("engine %s", (engine) => {
  test("removed blocks address exactly the resources the construct had", () => {
    const s = synth((stack) => OctopusDeployConnection.removed(stack, "octopus", { engine }));
    expect(s.resource).toBeUndefined();
    expect(s.removed!.map((b) => b.from).sort()).toEqual(liveAddresses(engine));
  });

  test("also inside a nested scope", () => {
    const s = synth((stack) => OctopusDeployConnection.removed(new Construct(stack, "team"), "octopus", { engine }));
    expect(s.removed!.map((b) => b.from).sort()).toEqual(liveAddresses(engine, (stack) => new Construct(stack, "team")));
  });

  test("default: destroy, with the delete hook (reading only self) on the connection block", () => {
    const s = synth((stack) => OctopusDeployConnection.removed(stack, "octopus", { engine }));
    for (const b of s.removed!) expect(b.lifecycle).toEqual({ destroy: true });
    const withHooks = s.removed!.filter((b) => b.provisioner);
    expect(withHooks).toHaveLength(1);
    expect(withHooks[0].from).toMatch(/\.octopus_connection_[0-9A-F]{8}$/);
    const hook = withHooks[0].provisioner![0]["local-exec"];
    expect(hook).toEqual({
      when: "destroy",
      command: "delete",
      interpreter: ["node", expect.stringMatching(/^assets\/cdktf-kms-octopus-hook\/[0-9A-F]+\/hook\.js$/)],
      environment: { KMS_OCTOPUS_EVENT: engine === "null_resource" ? "${jsonencode(self.triggers)}" : "${jsonencode(self.input)}" },
      quiet: true,
    });
  });

  test("retain: forget the resources without running any hook", () => {
    const s = synth((stack) => OctopusDeployConnection.removed(stack, "octopus", { engine, removalPolicy: "retain" }));
    expect(s.removed!.length).toBe(3);
    for (const b of s.removed!) {
      expect(b.lifecycle).toEqual({ destroy: false });
      expect(b.provisioner).toBeUndefined();
    }
  });
});

test("the hook path equals the one a live connection in the same stack uses", () => {
  const s = synth((stack) => {
    new OctopusDeployConnection(stack, "kept", { name: "kept", instanceUrl: "https://o.io", apiKeyEnv: "K" });
    OctopusDeployConnection.removed(stack, "gone");
  });
  const live = JSON.stringify(s.resource);
  const hookPath = s.removed!.find((b) => b.provisioner)!.provisioner![0]["local-exec"].interpreter[1];
  expect(live).toContain(hookPath);
});

test("several removed connections in one stack collect into one removed list", () => {
  const s = synth((stack) => {
    OctopusDeployConnection.removed(stack, "a");
    OctopusDeployConnection.removed(stack, "b", { removalPolicy: "retain" });
  });
  expect(s.removed!.length).toBe(6);
  expect(new Set(s.removed!.map((b) => b.from)).size).toBe(6);
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
    new OctopusDeployConnection(stack, "kept", { name: "kept", instanceUrl: "https://o.io", apiKeyEnv: "K" });
    OctopusDeployConnection.removed(stack, "gone");
    OctopusDeployConnection.removed(stack, "kept-in-kms", { removalPolicy: "retain" });
    const outdir = Testing.fullSynth(stack);
    try {
      expect(outdir).toBeValidTerraform();
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 60_000);
});
