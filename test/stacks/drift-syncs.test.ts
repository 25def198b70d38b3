/**
 * detectDrift on secret syncs against a scripted KMS: entries of kind "sync" beside the connections,
 * matched by the state's id or by name, every declared field compared (named as the construct's
 * props), the connection through the connection drift's match, a failed last sync as a detail,
 * missing / unknown / error / unmanaged, and one sync list request per (KMS, project).
 */
jest.mock("../../lib/provider/install", () => jest.requireActual("./provider-stub").standInInstall());
import * as path from "node:path";
import { TerraformStack, TerraformVariable } from "cdktf";
import { liveConnection, liveSync, LiveSyncExtra, P1 } from "./sync-fixtures";
import { synthStack, tempDir, writeState } from "./helpers";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { OctopusDeploySecretSync, OctopusDeploySecretSyncProps } from "../../lib/construct/octopus-deploy-secret-sync";
import { KmsApiError, KmsUnavailableError } from "../../lib/kms/errors";
import { Connection } from "../../lib/kms/schemas";
import { SecretSync } from "../../lib/kms/sync-schemas";
import { declaredSyncs, readStack } from "../../lib/stacks/declarations";
import { DriftReport, ListApi, detectDrift } from "../../lib/stacks/drift";
import { SyncListApi, syncDifferences } from "../../lib/stacks/drift-syncs";

const KMS = "https://kms.example.com";
const P2 = "22222222-2222-4222-8222-222222222222";

/** A KMS answering both list routes, recording requests. */
class FakeKms implements ListApi, SyncListApi {
  readonly requests: string[] = [];
  syncFailures = new Map<string, Error>();
  constructor(
    public connections: Connection[],
    public syncs: SecretSync[] = [],
  ) {}
  async list(projectId?: string): Promise<Connection[]> {
    this.requests.push(`connections ${projectId ?? "org"}`);
    return this.connections.filter((c) => projectId === undefined || c.projectId === projectId);
  }
  async listSyncs(projectId: string): Promise<SecretSync[]> {
    this.requests.push(`syncs ${projectId}`);
    const failure = this.syncFailures.get(projectId);
    if (failure) throw failure;
    return this.syncs.filter((s) => s.projectId === projectId);
  }
}

type SyncProps = Partial<Omit<OctopusDeploySecretSyncProps, "connection">> & { readonly connection?: string };
/** A stack with the connection "octo" (project P1) and the given syncs on it (or on the id in `connection`). */
function stackOf(syncs: Record<string, SyncProps | ((s: TerraformStack) => SyncProps)>, statePath = path.join(tempDir(), "terraform.tfstate")) {
  const dir = synthStack(
    (s) => {
      const octo = new OctopusDeployConnection(s, "octo", { name: "octo", projectId: P1, instanceUrl: "https://o.octopus.app", apiKeyEnv: "K", kmsUrl: KMS });
      for (const [id, props] of Object.entries(syncs)) {
        const p = typeof props === "function" ? props(s) : props;
        new OctopusDeploySecretSync(s, id, {
          name: id,
          projectId: P1,
          environment: "prod",
          secretPath: "/app",
          destination: { spaceId: "Spaces-1", projectId: "Projects-1" },
          ...(p.connection ? { kmsUrl: KMS } : {}), // a sync on a connection id needs its KMS
          ...p,
          connection: p.connection ?? octo,
        });
      }
    },
    { statePath },
  );
  return { stack: readStack(dir), statePath };
}

function drift(stack: ReturnType<typeof stackOf>["stack"], kms: FakeKms, unmanaged = false): Promise<DriftReport> {
  return detectDrift({ stacks: [stack], clientFor: () => kms, syncClientFor: () => kms, unmanaged });
}

const syncEntries = (r: DriftReport) => r.connections.filter((e) => e.kind === "sync");
const octo = () => liveConnection("octo");
const kmsWith = (connection: Connection, ...syncs: [string, LiveSyncExtra?][]) => new FakeKms([connection], syncs.map(([name, extra]) => liveSync(name, connection.id, extra)));

test("in sync: a sync entry beside its connection, the connection compared through the connection's match; one request per list", async () => {
  const kms = kmsWith(octo(), ["app"], ["other"]);
  const report = await drift(stackOf({ app: {}, other: {} }).stack, kms);
  expect(report.connections.map((e) => [e.kind, e.name, e.status])).toEqual([
    ["sync", "app", "in-sync"],
    ["connection", "octo", "in-sync"],
    ["sync", "other", "in-sync"],
  ]);
  expect(syncEntries(report)[0]).toEqual({
    kind: "sync",
    status: "in-sync",
    name: "app",
    kmsUrl: KMS,
    projectId: P1,
    stack: "test",
    stackDir: expect.any(String),
    address: expect.stringMatching(/^hanzokms_octopus_deploy_secret_sync\.app_sync_[0-9A-F]{8}$/),
    path: "test/app",
    id: kms.syncs[0]!.id,
    differences: [],
    detail: null,
    syncStatus: "succeeded",
  });
  expect(kms.requests).toEqual([`connections ${P1}`, `syncs ${P1}`]);
  expect(report.requests).toBe(2);
  expect(report.exitCode).toBe(0);
});

test("every declared field that differs is named as the construct's prop, declared vs live", async () => {
  const connection = octo();
  const elsewhere = liveConnection("elsewhere");
  const kms = new FakeKms(
    [connection, elsewhere],
    [
      liveSync("app", elsewhere.id, {
        description: "by hand",
        environment: "dev",
        secretPath: "/other",
        spaceId: "Spaces-9",
        octopusProjectId: "Projects-9",
        scopeValues: { roles: ["db"] },
        keySchema: null,
        disableSecretDeletion: true,
        autoSyncEnabled: false,
      }),
    ],
  );
  const report = await drift(
    stackOf({
      app: { description: "declared", destination: { spaceId: "Spaces-1", projectId: "Projects-1", scopeValues: { environments: ["Environments-1"] } }, syncOptions: { keySchema: "APP_{{secretKey}}" } },
    }).stack,
    kms,
  );
  const [entry] = syncEntries(report);
  expect(entry!.status).toBe("drifted");
  expect(entry!.differences).toEqual([
    { field: "description", declared: "declared", live: "by hand" },
    { field: "connection", declared: connection.id, live: elsewhere.id },
    { field: "environment", declared: "prod", live: "dev" },
    { field: "secretPath", declared: "/app", live: "/other" },
    { field: "destination.spaceId", declared: "Spaces-1", live: "Spaces-9" },
    { field: "destination.projectId", declared: "Projects-1", live: "Projects-9" },
    { field: "destination.scopeValues.environments", declared: ["Environments-1"], live: null },
    { field: "destination.scopeValues.roles", declared: null, live: ["db"] },
    { field: "syncOptions.keySchema", declared: "APP_{{secretKey}}", live: null },
    { field: "syncOptions.disableSecretDeletion", declared: false, live: true },
    { field: "autoSyncEnabled", declared: true, live: false },
  ]);
  expect(report.exitCode).toBe(2);
});

test("no description and an empty one, no scope list and an empty one, are the same", () => {
  const values = new Map([
    ["description", null],
    ["scope_roles", null],
    ["key_schema", null],
  ]);
  expect(syncDifferences(values, liveSync("a", "c", { description: "", scopeValues: { roles: [] }, keySchema: "" }))).toEqual([]);
});

test("a failed last sync is a detail, also when the sync is in sync (not drift by itself)", async () => {
  const kms = kmsWith(octo(), ["app", { syncStatus: "failed", lastSyncMessage: 'Octopus: {"ErrorMessage":"You must be logged in"}\n  again' }]);
  const report = await drift(stackOf({ app: {} }).stack, kms);
  const [entry] = syncEntries(report);
  expect(entry).toEqual(expect.objectContaining({ status: "in-sync", syncStatus: "failed" }));
  expect(entry!.detail).toBe(
    `its last sync failed: Octopus: {"ErrorMessage":"You must be logged in"} again; fix the cause, then run \`npx cdktf-kms-octopus sync app --project-id ${P1}\` (or apply)`,
  );
  expect(report.exitCode).toBe(0);
});

describe("matching", () => {
  test("by the id in the state: a sync renamed by hand is the same sync, its name drifted", async () => {
    const { stack, statePath } = stackOf({ app: {} });
    const kms = kmsWith(octo(), ["renamed-by-hand"]);
    writeState(statePath, { [declaredSyncs(stack)[0]!.address]: { id: kms.syncs[0]!.id, name: "app" } });
    const [entry] = syncEntries(await drift(stack, kms));
    expect(entry).toEqual(expect.objectContaining({ status: "drifted", id: kms.syncs[0]!.id, differences: [{ field: "name", declared: "app", live: "renamed-by-hand" }] }));
    expect(entry!.detail).toMatch(/has another name: the next apply renames it \(same id\)/);
  });

  test("a connection id given as a literal is compared as is", async () => {
    const connection = octo();
    const other = "99999999-9999-4999-8999-999999999999";
    const kms = new FakeKms([connection], [liveSync("app", connection.id)]);
    const [entry] = syncEntries(await drift(stackOf({ app: { connection: other } }).stack, kms));
    expect(entry!.differences).toEqual([{ field: "connection", declared: other, live: connection.id }]);
  });

  test("the connection is not compared when its connection is missing (that entry says so)", async () => {
    const kms = new FakeKms([], [liveSync("app", "00000000-0000-4000-8000-00000000ffff")]);
    const report = await drift(stackOf({ app: {} }).stack, kms);
    expect(report.connections.map((e) => [e.kind, e.status])).toEqual([
      ["sync", "in-sync"],
      ["connection", "missing"],
    ]);
  });
});

describe("missing, unknown, errors", () => {
  test("missing without state / not deployed / deleted outside Terraform", async () => {
    const none = stackOf({ app: {} }, path.join(tempDir(), "none.tfstate"));
    expect(syncEntries(await drift(none.stack, kmsWith(octo())))[0]!.detail).toMatch(new RegExp(`^no secret sync "app" in project ${P1} \\(no state file at `));

    const deployed = stackOf({ app: {} });
    const address = declaredSyncs(deployed.stack)[0]!.address;
    writeState(deployed.statePath, { [address]: { id: "gone-id", name: "app" } });
    const [entry] = syncEntries(await drift(deployed.stack, kmsWith(octo())));
    expect(entry).toEqual(expect.objectContaining({ status: "missing", id: null }));
    expect(entry!.detail).toBe(
      `no secret sync "app" (nor id gone-id) in project ${P1}, although the state says it was deployed: it was deleted outside Terraform. The provider sees it at the next refresh: (cd ${deployed.stack.dir} && terraform apply) creates it again`,
    );

    const fresh = stackOf({ app: {} });
    writeState(fresh.statePath, {});
    expect(syncEntries(await drift(fresh.stack, kmsWith(octo())))[0]!.detail).toMatch(/: not deployed yet \(the state has no hanzokms_octopus_deploy_secret_sync\..*\); the next apply creates it$/);
  });

  test("a project reference without state: unknown, no sync request; from the state: resolved", async () => {
    const build = (s: TerraformStack) => ({ projectId: new TerraformVariable(s, "project", { type: "string" }).stringValue, connection: "abcdef12-3456-7890-abcd-ef1234567890" });
    const { stack, statePath } = stackOf({ v: build });
    const kms = kmsWith(octo());
    const report = await drift(stack, kms);
    expect(syncEntries(report)[0]).toEqual(expect.objectContaining({ status: "unknown", name: "v", kmsUrl: KMS, projectId: null }));
    expect(syncEntries(report)[0]!.detail).toMatch(/^unresolved reference: \$\{var\.project\} \(project_id\); no state file at /);
    expect(kms.requests).toEqual([`connections ${P1}`]);
    expect(report.exitCode).toBe(1);

    const live = liveSync("v", "abcdef12-3456-7890-abcd-ef1234567890", { projectId: P2 });
    writeState(statePath, { [declaredSyncs(stack)[0]!.address]: { id: live.id, name: "v", project_id: P2 } });
    const resolved = syncEntries(await drift(stack, new FakeKms([octo()], [live])))[0]!;
    expect(resolved).toEqual(expect.objectContaining({ status: "in-sync", projectId: P2, detail: "project_id read from the state" }));
  });

  test("a project the KMS does not know: missing; a KMS failure: error (exit 1)", async () => {
    const kms = kmsWith(octo());
    kms.syncFailures.set(P1, new KmsApiError(404, "NotFound", `Could not find project with ID ${P1}`, undefined, { method: "GET", path: "/", attempts: 1 }));
    expect(syncEntries(await drift(stackOf({ app: {} }).stack, kms))[0]).toEqual(expect.objectContaining({ status: "missing", detail: `project ${P1} does not exist in the KMS at ${KMS}` }));

    kms.syncFailures.set(P1, new KmsUnavailableError("503", { method: "GET", path: "/x", attempts: 3 }, 10));
    const report = await drift(stackOf({ app: {} }).stack, kms);
    expect(syncEntries(report)[0]!.status).toBe("error");
    expect(report.exitCode).toBe(1);
  });

  test("declared syncs without a sync client is a programming error", async () => {
    await expect(detectDrift({ stacks: [stackOf({ app: {} }).stack], clientFor: () => kmsWith(octo()) })).rejects.toThrow("no syncClientFor");
  });
});

test("a hundred syncs in one project cost one sync request", async () => {
  const names = Array.from({ length: 100 }, (_, i) => `sync-${i}`);
  const kms = kmsWith(octo(), ...names.map((n) => [n] as [string]));
  const report = await drift(stackOf(Object.fromEntries(names.map((n) => [n, {}]))).stack, kms);
  expect(report.summary["in-sync"]).toBe(101);
  expect(kms.requests).toEqual([`connections ${P1}`, `syncs ${P1}`]);
});

test("--unmanaged: a sync made by hand in a declared project is an unmanaged sync entry", async () => {
  const kms = kmsWith(octo(), ["app"], ["hand-made"]);
  const report = await drift(stackOf({ app: {} }).stack, kms, true);
  expect(report.connections.filter((e) => e.status === "unmanaged").map((e) => [e.kind, e.name, e.projectId, e.detail])).toEqual([
    ["sync", "hand-made", P1, `no stack declares it: adopt it with \`npx cdktf-kms-octopus import --project ${P1}\`, or delete it`],
  ]);
  expect(report.exitCode).toBe(2);
});
