/** `explain-plan`: a plan file or stdin, --stack, --json, and the errors. */
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { captureIo } from "./io";
import { EXIT } from "../../lib/cli/context";
import { runExplainPlan } from "../../lib/cli/commands/explain-plan";
import { CONNECTION_MARKER } from "../../lib/construct/octopus-deploy-connection";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { synthStack, tempDir } from "../stacks/helpers";

const decl = { v: 1, marker: CONNECTION_MARKER, path: "s/octopus", name: "octo", kms_url: "https://kms.example.com", project_id: null, description: "prod", instance_url: "https://o.octopus.app", removal_policy: "destroy", adopt_existing: false, renamed_from: null, api_key_env: null };
const address = "terraform_data.octopus_connection_A13CABB9";
const removal = {
  format_version: "1.2",
  variables: { octopus_api_key: { value: "API-SECRETSECRETSECRETSECRET12" } },
  resource_changes: [{ address, type: "terraform_data", mode: "managed", action_reason: "delete_because_no_resource_config", change: { actions: ["delete"], before: { id: "1", input: decl }, after: null } }],
};
const stdin = (text: string) => Object.assign(Readable.from([text]), { isTTY: false });

test("a plan file: one line per connection and the counts; the sensitive variables never printed", async () => {
  const file = path.join(tempDir(), "plan.json");
  fs.writeFileSync(file, JSON.stringify(removal));
  const io = captureIo();
  expect(await runExplainPlan(file, {}, io)).toBe(EXIT.ok);
  expect(io.stdout()).toBe(
    [
      "delete  s/octopus (octo): removed from the code: delete from the KMS (the organization on https://kms.example.com)",
      "        ! removed from the code: the connection is deleted only if the code uses OctopusDeployConnection.removed() (pass --stack to check)",
      "Connections: 0 to create, 0 to update, 0 to replace, 1 to delete, 0 to stop managing, 0 unchanged.",
      "",
    ].join("\n"),
  );
  expect(io.stdout()).not.toContain("SECRET");
});

test("stdin with -, and --json", async () => {
  const io = captureIo();
  expect(await runExplainPlan("-", { json: true }, io, stdin(JSON.stringify(removal)))).toBe(EXIT.ok);
  const explanation = JSON.parse(io.stdout());
  expect(Object.keys(explanation)).toEqual(["version", "counts", "connections"]);
  expect(explanation.connections[0]).toEqual({
    address,
    path: "s/octopus",
    name: "octo",
    action: "delete",
    changes: [],
    warnings: [expect.any(String)],
    summary: "removed from the code: delete from the KMS (the organization on https://kms.example.com)",
  });
});

test("--stack: a connection deleted from code without OctopusDeployConnection.removed() is flagged", async () => {
  const cwd = tempDir();
  const bare = synthStack(() => undefined, { outdir: path.join(cwd, "cdktf.out"), name: "bare" });
  const io = captureIo();
  expect(await runExplainPlan("-", { stack: bare }, io, stdin(JSON.stringify(removal)), cwd)).toBe(EXIT.ok);
  expect(io.stdout()).toMatch(/^forget  s\/octopus \(octo\): removed from the code without a hook: stays in the KMS/);
  expect(io.stdout()).toContain("! its construct was deleted from the code without OctopusDeployConnection.removed()");

  synthStack((s) => OctopusDeployConnection.removed(s, "octopus"), { outdir: path.join(cwd, "cdktf.out"), name: "s" });
  const withRemoved = captureIo();
  expect(await runExplainPlan("-", { stack: "s" }, withRemoved, stdin(JSON.stringify(removal)), cwd)).toBe(EXIT.ok);
  expect(withRemoved.stdout()).toMatch(/^delete  s\/octopus \(octo\): removed from the code: delete from the KMS/);
  expect(withRemoved.stdout()).not.toContain("!");
});

describe("errors: exit 1 and one Error line", () => {
  test("stdin is a terminal", async () => {
    const io = captureIo();
    expect(await runExplainPlan("-", {}, io, Object.assign(Readable.from([]), { isTTY: true }))).toBe(EXIT.error);
    expect(io.stderr()).toMatch(/^Error: pass a JSON plan file, or pipe one in/);
  });

  test("a missing file", async () => {
    const io = captureIo();
    expect(await runExplainPlan(path.join(tempDir(), "nope.json"), {}, io)).toBe(EXIT.error);
    expect(io.stderr()).toMatch(/^Error: cannot read .*nope\.json: ENOENT/);
  });

  test("the binary plan instead of its JSON", async () => {
    const io = captureIo();
    expect(await runExplainPlan("-", {}, io, stdin("PK\u0003\u0004binary"))).toBe(EXIT.error);
    expect(io.stderr()).toBe("Error: stdin is not JSON: give the output of `terraform show -json tfplan` (not the binary plan file).\n");
  });

  test("JSON that is not a plan (e.g. terraform show -json of the state)", async () => {
    const io = captureIo();
    expect(await runExplainPlan("-", {}, io, stdin(JSON.stringify({ format_version: "1.0", values: {} })))).toBe(EXIT.error);
    expect(io.stderr()).toMatch(/^Error: this is not a Terraform JSON plan/);
  });
});
