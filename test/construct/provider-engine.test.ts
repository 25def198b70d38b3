/**
 * What the provider engine (the default) synthesizes: one `hanzokms_octopus_deploy_connection` per
 * connection with the provider's attributes (the key only as a Terraform reference, write-only), the
 * provider block and `required_providers` at the never-resolvable address, the provider file and its
 * lock entry inside the stack's directory, the migration blocks from the terraform_data engine,
 * import blocks from `importFrom`, and tokens for the id and the credentials hash.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import "cdktf/lib/testing/adapters/jest";
import { App, TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { testApp } from "./app";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib/construct/octopus-deploy-connection";
import { OctopusDeployConnectionResource } from "../../lib/construct/provider-engine";
import { PROVIDER_FILE, PROVIDER_SOURCE, PROVIDER_VERSION } from "../../lib/provider/address";
import { PLATFORMS, packageHashV1, providerBundlePath } from "../../lib/provider/install";
import { tempDir } from "../stacks/helpers";

const UUID = "abcdef12-3456-7890-abcd-ef1234567890";
const TYPE = "hanzokms_octopus_deploy_connection";

interface Synth {
  terraform: { required_providers: Record<string, { source: string; version: string }> };
  provider: { hanzokms: Record<string, unknown>[] };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  moved?: { from: string; to: string }[];
  removed?: { from: string; lifecycle: { destroy: boolean } }[];
  import?: { id: string; to: string; provider?: string }[];
  output?: Record<string, { value: string }>;
}

function build(stack: TerraformStack, props: Partial<OctopusDeployConnectionProps> = {}, id = "octopus"): OctopusDeployConnection {
  const key = (stack.node.tryFindChild("octopus_api_key") as TerraformVariable | undefined) ?? new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });
  return new OctopusDeployConnection(stack, id, { name: "octo", instanceUrl: "https://octopus.example.com", apiKey: key.value, ...props });
}

function synth(fn: (stack: TerraformStack) => void): Synth {
  const stack = new TerraformStack(testApp(), "s");
  fn(stack);
  return JSON.parse(Testing.synth(stack)) as Synth;
}

describe("provider engine (the default)", () => {
  test("one provider resource with the declaration; the key is a reference to the sensitive variable, never a literal", () => {
    const out = synth((s) => build(s, { description: "prod", projectId: UUID, removalPolicy: "retain" }));
    expect(Object.keys(out.resource)).toEqual([TYPE]);
    const [resource] = Object.values(out.resource[TYPE]);
    expect(resource).toEqual({
      name: "octo",
      description: "prod",
      project_id: UUID,
      instance_url: "https://octopus.example.com",
      api_key: "${var.octopus_api_key}",
      removal_policy: "retain",
      adopt_existing: false,
    });
  });

  test("apiKeyEnv names the variable the provider reads at plan and apply time", () => {
    const out = synth((s) => new OctopusDeployConnection(s, "octopus", { name: "octo", instanceUrl: "https://octopus.example.com", apiKeyEnv: "OCTOPUS_API_KEY" }));
    const [resource] = Object.values(out.resource[TYPE]);
    expect(resource.api_key_env).toBe("OCTOPUS_API_KEY");
    expect(resource.api_key).toBeUndefined();
  });

  test("required_providers names the package's own address and version; the provider block holds only kms_url", () => {
    const out = synth((s) => build(s, { kmsUrl: "https://kms.example.com" }));
    expect(out.terraform.required_providers.hanzokms).toEqual({ source: PROVIDER_SOURCE, version: PROVIDER_VERSION });
    expect(PROVIDER_SOURCE.split("/")[0]).toMatch(/\.invalid$/);
    expect(out.provider.hanzokms).toEqual([{ kms_url: "https://kms.example.com" }]);
  });

  test("a second KMS gets an aliased provider configuration; connections of one KMS share one", () => {
    const out = synth((s) => {
      build(s, { name: "a" }, "a");
      build(s, { name: "b" }, "b");
      build(s, { name: "c", kmsUrl: "https://other.example.com" }, "c");
    });
    expect(out.provider.hanzokms).toHaveLength(2);
    const aliased = out.provider.hanzokms.find((p) => p.alias) as { alias: string; kms_url: string };
    expect(aliased.kms_url).toBe("https://other.example.com");
    const providers = Object.values(out.resource[TYPE]).map((r) => r.provider);
    expect(providers.filter((p) => p === undefined)).toHaveLength(2);
    expect(providers).toContain(`hanzokms.${aliased.alias}`);
  });

  test("a stack deployed with the terraform_data engine moves to the provider: moved for the connection, removed (not destroyed) for the sync resource", () => {
    const hooks = synth((s) => build(s, { engine: "terraform_data" }));
    const [oldConnection, oldSync] = Object.keys(hooks.resource.terraform_data);
    const out = synth((s) => build(s));
    const [address] = Object.keys(out.resource[TYPE]);
    expect(address).toBe(oldConnection);
    expect(out.moved).toEqual([{ from: `terraform_data.${oldConnection}`, to: `${TYPE}.${address}` }]);
    expect(out.removed).toEqual([{ from: `terraform_data.${oldSync}`, lifecycle: { destroy: false } }]);
  });

  test("connectionId and credentialsHash are tokens other resources and outputs can use", () => {
    const out = synth((s) => {
      const conn = build(s);
      new TerraformOutput(s, "id", { value: conn.connectionId });
      new TerraformOutput(s, "hash", { value: conn.credentialsHash });
    });
    const [address] = Object.keys(out.resource[TYPE]);
    expect(out.output?.id.value).toBe(`\${${TYPE}.${address}.id}`);
    expect(out.output?.hash.value).toBe(`\${${TYPE}.${address}.credentials_hash}`);
  });

  test("the hook engines say clearly that they have no id to give", () => {
    const stack = new TerraformStack(testApp(), "s");
    const conn = build(stack, { engine: "terraform_data" });
    expect(() => conn.connectionId).toThrow(/connectionId needs engine "provider".*Terraform never reads the connection/);
    expect(() => conn.importFrom()).toThrow(/importFrom needs engine "provider"/);
  });

  test("importFrom writes an import block: by name by default, project/name for a project connection, or the id given", () => {
    const out = synth((s) => {
      build(s, { name: "org" }, "org").importFrom();
      build(s, { name: "proj", projectId: UUID }, "proj").importFrom();
      build(s, { name: "byid" }, "byid").importFrom("395c5660-4cdf-443b-9b49-bebc6bba4cf1");
    });
    const ids = (out.import ?? []).map((i) => i.id).sort();
    expect(ids).toEqual(["395c5660-4cdf-443b-9b49-bebc6bba4cf1", `${UUID}/proj`, "org"].sort());
    for (const block of out.import ?? []) expect(block.to).toMatch(new RegExp(`^${TYPE}\\.`));
  });

  test("names follow the KMS: 64 characters with the provider, 32 with the hook engines", () => {
    const name = "a".repeat(64);
    expect(() => synth((s) => build(s, { name }))).not.toThrow();
    expect(() => synth((s) => build(s, { name: "a".repeat(65) }))).toThrow(/name: must be at most 64 characters \(got 65\)/);
    expect(() => synth((s) => build(s, { name: "a".repeat(33), engine: "terraform_data" }))).toThrow(/name: must be at most 32 characters with engine "terraform_data" \(got 33\)/);
  });

  test("lookup reads a connection the stack does not manage, through the data source", () => {
    const out = synth((s) => {
      const found = OctopusDeployConnection.lookup(s, "shared", { name: "shared-octopus", projectId: UUID });
      new TerraformOutput(s, "id", { value: found.connectionId });
    }) as Synth & { data: Record<string, Record<string, Record<string, unknown>>> };
    const [[address, data]] = Object.entries(out.data[TYPE]);
    expect(data).toEqual({ name: "shared-octopus", project_id: UUID });
    expect(out.output?.id.value).toBe(`\${data.${TYPE}.${address}.id}`);
    expect(() => synth((s) => OctopusDeployConnection.lookup(s, "bad", { name: "Bad Name" }))).toThrow(/name: must be a slug/);
  });

  test("the resource class is found by the Testing matchers", () => {
    const stack = new TerraformStack(testApp(), "s");
    build(stack, { description: "d" });
    expect(Testing.synth(stack)).toHaveResourceWithProperties(OctopusDeployConnectionResource, { name: "octo", description: "d" });
  });
});

describe("the provider inside the synthesized stack", () => {
  const outdir = path.join(tempDir(), "cdktf.out");
  let stackDir: string;
  beforeAll(() => {
    const app = new App({ outdir, skipValidation: true });
    build(new TerraformStack(app, "s"));
    app.synth();
    stackDir = path.join(outdir, "stacks", "s");
  });

  test("the provider file is placed in the implied local mirror for every platform, executable, identical to the bundle", () => {
    const bundle = fs.readFileSync(providerBundlePath());
    for (const platform of PLATFORMS) {
      const file = path.join(stackDir, "terraform.d", "plugins", ...PROVIDER_SOURCE.split("/"), PROVIDER_VERSION, platform, PROVIDER_FILE);
      expect(fs.readFileSync(file).equals(bundle)).toBe(true);
      expect(fs.statSync(file).mode & 0o111).toBe(0o111);
    }
  });

  test("the lock file pins the provider's content hash", () => {
    const lock = fs.readFileSync(path.join(stackDir, ".terraform.lock.hcl"), "utf8");
    const dir = path.join(stackDir, "terraform.d", "plugins", ...PROVIDER_SOURCE.split("/"), PROVIDER_VERSION, "linux_amd64");
    expect(lock).toContain(`provider "${PROVIDER_SOURCE}" {`);
    expect(lock).toContain(`"${packageHashV1(dir)}"`);
  });
});
