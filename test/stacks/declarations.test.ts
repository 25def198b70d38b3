/**
 * Reading the connections a synthesized stack declares, from cdk.tf.json alone: one per connection
 * resource (never its sync resource or the declared-names local), and the removed blocks of
 * OctopusDeployConnection.removed() (connection and sync; only the connection's carries the hook);
 * and the secret syncs (hanzokms_octopus_deploy_secret_sync) with their provider's KMS.
 */
jest.mock("../../lib/provider/install", () => jest.requireActual("./provider-stub").standInInstall());
import * as fs from "node:fs";
import * as path from "node:path";
import { DataResource, TerraformStack, TerraformVariable } from "cdktf";
import { HOOK_ENGINE, synthStack, tempDir } from "./helpers";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { OctopusDeploySecretSync } from "../../lib/construct/octopus-deploy-secret-sync";
import { ConfigError } from "../../lib/kms/errors";
import { cdktfOutdir, declaredConnections, declaredSyncs, listStackDirs, readStack, removedBlocks, resolveStackDir } from "../../lib/stacks/declarations";

const PROJECT = "0b5e6c1a-3c1d-4e8e-9d3b-1a2b3c4d5e6f";
const base = { ...HOOK_ENGINE, instanceUrl: "https://o.octopus.app", apiKeyEnv: "OCTOPUS_API_KEY", kmsUrl: "https://kms.example.com" };

function build(stack: TerraformStack): void {
  const project = new TerraformVariable(stack, "project", { type: "string" });
  const other = new DataResource(stack, "other", { input: { id: PROJECT } });
  new OctopusDeployConnection(stack, "literal", { ...base, name: "lit", description: "Octopus for production", projectId: PROJECT });
  new OctopusDeployConnection(stack, "templated", { ...base, name: "tpl", description: "costs ${var.x} and %{ if y }" });
  new OctopusDeployConnection(stack, "from-variable", { ...base, name: "var", projectId: project.stringValue, renamedFrom: "old-var" });
  new OctopusDeployConnection(stack, "from-resource", { ...base, name: "res", projectId: other.getStringAttribute("id") });
  new OctopusDeployConnection(stack, "legacy", { ...base, name: "nul", engine: "null_resource" });
}

describe("declaredConnections", () => {
  const dir = synthStack(build);
  const stack = readStack(dir);
  const byName = Object.fromEntries(declaredConnections(stack).map((c) => [c.fields.name && c.fields.name.known ? c.fields.name.value : "?", c]));

  test("finds every connection of both engines, and nothing else", () => {
    expect(declaredConnections(stack)).toHaveLength(5);
    expect(Object.keys(byName).sort()).toEqual(["lit", "nul", "res", "tpl", "var"]);
    for (const c of Object.values(byName)) expect(c!.address).toMatch(/_connection_[0-9A-F]{8}$/);
    // The stack also holds each connection's sync resource and the declared-names local.
    expect(Object.keys(stack.config.resource as Record<string, Record<string, unknown>>).sort()).toEqual(["null_resource", "terraform_data"]);
    expect(stack.config.locals).toEqual({ kms_octopus_declared_names: "lit,nul,res,tpl,var" });
    expect(byName.nul!.engine).toBe("null_resource");
    expect(byName.nul!.address).toMatch(/^null_resource\.legacy_connection_[0-9A-F]{8}$/);
    expect(byName.lit!.address).toMatch(/^terraform_data\.literal_connection_[0-9A-F]{8}$/);
    expect(byName.lit!.path).toBe("test/literal");
    expect(stack.name).toBe("test");
  });

  test("literal values are known", () => {
    expect(byName.lit!.fields).toEqual({
      kmsUrl: { known: true, value: "https://kms.example.com" },
      projectId: { known: true, value: PROJECT },
      name: { known: true, value: "lit" },
      description: { known: true, value: "Octopus for production" },
      instanceUrl: { known: true, value: "https://o.octopus.app" },
      renamedFrom: null,
    });
  });

  test("literals the construct protected with base64decode are decoded", () => {
    expect(byName.tpl!.fields.description).toEqual({ known: true, value: "costs ${var.x} and %{ if y }" });
    expect(byName.tpl!.fields.projectId).toBeNull();
  });

  test("Terraform references stay expressions", () => {
    expect(byName.var!.fields.projectId).toEqual({ known: false, expression: "${var.project}" });
    expect(byName.var!.fields.renamedFrom).toEqual({ known: true, value: "old-var" });
    expect(byName.res!.fields.projectId).toEqual({ known: false, expression: "${terraform_data.other.id}" });
  });

  test("the null_resource engine's empty strings are nulls", () => {
    expect(byName.nul!.fields.projectId).toBeNull();
    expect(byName.nul!.fields.description).toBeNull();
    expect(byName.nul!.fields.name).toEqual({ known: true, value: "nul" });
  });

  test("the backend block is read", () => {
    expect(stack.backend).toEqual({ type: "local", settings: { path: expect.stringMatching(/terraform\.tfstate$/) } });
  });
});

describe("declaredSyncs", () => {
  const stack = readStack(
    synthStack((s) => {
      const octo = new OctopusDeployConnection(s, "octo", { name: "octo", instanceUrl: "https://o.octopus.app", apiKeyEnv: "K", kmsUrl: "https://kms.example.com" });
      const dest = { spaceId: "Spaces-1", projectId: "Projects-1" };
      new OctopusDeploySecretSync(s, "app", { name: "app", connection: octo, projectId: PROJECT, environment: "prod", secretPath: "/app", destination: { ...dest, scopeValues: { roles: ["web"] } }, syncOptions: { keySchema: "A_{{secretKey}}" } });
      new OctopusDeploySecretSync(s, "other-kms", { name: "o", connection: "abcdef12-3456-7890-abcd-ef1234567890", kmsUrl: "https://kms2.example.com", projectId: PROJECT, environment: "dev", secretPath: "/", destination: dest });
    }),
  );

  test("one per sync resource, with its construct path, its provider's KMS and its attributes as synthesized", () => {
    const syncs = declaredSyncs(stack);
    expect(syncs.map((s) => [s.path, s.kmsUrl])).toEqual([
      ["test/app", { known: true, value: "https://kms.example.com" }],
      ["test/other-kms", { known: true, value: "https://kms2.example.com" }],
    ]);
    expect(syncs[0]!.address).toMatch(/^hanzokms_octopus_deploy_secret_sync\.app_sync_[0-9A-F]{8}$/);
    expect(syncs[0]!.attributes).toEqual(
      expect.objectContaining({ name: "app", connection_id: expect.stringMatching(/^\$\{hanzokms_octopus_deploy_connection\.octo_connection_[0-9A-F]{8}\.id\}$/), scope_roles: ["web"], key_schema: "A_{{secretKey}}", auto_sync_enabled: true }),
    );
    expect(syncs[0]!.attributes).not.toHaveProperty("provider");
    expect(syncs[0]!.attributes).not.toHaveProperty("//");
  });

  test("a stack without syncs has none (connections are not syncs)", () => {
    expect(declaredSyncs(readStack(synthStack((s) => new OctopusDeployConnection(s, "c", { ...base, name: "c" }))))).toEqual([]);
  });
});

describe("removedBlocks", () => {
  test("tells a removal with the delete hook from one that forgets", () => {
    const dir = synthStack((stack) => {
      OctopusDeployConnection.removed(stack, "gone");
      OctopusDeployConnection.removed(stack, "kept", { removalPolicy: "retain" });
      OctopusDeployConnection.removed(stack, "forced", { removalPolicy: "destroy" });
    });
    const blocks = removedBlocks(readStack(dir));
    const entries = [...blocks.entries()].map(([from, b]) => [from.replace(/_[0-9A-F]{8}$/, ""), b]);
    expect(entries.sort()).toEqual([
      ["terraform_data.forced_connection", { destroy: true, destroyHook: true, overridesRetain: true }],
      ["terraform_data.forced_sync", { destroy: true, destroyHook: false, overridesRetain: false }],
      ["terraform_data.gone_connection", { destroy: true, destroyHook: true, overridesRetain: false }],
      ["terraform_data.gone_sync", { destroy: true, destroyHook: false, overridesRetain: false }],
      ["terraform_data.kept_connection", { destroy: false, destroyHook: false, overridesRetain: false }],
      ["terraform_data.kept_sync", { destroy: false, destroyHook: false, overridesRetain: false }],
    ]);
  });

  test("a stack without removed blocks has none", () => {
    expect(removedBlocks(readStack(synthStack(build))).size).toBe(0);
  });
});

describe("finding stacks", () => {
  test("listStackDirs lists the synthesized stacks of the output directory, sorted", () => {
    const outdir = path.join(tempDir(), "cdktf.out");
    synthStack(build, { outdir, name: "b-stack" });
    synthStack(build, { outdir, name: "a-stack" });
    expect(listStackDirs(outdir)).toEqual([path.join(outdir, "stacks", "a-stack"), path.join(outdir, "stacks", "b-stack")]);
  });

  test("no synthesized stack is a ConfigError that says to synthesize", () => {
    expect(() => listStackDirs(path.join(tempDir(), "cdktf.out"))).toThrow(ConfigError);
    expect(() => listStackDirs(path.join(tempDir(), "cdktf.out"))).toThrow(/npx cdktf synth/);
  });

  test("resolveStackDir takes a directory or a stack name", () => {
    const outdir = path.join(tempDir(), "cdktf.out");
    const dir = synthStack(build, { outdir, name: "octopus-connections" });
    expect(resolveStackDir(dir, outdir)).toBe(dir);
    expect(resolveStackDir("octopus-connections", outdir)).toBe(path.join(outdir, "stacks", "octopus-connections"));
    expect(() => resolveStackDir("nope", outdir)).toThrow(/nope is not a synthesized stack/);
  });

  test("cdktfOutdir follows cdktf.json's output, else cdktf.out", () => {
    const cwd = tempDir();
    expect(cdktfOutdir(cwd)).toBe(path.join(cwd, "cdktf.out"));
    fs.writeFileSync(path.join(cwd, "cdktf.json"), JSON.stringify({ language: "typescript", app: "x", output: "build/tf" }));
    expect(cdktfOutdir(cwd)).toBe(path.join(cwd, "build", "tf"));
  });

  test("readStack refuses a directory without cdk.tf.json, and invalid JSON", () => {
    const dir = tempDir();
    expect(() => readStack(dir)).toThrow(/has no cdk\.tf\.json/);
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), "{ not json");
    expect(() => readStack(dir)).toThrow(/not valid JSON/);
  });
});
