/**
 * lib/cdk.ts: the choice of CDK library (cdktf or cdktn), and the example stack and both engines
 * under each, with the library's own App, TerraformStack, Testing, instanceof and tokens.
 */
import type {} from "cdktf/lib/testing/adapters/jest"; // the jest matcher types (the same in cdktn)
import { CDK_LIBRARY_ENV, CdkLibraryError, chooseCdkLibrary } from "../lib/cdk";
import { HOOK_ENGINE } from "./construct/app";
import { CdkWorld, LIBRARIES, loadUnder } from "./under-cdk";

const EXAMPLE_ENV = { OCTOPUS_URL: "https://octopus.example", KMS_URL: "https://kms.example" };
const RESOURCE = "hanzokms_octopus_deploy_connection";

describe("chooseCdkLibrary", () => {
  const only = (...names: string[]) => (n: string) => names.includes(n);

  test("prefers cdktf when it resolves, else cdktn", () => {
    expect(chooseCdkLibrary({}, only("cdktf", "cdktn"))).toBe("cdktf");
    expect(chooseCdkLibrary({}, only("cdktf"))).toBe("cdktf");
    expect(chooseCdkLibrary({}, only("cdktn"))).toBe("cdktn");
  });

  test(`${CDK_LIBRARY_ENV} picks one of two installed libraries`, () => {
    expect(chooseCdkLibrary({ [CDK_LIBRARY_ENV]: "cdktn" }, only("cdktf", "cdktn"))).toBe("cdktn");
    expect(chooseCdkLibrary({ [CDK_LIBRARY_ENV]: " cdktf " }, only("cdktf", "cdktn"))).toBe("cdktf");
    expect(chooseCdkLibrary({ [CDK_LIBRARY_ENV]: "" }, only("cdktn"))).toBe("cdktn");
  });

  test("refuses an unknown value, a library that is not installed, and neither installed", () => {
    expect(() => chooseCdkLibrary({ [CDK_LIBRARY_ENV]: "aws-cdk" }, only("cdktf"))).toThrow(
      new CdkLibraryError(`${CDK_LIBRARY_ENV} must be one of cdktf, cdktn; got "aws-cdk"`),
    );
    expect(() => chooseCdkLibrary({ [CDK_LIBRARY_ENV]: "cdktn" }, only("cdktf"))).toThrow(/CDKTF_KMS_OCTOPUS_CDK=cdktn but the package "cdktn" is not installed/);
    expect(() => chooseCdkLibrary({}, only())).toThrow(/needs "cdktn" or "cdktf" installed/);
  });
});

describe.each(LIBRARIES)("under %s", (name) => {
  let w: CdkWorld;
  beforeAll(() => {
    w = loadUnder(name);
  });

  const exampleStack = () => new w.example.OctopusConnectionsStack(w.native.Testing.app(), "octopus-connections", EXAMPLE_ENV);

  test("the package loads that library, and its constructs are the library's classes", () => {
    expect(w.cdk.CDK_LIBRARY).toBe(name);
    expect(w.cdk.TerraformStack).toBe(w.native.TerraformStack);
    const stack = exampleStack();
    expect(stack).toBeInstanceOf(w.native.TerraformStack);
    const connection = stack.node.findChild("octopus") as InstanceType<typeof w.lib.OctopusDeployConnection>;
    expect(connection).toBeInstanceOf(w.lib.OctopusDeployConnection);
    expect(connection.connectionResource).toBeInstanceOf(w.native.TerraformResource);
    expect(w.native.TerraformStack.of(connection)).toBe(stack);
    const other = loadUnder(name === "cdktf" ? "cdktn" : "cdktf");
    expect(connection.connectionResource).not.toBeInstanceOf(other.native.TerraformResource);
  });

  test("the example stack synthesizes; the library's Testing matchers see the connection and its provider", () => {
    const synthesized = w.native.Testing.synth(exampleStack());
    expect(w.native.Testing.toHaveResourceWithProperties(synthesized, RESOURCE, { name: "my-octopus-deploy-connection", instance_url: EXAMPLE_ENV.OCTOPUS_URL })).toBe(true);
    expect(w.native.Testing.toHaveResourceWithProperties(synthesized, RESOURCE, { name: "another" })).toBe(false);
    expect(w.native.Testing.toHaveProviderWithProperties(synthesized, "hanzokms", { kms_url: EXAMPLE_ENV.KMS_URL })).toBe(true);
    w.native.Testing.setupJest(); // this library's jest matchers, for this file
    expect(synthesized).toHaveResourceWithProperties(w.lib.OctopusDeployConnectionResource, { api_key: "${var.octopus_api_key}" });
    expect(synthesized).not.toHaveResourceWithProperties(w.lib.OctopusDeployConnectionResource, { name: "another" });
  });

  test("tokens: connectionId in the library's own TerraformOutput, a variable in the props", () => {
    const stack = new w.native.TerraformStack(w.native.Testing.app(), "s");
    const key = new w.native.TerraformVariable(stack, "key", { type: "string", sensitive: true });
    const connection = new w.lib.OctopusDeployConnection(stack, "octopus", { name: "octo", instanceUrl: "https://o.example", apiKey: key.stringValue });
    new w.native.TerraformOutput(stack, "id", { value: connection.connectionId });
    const synthesized = JSON.parse(w.native.Testing.synth(stack));
    const [address] = Object.keys(synthesized.resource[RESOURCE]);
    expect(synthesized.output.id.value).toBe(`\${${RESOURCE}.${address}.id}`);
    expect(synthesized.resource[RESOURCE][address!].api_key).toBe("${var.key}");
  });

  test("the hook engine synthesizes its terraform_data resources", () => {
    const stack = new w.native.TerraformStack(w.native.Testing.app(), "s");
    new w.lib.OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: "octo", instanceUrl: "https://o.example", apiKeyEnv: "OCTOPUS_API_KEY" });
    const synthesized = w.native.Testing.synth(stack);
    expect(w.native.Testing.toHaveResource(synthesized, "terraform_data")).toBe(true);
    expect(w.native.Testing.toHaveResource(synthesized, RESOURCE)).toBe(false);
  });

  test("generated import code imports the stack classes from that library", () => {
    const { code } = w.lib.generateImportCode([], { kmsUrl: "https://kms.example", projectId: null, command: "npx cdktf-kms-octopus import --org" });
    expect(code).toContain(`import { TerraformStack } from "${name}";`);
  });
});

describe("the same output under both", () => {
  test("the example stack and a hook-engine stack synthesize to identical JSON under cdktf and cdktn", () => {
    const [tf, tn] = LIBRARIES.map((n) => loadUnder(n));
    const example = (w: CdkWorld) => w.native.Testing.synth(new w.example.OctopusConnectionsStack(w.native.Testing.app(), "octopus-connections", EXAMPLE_ENV));
    expect(example(tn!)).toBe(example(tf!));
    const hooks = (w: CdkWorld) => {
      const stack = new w.native.TerraformStack(w.native.Testing.app(), "s");
      new w.lib.OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: "octo", instanceUrl: "https://o.example", apiKeyEnv: "OCTOPUS_API_KEY" });
      return w.native.Testing.synth(stack).replace(/"[^"]*hook\.js"/g, '"HOOK"');
    };
    expect(hooks(tn!)).toBe(hooks(tf!));
  });
});

describe("an app on the other library", () => {
  test.each([
    ["cdktn", "cdktf"],
    ["cdktf", "cdktn"],
  ] as const)("an app on %s with the package on %s fails at construct time, naming the env var", (app, chosen) => {
    const w = loadUnder(app, chosen);
    expect(w.cdk.CDK_LIBRARY).toBe(chosen);
    const build = () => new w.example.OctopusConnectionsStack(w.native.Testing.app(), "octopus-connections", EXAMPLE_ENV);
    expect(build).toThrow(w.cdk.CdkLibraryError);
    expect(build).toThrow(/different copy of the CDK library than cdktf-kms-octopus loaded/);
    expect(build).toThrow(`set ${CDK_LIBRARY_ENV}=${app}`);
  });

  test("finding: the two libraries share one token map (globalThis.__cdktfTokenMap), so a cdktf token resolves in a cdktn stack", () => {
    const [tf, tn] = LIBRARIES.map((n) => loadUnder(n).native);
    const token = tf!.Token.asString(tf!.Lazy.stringValue({ produce: () => "from cdktf" }));
    const stack = new tn!.TerraformStack(tn!.Testing.app(), "s");
    new tn!.TerraformOutput(stack, "o", { value: token });
    expect(JSON.parse(tn!.Testing.synth(stack)).output.o.value).toBe("from cdktf");
    expect(tn!.Token.isUnresolved(token)).toBe(true);
  });
});
