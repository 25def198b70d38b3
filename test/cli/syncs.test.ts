/**
 * `import` and `drift` with Octopus Deploy secret syncs, in-process against the local KMS (syncs made
 * through the KMS API): import writes the sync on its imported connection with importFrom(id) in two
 * KMS requests; the generated code, synthesized as is, is in sync for drift; a sync changed by hand
 * is drift (exit 2) naming the field; a failed last sync is shown; --json carries kind "sync".
 */
jest.mock("../../lib/provider/install", () => jest.requireActual("../stacks/provider-stub").standInInstall());
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { captureIo } from "./io";
import { EXIT } from "../../lib/cli/context";
import { runDrift } from "../../lib/cli/commands/drift";
import { runImport } from "../../lib/cli/commands/import";
import { KmsClient } from "../../lib/kms/client";
import { SecretSyncClient } from "../../lib/kms/secret-syncs";
import { SecretSync } from "../../lib/kms/sync-schemas";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { tempDir } from "../stacks/helpers";
import { load } from "../stacks/typecheck";

let kms: LocalKms;
let env: NodeJS.ProcessEnv;
let syncs: SecretSync[];
let client: SecretSyncClient;
let connectionId: string;

beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  env = { KMS_TOKEN: kms.token, KMS_URL: kms.kmsUrl };
  const kmsClient = new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "token", token: kms.token, source: "test" } });
  client = new SecretSyncClient(kmsClient);
  connectionId = (await kmsClient.create({ name: "octo", projectId: kms.projectId, method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } })).id;
  kms.createFolder("prod", "/app");
  kms.setSecret("APP_KEY", "app-secret-value", { environment: "prod", secretPath: "/app" });
  const destinationConfig = { spaceId: kms.octopusSpaceId, scope: "project", projectId: kms.octopusProjectId } as const;
  syncs = [
    await client.createSync({
      name: "app",
      description: "App secrets",
      projectId: kms.projectId,
      connectionId,
      environment: "prod",
      secretPath: "/app",
      syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "APP_{{secretKey}}" },
      destinationConfig: { ...destinationConfig, scopeValues: { roles: ["web"] } },
    }),
    await client.createSync({ name: "manual", projectId: kms.projectId, connectionId, environment: "dev", secretPath: "/", isAutoSyncEnabled: false, syncOptions: { initialSyncBehavior: "overwrite-destination" }, destinationConfig }),
  ];
  await kms.syncsIdle();
});
afterAll(async () => kms?.close());

test("import --project: the syncs on the imported connection, each with importFrom(id); two KMS requests", async () => {
  kms.clearRequests();
  const io = captureIo();
  expect(await runImport({ project: kms.projectId }, io, env)).toBe(EXIT.ok);
  const code = io.stdout();
  expect(code).toContain(`// from the KMS at ${kms.kmsUrl}: 1 Octopus Deploy connection and 2 secret syncs of project ${kms.projectId}.`);
  expect(code).toContain(
    [
      `    const sync = new OctopusDeploySecretSync(stack, "app", {`,
      `      name: "app",`,
      `      description: "App secrets",`,
      `      connection: importedConnection(connections, "octo"),`,
      `      projectId: PROJECT_ID,`,
      `      environment: "prod",`,
      `      secretPath: "/app",`,
      `      destination: {`,
      `        spaceId: "Spaces-1",`,
      `        projectId: "Projects-1",`,
      `        scopeValues: { roles: ["web"] },`,
      `      },`,
      `      syncOptions: {`,
      `        keySchema: "APP_{{secretKey}}",`,
      `      },`,
      `    });`,
      `    sync.importFrom("${syncs[0]!.id}");`,
    ].join("\n"),
  );
  expect(code).toContain(`      autoSyncEnabled: false,\n    });\n    sync.importFrom("${syncs[1]!.id}");`);
  expect(code).toContain("    addImportedSyncs(this, addImportedConnections(this));");
  expect(io.stderr()).toBe(`Imported 1 connection and 2 secret syncs of project ${kms.projectId}. At deploy, set TF_VAR_octopus_api_key_octo to each connection's current API key.\n`);
  expect(kms.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/v1/app-connections/octopus-deploy", "GET /api/v1/secret-syncs/octopus-deploy"]);
  expect(code + io.stderr()).not.toContain("app-secret-value");
});

test("import --json: the syncs with their fields; --engine terraform_data skips them with the reason", async () => {
  const io = captureIo();
  expect(await runImport({ project: kms.projectId, json: true }, io, env)).toBe(EXIT.ok);
  const result = JSON.parse(io.stdout());
  expect(result.version).toBe(1);
  expect(result.syncs.map((s: { name: string; connection: string; connectionId: string }) => [s.name, s.connection, s.connectionId])).toEqual([
    ["app", "octo", connectionId],
    ["manual", "octo", connectionId],
  ]);
  expect(result.syncs[0]).toEqual(expect.objectContaining({ environment: "prod", secretPath: "/app", autoSyncEnabled: true, syncStatus: "succeeded" }));

  const hooks = captureIo();
  expect(await runImport({ project: kms.projectId, engine: "terraform_data", json: true }, hooks, env)).toBe(EXIT.ok);
  const skipped = JSON.parse(hooks.stdout()).skipped;
  expect(skipped.map((s: { kind: string; name: string }) => [s.kind, s.name])).toEqual([
    ["sync", "app"],
    ["sync", "manual"],
  ]);
  expect(hooks.stderr()).toContain(`Warning: secret sync app (id ${syncs[0]!.id}) is not declared: secret syncs need the provider engine`);
});

describe("drift of the imported code", () => {
  let stackDir: string;
  beforeAll(async () => {
    const io = captureIo();
    await runImport({ project: kms.projectId }, io, env);
    const mod = load<{ ImportedConnectionsStack: new (scope: unknown, id: string) => TerraformStack }>(io.stdout());
    const outdir = path.join(tempDir("syncs-"), "cdktf.out");
    const app = new App({ outdir, skipValidation: true });
    new mod.ImportedConnectionsStack(app, "imported");
    app.synth();
    stackDir = path.join(outdir, "stacks", "imported");
  });

  test("in sync as imported: a KIND column, the connection and both syncs", async () => {
    kms.clearRequests();
    const io = captureIo();
    expect(await runDrift({ stack: [stackDir] }, io, env)).toBe(EXIT.ok);
    const lines = io.stdout().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^STATUS\s+KIND\s+NAME\s+SCOPE\s+DECLARED AT$/);
    expect(lines.slice(1, 4).map((l) => l.split(/\s{2,}/))).toEqual([
      ["in sync", "sync", "app", `project ${kms.projectId}`, "imported/app"],
      ["in sync", "sync", "manual", `project ${kms.projectId}`, "imported/manual"],
      ["in sync", "connection", "octo", `project ${kms.projectId}`, "imported/octo"],
    ]);
    expect(lines.slice(-2)).toEqual([`1 connection and 2 secret syncs at ${kms.kmsUrl}: 3 in sync, 0 drifted, 0 missing (2 KMS requests).`, "In sync."]);
    expect(kms.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/v1/app-connections/octopus-deploy", "GET /api/v1/secret-syncs/octopus-deploy"]);
  });

  test("a sync changed by hand: exit 2, the field with declared and live values; --json has kind sync", async () => {
    await client.updateSync(syncs[0]!.id, {
      syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "HAND_{{secretKey}}" },
      isAutoSyncEnabled: false,
    });
    await kms.syncsIdle();
    const io = captureIo();
    expect(await runDrift({ stack: [stackDir] }, io, env)).toBe(EXIT.drift);
    expect(io.stdout()).toMatch(
      /^drifted\s+sync\s+app\s+project \S+\s+imported\/app\n\s+syncOptions\.keySchema: declared "APP_\{\{secretKey\}\}", live "HAND_\{\{secretKey\}\}"\n\s+autoSyncEnabled: declared true, live false$/m,
    );
    expect(io.stdout()).toMatch(/: 2 in sync, 1 drifted, 0 missing \(2 KMS requests\)\.\nDrift found\.\n$/);

    const json = captureIo();
    expect(await runDrift({ stack: [stackDir], json: true }, json, env)).toBe(EXIT.drift);
    const report = JSON.parse(json.stdout());
    expect(report.version).toBe(1);
    expect(report.connections.find((e: { name: string }) => e.name === "app")).toEqual(
      expect.objectContaining({
        kind: "sync",
        status: "drifted",
        id: syncs[0]!.id,
        differences: [
          { field: "syncOptions.keySchema", declared: "APP_{{secretKey}}", live: "HAND_{{secretKey}}" },
          { field: "autoSyncEnabled", declared: true, live: false },
        ],
      }),
    );
    expect(report.connections.find((e: { name: string }) => e.name === "octo").kind).toBe("connection");
  });

  test("a failed last sync is shown under an in-sync sync, with the KMS's message", async () => {
    kms.setOctopusFailure({ status: 401, times: 1 });
    await client.triggerSync(syncs[1]!.id);
    await kms.syncsIdle();
    const io = captureIo();
    await runDrift({ stack: [stackDir] }, io, env);
    expect(io.stdout()).toMatch(/^in sync\s+sync\s+manual\s+.*\n\s+its last sync failed: .*You must be logged in.*; fix the cause, then run `npx cdktf-kms-octopus sync manual --project-id \S+` \(or apply\)$/m);
  });

  test("a sync deleted by hand: missing, exit 2", async () => {
    await client.deleteSync(syncs[1]!.id);
    const io = captureIo();
    expect(await runDrift({ stack: [stackDir] }, io, env)).toBe(EXIT.drift);
    expect(io.stdout()).toMatch(/^missing\s+sync\s+manual\s+.*\n\s+no secret sync "manual" in project \S+ \(no state file at /m);
  });
});
