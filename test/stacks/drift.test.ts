/**
 * detectDrift against a scripted KMS list API: statuses, differences, state resolution, exit codes,
 * and one list request per (KMS, scope) whatever the number of connections.
 */
import * as path from "node:path";
import { TerraformStack, TerraformVariable } from "cdktf";
import { HOOK_ENGINE, synthStack, tempDir, writeState } from "./helpers";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib/construct/octopus-deploy-connection";
import { ConfigError, KmsApiError, KmsUnavailableError } from "../../lib/kms/errors";
import { Connection } from "../../lib/kms/schemas";
import { declaredConnections, readStack } from "../../lib/stacks/declarations";
import { DriftReport, ListApi, detectDrift } from "../../lib/stacks/drift";

const KMS = "https://kms.example.com";
const KMS2 = "https://kms2.example.com";
const P1 = "11111111-1111-4111-8111-111111111111";
const P2 = "22222222-2222-4222-8222-222222222222";
const URL = "https://o.octopus.app";
let nextId = 0;

function live(name: string, extra: { projectId?: string | null; description?: string | null; instanceUrl?: string } = {}): Connection {
  return {
    id: `00000000-0000-4000-8000-${String(++nextId).padStart(12, "0")}`,
    name,
    description: extra.description ?? null,
    projectId: extra.projectId ?? null,
    app: "octopus-deploy",
    method: "api-key",
    credentials: { instanceUrl: extra.instanceUrl ?? URL },
  };
}

/** A KMS whose list route answers from `connections` (org-wide list: every scope), recording requests. */
class FakeKms implements ListApi {
  readonly requests: (string | null)[] = [];
  failures = new Map<string | null, Error>();
  constructor(public connections: Connection[] = []) {}
  async list(projectId?: string): Promise<Connection[]> {
    this.requests.push(projectId ?? null);
    const failure = this.failures.get(projectId ?? null);
    if (failure) throw failure;
    return this.connections.filter((c) => projectId === undefined || c.projectId === projectId);
  }
}

type Props = Partial<OctopusDeployConnectionProps>;
/** Props, or props computed from the stack (for Terraform references). */
type PropsOf = Props | ((s: TerraformStack) => Props);
function stackOf(connections: Record<string, PropsOf>, options: { statePath?: string } = {}) {
  const dir = synthStack(
    (s) => {
      for (const [id, props] of Object.entries(connections)) {
        new OctopusDeployConnection(s, id, { ...HOOK_ENGINE, name: id, instanceUrl: URL, apiKeyEnv: "K", kmsUrl: KMS, ...(typeof props === "function" ? props(s) : props) });
      }
    },
    { statePath: options.statePath },
  );
  return readStack(dir);
}

async function drift(stacks: ReturnType<typeof stackOf>[], kms: FakeKms | Record<string, FakeKms>, unmanaged = false): Promise<DriftReport> {
  const byUrl = kms instanceof FakeKms ? { [KMS]: kms } : kms;
  return detectDrift({ stacks, unmanaged, clientFor: (url) => byUrl[url] ?? (() => { throw new Error(`no KMS ${url}`); })() });
}

const statusOf = (r: DriftReport) => Object.fromEntries(r.connections.map((c) => [c.name, c.status]));

test("in sync: organization and project connections, one list request per scope", async () => {
  const kms = new FakeKms([live("a", { description: "A" }), live("b"), live("c", { projectId: P1 }), live("other", { projectId: P2 })]);
  const report = await drift([stackOf({ a: { description: "A" }, b: {}, c: { projectId: P1 } })], kms);
  expect(statusOf(report)).toEqual({ a: "in-sync", b: "in-sync", c: "in-sync" });
  expect(report.exitCode).toBe(0);
  expect(kms.requests.sort()).toEqual([null, P1].sort());
  expect(report.requests).toBe(2);
  expect(report.connections.find((c) => c.name === "c")).toEqual(
    expect.objectContaining({ projectId: P1, kmsUrl: KMS, stack: "test", path: "test/c", address: expect.stringMatching(/^terraform_data\.c_connection_/), id: kms.connections[2]!.id }),
  );
});

test("a hundred connections in one scope cost one request (the KMS allows 60 reads a minute)", async () => {
  const names = Array.from({ length: 100 }, (_, i) => `conn-${i}`);
  const kms = new FakeKms(names.map((n) => live(n, { projectId: P1 })));
  const report = await drift([stackOf(Object.fromEntries(names.map((n) => [n, { projectId: P1 }])))], kms);
  expect(report.summary["in-sync"]).toBe(100);
  expect(kms.requests).toEqual([P1]);
});

test("drifted: name, description and instance URL, declared vs live", async () => {
  const kms = new FakeKms([live("a", { description: "edited by hand" }), live("old-b"), live("c", { instanceUrl: "https://other.octopus.app" })]);
  const report = await drift([stackOf({ a: { description: "A" }, b: { renamedFrom: "old-b" }, c: {} })], kms);
  expect(report.exitCode).toBe(2);
  const byName = Object.fromEntries(report.connections.map((c) => [c.name, c]));
  expect(byName.a!.differences).toEqual([{ field: "description", declared: "A", live: "edited by hand" }]);
  expect(byName.b!).toEqual(expect.objectContaining({ status: "drifted", differences: [{ field: "name", declared: "b", live: "old-b" }] }));
  expect(byName.b!.detail).toMatch(/still has the previous name "old-b" \(renamedFrom\): the next apply renames it/);
  expect(byName.c!.differences).toEqual([{ field: "instanceUrl", declared: URL, live: "https://other.octopus.app" }]);
});

test("no description and an empty one are the same (the KMS stores either)", async () => {
  const report = await drift([stackOf({ a: {} })], new FakeKms([live("a", { description: "" })]));
  expect(report.connections[0]!.status).toBe("in-sync");
});

test("templated literals are compared as the construct declared them", async () => {
  const report = await drift([stackOf({ a: { description: "costs ${var.x}" } })], new FakeKms([live("a", { description: "costs ${var.x}" })]));
  expect(report.connections[0]!.status).toBe("in-sync");
});

describe("missing", () => {
  test("without state: says the state could not be read", async () => {
    const report = await drift([stackOf({ a: {} }, { statePath: path.join(tempDir(), "none.tfstate") })], new FakeKms());
    expect(report.connections[0]).toEqual(expect.objectContaining({ status: "missing", id: null, detail: expect.stringMatching(/^no connection "a" in the organization \(no state file at /) }));
    expect(report.exitCode).toBe(2);
  });

  test("deployed according to the state: deleted outside Terraform, with the command that recreates it", async () => {
    const statePath = path.join(tempDir(), "s.tfstate");
    const stack = stackOf({ a: {} }, { statePath });
    const [decl] = declaredConnections(stack);
    writeState(statePath, { [decl!.address]: { id: "x", input: {} } });
    const report = await drift([stack], new FakeKms());
    expect(report.connections[0]!.detail).toContain(`deleted outside Terraform. Recreate it with (cd ${stack.dir} && terraform apply -replace='${decl!.address}')`);
  });

  test("not in the state: not deployed yet", async () => {
    const statePath = path.join(tempDir(), "s.tfstate");
    writeState(statePath, {});
    const report = await drift([stackOf({ a: {} }, { statePath })], new FakeKms());
    expect(report.connections[0]!.detail).toMatch(/not deployed yet .* the next apply creates it/);
  });

  test("a project that no longer exists", async () => {
    const kms = new FakeKms();
    kms.failures.set(P1, new KmsApiError(404, "NotFound", `Could not find project with ID ${P1}`, undefined, { method: "GET", path: "/", attempts: 1 }));
    const report = await drift([stackOf({ a: { projectId: P1 } })], kms);
    expect(report.connections[0]).toEqual(expect.objectContaining({ status: "missing", detail: `project ${P1} does not exist in the KMS at ${KMS}` }));
  });
});

describe("scope", () => {
  test("declared in the organization, found in a project: drifted scope (no extra request)", async () => {
    const kms = new FakeKms([live("a", { projectId: P1 })]);
    const report = await drift([stackOf({ a: {} })], kms);
    expect(report.connections[0]).toEqual(expect.objectContaining({ status: "drifted", differences: [{ field: "scope", declared: null, live: P1 }] }));
    expect(kms.requests).toEqual([null]);
  });

  test("declared in a project, found in the organization: one org-wide request to find it", async () => {
    const kms = new FakeKms([live("a", { description: "x" })]);
    const report = await drift([stackOf({ a: { projectId: P1 } })], kms);
    expect(report.connections[0]!.differences).toEqual([
      { field: "scope", declared: P1, live: null },
      { field: "description", declared: null, live: "x" },
    ]);
    expect(kms.requests).toEqual([P1, null]);
  });

  test("an identity that may not list the organization: plainly missing", async () => {
    const kms = new FakeKms([live("a")]);
    kms.failures.set(null, new KmsApiError(403, "PermissionDenied", "no", undefined, { method: "GET", path: "/", attempts: 1 }));
    const report = await drift([stackOf({ a: { projectId: P1 } })], kms);
    expect(report.connections[0]!.status).toBe("missing");
  });

  test("a connection another declaration matches is not taken as moved", async () => {
    const kms = new FakeKms([live("a")]);
    const report = await drift([stackOf({ a: {}, "a-in-project": { name: "a", projectId: P1 } })], kms);
    expect(report.connections.map((c) => [c.path, c.status])).toEqual([
      ["test/a", "in-sync"],
      ["test/a-in-project", "missing"],
    ]);
  });
});

describe("unmanaged", () => {
  const kms = () => new FakeKms([live("a"), live("hand-made"), live("p", { projectId: P1 }), live("elsewhere", { projectId: P2 })]);

  test("listed only with the flag, only in the declared scopes, and counted as drift", async () => {
    const stack = stackOf({ a: {}, p: { projectId: P1 } });
    expect((await drift([stack], kms())).exitCode).toBe(0);
    const report = await drift([stack], kms(), true);
    expect(report.connections.filter((c) => c.status === "unmanaged").map((c) => [c.name, c.projectId, c.stack])).toEqual([["hand-made", null, null]]);
    expect(report.exitCode).toBe(2);
  });

  test("a connection matched through renamedFrom is not unmanaged", async () => {
    const report = await drift([stackOf({ b: { renamedFrom: "a" } })], new FakeKms([live("a")]), true);
    expect(statusOf(report)).toEqual({ b: "drifted" });
  });
});

describe("references", () => {
  const withVariable = (statePath: string) =>
    stackOf({ v: (s) => ({ projectId: new TerraformVariable(s, "project", { type: "string" }).stringValue }) }, { statePath });

  test("unresolved without state: unknown, no request, exit 1", async () => {
    const kms = new FakeKms();
    const report = await drift([withVariable(path.join(tempDir(), "none.tfstate"))], kms);
    expect(report.connections[0]).toEqual(expect.objectContaining({ status: "unknown", name: "v", kmsUrl: KMS, projectId: null }));
    expect(report.connections[0]!.detail).toMatch(/^unresolved reference: \$\{var\.project\} \(project_id\); no state file at /);
    expect(kms.requests).toEqual([]);
    expect(report.exitCode).toBe(1);
  });

  test("resolved from the applied input in the state", async () => {
    const statePath = path.join(tempDir(), "s.tfstate");
    const stack = withVariable(statePath);
    writeState(statePath, { [declaredConnections(stack)[0]!.address]: { id: "x", input: { project_id: P1, name: "v" } } });
    const kms = new FakeKms([live("v", { projectId: P1 })]);
    const report = await drift([stack], kms);
    expect(report.connections[0]).toEqual(expect.objectContaining({ status: "in-sync", projectId: P1, detail: "project_id read from the state" }));
    expect(kms.requests).toEqual([P1]);
  });

  test("a state without the resource: unknown, deploy first", async () => {
    const statePath = path.join(tempDir(), "s.tfstate");
    writeState(statePath, {});
    const report = await drift([withVariable(statePath)], new FakeKms());
    expect(report.connections[0]!.detail).toMatch(/has no applied value for it: deploy first/);
  });

  test("the null_resource engine's empty-string null in the state", async () => {
    const statePath = path.join(tempDir(), "s.tfstate");
    const stack = stackOf({ n: (s) => ({ engine: "null_resource", projectId: new TerraformVariable(s, "project", { type: "string" }).stringValue }) }, { statePath });
    writeState(statePath, { [declaredConnections(stack)[0]!.address]: { id: "1", triggers: { project_id: "", name: "n" } } });
    const report = await drift([stack], new FakeKms([live("n")]));
    expect(report.connections[0]).toEqual(expect.objectContaining({ status: "in-sync", projectId: null }));
  });

  test("drift wins over unknown for the exit code", async () => {
    const report = await drift([withVariable(path.join(tempDir(), "none.tfstate")), stackOf({ a: {} })], new FakeKms());
    expect(report.summary).toEqual(expect.objectContaining({ unknown: 1, missing: 1 }));
    expect(report.exitCode).toBe(2);
  });
});

describe("errors", () => {
  test("a KMS failure for one scope marks its connections, the others are still checked", async () => {
    const kms = new FakeKms([live("a")]);
    kms.failures.set(P1, new KmsUnavailableError("503", { method: "GET", path: "/x", attempts: 3 }, 10));
    const report = await drift([stackOf({ a: {}, p: { projectId: P1 } })], kms);
    expect(statusOf(report)).toEqual({ a: "in-sync", p: "error" });
    expect(report.connections.find((c) => c.name === "p")!.detail).toMatch(/GET \/x failed after 3 attempt/);
    expect(report.exitCode).toBe(1);
  });

  test("missing credentials abort the whole check", async () => {
    await expect(
      detectDrift({ stacks: [stackOf({ a: {} })], clientFor: () => { throw new ConfigError("No KMS credentials"); } }),
    ).rejects.toThrow("No KMS credentials");
  });

  test("an unexpected error is not swallowed", async () => {
    const kms = new FakeKms();
    kms.failures.set(null, new TypeError("bug"));
    await expect(drift([stackOf({ a: {} })], kms)).rejects.toThrow("bug");
  });
});

test("each KMS gets its own requests", async () => {
  const one = new FakeKms([live("a")]);
  const two = new FakeKms([live("b")]);
  const report = await drift([stackOf({ a: {}, b: { kmsUrl: KMS2 } })], { [KMS]: one, [KMS2]: two });
  expect(statusOf(report)).toEqual({ a: "in-sync", b: "in-sync" });
  expect([one.requests, two.requests]).toEqual([[null], [null]]);
});

test("progress is reported after each request", async () => {
  const calls: [number, number, string][] = [];
  await detectDrift({ stacks: [stackOf({ a: {}, p: { projectId: P1 } })], clientFor: () => new FakeKms(), onProgress: (d, t, w) => calls.push([d, t, w]) });
  expect(calls.map(([d, t]) => `${d}/${t}`)).toEqual(["1/2", "2/2"]);
  expect(calls[0]![2]).toContain(KMS);
});
