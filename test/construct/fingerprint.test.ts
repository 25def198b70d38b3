/**
 * The API key fingerprint: the JS function (keys from the environment, computed at synth) and the
 * Terraform expression (keys given as Terraform values, computed at plan) must agree, or switching
 * between apiKey and apiKeyEnv (or a synth with the variable set) would show a spurious key rotation.
 * The agreement is checked against the real terraform binary, offline.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { HOOK_ENGINE, testApp } from "./app";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { FINGERPRINT_LENGTH, FINGERPRINT_PREFIX, fingerprint } from "../../lib/construct/fingerprint";

const KEYS = [
  "API-ABCDEFGHIJKLMNOPQRSTUVWXYZ0",
  "API-EOAYCAFCZ7WWBKSTMVT66FCUDPS",
  "",
  "x",
  "  padded key  ",
  "ünïcödé-日本-🐙",
  "line\nbreak\ttab",
  'quote " and \\ backslash',
  "${not_a_template} %{ if x }",
  "K".repeat(1000),
];

describe("fingerprint (JS)", () => {
  test("is 16 lowercase hex digits", () => {
    for (const key of KEYS) expect(fingerprint(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(FINGERPRINT_LENGTH).toBe(16);
  });

  test("is deterministic and differs for different keys", () => {
    const all = KEYS.map(fingerprint);
    expect(new Set(all).size).toBe(KEYS.length);
    expect(KEYS.map(fingerprint)).toEqual(all);
    expect(fingerprint("API-AAAA")).not.toBe(fingerprint("API-AAAB"));
    expect(fingerprint("API-AAAA")).not.toBe(fingerprint("API-AAAA "));
  });

  test("never contains the key, and is not a plain SHA-256 of it (domain separation)", () => {
    for (const key of KEYS.filter((k) => k.length >= 4)) {
      expect(fingerprint(key)).not.toContain(key);
      expect(createHash("sha256").update(key).digest("hex").startsWith(fingerprint(key))).toBe(false);
    }
    expect(FINGERPRINT_PREFIX.length).toBeGreaterThan(0);
  });
});

/** The fingerprint expression exactly as a synthesized stack carries it. */
function synthesizedExpression(sensitive: boolean): string {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  const key = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive });
  new OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: "c", instanceUrl: "https://o.io", apiKey: key.value });
  const synth = JSON.parse(Testing.synth(stack)) as { resource: { terraform_data: Record<string, { triggers_replace?: Record<string, string> }> } };
  const found = Object.values(synth.resource.terraform_data)
    .map((r) => r.triggers_replace?.api_key_fingerprint)
    .filter((v): v is string => v !== undefined);
  expect(found.length).toBeGreaterThan(0);
  expect(new Set(found).size).toBe(1);
  expect(found[0]).toContain("var.octopus_api_key");
  return found[0];
}

describe("fingerprint (Terraform) equals fingerprint (JS)", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-fp-"));
    fs.writeFileSync(path.join(dir, "terraform.tfrc"), "disable_checkpoint = true\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ["a sensitive variable", true],
    ["a non-sensitive variable", false],
  ])("with %s", (_label, sensitive) => {
    const expression = synthesizedExpression(sensitive);
    const work = fs.mkdtempSync(path.join(dir, "run-"));
    // One variable and one output per key, each using the synthesized expression text verbatim
    // (only the variable's name differs).
    const config = {
      variable: Object.fromEntries(KEYS.map((_, i) => [`k${i}`, { type: "string", sensitive }])),
      output: Object.fromEntries(KEYS.map((_, i) => [`fp${i}`, { value: expression.split("var.octopus_api_key").join(`var.k${i}`) }])),
    };
    fs.writeFileSync(path.join(work, "main.tf.json"), JSON.stringify(config, null, 2));
    fs.writeFileSync(path.join(work, "keys.tfvars.json"), JSON.stringify(Object.fromEntries(KEYS.map((k, i) => [`k${i}`, k]))));
    const env = {
      ...process.env,
      TF_CLI_CONFIG_FILE: path.join(dir, "terraform.tfrc"),
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      TF_DATA_DIR: path.join(work, ".terraform"),
    };
    const tf = (...args: string[]) => execFileSync("terraform", args, { cwd: work, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    tf("init", "-input=false", "-no-color");
    tf("apply", "-auto-approve", "-input=false", "-no-color", "-var-file=keys.tfvars.json");
    const outputs = JSON.parse(tf("output", "-json")) as Record<string, { value: string; sensitive: boolean }>;
    KEYS.forEach((key, i) => {
      expect({ key, terraform: outputs[`fp${i}`].value }).toEqual({ key, terraform: fingerprint(key) });
      // nonsensitive(): a plan must be able to show the fingerprint change.
      expect(outputs[`fp${i}`].sensitive).toBe(false);
    });
  }, 120_000);
});
