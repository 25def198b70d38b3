/**
 * runHook end to end with a fake KMS transport: the two operations, `apply` (POST when the
 * connection resource was born in the plan being applied, else GET + PATCH, with the stack's
 * declared names guarding the re-create of a missing connection) and `delete`; applyFlags, which
 * reads KMS_OCTOPUS_BORN_AT / KMS_OCTOPUS_PLANNED_AT / KMS_OCTOPUS_DECLARED_NAMES; one summary line on
 * success, one `Error:` line on failure, retired or unknown operations refused with nothing sent,
 * nothing sent when the configuration is incomplete, and no secret ever printed, even when the KMS
 * echoes it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import os = require("node:os");
import { Declaration } from "../../lib/hook/event";
import { applyFlags, retryPolicyFromEnv, runHook, summary } from "../../lib/hook/run";
import { DEFAULT_RETRY_POLICY } from "../../lib/kms/retry";
import { FakeKms, respond } from "./fake-kms";
import { CHANGED, eventRecord, NEW, PLANNED_AT } from "./event-fixture";

const UUID = "abcdef12-3456-7890-abcd-ef1234567890";
const API_KEY = "API-HOOKAPIKEYSECRET000000000";
const KMS_TOKEN = "static-kms-token";

let tmp: string;
beforeEach(() => {
  // The Universal Auth token cache lives under os.tmpdir(): keep it in a throwaway dir.
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-run-"));
  jest.spyOn(os, "tmpdir").mockReturnValue(tmp);
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function eventJson(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(eventRecord({ kms_url: "https://kms.example.com", ...overrides }));
}

interface Run {
  code: number;
  out: string[];
  err: string[];
}

async function run(argv: string[], env: NodeJS.ProcessEnv, kms: FakeKms, transport = kms.transport): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runHook(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) }, transport);
  return { code, out, err };
}

/** The apply hook's environment for a connection new in this apply (override the timestamps with CHANGED). */
const baseEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  KMS_OCTOPUS_EVENT: eventJson(),
  KMS_TOKEN,
  KMS_OCTOPUS_API_KEY: API_KEY,
  KMS_OCTOPUS_DECLARED_NAMES: "my-conn",
  ...NEW,
  ...extra,
});

describe("applyFlags", () => {
  test.each<[string, NodeJS.ProcessEnv, boolean]>([
    ["BORN_AT == PLANNED_AT", NEW, true],
    ["BORN_AT != PLANNED_AT", CHANGED, false],
    ["BORN_AT missing", { KMS_OCTOPUS_PLANNED_AT: PLANNED_AT }, false],
    ["PLANNED_AT missing", { KMS_OCTOPUS_BORN_AT: PLANNED_AT }, false],
    ["both missing", {}, false],
    ["both empty", { KMS_OCTOPUS_BORN_AT: "", KMS_OCTOPUS_PLANNED_AT: "" }, false],
  ])("%s: newInThisApply %p", (_label, env, expected) => {
    expect(applyFlags(env).newInThisApply).toBe(expected);
  });

  test.each<[string | undefined, string[]]>([
    [undefined, []],
    ["", []],
    ["my-conn", ["my-conn"]],
    ["a-conn,b-conn,my-conn", ["a-conn", "b-conn", "my-conn"]],
  ])("KMS_OCTOPUS_DECLARED_NAMES=%p", (names, expected) => {
    const declared = applyFlags(names === undefined ? {} : { KMS_OCTOPUS_DECLARED_NAMES: names }).declaredNames;
    expect([...declared].sort()).toEqual(expected);
  });
});

describe("apply", () => {
  test("new in this apply: one POST; one summary line naming action, name, id, scope, time and request count", async () => {
    const kms = new FakeKms();
    const r = await run(["apply"], baseEnv(), kms);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toHaveLength(1);
    const id = kms.byName("my-conn")!.conn.id;
    expect(r.out[0]).toMatch(new RegExp(`^created octopus-deploy connection "my-conn" \\(id ${id}, the organization\\) in \\d+ ms, 1 request$`));
    expect(kms.byName("my-conn")!.apiKey).toBe(API_KEY);
  });

  test("new in a project", async () => {
    const kms = new FakeKms();
    const r = await run(["apply"], baseEnv({ KMS_OCTOPUS_EVENT: eventJson({ project_id: UUID, description: "d" }) }), kms);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(new RegExp(`^created octopus-deploy connection "my-conn" \\(id [0-9a-f-]{36}, project ${UUID}\\) in \\d+ ms, 1 request$`));
    expect(kms.byName("my-conn", UUID)?.conn.description).toBe("d");
  });

  test("new, with the key from apiKeyEnv (trimmed)", async () => {
    const kms = new FakeKms();
    const env = { KMS_OCTOPUS_EVENT: eventJson({ api_key_env: "MY_OCTOPUS_KEY" }), KMS_TOKEN, MY_OCTOPUS_KEY: `  ${API_KEY}\n`, ...NEW };
    const r = await run(["apply"], env, kms);
    expect(r.code).toBe(0);
    expect(kms.byName("my-conn")!.apiKey).toBe(API_KEY);
  });

  test("new, on a name conflict with an identical connection: adopted, 2 requests", async () => {
    const kms = new FakeKms();
    const existing = kms.add("my-conn");
    const r = await run(["apply"], baseEnv(), kms);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([expect.stringMatching(new RegExp(`^adopted octopus-deploy connection "my-conn" \\(id ${existing.id}, the organization\\) in \\d+ ms, 2 requests$`))]);
    expect(kms.calls).toEqual(["POST /api/v1/app-connections/octopus-deploy", "GET /api/v1/app-connections/octopus-deploy/connection-name/my-conn"]);
  });

  test("changed (born in an earlier plan): GET + PATCH with the credentials, 2 requests", async () => {
    const kms = new FakeKms();
    const c = kms.add("my-conn", { description: "old", apiKey: "API-OLD" });
    const r = await run(["apply"], baseEnv({ ...CHANGED, KMS_OCTOPUS_EVENT: eventJson({ description: "new" }) }), kms);
    expect(r).toEqual({
      code: 0,
      out: [expect.stringMatching(new RegExp(`^updated octopus-deploy connection "my-conn" \\[description, credentials\\] \\(id ${c.id}, the organization\\) in \\d+ ms, 2 requests$`))],
      err: [],
    });
    expect(kms.calls).toEqual(["GET /api/v1/app-connections/octopus-deploy/connection-name/my-conn", `PATCH /api/v1/app-connections/octopus-deploy/${c.id}`]);
    expect(JSON.parse(kms.requests[1].body!)).toEqual({ description: "new", credentials: { instanceUrl: "https://your-instance.octopus.app", apiKey: API_KEY } });
    expect(kms.byName("my-conn")!.apiKey).toBe(API_KEY);
  });

  test.each<[string, NodeJS.ProcessEnv]>([
    ["BORN_AT unset", { KMS_OCTOPUS_BORN_AT: undefined }],
    ["both timestamps unset", { KMS_OCTOPUS_BORN_AT: undefined, KMS_OCTOPUS_PLANNED_AT: undefined }],
    ["both timestamps empty", { KMS_OCTOPUS_BORN_AT: "", KMS_OCTOPUS_PLANNED_AT: "" }],
  ])("%s: not new, so the existing connection is updated rather than POSTed", async (_label, extra) => {
    const kms = new FakeKms();
    kms.add("my-conn");
    const r = await run(["apply"], baseEnv(extra), kms);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^updated octopus-deploy connection "my-conn" \[credentials\] .* 2 requests$/);
    expect(kms.calls.map((c) => c.split(" ")[0])).toEqual(["GET", "PATCH"]);
  });

  test("renamed via renamedFrom: the summary names the previous name and the fields", async () => {
    const kms = new FakeKms();
    const old = kms.add("old-conn");
    const r = await run(["apply"], baseEnv({ ...CHANGED, KMS_OCTOPUS_EVENT: eventJson({ renamed_from: "old-conn" }) }), kms);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([expect.stringMatching(new RegExp(`^renamed octopus-deploy connection "my-conn" from "old-conn" \\[name, credentials\\] \\(id ${old.id}, the organization\\) in \\d+ ms, 3 requests$`))]);
    expect(kms.byName("my-conn")!.conn.id).toBe(old.id);
  });

  test("changed but missing, siblings declared by the stack look alike: re-created, 3 requests", async () => {
    const kms = new FakeKms();
    kms.add("sibling-a");
    kms.add("sibling-b");
    const r = await run(["apply"], baseEnv({ ...CHANGED, KMS_OCTOPUS_DECLARED_NAMES: "my-conn,sibling-a,sibling-b" }), kms);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^re-created octopus-deploy connection "my-conn" \(id [0-9a-f-]{36}, the organization\) in \d+ ms, 3 requests$/);
    expect(kms.calls.map((c) => c.split(" ")[0])).toEqual(["GET", "GET", "POST"]);
    expect(kms.byName("my-conn")!.apiKey).toBe(API_KEY);
  });

  test("changed but missing, a look-alike the stack does not declare: exit 1 naming it, nothing created", async () => {
    const kms = new FakeKms();
    kms.add("sibling-a");
    kms.add("old-name");
    const r = await run(["apply"], baseEnv({ ...CHANGED, KMS_OCTOPUS_DECLARED_NAMES: "my-conn,sibling-a" }), kms);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([expect.stringMatching(/^Error: test\/octopus: apply of "my-conn" in the organization failed after \d+ ms: no connection named "my-conn"/)]);
    expect(r.err[0]).toContain('set renamedFrom: "old-name"');
    expect(kms.calls.map((c) => c.split(" ")[0])).toEqual(["GET", "GET"]);
    expect(kms.byName("my-conn")).toBeUndefined();
  });
});

describe("the creating hook returns only once its plan's second is over (plan-clock.ts)", () => {
  /** Timestamps of a plan made in the current second, as Terraform writes them (whole seconds). */
  const thisSecond = () => {
    const second = Math.floor(Date.now() / 1000) * 1000;
    const stamp = new Date(second).toISOString().replace(".000Z", "Z");
    return { second, env: { KMS_OCTOPUS_BORN_AT: stamp, KMS_OCTOPUS_PLANNED_AT: stamp } };
  };

  test("after creating it", async () => {
    const { second, env } = thisSecond();
    const r = await run(["apply"], baseEnv(env), new FakeKms());
    expect(r.out[0]).toMatch(/^created /);
    expect(Date.now()).toBeGreaterThanOrEqual(second + 1000);
  });

  test("also when the create failed (a POST whose answer was lost may have committed)", async () => {
    const kms = new FakeKms();
    kms.faults.push(() => ({ status: 403, body: { reqId: "req-1", statusCode: 403, message: "not allowed", error: "PermissionDenied" } }));
    const { second, env } = thisSecond();
    const r = await run(["apply"], baseEnv(env), kms);
    expect(r.code).toBe(1);
    expect(Date.now()).toBeGreaterThanOrEqual(second + 1000);
  });
});

describe("delete", () => {
  test("delete: GET + DELETE, 2 requests", async () => {
    const kms = new FakeKms();
    const c = kms.add("my-conn");
    const r = await run(["delete"], { KMS_OCTOPUS_EVENT: eventJson(), KMS_TOKEN }, kms);
    expect(r.code).toBe(0);
    expect(r.out).toEqual([expect.stringMatching(new RegExp(`^deleted octopus-deploy connection "my-conn" \\(id ${c.id}, the organization\\) in \\d+ ms, 2 requests$`))]);
    expect(kms.store.size).toBe(0);
  });

  test.each<[string, NodeJS.ProcessEnv]>([
    ["no KMS credentials", {}],
    ["a KMS token", { KMS_TOKEN }],
  ])("a retained connection's delete needs no API key, and with %s sends nothing and keeps it", async (_label, credentials) => {
    const kms = new FakeKms();
    kms.add("my-conn");
    const r = await run(["delete"], { KMS_OCTOPUS_EVENT: eventJson({ removal_policy: "retain" }), ...credentials }, kms);
    expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: [] });
    expect(r.out).toEqual([expect.stringMatching(/^retained octopus-deploy connection "my-conn" \(the organization\) in \d+ ms, 0 requests$/)]);
    expect(kms.requests).toHaveLength(0);
    expect(kms.store.size).toBe(1);
  });

  test("delete of a connection already gone succeeds", async () => {
    const kms = new FakeKms();
    const r = await run(["delete"], { KMS_OCTOPUS_EVENT: eventJson(), KMS_TOKEN }, kms);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^already gone octopus-deploy connection "my-conn" \(the organization\) in \d+ ms, 1 request$/);
  });
});

describe("Universal Auth, debug output", () => {
  test("Universal Auth: a login is counted as a request", async () => {
    const kms = new FakeKms();
    kms.identities.set("cid", "csecret-VALUE");
    const env = { KMS_OCTOPUS_EVENT: eventJson(), KMS_CLIENT_ID: "cid", KMS_CLIENT_SECRET: "csecret-VALUE", KMS_OCTOPUS_API_KEY: API_KEY, KMS_OCTOPUS_TOKEN_CACHE: "0", ...NEW };
    const r = await run(["apply"], env, kms);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/, 2 requests$/);
    expect(kms.logins).toBe(1);
  });

  test("Universal Auth: hooks of one run share the token through the run directory", async () => {
    const kms = new FakeKms();
    kms.identities.set("cid-shared", "csecret-shared");
    const env = { KMS_OCTOPUS_EVENT: eventJson(), KMS_CLIENT_ID: "cid-shared", KMS_CLIENT_SECRET: "csecret-shared", KMS_OCTOPUS_API_KEY: API_KEY, ...NEW };
    expect((await run(["apply"], env, kms)).code).toBe(0);
    expect((await run(["delete"], env, kms)).code).toBe(0);
    expect(kms.logins).toBe(1);
    // The shared cache is on disk, private, and names no secret.
    const files = fs.readdirSync(tmp, { recursive: true }) as string[];
    expect(files.some((f) => f.endsWith(".json"))).toBe(true);
    for (const f of files) expect(f).not.toContain("csecret-shared");
  });

  test("Universal Auth with KMS_OCTOPUS_TOKEN_CACHE=0: each hook logs in", async () => {
    const kms = new FakeKms();
    kms.identities.set("cid-2", "csecret-2");
    const env = { KMS_OCTOPUS_EVENT: eventJson(), KMS_CLIENT_ID: "cid-2", KMS_CLIENT_SECRET: "csecret-2", KMS_OCTOPUS_API_KEY: API_KEY, KMS_OCTOPUS_TOKEN_CACHE: "0", ...NEW };
    await run(["apply"], env, kms);
    await run(["delete"], env, kms);
    expect(kms.logins).toBe(2);
  });

  test("KMS_OCTOPUS_DEBUG=1 prints each request (no headers or bodies) to stderr", async () => {
    const kms = new FakeKms();
    const r = await run(["apply"], baseEnv({ KMS_OCTOPUS_DEBUG: "1" }), kms);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([expect.stringMatching(/^ {2}POST \/api\/v1\/app-connections\/octopus-deploy -> 200 \(\d+ ms, attempt 1\)$/)]);
    expect(r.out).toHaveLength(1);
  });
});

describe("failure", () => {
  test("a KMS error: exit 1, one Error line with the operation, the KMS message and reqId", async () => {
    const kms = new FakeKms();
    kms.faults.push(() => ({ status: 403, body: { reqId: "req-perm-1", statusCode: 403, message: "You are not allowed to create on app-connections", error: "PermissionDenied" } }));
    const r = await run(["apply"], baseEnv(), kms);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^Error: test\/octopus: apply of "my-conn" in the organization failed after \d+ ms: /);
    expect(r.err[0]).toContain("You are not allowed to create on app-connections");
    expect(r.err[0]).toContain("reqId req-perm-1");
  });

  test("a differing connection without adoptExisting: the error says what differs and how to proceed", async () => {
    const kms = new FakeKms();
    kms.add("my-conn", { description: "someone else's" });
    const r = await run(["apply"], baseEnv(), kms);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toContain("adoptExisting: true");
    expect(kms.requests).toHaveLength(2);
  });

  test("missing KMS credentials: the error names the variables; nothing is sent", async () => {
    const kms = new FakeKms();
    const r = await run(["apply"], { KMS_OCTOPUS_EVENT: eventJson(), KMS_OCTOPUS_API_KEY: API_KEY, ...NEW }, kms);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^Error: test\/octopus: apply of "my-conn" in the organization failed after \d+ ms: No KMS credentials/);
    for (const name of ["KMS_TOKEN", "KMS_CLIENT_ID", "KMS_CLIENT_SECRET"]) expect(r.err[0]).toContain(name);
    expect(kms.requests).toHaveLength(0);
  });

  test("half a Universal Auth pair: named, nothing sent", async () => {
    const kms = new FakeKms();
    const r = await run(["delete"], { KMS_OCTOPUS_EVENT: eventJson(), KMS_CLIENT_ID: "cid" }, kms);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain("KMS_CLIENT_ID is set but KMS_CLIENT_SECRET is not");
    expect(kms.requests).toHaveLength(0);
  });

  test("missing event: named, nothing sent", async () => {
    const kms = new FakeKms();
    const r = await run(["apply"], { KMS_TOKEN, KMS_OCTOPUS_API_KEY: API_KEY }, kms);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([expect.stringMatching(/^Error: apply failed after \d+ ms: KMS_OCTOPUS_EVENT is not set/)]);
    expect(kms.requests).toHaveLength(0);
  });

  test.each(["create", "update", "credentials", "destroy", ""])("operation %p (retired or unknown): refused listing apply, delete; nothing sent", async (op) => {
    const kms = new FakeKms();
    kms.add("my-conn", { description: "old" });
    const r = await run([op], baseEnv({ KMS_OCTOPUS_EVENT: eventJson({ description: "new" }) }), kms);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([expect.stringMatching(new RegExp(`^Error: hook failed after \\d+ ms: unknown operation "${op}": expected one of apply, delete$`))]);
    expect(kms.requests).toHaveLength(0);
  });

  test("no operation at all: refused, nothing sent", async () => {
    const kms = new FakeKms();
    const r = await run([], baseEnv(), kms);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([expect.stringMatching(/^Error: hook failed after \d+ ms: unknown operation undefined: expected one of apply, delete$/)]);
    expect(kms.requests).toHaveLength(0);
  });

  test("a project id that resolved to a non-UUID at apply time: refused before sending", async () => {
    const kms = new FakeKms();
    const r = await run(["apply"], baseEnv({ KMS_OCTOPUS_EVENT: eventJson({ project_id: "not-a-uuid" }) }), kms);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain("project_id: must be a KMS project id");
    expect(kms.requests).toHaveLength(0);
  });

  test("apiKeyEnv not set: named, nothing sent", async () => {
    const kms = new FakeKms();
    const r = await run(["apply"], { KMS_OCTOPUS_EVENT: eventJson({ api_key_env: "MY_OCTOPUS_KEY" }), KMS_TOKEN, ...NEW }, kms);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain("apiKeyEnv names MY_OCTOPUS_KEY, which is not set");
    expect(kms.requests).toHaveLength(0);
  });

  test("empty KMS_OCTOPUS_API_KEY: named, nothing sent", async () => {
    const kms = new FakeKms();
    const r = await run(["apply"], baseEnv({ KMS_OCTOPUS_API_KEY: "  " }), kms);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain("KMS_OCTOPUS_API_KEY is empty");
    expect(kms.requests).toHaveLength(0);
  });

  test.each([
    ["KMS_OCTOPUS_REQUEST_TIMEOUT", "abc"],
    ["KMS_OCTOPUS_REQUEST_TIMEOUT", "0"],
    ["KMS_OCTOPUS_REQUEST_TIMEOUT", "-5"],
    ["KMS_OCTOPUS_RETRY_BUDGET", "Infinity"],
    ["KMS_OCTOPUS_RETRY_BUDGET", "NaN"],
    ["KMS_OCTOPUS_RETRY_BUDGET", "10s"],
  ])("%s=%p: named, nothing sent", async (name, value) => {
    const kms = new FakeKms();
    const r = await run(["apply"], baseEnv({ [name]: value }), kms);
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain(`${name} must be a positive number of seconds (got ${JSON.stringify(value)})`);
    expect(kms.requests).toHaveLength(0);
  });

  test("a retry budget from the environment is honoured", async () => {
    const kms = new FakeKms();
    for (let i = 0; i < 100; i++) kms.faults.push(() => ({ status: 503, body: { message: "maintenance", error: "ServiceUnavailable" } }));
    const started = Date.now();
    const r = await run(["apply"], baseEnv({ KMS_OCTOPUS_RETRY_BUDGET: "0.3" }), kms);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/failed after \d+ attempt\(s\) in [\d.]+s: 503 ServiceUnavailable: maintenance/);
  });
});

describe("secrets are never printed", () => {
  const echo = (secret: string) => () => ({ status: 400, body: { reqId: "req-echo", message: `Failed to validate Octopus Deploy credentials: key ${secret} refused`, error: "BadRequest" } });

  test.each([
    ["the Octopus API key (KMS_OCTOPUS_API_KEY)", {}, API_KEY],
    ["KMS_TOKEN", {}, KMS_TOKEN],
    ["INFISICAL_TOKEN", { KMS_TOKEN: undefined, INFISICAL_TOKEN: KMS_TOKEN }, KMS_TOKEN],
  ])("%s echoed by the KMS is redacted", async (_label, extra, secret) => {
    const kms = new FakeKms();
    kms.faults.push(echo(secret));
    const r = await run(["apply"], baseEnv({ KMS_OCTOPUS_DEBUG: "1", ...extra }), kms);
    expect(r.code).toBe(1);
    const printed = [...r.out, ...r.err].join("\n");
    expect(printed).not.toContain(secret);
    expect(printed).toContain("[redacted]");
    expect(printed).toContain("req-echo");
  });

  test.each([
    ["KMS_CLIENT_SECRET", "KMS_CLIENT_ID"],
    ["INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET", "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"],
  ])("%s echoed by the KMS is redacted", async (secretName, idName) => {
    const kms = new FakeKms();
    const secret = "client-secret-ECHOED-123";
    kms.faults.push(() => ({ status: 401, body: { message: `Invalid credentials for secret ${secret}`, error: "UnauthorizedError" } }));
    const r = await run(["delete"], { KMS_OCTOPUS_EVENT: eventJson(), [idName]: "cid", [secretName]: secret, KMS_OCTOPUS_TOKEN_CACHE: "0" }, kms);
    expect(r.code).toBe(1);
    expect([...r.out, ...r.err].join("\n")).not.toContain(secret);
  });

  test("the key named by apiKeyEnv echoed by the KMS is redacted", async () => {
    const kms = new FakeKms();
    kms.faults.push(echo(API_KEY));
    const r = await run(["apply"], { KMS_OCTOPUS_EVENT: eventJson({ api_key_env: "MY_OCTOPUS_KEY" }), KMS_TOKEN, MY_OCTOPUS_KEY: API_KEY, ...NEW }, kms);
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).not.toContain(API_KEY);
  });

  test("the key echoed by the KMS when it re-validates the credentials of an update (PATCH) is redacted", async () => {
    const kms = new FakeKms();
    kms.add("my-conn", { description: "old" });
    const transport: typeof kms.transport = (req) =>
      req.method === "PATCH" ? Promise.resolve(respond(400, { reqId: "req-patch", message: `Failed to validate Octopus Deploy credentials: key ${API_KEY} refused`, error: "BadRequest" })) : kms.transport(req);
    const r = await run(["apply"], baseEnv({ ...CHANGED, KMS_OCTOPUS_DEBUG: "1", KMS_OCTOPUS_EVENT: eventJson({ description: "new" }) }), kms, transport);
    expect(r.code).toBe(1);
    const printed = [...r.out, ...r.err].join("\n");
    expect(printed).toContain("req-patch");
    expect(printed).toContain("[redacted]");
    expect(printed).not.toContain(API_KEY);
    expect(kms.byName("my-conn")!.conn.description).toBe("old");
  });

  test("an echo on a successful path is redacted too (adopt error after a conflict)", async () => {
    const kms = new FakeKms();
    kms.add("my-conn", { description: API_KEY }); // a description that happens to hold the key
    const r = await run(["apply"], baseEnv(), kms);
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).not.toContain(API_KEY);
  });
  test("a secret set with surrounding whitespace is still redacted when echoed", async () => {
    const kms = new FakeKms();
    kms.faults.push(echo(API_KEY));
    const r = await run(["apply"], baseEnv({ KMS_OCTOPUS_API_KEY: `${API_KEY}\n` }), kms);
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).not.toContain(API_KEY);
  });
  test("a KMS token with a trailing newline is still redacted when echoed", async () => {
    const kms = new FakeKms();
    kms.faults.push(() => ({ status: 401, body: { message: `token ${KMS_TOKEN} is not valid`, error: "UnauthorizedError" } }));
    const r = await run(["delete"], { KMS_OCTOPUS_EVENT: eventJson(), KMS_TOKEN: `${KMS_TOKEN}\n` }, kms);
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).not.toContain(KMS_TOKEN);
  });
});

describe("summary", () => {
  const decl: Declaration = {
    path: "p",
    address: "a",
    kmsUrl: "https://k",
    projectId: undefined,
    name: "my-conn",
    description: null,
    instanceUrl: "https://o",
    apiKeyEnv: undefined,
    adoptExisting: false,
    renamedFrom: "old-conn",
    removalPolicy: "destroy",
  };
  test("fields, rename source, singular and plural", () => {
    const conn = { id: "id-1" } as never;
    expect(summary({ action: "renamed", connection: conn, fields: ["name", "description"] }, decl, 12, 3)).toBe(
      'renamed octopus-deploy connection "my-conn" from "old-conn" [name, description] (id id-1, the organization) in 12 ms, 3 requests',
    );
    expect(summary({ action: "updated", connection: conn, fields: ["description", "credentials"] }, { ...decl, projectId: UUID }, 0, 2)).toBe(
      `updated octopus-deploy connection "my-conn" [description, credentials] (id id-1, project ${UUID}) in 0 ms, 2 requests`,
    );
    expect(summary({ action: "created", connection: conn }, decl, 0, 1)).toBe('created octopus-deploy connection "my-conn" (id id-1, the organization) in 0 ms, 1 request');
    expect(summary({ action: "retained" }, decl, 1, 0)).toBe('retained octopus-deploy connection "my-conn" (the organization) in 1 ms, 0 requests');
  });
});

describe("retryPolicyFromEnv", () => {
  test("defaults", () => {
    expect(retryPolicyFromEnv({})).toEqual(DEFAULT_RETRY_POLICY);
    expect(retryPolicyFromEnv({ KMS_OCTOPUS_REQUEST_TIMEOUT: "", KMS_OCTOPUS_RETRY_BUDGET: "" })).toEqual(DEFAULT_RETRY_POLICY);
  });
  test("seconds, fractions allowed", () => {
    expect(retryPolicyFromEnv({ KMS_OCTOPUS_REQUEST_TIMEOUT: "2.5", KMS_OCTOPUS_RETRY_BUDGET: "600" })).toEqual({
      ...DEFAULT_RETRY_POLICY,
      attemptTimeoutMs: 2500,
      budgetMs: 600_000,
    });
  });
  test.each(["0", "-1", "x", "Infinity", " "])("%p is refused", (value) => {
    expect(() => retryPolicyFromEnv({ KMS_OCTOPUS_RETRY_BUDGET: value })).toThrow(/KMS_OCTOPUS_RETRY_BUDGET must be a positive number of seconds/);
  });
});
