/**
 * The README's TypeScript is the code users copy first: its usage and secret-sync examples, joined
 * in the order a reader meets them, must compile against the built library (strict) and synthesize
 * what the prose says (one connection and one sync on the provider engine, the key write-only).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { load, typecheck } from "../stacks/typecheck";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
const TS_BLOCKS = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** The usage example (declares `stack` and `conn`) followed by the secret-sync example that uses them. */
function example(): string {
  const usage = TS_BLOCKS.find((b) => b.includes('new OctopusDeployConnection(stack, "octopus"'));
  const sync = TS_BLOCKS.find((b) => b.includes("new OctopusDeploySecretSync(stack"));
  if (!usage || !sync) throw new Error("README lost its usage or secret-sync example");
  const imports = (b: string) => b.split("\n").filter((l) => l.startsWith("import "));
  const body = (b: string) => b.split("\n").filter((l) => !l.startsWith("import "));
  const usageBody = body(usage).filter((l) => l.trim() !== "app.synth();");
  return [...imports(usage), ...imports(sync), ...usageBody, ...body(sync), "app.synth();", "export {};"].join("\n");
}

describe("README examples", () => {
  test("the usage and secret-sync examples compile against the library", () => {
    expect(typecheck({ readme: example() })).toEqual({ readme: [] });
  });

  test("they synthesize one provider-engine connection and its sync, the key a write-only reference", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-readme-"));
    try {
      load(example().replace("new App()", `new App({ outdir: ${JSON.stringify(outdir)} })`));
      const stack = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "octopus-connections", "cdk.tf.json"), "utf8"));
      const connections = Object.values(stack.resource.hanzokms_octopus_deploy_connection) as Record<string, unknown>[];
      const syncs = Object.values(stack.resource.hanzokms_octopus_deploy_secret_sync) as Record<string, unknown>[];
      expect(connections).toHaveLength(1);
      expect(connections[0]).toMatchObject({ name: "my-octopus-deploy-connection", api_key: "${var.octopus_api_key}" });
      expect(syncs).toHaveLength(1);
      expect(syncs[0]).toMatchObject({ name: "app-secrets", environment: "prod", connection_id: expect.stringMatching(/^\$\{hanzokms_octopus_deploy_connection\.octopus_connection_[0-9A-F]+\.id\}$/) });
      expect(Object.keys(stack.output)).toEqual(expect.arrayContaining(["connection_id", "sync_status"]));
      expect(fs.existsSync(path.join(outdir, "stacks", "octopus-connections", ".terraform.lock.hcl"))).toBe(true);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
