/**
 * Synth-time validation of OctopusDeployConnection props: a table of bad props, each of which must
 * throw OctopusDeployConnectionPropsError naming the construct path, the field and the rule (and never
 * echo an API key), and valid props that must synthesize, with the hook engine, their two resources
 * (connection, sync), with literal strings reaching Terraform verbatim (in the connection's input and the sync
 * resource's triggers).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { HOOK_ENGINE, testApp } from "./app";
import { Construct } from "constructs";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib/construct/octopus-deploy-connection";
import { OctopusDeployConnectionPropsError } from "../../lib/construct/props";

/** A value that must never appear in any error message. */
const CANARY_KEY = "API-LEAKCANARY0123456789ABCDEF";
const PATH = "test/octopus";
const UUID = "abcdef12-3456-7890-abcd-ef1234567890";

interface Ctx {
  stack: TerraformStack;
  /** A sensitive Terraform variable's value (a token). */
  keyToken: string;
  /** A plain Terraform variable's value (a token). */
  stringToken: string;
}

type PropsOf = (ctx: Ctx) => unknown;

function newStack(): Ctx {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  const keyToken = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true }).stringValue;
  const stringToken = new TerraformVariable(stack, "some_string", { type: "string" }).stringValue;
  return { stack, keyToken, stringToken };
}

const base = { name: "my-conn", instanceUrl: "https://your-instance.octopus.app", apiKeyEnv: "OCTOPUS_API_KEY" };
const withKey = (ctx: Ctx) => ({ name: "my-conn", instanceUrl: "https://your-instance.octopus.app", apiKey: ctx.keyToken });
const bad = (overrides: Record<string, unknown>): PropsOf => () => ({ ...base, ...overrides });

/** Constructs the connection and returns what it threw. */
function errorOf(props: PropsOf): unknown {
  const ctx = newStack();
  try {
    new OctopusDeployConnection(ctx.stack, "octopus", props(ctx) as OctopusDeployConnectionProps);
  } catch (err) {
    return err;
  }
  throw new Error("expected the constructor to throw");
}

/** [label, props, field, rule fragment] */
const BAD: readonly (readonly [string, PropsOf, string, RegExp])[] = [
  // name
  ["name uppercase", bad({ name: "My-Conn" }), "name", /must be a slug/],
  ["name underscore", bad({ name: "my_conn" }), "name", /must be a slug/],
  ["name spaces", bad({ name: "my conn" }), "name", /must be a slug/],
  ["name leading hyphen", bad({ name: "-my-conn" }), "name", /must be a slug/],
  ["name trailing hyphen", bad({ name: "my-conn-" }), "name", /must be a slug/],
  ["name double hyphen", bad({ name: "my--conn" }), "name", /must be a slug/],
  // 32 is the hook engines' limit (older KMS releases); the default engine "provider" follows current ones (64)
  ["name 33 chars, engine terraform_data", bad({ name: "a".repeat(33), engine: "terraform_data" }), "name", /at most 32 characters with engine "terraform_data"/],
  ["name 33 chars, engine null_resource", bad({ name: "a".repeat(33), engine: "null_resource" }), "name", /at most 32 characters with engine "null_resource"/],
  ["name 65 chars (default engine)", bad({ name: "a".repeat(65) }), "name", /at most 64 characters \(got 65\)/],
  ["name 100 chars", bad({ name: "a".repeat(100) }), "name", /at most 64 characters \(got 100\)/],
  ["name empty", bad({ name: "" }), "name", /must not be empty/],
  ["name unicode", bad({ name: "connexión" }), "name", /must be a slug/],
  ["name control char", bad({ name: "my\u0001conn" }), "name", /must be a slug/],
  ["name newline", bad({ name: "my\nconn" }), "name", /must be a slug/],
  ["name ${...}", bad({ name: "${var.name}" }), "name", /must be a slug/],
  ["name Terraform reference", (ctx) => ({ ...base, name: ctx.stringToken }), "name", /must be a literal string, not a Terraform reference/],
  // description
  ["description 257 chars", bad({ description: "d".repeat(257) }), "description", /at most 256 characters \(got 257\)/],
  ["description leading space", bad({ description: " hello" }), "description", /must not start or end with whitespace/],
  ["description trailing space", bad({ description: "hello " }), "description", /must not start or end with whitespace/],
  ["description NUL", bad({ description: "a\u0000b" }), "description", /control characters/],
  ["description ESC", bad({ description: "a\u001b[31mb" }), "description", /control characters/],
  ["description DEL", bad({ description: "a\u007fb" }), "description", /control characters/],
  ["description Terraform reference", (ctx) => ({ ...base, description: ctx.stringToken }), "description", /not a Terraform reference/],
  // instanceUrl
  ["instanceUrl http non-loopback", bad({ instanceUrl: "http://octopus.example.com" }), "instanceUrl", /must use https/],
  ["instanceUrl ftp", bad({ instanceUrl: "ftp://octopus.example.com" }), "instanceUrl", /must use https, not ftp/],
  ["instanceUrl user:pass@", bad({ instanceUrl: "https://user:pass@octopus.example.com" }), "instanceUrl", /user:password@/],
  ["instanceUrl query", bad({ instanceUrl: "https://octopus.example.com/?apikey=1" }), "instanceUrl", /query or fragment/],
  ["instanceUrl fragment", bad({ instanceUrl: "https://octopus.example.com/#x" }), "instanceUrl", /query or fragment/],
  ["instanceUrl spaces", bad({ instanceUrl: "https://octopus example.com" }), "instanceUrl", /only URL characters/],
  ["instanceUrl ${...}", bad({ instanceUrl: "https://${var.host}/" }), "instanceUrl", /only URL characters/],
  ["instanceUrl relative", bad({ instanceUrl: "/octopus" }), "instanceUrl", /absolute URL/],
  ["instanceUrl 256 chars", bad({ instanceUrl: `https://o.io/${"p".repeat(243)}` }), "instanceUrl", /at most 255 characters \(got 256\)/],
  ["instanceUrl empty", bad({ instanceUrl: "" }), "instanceUrl", /must not be empty/],
  ["instanceUrl missing", () => ({ name: "my-conn", apiKeyEnv: "OCTOPUS_API_KEY" }), "instanceUrl", /must be a string, got undefined/],
  ["instanceUrl Terraform reference", (ctx) => ({ ...base, instanceUrl: ctx.stringToken }), "instanceUrl", /not a Terraform reference/],
  // kmsUrl
  ["kmsUrl http non-loopback", bad({ kmsUrl: "http://kms.example.com" }), "kmsUrl", /must use https/],
  ["kmsUrl with credentials", bad({ kmsUrl: "https://a:b@kms.example.com" }), "kmsUrl", /user:password@/],
  // projectId
  ["projectId non-UUID", bad({ projectId: "my-project" }), "projectId", /must be a KMS project id \(a UUID/],
  ["projectId UUID with suffix", bad({ projectId: `${UUID}x` }), "projectId", /UUID/],
  ["projectId number", bad({ projectId: 42 }), "projectId", /must be a string, got number/],
  // apiKey / apiKeyEnv
  ["apiKey literal string", () => ({ name: "my-conn", instanceUrl: "https://o.io", apiKey: CANARY_KEY }), "apiKey", /must be a Terraform value/],
  ["apiKey and apiKeyEnv both", (ctx) => ({ ...base, apiKey: ctx.keyToken }), "apiKey", /set exactly one of apiKey .* and apiKeyEnv/],
  ["apiKey literal and apiKeyEnv both", () => ({ ...base, apiKey: CANARY_KEY }), "apiKey", /must be a Terraform value/],
  ["neither apiKey nor apiKeyEnv", () => ({ name: "my-conn", instanceUrl: "https://o.io" }), "apiKey", /set exactly one of apiKey/],
  ["apiKey number", () => ({ name: "my-conn", instanceUrl: "https://o.io", apiKey: 12345678 }), "apiKey", /must be a string/],
  ["apiKey object holding the key", () => ({ name: "my-conn", instanceUrl: "https://o.io", apiKey: { value: CANARY_KEY } }), "apiKey", /must be a string/],
  ["apiKey array holding the key", () => ({ name: "my-conn", instanceUrl: "https://o.io", apiKey: [CANARY_KEY] }), "apiKey", /must be a string/],
  ["apiKeyEnv starts with a digit", bad({ apiKeyEnv: "1KEY" }), "apiKeyEnv", /environment variable name/],
  ["apiKeyEnv hyphen", bad({ apiKeyEnv: "OCTOPUS-KEY" }), "apiKeyEnv", /environment variable name/],
  ["apiKeyEnv empty", bad({ apiKeyEnv: "" }), "apiKeyEnv", /1-128 characters/],
  ["apiKeyEnv $NAME", bad({ apiKeyEnv: "$OCTOPUS_API_KEY" }), "apiKeyEnv", /environment variable name/],
  ["apiKeyEnv KMS_TOKEN", bad({ apiKeyEnv: "KMS_TOKEN" }), "apiKeyEnv", /must not be KMS_TOKEN: that name is reserved/],
  ["apiKeyEnv INFISICAL_TOKEN", bad({ apiKeyEnv: "INFISICAL_TOKEN" }), "apiKeyEnv", /reserved/],
  ["apiKeyEnv KMS_CLIENT_SECRET", bad({ apiKeyEnv: "KMS_CLIENT_SECRET" }), "apiKeyEnv", /reserved/],
  ["apiKeyEnv INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET", bad({ apiKeyEnv: "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET" }), "apiKeyEnv", /reserved/],
  ["apiKeyEnv KMS_OCTOPUS_X", bad({ apiKeyEnv: "KMS_OCTOPUS_X" }), "apiKeyEnv", /must not be KMS_OCTOPUS_X: that name is reserved/],
  ["apiKeyEnv KMS_OCTOPUS_API_KEY", bad({ apiKeyEnv: "KMS_OCTOPUS_API_KEY" }), "apiKeyEnv", /reserved/],
  // enums
  ["removalPolicy wrong", bad({ removalPolicy: "delete" }), "removalPolicy", /must be "destroy" or "retain", got "delete"/],
  ["removalPolicy case", bad({ removalPolicy: "RETAIN" }), "removalPolicy", /must be "destroy" or "retain"/],
  ["engine wrong", bad({ engine: "null" }), "engine", /must be one of "provider", "terraform_data", "null_resource", got "null"/],
  // wrong JS types
  ["name number", bad({ name: 42 }), "name", /must be a string, got number/],
  ["name null", bad({ name: null }), "name", /must be a string, got null/],
  ["name array", bad({ name: ["my-conn"] }), "name", /must be a string, got an array/],
  ["description object", bad({ description: { text: "x" } }), "description", /must be a string, got an object/],
  ["description null", bad({ description: null }), "description", /must be a string, got null/],
  ["adoptExisting string", bad({ adoptExisting: "true" }), "adoptExisting", /must be true or false, got string/],
  ["adoptExisting number", bad({ adoptExisting: 1 }), "adoptExisting", /must be true or false, got number/],
  ["instanceUrl array", bad({ instanceUrl: ["https://o.io"] }), "instanceUrl", /must be a string, got an array/],
  ["removalPolicy null", bad({ removalPolicy: null }), "removalPolicy", /must be "destroy" or "retain", got null/],
  ["props null", () => null, "props", /props must be an object, got null/],
  ["props array", () => [], "props", /props must be an object, got an array/],
  // unknown props
  ["unknown prop descripton", bad({ descripton: "typo" }), "props", /unknown prop descripton/],
  ["unknown prop apikey holding the key", bad({ apikey: CANARY_KEY }), "props", /unknown prop apikey/],
  // renamedFrom
  ["renamedFrom equal to name", bad({ renamedFrom: "my-conn" }), "renamedFrom", /must differ from name/],
  ["renamedFrom with engine null_resource", bad({ renamedFrom: "old-conn", engine: "null_resource" }), "renamedFrom", /not supported with engine "null_resource"/],
  ["renamedFrom not a slug", bad({ renamedFrom: "Old_Conn" }), "renamedFrom", /must be a slug/],
];

describe("bad props", () => {
  test("the table has at least 45 cases", () => {
    expect(BAD.length).toBeGreaterThanOrEqual(45);
  });

  test.each(BAD.map(([label, props, field, rule]) => [label, props, field, rule] as const))("%s", (_label, props, field, rule) => {
    const err = errorOf(props);
    expect(err).toBeInstanceOf(OctopusDeployConnectionPropsError);
    const e = err as OctopusDeployConnectionPropsError;
    expect(e.path).toBe(PATH);
    expect(e.message).toContain(`"${PATH}"`);
    // The field and the rule appear together, in one problem line.
    const problem = e.problems.find((p) => p.field === field && rule.test(p.rule));
    expect({ problems: e.problems, found: problem !== undefined }).toEqual(expect.objectContaining({ found: true }));
    expect(e.message).toContain(`  - ${field}: ${problem!.rule}`);
    // The API key never appears, in any form.
    expect(e.message).not.toContain(CANARY_KEY);
    expect(JSON.stringify(e.problems)).not.toContain(CANARY_KEY);
  });

  test("every problem is reported at once", () => {
    const err = errorOf(() => ({ name: "Bad_Name", description: " x", instanceUrl: "ftp://x", apiKey: CANARY_KEY, removalPolicy: "nope" })) as OctopusDeployConnectionPropsError;
    expect(err).toBeInstanceOf(OctopusDeployConnectionPropsError);
    expect(err.problems.map((p) => p.field).sort()).toEqual(["apiKey", "description", "instanceUrl", "name", "removalPolicy"]);
    expect(err.message).not.toContain(CANARY_KEY);
  });

  test("the path in the message is the construct's own path", () => {
    const ctx = newStack();
    const group = new Construct(ctx.stack, "team-a");
    let err: unknown;
    try {
      new OctopusDeployConnection(group, "conn-1", { ...base, name: "BAD" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OctopusDeployConnectionPropsError);
    expect((err as Error).message).toContain('"test/team-a/conn-1"');
  });

  test("nothing is added to the stack when props are invalid", () => {
    const ctx = newStack();
    expect(() => new OctopusDeployConnection(ctx.stack, "octopus", { ...base, name: "BAD" })).toThrow(OctopusDeployConnectionPropsError);
    const synth = JSON.parse(Testing.synth(ctx.stack)) as { resource?: unknown };
    expect(synth.resource).toBeUndefined();
  });
  test("an API key passed as apiKeyEnv by mistake is not echoed in the error", () => {
    const err = errorOf(bad({ apiKeyEnv: CANARY_KEY })) as OctopusDeployConnectionPropsError;
    expect(err).toBeInstanceOf(OctopusDeployConnectionPropsError);
    expect(err.problems.some((p) => p.field === "apiKeyEnv")).toBe(true);
    expect(err.message).not.toContain(CANARY_KEY);
  });
});

// ---------------------------------------------------------------------------------------------------

interface Synthesized {
  resource: { terraform_data: Record<string, { input?: Record<string, unknown>; triggers_replace?: Record<string, unknown> }> };
}

function synthOf(props: (ctx: Ctx) => OctopusDeployConnectionProps): Synthesized {
  const ctx = newStack();
  new OctopusDeployConnection(ctx.stack, "octopus", { ...HOOK_ENGINE, ...props(ctx) });
  return JSON.parse(Testing.synth(ctx.stack)) as Synthesized;
}

function resourceNamed(s: Synthesized, prefix: string) {
  const entry = Object.entries(s.resource.terraform_data).find(([k]) => k.startsWith(`octopus_${prefix}_`));
  if (!entry) throw new Error(`no ${prefix} resource`);
  return entry[1];
}

/** What Terraform evaluates a synthesized string to (only the two forms the construct may use). */
function terraformValueOf(synthesized: unknown): string {
  expect(typeof synthesized).toBe("string");
  const text = synthesized as string;
  const b64 = /^\$\{base64decode\("([A-Za-z0-9+/=]*)"\)\}$/.exec(text);
  if (b64) return Buffer.from(b64[1], "base64").toString("utf8");
  // A plain string must hold no template sequence, or Terraform would evaluate it.
  expect(text).not.toMatch(/[$%]\{/);
  return text;
}

describe("valid props", () => {
  const valid: readonly (readonly [string, (ctx: Ctx) => OctopusDeployConnectionProps])[] = [
    ["organization-level with apiKey", (ctx) => withKey(ctx)],
    ["project-level", (ctx) => ({ ...withKey(ctx), projectId: UUID })],
    ["project id as a Terraform reference", (ctx) => ({ ...withKey(ctx), projectId: ctx.stringToken })],
    ["apiKeyEnv", () => base],
    ["kmsUrl http loopback with a port", () => ({ ...base, kmsUrl: "http://127.0.0.1:8080" })],
    ["kmsUrl http localhost", () => ({ ...base, kmsUrl: "http://localhost:4000/" })],
    ["instanceUrl http loopback", () => ({ ...base, instanceUrl: "http://127.0.0.1:9090" })],
    ["all options", () => ({ ...base, description: "prod", removalPolicy: "retain", adoptExisting: true, renamedFrom: "old-conn", kmsUrl: "https://kms.example.com" })],
    ["name of 32 chars", () => ({ ...base, name: "a".repeat(32) })],
    ["description of 256 chars", () => ({ ...base, description: "d".repeat(256) })],
    ["empty description", () => ({ ...base, description: "" })],
  ];
  test.each(valid)("%s synthesizes", (_label, props) => {
    const s = synthOf(props);
    expect(Object.keys(s.resource.terraform_data).map((k) => k.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual(["octopus_connection", "octopus_sync"]);
  });

  test("the default engine is the provider, which allows names of 64 characters (current KMS releases)", () => {
    const ctx = newStack();
    const conn = new OctopusDeployConnection(ctx.stack, "octopus", { ...base, name: "a".repeat(64) });
    expect(conn.engine).toBe("provider");
    const synth = JSON.parse(Testing.synth(ctx.stack)) as { resource: Record<string, Record<string, { name?: string }>> };
    expect(Object.keys(synth.resource)).toEqual(["hanzokms_octopus_deploy_connection"]);
    expect(Object.values(synth.resource.hanzokms_octopus_deploy_connection)[0]!.name).toBe("a".repeat(64));
  });

  test("a project id reference reaches Terraform as the reference", () => {
    const s = synthOf((ctx) => ({ ...withKey(ctx), projectId: ctx.stringToken }));
    expect(resourceNamed(s, "connection").input!.project_id).toBe("${var.some_string}");
    expect(resourceNamed(s, "connection").triggers_replace!.project_id).toBe("${var.some_string}");
  });

  const INJECTIONS = [
    "$(rm -rf /)",
    "`id`",
    "a; echo pwned",
    `single ' and double " quotes`,
    "line one\nline two\r\nline three",
    "100% done",
    "${x}",
    "%{x}",
    "%{ if true }yes%{ endif }",
    "${jsonencode(var.octopus_api_key)}",
    "$${x} and %%{x}",
    "\\${x}",
    "trailing $",
    "$ {x} and % {x}",
    "tab\there",
    "ünïcödé ✓ 日本 🐙",
    "{}[]<>|&\\",
  ];
  test.each(INJECTIONS.map((d) => [JSON.stringify(d), d]))("description %s reaches Terraform verbatim", (_label, description) => {
    const s = synthOf(() => ({ ...base, description }));
    const connection = resourceNamed(s, "connection");
    const sync = resourceNamed(s, "sync");
    expect(terraformValueOf(connection.input!.description)).toBe(description);
    expect(terraformValueOf(sync.triggers_replace!.description)).toBe(description);
  });

  test("strings with template sequences are base64-wrapped, plain strings are not", () => {
    expect(resourceNamed(synthOf(() => ({ ...base, description: "${x}" })), "connection").input!.description).toMatch(/^\$\{base64decode\(/);
    expect(resourceNamed(synthOf(() => ({ ...base, description: "$(x)" })), "connection").input!.description).toBe("$(x)");
  });

  test("terraform itself evaluates every synthesized description to the input", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-desc-"));
    try {
      const values = INJECTIONS.map((description) => resourceNamed(synthOf(() => ({ ...base, description })), "connection").input!.description);
      const config = { output: Object.fromEntries(values.map((value, i) => [`d${i}`, { value }])) };
      fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config));
      fs.writeFileSync(path.join(dir, "terraform.tfrc"), "disable_checkpoint = true\n");
      const env = { ...process.env, TF_CLI_CONFIG_FILE: path.join(dir, "terraform.tfrc"), CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_DATA_DIR: path.join(dir, ".tf") };
      const tf = (...args: string[]) => execFileSync("terraform", args, { cwd: dir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      tf("init", "-input=false", "-no-color");
      tf("apply", "-auto-approve", "-input=false", "-no-color");
      const outputs = JSON.parse(tf("output", "-json")) as Record<string, { value: string }>;
      expect(INJECTIONS.map((_, i) => outputs[`d${i}`].value)).toEqual([...INJECTIONS]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
