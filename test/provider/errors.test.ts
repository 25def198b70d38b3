/**
 * What the provider refuses and how: rule violations at validate/plan time with the attribute path
 * and nothing sent; the KMS's own refusals as diagnostics on the attribute they are about (bad key
 * on the key attribute, name taken on name, 401/403 on the provider configuration); credentials only
 * from the environment and needed only when a request is; StopProvider; the data source.
 */
import { ObjectValue } from "../../lib/provider/protocol/types";
import { OctopusProvider } from "../../lib/provider/provider";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { Driver, TYPE, apiRequests, config, noErrors, uniqueName } from "./harness";

let kms: LocalKms;
let tf: Driver;
beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  tf = new Driver(kms, { KMS_TOKEN: kms.token, OCTO_KEY: kms.octopusApiKey });
  noErrors(await tf.configure());
});
afterAll(async () => kms?.close());

function declared(extra: Record<string, string | boolean | null> = {}): ObjectValue {
  return config({ name: uniqueName(), instance_url: kms.octopusUrl, api_key: kms.octopusApiKey, ...extra });
}

describe("validation: the attribute path and the rule, nothing sent", () => {
  test.each([
    [{ name: "Bad_Name" }, ["name"], /must be a slug/],
    [{ name: "x".repeat(65) }, ["name"], /at most 64 characters \(got 65\)/],
    [{ description: " padded" }, ["description"], /whitespace/],
    [{ project_id: "not-a-uuid" }, ["project_id"], /UUID/],
    [{ instance_url: "http://octopus.example.com" }, ["instance_url"], /must use https/],
    [{ removal_policy: "keep" }, ["removal_policy"], /must be one of "destroy", "retain"/],
    [{ api_key: null, api_key_env: "KMS_TOKEN" }, ["api_key_env"], /reserved/],
    [{ api_key: null, api_key_env: "1BAD" }, ["api_key_env"], /environment variable name/],
    [{ api_key_env: "OCTO_KEY" }, ["api_key"], /exactly one of api_key/],
    [{ api_key: null }, ["api_key"], /Set api_key .* or api_key_env/],
  ] as const)("%j → %j", async (extra, path, rule) => {
    const since = kms.requests.length;
    const cfg = declared(extra as Record<string, string | null>);
    const diagnostics = await tf.validate(cfg);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: "error", attribute: path });
    expect(diagnostics[0].detail).toMatch(rule);
    const plan = await tf.plan(null, cfg);
    expect(plan.diagnostics?.[0]).toMatchObject({ severity: "error", attribute: path });
    expect(kms.requests.length).toBe(since);
  });

  test("a 64-character name is accepted (the KMS's current limit)", async () => {
    expect(await tf.validate(declared({ name: "x".repeat(64) }))).toEqual([]);
  });

  test("api_key where Terraform cannot keep it write-only (before 1.11): refused, saying to use api_key_env", async () => {
    const diagnostics = await tf.validate(declared(), { writeOnlyAttributesAllowed: false });
    expect(diagnostics[0]).toMatchObject({ attribute: ["api_key"] });
    expect(diagnostics[0].detail).toMatch(/Terraform 1.11.*api_key_env/);
    expect(await tf.validate(declared({ api_key: null, api_key_env: "OCTO_KEY" }), { writeOnlyAttributesAllowed: false })).toEqual([]);
  });

  test("api_key_env naming an unset variable: refused at plan on api_key_env", async () => {
    const plan = await tf.plan(null, declared({ api_key: null, api_key_env: "NOT_SET_ANYWHERE" }));
    expect(plan.diagnostics?.[0]).toMatchObject({ severity: "error", attribute: ["api_key_env"] });
    expect(plan.diagnostics?.[0].detail).toMatch(/NOT_SET_ANYWHERE, which is not set/);
  });

  test("provider config: kms_url checked by the same rule", async () => {
    const p = new OctopusProvider({ env: {} });
    const r = await p.validateProviderConfig({ config: { kms_url: "ftp://kms.example.com" } });
    expect(r.diagnostics?.[0]).toMatchObject({ attribute: ["kms_url"] });
    expect(r.diagnostics?.[0].detail).toMatch(/must use https, not ftp/);
  });
});

describe("the KMS's refusals, on the right attribute", () => {
  test("a key Octopus refuses: on api_key, with the KMS's message, never the key", async () => {
    const bad = "API-REFUSEDKEY00000000000000";
    const diagnostics = await tf.applyFails(null, declared({ api_key: bad }));
    expect(diagnostics[0]).toMatchObject({ severity: "error", attribute: ["api_key"] });
    expect(diagnostics[0].detail).toMatch(/Failed to validate Octopus Deploy credentials/);
    expect(JSON.stringify(diagnostics)).not.toContain(bad);
  });

  test("the same through api_key_env: on api_key_env", async () => {
    const own = new Driver(kms, { KMS_TOKEN: kms.token, WRONG_KEY: "API-WRONGKEY000000000000000000" });
    noErrors(await own.configure());
    const diagnostics = await own.applyFails(null, declared({ api_key: null, api_key_env: "WRONG_KEY" }));
    expect(diagnostics[0].attribute).toEqual(["api_key_env"]);
  });

  test("a rename to a taken name: on name", async () => {
    const taken = declared();
    await tf.apply(null, taken);
    const mine = declared();
    const state = await tf.apply(null, mine);
    const diagnostics = await tf.applyFails(state, { ...mine, name: taken.name });
    expect(diagnostics[0]).toMatchObject({ attribute: ["name"] });
    expect(diagnostics[0].detail).toMatch(/already exists/);
  });

  test("403 (an identity without permission): on the provider configuration, no path", async () => {
    const none = kms.createIdentity({ permission: "none" });
    const own = new Driver(kms, { KMS_TOKEN: none.token });
    noErrors(await own.configure());
    const diagnostics = await own.applyFails(null, declared());
    expect(diagnostics[0].attribute).toBeUndefined();
    expect(diagnostics[0].summary).toMatch(/provider configuration/);
    expect(diagnostics[0].detail).toMatch(/403/);
  });

  test("no credentials in the environment: planning works, the first request is refused on the provider configuration", async () => {
    const own = new Driver(kms, { OCTO_KEY: kms.octopusApiKey });
    noErrors(await own.configure());
    const cfg = declared({ api_key: null, api_key_env: "OCTO_KEY" });
    noErrors((await own.plan(null, cfg)).diagnostics);
    const diagnostics = await own.applyFails(null, cfg);
    expect(diagnostics[0].attribute).toBeUndefined();
    expect(diagnostics[0].summary).toMatch(/provider configuration/);
    expect(diagnostics[0].detail).toMatch(/No KMS credentials in the environment/);
  });
});

test("Universal Auth: one login for every resource of the provider process", async () => {
  const own = new Driver(kms, { KMS_CLIENT_ID: kms.clientId, KMS_CLIENT_SECRET: kms.clientSecret, KMS_OCTOPUS_TOKEN_CACHE: "0" });
  noErrors(await own.configure());
  const since = kms.requests.length;
  const a = await own.apply(null, declared());
  const b = await own.apply(null, declared());
  await own.refresh(a);
  await own.refresh(b);
  expect(kms.requests.slice(since).filter((r) => r.path.endsWith("/universal-auth/login"))).toHaveLength(1);
});

test("stop(): the request in flight is abandoned and no later one starts", async () => {
  const own = new Driver(kms);
  noErrors(await own.configure());
  kms.setLatency(1500); // the local KMS answers after 1.5 s: the stop must not wait for it
  try {
    const started = Date.now();
    const pending = own.applyFails(null, declared());
    await new Promise((r) => setTimeout(r, 100));
    await own.provider.stop();
    const diagnostics = await pending;
    expect(Date.now() - started).toBeLessThan(1200);
    expect(diagnostics[0].detail).toMatch(/stopped/);
    const since = kms.requests.length;
    const again = await own.provider.readResource({ typeName: TYPE, currentState: config({ id: "6a4e0f3e-0000-4000-8000-000000000000", name: "x" }), private: Buffer.alloc(0) });
    expect(again.diagnostics?.[0].detail).toMatch(/stopped/);
    expect(kms.requests.length).toBe(since);
  } finally {
    kms.setLatency(0);
  }
});

describe("data source", () => {
  const read = (name: string, projectId: string | null = null) =>
    tf.provider.readDataSource({ typeName: TYPE, config: { name, project_id: projectId, id: null, description: null, instance_url: null, credentials_hash: null, created_at: null, updated_at: null } });

  test("looks a connection up by name (and project), 1 GET", async () => {
    const cfg = declared({ description: "looked up", project_id: kms.projectId });
    const state = await tf.apply(null, cfg);
    const since = kms.requests.length;
    const r = await read(cfg.name as string, kms.projectId);
    noErrors(r.diagnostics);
    expect(r.state).toEqual({
      name: cfg.name,
      project_id: kms.projectId,
      id: state.id,
      description: "looked up",
      instance_url: kms.octopusUrl,
      credentials_hash: state.credentials_hash,
      created_at: state.created_at,
      updated_at: state.updated_at,
    });
    expect(apiRequests(kms, since).map((x) => x.method)).toEqual(["GET"]);
  });

  test("a missing connection is an error on name", async () => {
    const r = await read(uniqueName("missing"));
    expect(r.diagnostics?.[0]).toMatchObject({ severity: "error", attribute: ["name"] });
  });
});
