/**
 * generateImportCode with the project's secret syncs: each becomes an OctopusDeploySecretSync with the
 * live values and an import block of its own id; its connection is the imported connection's
 * construct (a reference to its resource's id) or, when the connection is not imported, its id; the
 * construct's rules skip what it would refuse; engine "terraform_data" and --org declare no sync.
 * (Compilation of the same variants: import-code.test.ts.)
 */
import { TerraformStack, Testing } from "cdktf";
import { liveConnection, liveSync, nextId, P1 } from "./sync-fixtures";
import { load } from "./typecheck";
import { OctopusDeploySecretSync } from "../../lib/construct/octopus-deploy-secret-sync";
import { generateImportCode } from "../../lib/stacks/import-code";
import { NEEDS_PROVIDER } from "../../lib/stacks/import-syncs";
import { syncVariants } from "./sync-variants";

const SYNC_TYPE = "hanzokms_octopus_deploy_secret_sync";
const CONNECTION_TYPE = "hanzokms_octopus_deploy_connection";
const { connection, orgConnectionId, syncs, withSyncs, syncsOnly, hooks, org } = syncVariants();

type Module = { ImportedConnectionsStack: new (scope: unknown, id: string) => TerraformStack; addImportedSyncs?: (stack: TerraformStack, connections: Record<string, unknown>) => Record<string, OctopusDeploySecretSync> };

function synth(code: string) {
  const json = JSON.parse(Testing.synth(new (load<Module>(code).ImportedConnectionsStack)(Testing.app(), "imported")));
  const resources = (json.resource[SYNC_TYPE] ?? {}) as Record<string, Record<string, unknown>>;
  return {
    json,
    byName: Object.fromEntries(Object.entries(resources).map(([key, r]) => [r.name as string, { address: `${SYNC_TYPE}.${key}`, ...r } as Record<string, unknown> & { address: string }])),
    imports: (json.import ?? []) as { id: string; to: string }[],
  };
}

test("each declarable sync synthesizes to the live values, with an import block of its own id", () => {
  const { json, byName, imports } = synth(withSyncs.code);
  expect(Object.keys(byName).sort()).toEqual(["app", "octo", "on-org-connection", "plain"]);
  const [connectionKey] = Object.keys(json.resource[CONNECTION_TYPE]);
  const app = syncs.find((s) => s.name === "app")!;
  expect(byName.app).toEqual(
    expect.objectContaining({
      name: "app",
      description: 'quote " ${x} \u00e9',
      connection_id: `\${${CONNECTION_TYPE}.${connectionKey}.id}`,
      project_id: P1,
      environment: "staging",
      secret_path: "/app/db",
      destination_space_id: "Spaces-2",
      destination_project_id: "Projects-7",
      scope_environments: ["Environments-1", "Environments-2"],
      scope_roles: ["web"],
      key_schema: "APP_{{secretKey}}",
      disable_secret_deletion: true,
      auto_sync_enabled: false,
      remove_secrets_on_destroy: false,
    }),
  );
  expect(byName.app!.scope_machines).toBeUndefined();
  expect(imports).toEqual(expect.arrayContaining([{ id: app.id, to: byName.app!.address }]));
  for (const s of syncs.filter((x) => byName[x.name])) expect(imports.filter((i) => i.to === byName[s.name]!.address)).toEqual([{ id: s.id, to: byName[s.name]!.address }]);
  // A sync on a connection that is not imported (here: the organization's) names it by id, on the KMS of the import.
  expect(byName["on-org-connection"]!.connection_id).toBe(orgConnectionId);
  expect(withSyncs.code).toContain(`      connection: ${JSON.stringify(orgConnectionId)},\n`);
  // Defaults stay defaults: no syncOptions, auto-sync on.
  expect(byName.plain!.auto_sync_enabled).toBe(true);
  for (const unset of ["key_schema", "disable_secret_deletion", "description", "scope_environments"]) expect(byName.plain).not.toHaveProperty(unset);
  expect(withSyncs.code).toContain(`    sync.importFrom(${JSON.stringify(app.id)});\n    syncs["app"] = sync;`);
});

test("the result lists the syncs with their connection, and the skipped ones with the construct's rule", () => {
  expect(withSyncs.syncs.map((s) => [s.name, s.connection, s.constructId])).toEqual([
    ["app", connection.name, "app"],
    ["octo", connection.name, "octo-sync"], // "octo" is the connection's construct id
    ["on-org-connection", null, "on-org-connection"],
    ["plain", connection.name, "plain"],
  ]);
  expect(withSyncs.syncs[0]).toEqual({
    id: syncs.find((s) => s.name === "app")!.id,
    name: "app",
    description: 'quote " ${x} \u00e9',
    connectionId: connection.id,
    connection: "octo",
    projectId: P1,
    environment: "staging",
    secretPath: "/app/db",
    destination: { spaceId: "Spaces-2", projectId: "Projects-7", scopeValues: { environments: ["Environments-1", "Environments-2"], roles: ["web"] } },
    syncOptions: { keySchema: "APP_{{secretKey}}", disableSecretDeletion: true, initialSyncBehavior: "overwrite-destination" },
    autoSyncEnabled: false,
    syncStatus: "failed",
    constructId: "app",
  });
  expect(withSyncs.skipped.filter((s) => s.kind === "sync").map((s) => [s.name, s.reason])).toEqual([
    ["Bad_Name", expect.stringMatching(/^its name must be a slug/)],
    ["bad-key-schema", expect.stringMatching(/^its syncOptions\.keySchema must contain the \{\{secretKey\}\} placeholder exactly once/)],
    ["no-folder", "its secret path is not known (the KMS returned none)"],
  ]);
  expect(withSyncs.code).toContain("// Not declared: secret sync Bad_Name (id ");
  expect(withSyncs.code).toContain("// Each secret sync is imported by id with sync.importFrom(...)");
  expect(withSyncs.code).toMatch(/^\/\/ from the KMS at https:\/\/kms\.example\.com: 1 Octopus Deploy connection and 4 secret syncs of project /m);
});

test("construct ids never collide with the connections' (a sync named like its connection)", () => {
  const octo = withSyncs.syncs.find((s) => s.name === "octo")!;
  expect(octo.constructId).toBe("octo-sync");
  expect(synth(withSyncs.code).byName.octo!.address).toMatch(/^hanzokms_octopus_deploy_secret_sync\.octo-sync_[0-9A-F]{8}$/);
});

test("addImportedSyncs takes addImportedConnections' result; a missing connection is a clear error", () => {
  const mod = load<Module>(withSyncs.code);
  expect(() => mod.addImportedSyncs!(new TerraformStack(Testing.app(), "s"), {})).toThrow('addImportedSyncs: no connection "octo" in the connections given');
});

test("syncs whose connection is not imported: no TerraformVariable, the KMS URL as a constant", () => {
  expect(syncsOnly.connections).toEqual([]);
  expect(syncsOnly.syncs.map((s) => s.name)).toEqual(["alone"]);
  expect(syncsOnly.code).toContain('import { TerraformStack } from "cdktf";');
  expect(syncsOnly.code).toContain("const KMS_URL = ");
  expect(syncsOnly.code).toContain("addImportedSyncs(stack: TerraformStack, _connections:");
  expect(synth(syncsOnly.code).byName.alone!.connection_id).toBe(orgConnectionId);
});

test('engine "terraform_data": no sync is declared, each is skipped with the reason', () => {
  expect(hooks.syncs).toEqual([]);
  expect(hooks.skipped.filter((s) => s.kind === "sync").map((s) => s.reason)).toEqual(Array(syncs.length).fill(NEEDS_PROVIDER));
  expect(hooks.code).not.toContain("OctopusDeploySecretSync");
  expect(hooks.code).toContain("// Not declared: secret sync app (id ");
});

test("--org: syncs are project-level, none is declared or listed", () => {
  expect(org.syncs).toEqual([]);
  expect(org.skipped.filter((s) => s.kind === "sync")).toEqual([]);
  expect(org.code).not.toContain("secret sync");
});

test("syncs of another project are ignored", () => {
  const other = generateImportCode([liveConnection("c")], {
    kmsUrl: "https://kms.example.com",
    projectId: P1,
    command: "x",
    syncs: [liveSync("elsewhere", nextId(), { projectId: "22222222-2222-4222-8222-222222222222" })],
  });
  expect(other.syncs).toEqual([]);
  expect(other.skipped).toEqual([]);
});
