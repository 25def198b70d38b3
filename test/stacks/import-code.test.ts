/**
 * generateImportCode: the TypeScript `import` writes compiles (strict) against the library, synthesizes
 * to exactly the live connections (provider engine, the default: each with an import block by id from
 * `importFrom`; engine "terraform_data": each with adoptExisting), escapes every string, and skips what
 * the construct would refuse with that engine.
 */
import { TerraformStack, Testing } from "cdktf";
import { load, typecheck } from "./typecheck";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { Connection } from "../../lib/kms/schemas";
import { generateImportCode } from "../../lib/stacks/import-code";
import { syncVariants } from "./sync-variants";

const KMS = "https://kms.example.com";
const P1 = "11111111-1111-4111-8111-111111111111";
let n = 0;
function live(name: string, extra: Partial<Pick<Connection, "description" | "projectId">> & { instanceUrl?: string; id?: string } = {}): Connection {
  return {
    id: extra.id ?? `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`,
    name,
    description: extra.description ?? null,
    projectId: extra.projectId ?? null,
    app: "octopus-deploy",
    method: "api-key",
    credentials: { instanceUrl: extra.instanceUrl ?? "https://o.octopus.app" },
  };
}

type Module = { addImportedConnections(stack: TerraformStack): Record<string, OctopusDeployConnection>; ImportedConnectionsStack: new (scope: unknown, id: string) => TerraformStack };

const PROVIDER_TYPE = "hanzokms_octopus_deploy_connection";

/** Synthesizes the generated code's stack (provider engine); returns the resources by name, the import blocks and the variables. */
function synthProvider(code: string) {
  const mod = load<Module>(code);
  const json = JSON.parse(Testing.synth(new mod.ImportedConnectionsStack(Testing.app(), "imported")));
  const resources = json.resource[PROVIDER_TYPE] as Record<string, Record<string, unknown>>;
  expect(Object.keys(json.resource)).toEqual([PROVIDER_TYPE]);
  return {
    byName: Object.fromEntries(Object.entries(resources).map(([address, r]) => [r.name as string, { address: `${PROVIDER_TYPE}.${address}`, ...r } as Record<string, unknown> & { address: string }])),
    imports: (json.import ?? []) as { id: string; to: string }[],
    variables: json.variable as Record<string, { sensitive: boolean; type: string }>,
  };
}

/** Synthesizes the generated code's stack (terraform_data engine); returns the declarations by name and the variables. */
function synthGenerated(code: string) {
  const mod = load<Module>(code);
  const app = Testing.app();
  const stack = new mod.ImportedConnectionsStack(app, "imported");
  const json = JSON.parse(Testing.synth(stack));
  const inputs = Object.values(json.resource.terraform_data as Record<string, { input?: Record<string, unknown> }>).flatMap((r) => (r.input ? [r.input] : []));
  return { byName: Object.fromEntries(inputs.map((i) => [i.name as string, i])), variables: json.variable as Record<string, { sensitive: boolean; type: string }> };
}

const tricky = [
  live("octo-main", { description: "Octopus for production" }),
  live("quotes", { description: 'say "hi" \\ it\'s `tick` */ // <!-- ${var.x} %{ if } \n second line\tand a tab' }),
  live("unicode", { description: "é 🐙 \u2028 \u2029 line separators" }),
  live("2fast", {}),
  live("no-description", { description: "" }),
];

const HOOKS = { engine: "terraform_data" } as const;
const orgConnections = [...tricky, live("in-project", { projectId: P1 })];
const projectConnections = [live("p", { projectId: P1 }), live("org")];
const org = generateImportCode(orgConnections, { kmsUrl: KMS, projectId: null, command: "npx cdktf-kms-octopus import --org --engine terraform_data", ...HOOKS });
const project = generateImportCode(projectConnections, { kmsUrl: KMS, projectId: P1, command: `npx cdktf-kms-octopus import --project ${P1} --engine terraform_data`, ...HOOKS });
const orgProvider = generateImportCode(orgConnections, { kmsUrl: KMS, projectId: null, command: "npx cdktf-kms-octopus import --org" });
const projectProvider = generateImportCode(projectConnections, { kmsUrl: KMS, projectId: P1, command: `npx cdktf-kms-octopus import --project ${P1}` });
const refusedConnections = [
  live("ok"),
  live("a-name-that-is-longer-than-thirty-two-chars"),
  live("plain-http", { instanceUrl: "http://octopus.example.com" }),
  live("control", { description: "bell \u0007" }),
  live("weird-id", { id: "x\n*/ evil" }),
];
const refused = generateImportCode(refusedConnections, { kmsUrl: KMS, projectId: null, command: "npx cdktf-kms-octopus import --org --engine terraform_data", ...HOOKS });
const refusedProvider = generateImportCode([...refusedConnections, live("a".repeat(65))], { kmsUrl: KMS, projectId: null, command: "npx cdktf-kms-octopus import --org" });
const empty = generateImportCode([], { kmsUrl: KMS, projectId: P1, command: "npx cdktf-kms-octopus import --org" });

test("every variant compiles in strict mode (noUnusedLocals included) against the library, secret syncs included", () => {
  const syncs = syncVariants();
  expect(
    typecheck({
      org: org.code,
      project: project.code,
      refused: refused.code,
      empty: empty.code,
      orgProvider: orgProvider.code,
      projectProvider: projectProvider.code,
      refusedProvider: refusedProvider.code,
      withSyncs: syncs.withSyncs.code,
      syncsOnly: syncs.syncsOnly.code,
      syncsSkipped: syncs.hooks.code,
    }),
  ).toEqual({ org: [], project: [], refused: [], empty: [], orgProvider: [], projectProvider: [], refusedProvider: [], withSyncs: [], syncsOnly: [], syncsSkipped: [] });
});

describe("provider engine (the default): importFrom by id", () => {
  test("each connection is a provider resource with the live values and an import block of its own id; no adoptExisting", () => {
    const { byName, imports } = synthProvider(orgProvider.code);
    expect(Object.keys(byName).sort()).toEqual(["2fast", "no-description", "octo-main", "quotes", "unicode"]);
    for (const c of tricky) {
      const declared = byName[c.name]!;
      expect(declared.adopt_existing).toBe(false);
      expect(declared.project_id).toBeUndefined();
      expect(declared.instance_url).toBe(c.credentials.instanceUrl);
      expect(declared.api_key).toMatch(/^\$\{var\.octopus_api_key_/);
      expect(imports.filter((i) => i.to === declared.address)).toEqual([{ id: c.id, to: declared.address }]);
    }
    expect(imports).toHaveLength(tricky.length);
    expect(orgProvider.code).not.toContain("adoptExisting");
    expect(orgProvider.code).not.toContain("engine:");
    const octo = tricky[0]!;
    expect(orgProvider.code).toContain(`    conn.importFrom(${JSON.stringify(octo.id)});\n    connections["octo-main"] = conn;`);
  });

  test("the header says how the first deploy imports them", () => {
    expect(orgProvider.code).toContain("// Each connection is imported by id with conn.importFrom(...)");
    expect(orgProvider.code).toContain("//   export TF_VAR_octopus_api_key_octo_main='API-...'  # octo-main");
  });

  test("project-level: the project id as a constant, and the import by id", () => {
    const { byName, imports } = synthProvider(projectProvider.code);
    expect(Object.keys(byName)).toEqual(["p"]);
    expect(byName.p!.project_id).toBe(P1);
    expect(imports).toEqual([{ id: projectProvider.connections[0]!.id, to: byName.p!.address }]);
  });

  test("addImportedConnections returns the constructs by connection name", () => {
    const declared = load<Module>(orgProvider.code).addImportedConnections(new TerraformStack(Testing.app(), "s"));
    expect(Object.keys(declared).sort()).toEqual(["2fast", "no-description", "octo-main", "quotes", "unicode"]);
    expect(declared["octo-main"]!.engine).toBe("provider");
  });

  test("names of up to 64 characters are declared (the provider follows current KMS releases); longer ones are skipped", () => {
    expect(refusedProvider.connections.map((c) => c.name)).toEqual(["a-name-that-is-longer-than-thirty-two-chars", "ok"]);
    expect(refusedProvider.skipped.map((s) => s.name)).toEqual(["a".repeat(65), "control", "plain-http", "weird-id"]);
    expect(refusedProvider.skipped[0]!.reason).toMatch(/^its name must be at most 64 characters/);
  });
});

describe("organization-level (engine terraform_data)", () => {
  const result = org;

  test("declares exactly the organization's connections, each with adoptExisting and the live values", () => {
    const { byName } = synthGenerated(result.code);
    expect(Object.keys(byName).sort()).toEqual(["2fast", "no-description", "octo-main", "quotes", "unicode"]);
    for (const c of tricky) {
      const declared = byName[c.name]!;
      expect(declared.adopt_existing).toBe(true);
      expect(declared.kms_url).toBe(KMS);
      expect(declared.project_id).toBeNull();
      expect(declared.instance_url).toBe(c.credentials.instanceUrl);
      const description = declared.description as string | null;
      const decoded = description?.startsWith("${base64decode(") ? Buffer.from(/"(.*)"/.exec(description)![1]!, "base64").toString("utf8") : description;
      expect(decoded).toBe(c.description ? c.description : null);
    }
  });

  test("each key is a sensitive string variable whose name is a valid Terraform identifier", () => {
    const { variables } = synthGenerated(result.code);
    expect(Object.keys(variables).sort()).toEqual(["octopus_api_key_2fast", "octopus_api_key_no_description", "octopus_api_key_octo_main", "octopus_api_key_quotes", "octopus_api_key_unicode"]);
    for (const [name, v] of Object.entries(variables)) {
      expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
      expect(v).toEqual(expect.objectContaining({ sensitive: true, type: "string" }));
    }
    expect(result.connections.map((c) => c.env)).toContain("TF_VAR_octopus_api_key_octo_main");
  });

  test("construct ids are valid Terraform resource names (a name may start with a digit)", () => {
    expect(result.connections.find((c) => c.name === "2fast")!.constructId).toBe("connection-2fast");
    const json = JSON.parse(Testing.synth(new (load<Module>(result.code).ImportedConnectionsStack)(Testing.app(), "s")));
    for (const name of Object.keys(json.resource.terraform_data)) expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_-]*$/);
  });

  test("the header says where each key goes, and nothing from the KMS escapes a comment", () => {
    expect(result.code).toContain("//   export TF_VAR_octopus_api_key_octo_main='API-...'  # octo-main");
    const comments = result.code.split("\n").filter((l) => l.trimStart().startsWith("//"));
    for (const line of comments) expect(line).toMatch(/^[\x20-\x7e]*$/);
    expect(result.code).not.toMatch(/[\u2028\u2029]/);
  });

  test("addImportedConnections returns the constructs by connection name", () => {
    const mod = load<Module>(result.code);
    const stack = new TerraformStack(Testing.app(), "s");
    const declared = mod.addImportedConnections(stack);
    expect(Object.keys(declared).sort()).toEqual(["2fast", "no-description", "octo-main", "quotes", "unicode"]);
    expect(declared["octo-main"]).toBeInstanceOf(OctopusDeployConnection);
  });
});

test("project-level (engine terraform_data): the project id once, as a constant", () => {
  expect(project.connections.map((c) => [c.name, c.projectId])).toEqual([["p", P1]]);
  expect(project.code).toContain(`const PROJECT_ID = "${P1}";`);
  expect(synthGenerated(project.code).byName.p!.project_id).toBe(P1);
});

test("connections the construct would refuse (engine terraform_data: names of at most 32) are listed as skipped, not declared", () => {
  const result = refused;
  expect(result.connections.map((c) => c.name)).toEqual(["ok"]);
  expect(result.skipped.map((s) => [s.name, s.reason])).toEqual([
    ["a-name-that-is-longer-than-thirty-two-chars", expect.stringMatching(/^its name must be at most 32 characters/)],
    ["control", expect.stringMatching(/^its description must not contain control characters/)],
    ["plain-http", expect.stringMatching(/^its instance URL must use https/)],
    ["weird-id", "its id is not a KMS id"],
  ]);
  expect(result.code).toContain("// Not declared: weird-id (id x?*/ evil): its id is not a KMS id.");
});

test("no connection: still a valid module that declares nothing", () => {
  expect(empty.connections).toEqual([]);
  const stack = new TerraformStack(Testing.app(), "s");
  expect(load<Module>(empty.code).addImportedConnections(stack)).toEqual({});
});
