/** Request validation: 422 ValidationFailure with zod issues, field by field (kms-api.md §2). */
import { startLocalKms, type LocalKms } from "../../lib/testing";
import { CONNECTIONS, call, createBody, createConnection, errorBody, type Json } from "./helpers";

let kms: LocalKms;

beforeAll(async () => {
  kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
});
afterAll(() => kms.close());

/** POSTs a create body with `overrides`; returns the 422 issues (fails if the status is not 422). */
async function createIssues(overrides: Record<string, unknown>): Promise<Json[]> {
  const result = await call(kms, "POST", CONNECTIONS, { body: createBody(kms, overrides) });
  expect(result.status).toBe(422);
  expect(result.body).toEqual(errorBody(422, "ValidationFailure", expect.any(Array)));
  return result.body.message;
}

describe("name (newest slugSchema: trim, 1..64, lowercase slug)", () => {
  it.each([
    ["", "name field must be at least 1 lowercase character"],
    ["   ", "name field must be at least 1 lowercase character"],
    ["a".repeat(65), "name field must be at most 64 lowercase characters"],
    ["Upper", "name field can only contain lowercase letters, numbers, and hyphens"],
    ["under_score", "name field can only contain lowercase letters, numbers, and hyphens"],
    ["-leading", "name field can only contain lowercase letters, numbers, and hyphens"],
    ["trailing-", "name field can only contain lowercase letters, numbers, and hyphens"],
    ["double--hyphen", "name field can only contain lowercase letters, numbers, and hyphens"],
  ])("refuses %j with %s", async (name, message) => {
    const issues = await createIssues({ name });
    expect(issues).toContainEqual(expect.objectContaining({ path: ["name"], message }));
  });

  it("accepts 64 characters, digits and single hyphens", async () => {
    await createConnection(kms, { name: "a".repeat(64) });
    await createConnection(kms, { name: "0-prod-2" });
  });

  it("applies the same rule to a rename", async () => {
    const created = await createConnection(kms, { name: "rename-me" });
    const result = await call(kms, "PATCH", `${CONNECTIONS}/${created.id}`, { body: { name: "Bad Name" } });
    expect(result.status).toBe(422);
    expect(result.body.message).toContainEqual(expect.objectContaining({ path: ["name"] }));
  });
});

describe("other create fields", () => {
  it("refuses a description over 256 characters (after trim) and accepts 256", async () => {
    const issues = await createIssues({ description: "d".repeat(257) });
    expect(issues).toContainEqual(expect.objectContaining({ path: ["description"], message: "Description cannot exceed 256 characters" }));
    await createConnection(kms, { name: "long-description", description: ` ${"d".repeat(256)} ` });
  });

  it("refuses a bad instance URL and an empty (after trim) API key", async () => {
    const issues = await createIssues({ credentials: { instanceUrl: "not a url", apiKey: "   " } });
    expect(issues).toContainEqual(expect.objectContaining({ path: ["credentials", "instanceUrl"], message: "Invalid Instance URL" }));
    expect(issues).toContainEqual(expect.objectContaining({ path: ["credentials", "apiKey"], message: "API key required" }));
  });

  it("refuses an instance URL over 255 characters", async () => {
    const issues = await createIssues({ credentials: { instanceUrl: `https://example.com/${"x".repeat(240)}`, apiKey: "k" } });
    expect(issues).toContainEqual(expect.objectContaining({ path: ["credentials", "instanceUrl"], code: "too_big" }));
  });

  it("refuses an unknown method and missing credentials", async () => {
    expect(await createIssues({ method: "password" })).toContainEqual(expect.objectContaining({ path: ["method"] }));
    expect(await createIssues({ credentials: undefined })).toContainEqual(expect.objectContaining({ path: ["credentials"] }));
  });

  it.each([
    ["gatewayId", "3f2504e0-4f89-41d3-9a0c-0305e82c3301"],
    ["isPlatformManagedCredentials", true],
    ["isAutoRotationEnabled", true],
    ["rotation", { intervalDays: 1 }],
  ])("refuses %s = %j as not supported", async (field, value) => {
    const issues = await createIssues({ [field]: value });
    expect(issues).toContainEqual(expect.objectContaining({ path: [field], message: "Not supported for Octopus Deploy Connections" }));
  });

  it("accepts the unsupported fields at their off values, and strips unknown keys", async () => {
    const connection = await createConnection(kms, {
      name: "off-values",
      gatewayId: null,
      isPlatformManagedCredentials: false,
      isAutoRotationEnabled: false,
      rotation: null,
      surprise: "ignored",
    });
    expect(connection).not.toHaveProperty("surprise");
  });

  it("accepts an API key of any format: upstream does not check it", async () => {
    kms.addOctopusApiKey("not-an-octopus-format");
    await createConnection(kms, { name: "any-format", credentials: { instanceUrl: kms.octopusUrl, apiKey: "not-an-octopus-format" } });
  });

  it("reports a missing body as a validation failure", async () => {
    const result = await call(kms, "POST", CONNECTIONS);
    expect(result.status).toBe(422);
  });
});

describe("PATCH body", () => {
  it("needs the whole credentials object", async () => {
    const created = await createConnection(kms, { name: "partial-credentials" });
    const result = await call(kms, "PATCH", `${CONNECTIONS}/${created.id}`, { body: { credentials: { apiKey: kms.octopusApiKey } } });
    expect(result.status).toBe(422);
    expect(result.body.message).toContainEqual(expect.objectContaining({ path: ["credentials", "instanceUrl"] }));
  });

  it("validates the id before the body", async () => {
    const result = await call(kms, "PATCH", `${CONNECTIONS}/nope`, { body: { name: "BAD" } });
    expect(result.status).toBe(422);
    expect(result.body.message).toEqual([expect.objectContaining({ path: ["connectionId"] })]);
  });
});

it("never echoes the submitted API key in a 422", async () => {
  const secret = "API-SECRETSECRETSECRETSECRET12";
  const result = await call(kms, "POST", CONNECTIONS, { body: { name: "BAD", method: "api-key", credentials: { instanceUrl: "nope", apiKey: secret } } });
  expect(result.status).toBe(422);
  expect(result.text).not.toContain(secret);
});
