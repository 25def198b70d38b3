/**
 * The shared validation rules, cdk-nag style: for every rule, `Compliance` cases must return
 * undefined and each `Noncompliance N` case must return a sentence that states the broken rule.
 */
import * as rules from "../../lib/shared/rules";

type Rule = (value: string) => rules.Verdict;

/** Asserts every compliant value passes and every non-compliant one fails with a message matching its fragment. */
function checkRule(rule: Rule, compliant: readonly string[], noncompliant: readonly (readonly [string, RegExp])[]): void {
  describe("Compliance", () => {
    test.each(compliant.map((v) => [JSON.stringify(v), v]))("%s", (_label, value) => {
      expect(rule(value)).toBeUndefined();
    });
  });
  noncompliant.forEach(([value, fragment], i) => {
    test(`Noncompliance ${i + 1}: ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`, () => {
      const verdict = rule(value);
      expect(typeof verdict).toBe("string");
      expect(verdict).toMatch(fragment);
    });
  });
}

describe("connectionName", () => {
  checkRule(
    rules.connectionName,
    ["a", "0", "my-connection", "a1-b2-c3", "octopus-prod-eu-west-1", "x".repeat(rules.NAME_MAX), "9abc"],
    [
      ["", /must not be empty/],
      ["x".repeat(rules.NAME_MAX + 1), /at most 32 characters \(got 33\)/],
      ["My-Connection", /must be a slug/],
      ["my_connection", /must be a slug/],
      ["my connection", /must be a slug/],
      ["-leading", /must be a slug/],
      ["trailing-", /must be a slug/],
      ["double--hyphen", /must be a slug/],
      ["ünïcode", /must be a slug/],
      ["tab\there", /must be a slug/],
      ["${var.name}", /must be a slug/],
      ["a.b", /must be a slug/],
      ["-", /must be a slug/],
    ],
  );
  test("NAME_MAX is 32, the limit both older and newer KMS releases accept", () => {
    expect(rules.NAME_MAX).toBe(32);
  });
  test("with max NAME_MAX_CURRENT (64, current KMS releases; the provider's limit)", () => {
    expect(rules.NAME_MAX_CURRENT).toBe(64);
    expect(rules.connectionName("x".repeat(64), rules.NAME_MAX_CURRENT)).toBeUndefined();
    expect(rules.connectionName("x".repeat(65), rules.NAME_MAX_CURRENT)).toMatch(/at most 64 characters \(got 65\)/);
    expect(rules.connectionName("x".repeat(33))).toMatch(/at most 32/);
  });
});

describe("apiKeyEnvNotReserved", () => {
  checkRule((v) => rules.apiKeyEnvNotReserved(v, ["KMS_TOKEN", "KMS_CLIENT_SECRET"]), ["OCTO_KEY", "KMS_URL"], [
    ["KMS_TOKEN", /reserved/],
    ["KMS_CLIENT_SECRET", /reserved/],
    ["KMS_OCTOPUS_API_KEY", /reserved/],
  ]);
});

describe("description", () => {
  checkRule(
    rules.description,
    [
      "",
      "Octopus production",
      "x".repeat(rules.DESCRIPTION_MAX),
      "line one\nline two",
      "col\tcol",
      "$(rm -rf /); `id` 'q' \"dq\" 50% ${x} %{x}",
      "ünïcödé ✓ 日本",
    ],
    [
      ["x".repeat(rules.DESCRIPTION_MAX + 1), /at most 256 characters \(got 257\)/],
      [" leading", /must not start or end with whitespace/],
      ["trailing ", /must not start or end with whitespace/],
      ["trailing\n", /must not start or end with whitespace/],
      ["\tleading tab", /must not start or end with whitespace/],
      ["nul\u0000char", /control characters/],
      ["esc\u001b[31mred", /control characters/],
      ["del\u007fchar", /control characters/],
      ["bell\u0007", /control characters/],
      ["c1\u0085control", /control characters/],
      ["vertical\u000btab", /control characters/],
    ],
  );
});

describe("isLoopbackHost", () => {
  test.each(["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]"])("Compliance %s", (host) => {
    expect(rules.isLoopbackHost(host)).toBe(true);
  });
  test.each(["example.com", "10.0.0.1", "128.0.0.1", "localhost.evil.com", "127.0.0.1.nip.io", "::2", "0.0.0.0", "1127.0.0.1"])("Noncompliance %s", (host) => {
    expect(rules.isLoopbackHost(host)).toBe(false);
  });
});

describe("serviceUrl", () => {
  checkRule(
    rules.serviceUrl,
    [
      "https://your-instance.octopus.app",
      "https://octopus.example.com/",
      "https://octopus.example.com:8443/base/path",
      "http://127.0.0.1:8080",
      "http://localhost:3000/",
      "http://[::1]:9000",
      "https://x.io/" + "a".repeat(rules.URL_MAX - "https://x.io/".length),
    ],
    [
      ["", /must not be empty/],
      ["https://x.io/" + "a".repeat(rules.URL_MAX - "https://x.io/".length + 1), /at most 255 characters \(got 256\)/],
      ["http://octopus.example.com", /must use https/],
      ["http://10.0.0.5:8080", /must use https/],
      ["http://localhost.evil.com", /must use https/],
      ["ftp://octopus.example.com", /must use https, not ftp/],
      ["file:///etc/passwd", /must use https, not file/],
      ["https://user:pass@octopus.example.com", /user:password@/],
      ["https://user@octopus.example.com", /user:password@/],
      ["https://octopus.example.com/?apikey=API-X", /query or fragment/],
      ["https://octopus.example.com/#frag", /query or fragment/],
      ["https://octopus.example.com/?", /query or fragment/],
      ["https://octopus example.com", /only URL characters/],
      ["https://octopus.example.com/${var.x}", /only URL characters/],
      ["https://ünïcode.example.com", /only URL characters/],
      ['https://a.com/"q"', /only URL characters/],
      ["/relative/path", /absolute URL/],
      ["octopus.example.com", /absolute URL/],
      ["https://", /absolute URL/],
    ],
  );
});

describe("projectId", () => {
  checkRule(
    rules.projectId,
    ["abcdef12-3456-7890-abcd-ef1234567890", "ABCDEF12-3456-7890-ABCD-EF1234567890", "00000000-0000-0000-0000-000000000000"],
    [
      ["", /must be a KMS project id \(a UUID/],
      ["my-project", /UUID/],
      ["abcdef12-3456-7890-abcd-ef123456789", /UUID/],
      ["abcdef12-3456-7890-abcd-ef12345678901", /UUID/],
      ["abcdef1234567890abcdef1234567890", /UUID/],
      ["gbcdef12-3456-7890-abcd-ef1234567890", /UUID/],
      [" abcdef12-3456-7890-abcd-ef1234567890", /UUID/],
      ["abcdef12-3456-7890-abcd-ef1234567890\n", /UUID/],
    ],
  );
});

describe("envVarName", () => {
  checkRule(
    rules.envVarName,
    ["OCTOPUS_API_KEY", "_X", "a", "lower_case_1", "X".repeat(128)],
    [
      ["", /1-128 characters/],
      ["X".repeat(129), /1-128 characters/],
      ["1ABC", /environment variable name/],
      ["MY-KEY", /environment variable name/],
      ["MY KEY", /environment variable name/],
      ["MY.KEY", /environment variable name/],
      ["KEY=VALUE", /environment variable name/],
      ["ÄPI_KEY", /environment variable name/],
      ["$KEY", /environment variable name/],
    ],
  );
});
