/** Reading a stack's Terraform state: the local backend's file, or `terraform show -json`. */
import * as fs from "node:fs";
import * as path from "node:path";
import { S3Backend } from "cdktf";
import { HOOK_ENGINE, synthStack, tempDir, writeState } from "./helpers";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { readStack } from "../../lib/stacks/declarations";
import { fromRawState, fromShowJson, readStackState } from "../../lib/stacks/state";

const props = { ...HOOK_ENGINE, name: "c", instanceUrl: "https://o.octopus.app", apiKeyEnv: "K" };

test("the local backend's state file is read; terraform_data's dynamic values are unwrapped", async () => {
  const root = tempDir();
  const statePath = path.join(root, "state", "s.tfstate");
  const stack = readStack(synthStack((s) => new OctopusDeployConnection(s, "c", props), { statePath }));
  expect(await readStackState(stack)).toEqual({ reason: expect.stringContaining(`no state file at ${statePath}`) });
  fs.mkdirSync(path.dirname(statePath));
  writeState(statePath, { "terraform_data.x": { id: "1", input: { project_id: "p" }, output: null, triggers_replace: null } });
  const { state } = await readStackState(stack);
  expect(state!.source).toBe(statePath);
  expect(state!.resources.get("terraform_data.x")).toEqual({ id: "1", input: { project_id: "p" }, output: null, triggers_replace: null });
});

test("a relative state path is relative to the stack directory", async () => {
  const dir = synthStack((s) => new OctopusDeployConnection(s, "c", props), { statePath: "../../../my.tfstate" });
  writeState(path.join(dir, "../../../my.tfstate"), {});
  expect((await readStackState(readStack(dir))).state?.source).toBe(path.resolve(dir, "../../../my.tfstate"));
});

test("an unreadable state file is a reason, not an exception", async () => {
  const statePath = path.join(tempDir(), "s.tfstate");
  const stack = readStack(synthStack(() => undefined, { statePath }));
  fs.writeFileSync(statePath, "{}");
  expect(await readStackState(stack)).toEqual({ reason: expect.stringMatching(/not readable: no resources list/) });
});

describe("other backends go through terraform show -json", () => {
  const dir = synthStack((s) => {
    new S3Backend(s, { bucket: "b", key: "k", region: "eu-west-1" });
    new OctopusDeployConnection(s, "c", props);
  }, { statePath: null });
  const stack = readStack(dir);

  /** A stand-in for terraform: a script that prints `stdout` and exits with `code` (run by this node: the env given has no PATH). */
  function fakeTerraform(stdout: string, code = 0): string {
    const file = path.join(tempDir(), "terraform");
    fs.writeFileSync(file, `#!${process.execPath}\nif (process.argv.slice(2).join(" ") !== "show -json -no-color") process.exit(9);\nprocess.stdout.write(${JSON.stringify(stdout)});\nprocess.stderr.write(${JSON.stringify(code ? "\n│ Error: Backend initialization required\n" : "")});\nprocess.exit(${code});\n`, { mode: 0o755 });
    return file;
  }

  test("an uninitialized stack directory says to run terraform init", async () => {
    expect(stack.backend?.type).toBe("s3");
    const { reason } = await readStackState(stack, { env: {} });
    expect(reason).toContain(`(cd ${dir} && terraform init -input=false)`);
  });

  test("the show -json values are read", async () => {
    const show = { format_version: "1.0", values: { root_module: { resources: [{ address: "terraform_data.c", mode: "managed", values: { input: { name: "c" } } }] } } };
    const { state } = await readStackState(stack, { env: { TF_DATA_DIR: tempDir() }, terraform: fakeTerraform(JSON.stringify(show)) });
    expect(state?.resources.get("terraform_data.c")).toEqual({ input: { name: "c" } });
    expect(state?.source).toBe(`terraform show -json in ${dir}`);
  });

  test("a failing terraform is a reason with its first error lines", async () => {
    const { reason } = await readStackState(stack, { env: { TF_DATA_DIR: tempDir() }, terraform: fakeTerraform("", 1) });
    expect(reason).toMatch(/failed \(exit 1\): Error: Backend initialization required/);
  });

  test("a missing terraform binary is a reason", async () => {
    const { reason } = await readStackState(stack, { env: { TF_DATA_DIR: tempDir() }, terraform: path.join(tempDir(), "no-terraform") });
    expect(reason).toMatch(/could not run: .*ENOENT/);
  });
});

test("fromRawState: root module, managed, unindexed instances only", () => {
  const raw = {
    version: 4,
    resources: [
      { mode: "managed", type: "terraform_data", name: "a", instances: [{ attributes: { input: { value: 1, type: "number" } } }] },
      { mode: "data", type: "x", name: "d", instances: [{ attributes: {} }] },
      { mode: "managed", type: "terraform_data", name: "m", module: "module.x", instances: [{ attributes: {} }] },
      { mode: "managed", type: "terraform_data", name: "counted", instances: [{ index_key: 0, attributes: {} }] },
    ],
  };
  expect([...fromRawState(raw).entries()]).toEqual([["terraform_data.a", { input: 1 }]]);
  expect(() => fromRawState({})).toThrow(/not a Terraform state/);
});

test("fromShowJson: an empty state has no values", () => {
  expect(fromShowJson({ format_version: "1.0" }).size).toBe(0);
});
