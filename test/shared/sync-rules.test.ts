/** The secret-sync rules: each accepts what the KMS accepts and names the rule otherwise. */
import * as r from "../../lib/shared/sync-rules";

test.each(["/", "/app", "/app/db"])("secretPath accepts %s", (p) => expect(r.secretPath(p)).toBeUndefined());
test.each([
  ["", /start with/],
  ["app", /start with/],
  ["/app/", /not end with/],
  ["/a//b", /empty segments/],
])("secretPath refuses %j", (p, rule) => expect(r.secretPath(p)).toMatch(rule));

test.each(["{{secretKey}}", "APP_{{secretKey}}", "{{environment}}/{{secretKey}}-x"])("keySchema accepts %s", (k) => expect(r.keySchema(k)).toBeUndefined());
test.each([
  ["APP_", /exactly once \(found 0\)/],
  ["{{secretKey}}{{secretKey}}", /exactly once \(found 2\)/],
  ["APP.{{secretKey}}", /only letters/],
  ["{{other}}{{secretKey}}", /only letters/],
  [`${"x".repeat(250)}{{secretKey}}`, /at most 255/],
])("keySchema refuses %j", (k, rule) => expect(r.keySchema(k)).toMatch(rule));

test("environment slugs, sync names and ids", () => {
  expect(r.environmentSlug("prod")).toBeUndefined();
  expect(r.environmentSlug("Prod")).toMatch(/environment slug/);
  expect(r.environmentSlug("")).toBe("must not be empty");
  expect(r.syncName("my-sync")).toBeUndefined();
  expect(r.syncName("x".repeat(257))).toMatch(/at most 256/);
  expect(r.nonEmptyId("Spaces-1")).toBeUndefined();
  expect(r.nonEmptyId("  ")).toBe("must not be empty");
  expect(r.nonEmptyId(" Spaces-1")).toMatch(/whitespace/);
});

test("scope values: known keys, lists of non-empty strings", () => {
  expect(r.scopeValues({ environments: ["Environments-1"], roles: [] })).toBeUndefined();
  expect(r.scopeValues({ tenants: ["t"] })).toMatch(/unknown key "tenants"/);
  expect(r.scopeValues({ roles: "web" })).toMatch(/roles must be a list/);
  expect(r.scopeValues({ roles: ["web", ""] })).toMatch(/roles\[1\] must be a non-empty string/);
  expect(r.scopeValues(["x"])).toMatch(/must be an object/);
});
