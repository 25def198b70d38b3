/**
 * What OctopusDeployConnection synthesizes: two terraform_data resources per connection, `connection`
 * (stores the declaration and records the plan it was born in; only a destroy-time delete hook) and
 * `sync` (replaced on any change of what the KMS holds; one create-time apply hook that gets the
 * born and planned timestamps and the stack's declared names); hooks started by the constant
 * launcher; secrets only where they must be; one declared-names local and one hook asset per stack;
 * the Terraform version check; valid Terraform whose lifecycle, run by real Terraform with a stand-in
 * hook, hands the hook what it needs to tell a new connection from an existing one.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import "cdktf/lib/testing/adapters/jest";
import { DataResource, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { Construct } from "constructs";
import { HOOK_ENGINE, testApp } from "./app";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib/construct/octopus-deploy-connection";
import { fingerprint } from "../../lib/construct/fingerprint";
import { hookBundlePath } from "../../lib/construct/hook-asset";
import { LAUNCHER_SCRIPT, hookInterpreter } from "../../lib/construct/launcher";
import { OPERATIONS } from "../../lib/hook/protocol";
import { run, TERRAFORM, terraformEnv, workDir } from "../e2e/terraform-env";

const UUID = "abcdef12-3456-7890-abcd-ef1234567890";
const HOOK_PATH = /^assets\/cdktf-kms-octopus-hook\/[0-9A-F]+\/hook\.js$/;
const HOOK_ENV_NAMES = ["KMS_OCTOPUS_EVENT", "KMS_OCTOPUS_API_KEY", "KMS_OCTOPUS_BORN_AT", "KMS_OCTOPUS_PLANNED_AT", "KMS_OCTOPUS_DECLARED_NAMES"];
const KEY_FINGERPRINT = '${nonsensitive(substr(sha256(join("", ["cdktf-kms-octopus/api-key/v1:", var.octopus_api_key])), 0, 16))}';
const KMS_CREDENTIAL_NAMES = [
  "KMS_TOKEN",
  "INFISICAL_TOKEN",
  "KMS_CLIENT_ID",
  "KMS_CLIENT_SECRET",
  "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID",
  "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET",
  "KMS_ORGANIZATION_SLUG",
];

interface LocalExec {
  command: string;
  interpreter: string[];
  environment: Record<string, string>;
  when?: string;
  quiet?: boolean;
  [k: string]: unknown;
}
interface TfData {
  input?: Record<string, unknown>;
  triggers_replace?: Record<string, unknown>;
  provisioner?: { "local-exec": LocalExec }[];
  lifecycle?: { ignore_changes?: string[] };
  depends_on?: string[];
}
interface Synth {
  resource: { terraform_data: Record<string, TfData> };
  locals?: Record<string, unknown>;
  variable?: Record<string, unknown>;
}

function stackWithKey(props: Partial<OctopusDeployConnectionProps> = {}) {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  const key = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });
  const conn = new OctopusDeployConnection(stack, "octopus", {
    ...HOOK_ENGINE,
    name: "my-conn",
    instanceUrl: "https://your-instance.octopus.app",
    apiKey: key.value,
    ...props,
  } as OctopusDeployConnectionProps);
  return { app, stack, key, conn };
}

function stackWithEnv(props: Partial<OctopusDeployConnectionProps> = {}) {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  const conn = new OctopusDeployConnection(stack, "octopus", {
    ...HOOK_ENGINE,
    name: "my-conn",
    instanceUrl: "https://your-instance.octopus.app",
    apiKeyEnv: "TEST_OCTOPUS_API_KEY",
    ...props,
  } as OctopusDeployConnectionProps);
  return { app, stack, conn };
}

function parse(stack: TerraformStack): Synth {
  return JSON.parse(Testing.synth(stack)) as Synth;
}

/** The `id` resource of the construct `construct`, and its address. */
function find(s: Synth, id: string, construct = "octopus"): [string, TfData] {
  const found = Object.entries(s.resource.terraform_data).filter(([k]) => new RegExp(`^${construct}_${id}_[0-9A-F]{8}$`).test(k));
  expect(found).toHaveLength(1);
  return [`terraform_data.${found[0][0]}`, found[0][1]];
}

function part(s: Synth, id: string, construct = "octopus"): TfData {
  return find(s, id, construct)[1];
}

function hooks(r: TfData): LocalExec[] {
  return (r.provisioner ?? []).map((p) => p["local-exec"]);
}

/** Every string in a JSON value, with its path. */
function strings(value: unknown, at = "$"): [string, string][] {
  if (typeof value === "string") return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, `${at}.${k}`));
  return [];
}

describe("structure", () => {
  test("two terraform_data resources: connection and sync", () => {
    const s = parse(stackWithKey().stack);
    expect(Object.keys(s.resource).sort()).toEqual(["terraform_data"]);
    const ids = Object.keys(s.resource.terraform_data).map((k) => k.replace(/^octopus_|_[0-9A-F]{8}$/g, ""));
    expect(ids.sort()).toEqual(["connection", "sync"]);
  });

  test("n connections synthesize 2n resources", () => {
    const app = testApp();
    const stack = new TerraformStack(app, "test");
    for (const n of ["a", "b", "c"]) new OctopusDeployConnection(stack, n, { ...HOOK_ENGINE, name: n, instanceUrl: "https://o.octopus.app", apiKeyEnv: "K" });
    const names = Object.keys(parse(stack).resource.terraform_data).map((k) => k.replace(/_[0-9A-F]{8}$/, ""));
    expect(names.sort()).toEqual(["a_connection", "a_sync", "b_connection", "b_sync", "c_connection", "c_sync"]);
  });

  test("the construct exposes connectionResource and syncResource, and no longer credentialsResource or updateResource", () => {
    const { stack, conn } = stackWithKey();
    const s = parse(stack);
    const [connectionAddress] = find(s, "connection");
    const [syncAddress] = find(s, "sync");
    expect(`${conn.connectionResource.terraformResourceType}.${conn.connectionResource.friendlyUniqueId}`).toBe(connectionAddress);
    expect(`${conn.syncResource!.terraformResourceType}.${conn.syncResource!.friendlyUniqueId}`).toBe(syncAddress);
    expect(conn.connectionResource.node.id).toBe("connection");
    expect(conn.syncResource!.node.id).toBe("sync");
    expect(conn.connectionName).toBe("my-conn");
    // @ts-expect-error removed from the API
    expect(conn.credentialsResource).toBeUndefined();
    // @ts-expect-error removed from the API
    expect(conn.updateResource).toBeUndefined();
    expect(conn.node.children.map((c) => c.node.id).sort()).toEqual(["connection", "sync"]);
  });

  test("matches the cdktf resource matchers", () => {
    const synth = Testing.synth(stackWithKey({ projectId: UUID, description: "prod" }).stack);
    expect(synth).toHaveResource(DataResource);
    // Nested objects compare exactly unless wrapped in objectContaining (the jest adapter's semantics).
    expect(synth).toHaveResourceWithProperties(DataResource, {
      triggers_replace: { kms_url: "https://app.kms.hanzo.ai", project_id: UUID, born: "${plantimestamp()}" },
      lifecycle: { ignore_changes: ["triggers_replace.born"] },
      input: expect.objectContaining({
        v: 2,
        name: "my-conn",
        description: "prod",
        instance_url: "https://your-instance.octopus.app",
        project_id: UUID,
        removal_policy: "destroy",
        adopt_existing: false,
      }),
      provisioner: [{ "local-exec": expect.objectContaining({ command: "delete", when: "destroy" }) }],
    });
    expect(synth).toHaveResourceWithProperties(DataResource, {
      triggers_replace: expect.objectContaining({ name: "my-conn", description: "prod", instance_url: "https://your-instance.octopus.app", api_key_fingerprint: KEY_FINGERPRINT }),
      provisioner: [
        {
          "local-exec": expect.objectContaining({
            command: "apply",
            interpreter: ["/bin/sh", "-c", LAUNCHER_SCRIPT, "cdktf-kms-octopus-hook", expect.stringMatching(HOOK_PATH)],
            quiet: true,
          }),
        },
      ],
    });
    expect(synth).not.toHaveResourceWithProperties(DataResource, { triggers_replace: expect.objectContaining({ name: "other" }) });
    // No resource runs a hook at create time other than the sync resource's apply (the positive form
    // shows the matcher finds a hook by its command).
    expect(synth).toHaveResourceWithProperties(DataResource, { provisioner: expect.arrayContaining([{ "local-exec": expect.objectContaining({ command: "delete" }) }]) });
    expect(synth).not.toHaveResourceWithProperties(DataResource, { provisioner: expect.arrayContaining([{ "local-exec": expect.objectContaining({ command: "create" }) }]) });
    expect(synth).not.toHaveResourceWithProperties(DataResource, { provisioner: expect.arrayContaining([{ "local-exec": expect.objectContaining({ command: "update" }) }]) });
    expect(synth).not.toHaveResourceWithProperties(DataResource, { provisioner: expect.arrayContaining([{ "local-exec": expect.objectContaining({ command: "credentials" }) }]) });
  });

  test("the connection is replaced only when kms_url or project_id change, and records the plan it is born in", () => {
    const s = parse(stackWithKey({ projectId: UUID, kmsUrl: "https://kms.example.com", description: "d" }).stack);
    expect(part(s, "connection").triggers_replace).toEqual({ kms_url: "https://kms.example.com", project_id: UUID, born: "${plantimestamp()}" });
    const org = parse(stackWithKey().stack);
    expect(part(org, "connection").triggers_replace).toEqual({ kms_url: "https://app.kms.hanzo.ai", project_id: null, born: "${plantimestamp()}" });
  });

  test("born is recorded once: ignore_changes covers it and nothing else; the sync resource ignores nothing", () => {
    const s = parse(stackWithKey({ projectId: UUID }).stack);
    expect(part(s, "connection").lifecycle).toEqual({ ignore_changes: ["triggers_replace.born"] });
    expect(part(s, "sync").lifecycle).toBeUndefined();
  });

  test("the connection's input holds the whole non-secret declaration, event version 2", () => {
    const s = parse(stackWithKey({ projectId: UUID, description: "d", removalPolicy: "retain", adoptExisting: true, renamedFrom: "old-conn" }).stack);
    const [address, connection] = find(s, "connection");
    expect(connection.input).toEqual({
      v: 2,
      marker: "cdktf-kms-octopus",
      path: "test/octopus",
      address,
      kms_url: "https://app.kms.hanzo.ai",
      project_id: UUID,
      name: "my-conn",
      description: "d",
      instance_url: "https://your-instance.octopus.app",
      api_key_env: null,
      adopt_existing: true,
      renamed_from: "old-conn",
      removal_policy: "retain",
    });
    const defaults = part(parse(stackWithEnv().stack), "connection").input!;
    expect(defaults).toEqual(expect.objectContaining({ v: 2, description: null, project_id: null, api_key_env: "TEST_OCTOPUS_API_KEY", adopt_existing: false, renamed_from: null, removal_policy: "destroy" }));
  });

  test("the sync resource is replaced when the connection, name, description, instance URL or key fingerprint change", () => {
    const s = parse(stackWithKey({ description: "d" }).stack);
    const [connectionAddress] = find(s, "connection");
    expect(part(s, "sync").triggers_replace).toEqual({
      connection: `\${${connectionAddress}.id}`,
      name: "my-conn",
      description: "d",
      instance_url: "https://your-instance.octopus.app",
      api_key_fingerprint: KEY_FINGERPRINT,
    });
    expect(part(parse(stackWithKey().stack), "sync").triggers_replace!.description).toBeNull();
  });

  test("no explicit dependencies: the sync resource follows the connection through its references", () => {
    const s = parse(stackWithKey().stack);
    expect(part(s, "connection").depends_on).toBeUndefined();
    expect(part(s, "sync").depends_on).toBeUndefined();
  });

  test("a change of what the KMS holds replaces only the sync resource; a change of KMS or project replaces both", () => {
    const before = parse(stackWithKey({ description: "a" }).stack);
    const cases: [string, Partial<OctopusDeployConnectionProps>, boolean][] = [
      ["description", { description: "b" }, false],
      ["name", { description: "a", name: "renamed", renamedFrom: "my-conn" }, false],
      ["instance URL", { description: "a", instanceUrl: "https://moved.octopus.app" }, false],
      ["KMS", { description: "a", kmsUrl: "https://kms.example.com" }, true],
      ["project", { description: "a", projectId: UUID }, true],
    ];
    for (const [label, props, replacesConnection] of cases) {
      const after = parse(stackWithKey(props).stack);
      const connectionReplaced = JSON.stringify(part(after, "connection").triggers_replace) !== JSON.stringify(part(before, "connection").triggers_replace);
      const syncReplaced = JSON.stringify(part(after, "sync").triggers_replace) !== JSON.stringify(part(before, "sync").triggers_replace);
      // A replaced connection gets a new id, which replaces the sync resource too (its `connection` trigger).
      expect({ label, connectionReplaced, syncReplaced: syncReplaced || connectionReplaced }).toEqual({ label, connectionReplaced: replacesConnection, syncReplaced: true });
      expect(part(after, "connection").input).not.toEqual(part(before, "connection").input);
    }
    // Policy and adoption changes update the connection's input in place and run no hook.
    for (const props of [{ description: "a", removalPolicy: "retain" as const }, { description: "a", adoptExisting: true }]) {
      const after = parse(stackWithKey(props).stack);
      expect(part(after, "connection").triggers_replace).toEqual(part(before, "connection").triggers_replace);
      expect(part(after, "sync").triggers_replace).toEqual(part(before, "sync").triggers_replace);
      expect(part(after, "connection").input).not.toEqual(part(before, "connection").input);
    }
  });
});

describe("hooks", () => {
  const s = parse(stackWithKey({ projectId: UUID }).stack);
  const [connectionAddress, connection] = find(s, "connection");
  const sync = part(s, "sync");

  test("the connection has only a destroy-time delete hook; the sync resource only a create-time apply hook", () => {
    expect(hooks(connection).map((h) => [h.command, h.when])).toEqual([["delete", "destroy"]]);
    expect(hooks(sync).map((h) => [h.command, h.when])).toEqual([["apply", undefined]]);
    expect([...OPERATIONS].sort()).toEqual(["apply", "delete"]);
  });

  test("every hook is started by the launcher with the bundled hook, quietly", () => {
    const all = [...hooks(connection), ...hooks(sync)];
    expect(all).toHaveLength(2);
    const hookPath = all[0].interpreter.at(-1)!;
    expect(hookPath).toMatch(HOOK_PATH);
    for (const h of all) {
      expect(h.interpreter).toEqual(hookInterpreter(hookPath));
      if (process.platform !== "win32") expect(h.interpreter).toEqual(["/bin/sh", "-c", LAUNCHER_SCRIPT, "cdktf-kms-octopus-hook", hookPath]);
      expect(OPERATIONS).toContain(h.command);
      expect(h.quiet).toBe(true);
      expect(h.working_dir).toBeUndefined();
      expect(Object.keys(h.environment).filter((n) => !HOOK_ENV_NAMES.includes(n))).toEqual([]);
      // The launcher sets the run pid; a value from the configuration would be wrong.
      expect(h.environment.KMS_OCTOPUS_RUN_PID).toBeUndefined();
    }
  });

  test("the delete hook references only self (Terraform refuses anything else in destroy hooks)", () => {
    const del = hooks(connection)[0];
    const refs = strings(del).flatMap(([, v]) => [...v.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]));
    expect(refs).toEqual(["jsonencode(self.input)"]);
    expect(del.environment).toEqual({ KMS_OCTOPUS_EVENT: "${jsonencode(self.input)}" });
  });

  test("the apply hook reads the event and born from the connection, the plan's timestamp and the stack's declared names", () => {
    expect(hooks(sync)[0].environment).toEqual({
      KMS_OCTOPUS_EVENT: `\${jsonencode(${connectionAddress}.output)}`,
      KMS_OCTOPUS_BORN_AT: `\${${connectionAddress}.triggers_replace.born}`,
      KMS_OCTOPUS_PLANNED_AT: "${plantimestamp()}",
      KMS_OCTOPUS_DECLARED_NAMES: "${local.kms_octopus_declared_names}",
      KMS_OCTOPUS_API_KEY: "${nonsensitive(var.octopus_api_key)}",
    });
  });
});

describe("declared names", () => {
  const sync = (s: Synth, construct: string) => hooks(part(s, "sync", construct))[0].environment.KMS_OCTOPUS_DECLARED_NAMES;

  test("one connection: the local holds its name", () => {
    const s = parse(stackWithEnv().stack);
    expect(s.locals).toEqual({ kms_octopus_declared_names: "my-conn" });
    expect(sync(s, "octopus")).toBe("${local.kms_octopus_declared_names}");
  });

  test("several connections, both engines, nested scopes: one local listing every name, sorted, comma-separated", () => {
    const app = testApp();
    const stack = new TerraformStack(app, "test");
    const team = new Construct(stack, "team");
    const base = { instanceUrl: "https://o.octopus.app", apiKeyEnv: "K" };
    new OctopusDeployConnection(stack, "zeta", { ...HOOK_ENGINE, ...base, name: "zeta" });
    new OctopusDeployConnection(team, "alpha", { ...HOOK_ENGINE, ...base, name: "alpha-2" });
    new OctopusDeployConnection(stack, "mid", { ...HOOK_ENGINE, ...base, name: "mid", engine: "null_resource" });
    new OctopusDeployConnection(team, "alpha1", { ...HOOK_ENGINE, ...base, name: "alpha", renamedFrom: "was-alpha" });
    const raw = Testing.synth(stack);
    const s = JSON.parse(raw) as Synth & { resource: { null_resource: Record<string, TfData> } };
    expect(s.locals).toEqual({ kms_octopus_declared_names: "alpha,alpha-2,mid,zeta" });
    // Once per stack: the list is written once, every apply hook references it.
    expect(raw.split("alpha,alpha-2,mid,zeta")).toHaveLength(2);
    const envs = [...Object.values(s.resource.terraform_data), ...Object.values(s.resource.null_resource)].flatMap((r) => hooks(r)).filter((h) => h.command === "apply");
    expect(envs).toHaveLength(4);
    for (const h of envs) expect(h.environment.KMS_OCTOPUS_DECLARED_NAMES).toBe("${local.kms_octopus_declared_names}");
    // The previous name of a rename is not declared.
    expect(raw).not.toMatch(/kms_octopus_declared_names": "[^"]*was-alpha/);
  });

  test("each stack lists its own connections", () => {
    const app = testApp();
    const one = new TerraformStack(app, "one");
    const two = new TerraformStack(app, "two");
    new OctopusDeployConnection(one, "b", { ...HOOK_ENGINE, name: "b", instanceUrl: "https://o.octopus.app", apiKeyEnv: "K" });
    new OctopusDeployConnection(one, "a", { ...HOOK_ENGINE, name: "a", instanceUrl: "https://o.octopus.app", apiKeyEnv: "K" });
    new OctopusDeployConnection(two, "c", { ...HOOK_ENGINE, name: "c", instanceUrl: "https://o.octopus.app", apiKeyEnv: "K" });
    expect(parse(one).locals).toEqual({ kms_octopus_declared_names: "a,b" });
    expect(parse(two).locals).toEqual({ kms_octopus_declared_names: "c" });
  });

  test("a stack that only removes connections declares none", () => {
    const app = testApp();
    const stack = new TerraformStack(app, "test");
    OctopusDeployConnection.removed(stack, "gone");
    expect((JSON.parse(Testing.synth(stack)) as Synth).locals).toBeUndefined();
  });
});

describe("secrets", () => {
  test("the API key appears only as nonsensitive(var) in the apply hook's environment and inside the fingerprint", () => {
    const s = parse(stackWithKey({ projectId: UUID, description: "d" }).stack);
    const fp = part(s, "sync").triggers_replace!.api_key_fingerprint as string;
    expect(fp).toBe(KEY_FINGERPRINT);
    const { variable, ...rest } = s;
    expect(variable).toEqual({ octopus_api_key: { type: "string", sensitive: true } });
    const mentions = strings(rest).filter(([, v]) => v.includes("var.octopus_api_key"));
    const where = mentions.map(([at, v]) => [at.replace(/_[0-9A-F]{8}/, ""), v]);
    // Everything else (the connection's input and triggers, the delete hook, the locals) is key-free.
    expect(where).toEqual([
      ["$.resource.terraform_data.octopus_sync.provisioner[0].local-exec.environment.KMS_OCTOPUS_API_KEY", "${nonsensitive(var.octopus_api_key)}"],
      ["$.resource.terraform_data.octopus_sync.triggers_replace.api_key_fingerprint", fp],
    ]);
    expect(JSON.stringify(part(s, "connection"))).not.toContain("octopus_api_key");
  });

  test("no KMS credential name or value appears in the configuration", () => {
    const saved = { ...process.env };
    try {
      process.env.KMS_TOKEN = "kms-token-canary-123456";
      process.env.KMS_CLIENT_ID = "kms-client-id-canary";
      process.env.KMS_CLIENT_SECRET = "kms-client-secret-canary";
      process.env.TEST_OCTOPUS_API_KEY = "API-ENVKEYCANARY00000000000000";
      for (const synth of [Testing.synth(stackWithKey({ projectId: UUID }).stack), Testing.synth(stackWithEnv().stack), Testing.synth(stackWithEnv({ engine: "null_resource" }).stack)]) {
        for (const name of KMS_CREDENTIAL_NAMES) expect(synth).not.toContain(name);
        for (const value of ["kms-token-canary-123456", "kms-client-id-canary", "kms-client-secret-canary", "API-ENVKEYCANARY00000000000000"]) {
          expect(synth).not.toContain(value);
        }
      }
    } finally {
      process.env = saved;
    }
  });
});

describe("apiKeyEnv", () => {
  const saved = process.env.TEST_OCTOPUS_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.TEST_OCTOPUS_API_KEY;
    else process.env.TEST_OCTOPUS_API_KEY = saved;
  });

  test("fingerprint computed at synth from the environment when the variable is set", () => {
    process.env.TEST_OCTOPUS_API_KEY = "API-ABCDEFGHIJKLMNOPQRSTUVWXYZ0";
    const s = parse(stackWithEnv().stack);
    expect(part(s, "sync").triggers_replace!.api_key_fingerprint).toBe(fingerprint("API-ABCDEFGHIJKLMNOPQRSTUVWXYZ0"));
    expect(JSON.stringify(s)).not.toContain("API-ABCDEFGHIJKLMNOPQRSTUVWXYZ0");
  });

  test("a rotated key in the environment changes the fingerprint", () => {
    process.env.TEST_OCTOPUS_API_KEY = "API-FIRST";
    const first = part(parse(stackWithEnv().stack), "sync").triggers_replace!.api_key_fingerprint;
    process.env.TEST_OCTOPUS_API_KEY = "API-SECOND";
    const second = part(parse(stackWithEnv().stack), "sync").triggers_replace!.api_key_fingerprint;
    expect(first).not.toBe(second);
  });

  test("surrounding whitespace is ignored, as the hook ignores it", () => {
    process.env.TEST_OCTOPUS_API_KEY = "  API-TRIMMED\n";
    expect(part(parse(stackWithEnv().stack), "sync").triggers_replace!.api_key_fingerprint).toBe(fingerprint("API-TRIMMED"));
  });

  test.each([undefined, "", "   "])("fingerprint is env:NAME when the variable is %p at synth", (value) => {
    if (value === undefined) delete process.env.TEST_OCTOPUS_API_KEY;
    else process.env.TEST_OCTOPUS_API_KEY = value;
    const s = parse(stackWithEnv().stack);
    expect(part(s, "sync").triggers_replace!.api_key_fingerprint).toBe("env:TEST_OCTOPUS_API_KEY");
  });

  test("no key in any hook environment; the event names the variable", () => {
    process.env.TEST_OCTOPUS_API_KEY = "API-SOMETHING";
    const s = parse(stackWithEnv().stack);
    const all = [...hooks(part(s, "connection")), ...hooks(part(s, "sync"))];
    expect(all).toHaveLength(2);
    for (const h of all) expect(h.environment.KMS_OCTOPUS_API_KEY).toBeUndefined();
    expect(JSON.stringify(s)).not.toContain("API-SOMETHING");
    expect(part(s, "connection").input!.api_key_env).toBe("TEST_OCTOPUS_API_KEY");
    expect(s.variable).toBeUndefined();
  });
});

describe("full synth and terraform", () => {
  let tfrcDir: string;
  const savedEnv = { tf: process.env.TF_CLI_CONFIG_FILE, cp: process.env.CHECKPOINT_DISABLE };
  beforeAll(() => {
    tfrcDir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-tfrc-"));
    fs.writeFileSync(path.join(tfrcDir, "terraform.tfrc"), "disable_checkpoint = true\n");
    process.env.TF_CLI_CONFIG_FILE = path.join(tfrcDir, "terraform.tfrc");
    process.env.CHECKPOINT_DISABLE = "1";
  });
  const outdirs: string[] = [];
  const track = (dir: string) => (outdirs.push(dir), dir);
  afterAll(() => {
    for (const d of outdirs) fs.rmSync(d, { recursive: true, force: true });
    if (savedEnv.tf === undefined) delete process.env.TF_CLI_CONFIG_FILE;
    else process.env.TF_CLI_CONFIG_FILE = savedEnv.tf;
    if (savedEnv.cp === undefined) delete process.env.CHECKPOINT_DISABLE;
    else process.env.CHECKPOINT_DISABLE = savedEnv.cp;
    fs.rmSync(tfrcDir, { recursive: true, force: true });
  });

  test("a stack with apiKey, a project and a description with template sequences is valid Terraform", () => {
    const { stack } = stackWithKey({ projectId: UUID, description: "${x} %{y} $(z)", renamedFrom: "old-conn", removalPolicy: "retain" });
    expect(track(Testing.fullSynth(stack))).toBeValidTerraform();
  }, 60_000);

  test("a stack with apiKeyEnv plans successfully (no provider download, no variable needed)", () => {
    const { stack } = stackWithEnv({ description: "a ${b}" });
    expect(track(Testing.fullSynth(stack))).toPlanSuccessfully();
  }, 60_000);

  test("the hook bundle is copied into the stack's assets; two connections share it", () => {
    const app = testApp();
    const stack = new TerraformStack(app, "test");
    new OctopusDeployConnection(stack, "first", { ...HOOK_ENGINE, name: "first", instanceUrl: "https://a.octopus.app", apiKeyEnv: "KEY_A" });
    new OctopusDeployConnection(stack, "second", { ...HOOK_ENGINE, name: "second", instanceUrl: "https://b.octopus.app", apiKeyEnv: "KEY_B" });
    const outdir = track(Testing.fullSynth(stack));
    const stackDir = path.join(outdir, "stacks", "test");
    const config = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as Synth;
    const interpreters = new Set(
      Object.values(config.resource.terraform_data).flatMap((r) => hooks(r).map((h) => h.interpreter.at(-1)!)),
    );
    expect(interpreters.size).toBe(1);
    const [hookPath] = [...interpreters];
    const copied = path.join(stackDir, hookPath);
    expect(fs.readFileSync(copied)).toEqual(fs.readFileSync(hookBundlePath()));
    const assetRoot = path.join(stackDir, "assets");
    expect(fs.readdirSync(assetRoot)).toEqual(["cdktf-kms-octopus-hook"]);
    expect(fs.readdirSync(path.join(assetRoot, "cdktf-kms-octopus-hook"))).toHaveLength(1);
  });

  test("the bundled hook is the built dist/hook/hook.js of this package", () => {
    const bundle = hookBundlePath();
    expect(bundle).toBe(path.resolve(__dirname, "../../dist/hook/hook.js"));
    expect(fs.statSync(bundle).size).toBeGreaterThan(1000);
  });
});

describe("Terraform version check (once per stack, at synth with validations)", () => {
  let dir: string;
  const saved = process.env.TERRAFORM_BINARY_NAME;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-tfversion-"));
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TERRAFORM_BINARY_NAME;
    else process.env.TERRAFORM_BINARY_NAME = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Validates a stack against a stand-in terraform that prints `output` for `terraform version`. */
  function validateWith(output: string | null): void {
    const binary = path.join(dir, `terraform-${Math.random().toString(36).slice(2)}`);
    if (output !== null) fs.writeFileSync(binary, `#!/bin/sh\nprintf '%s\\n' '${output}'\n`, { mode: 0o755 });
    process.env.TERRAFORM_BINARY_NAME = binary;
    Testing.synth(stackWithEnv().stack, true);
  }

  test.each(["Terraform v1.5.0", "Terraform v1.5.7\non linux_amd64", "Terraform v1.11.4", "Terraform v2.0.0"])("%p passes", (version) => {
    expect(() => validateWith(version)).not.toThrow();
  });

  test.each(["Terraform v1.4.7", "Terraform v1.4.0", "Terraform v0.15.5", "Terraform v1.3.9"])("%p is too old: Terraform >= 1.5 (plantimestamp) is required", (version) => {
    expect(() => validateWith(version)).toThrow(/is too old: OctopusDeployConnection needs Terraform >= 1\.5 \(terraform_data, plantimestamp\)/);
  });

  test("an unreadable version and a missing binary are errors", () => {
    expect(() => validateWith("no version here")).toThrow(/Could not read the version .*needs Terraform >= 1\.5/);
    expect(() => validateWith(null)).toThrow(/Could not run .* version.*needs Terraform >= 1\.5/);
  });

  test("a stack that removes a connection needs Terraform >= 1.9 (removed blocks with provisioners)", () => {
    const stackWithRemoval = (version: string) => {
      const binary = path.join(dir, `terraform-${Math.random().toString(36).slice(2)}`);
      fs.writeFileSync(binary, `#!/bin/sh\nprintf '%s\\n' '${version}'\n`, { mode: 0o755 });
      process.env.TERRAFORM_BINARY_NAME = binary;
      const stack = new TerraformStack(testApp(), "test");
      new OctopusDeployConnection(stack, "kept", { ...HOOK_ENGINE, name: "kept", instanceUrl: "https://o.octopus.app", apiKeyEnv: "K" });
      OctopusDeployConnection.removed(stack, "gone");
      Testing.synth(stack, true);
    };
    expect(() => stackWithRemoval("Terraform v1.8.5")).toThrow(/is too old: OctopusDeployConnection needs Terraform >= 1\.9 \(removed blocks with provisioners\)/);
    expect(() => stackWithRemoval("Terraform v1.9.0")).not.toThrow();
  });

  test("checked once per stack, however many connections", () => {
    const app = testApp();
    const stack = new TerraformStack(app, "test");
    for (const n of ["a", "b", "c"]) new OctopusDeployConnection(stack, n, { ...HOOK_ENGINE, name: n, instanceUrl: "https://o.octopus.app", apiKeyEnv: "K" });
    const counter = path.join(dir, "calls");
    const binary = path.join(dir, "terraform-counting");
    fs.writeFileSync(binary, `#!/bin/sh\necho x >> '${counter}'\necho 'Terraform v1.5.0'\n`, { mode: 0o755 });
    process.env.TERRAFORM_BINARY_NAME = binary;
    Testing.synth(stack, true);
    expect(fs.readFileSync(counter, "utf8").trim().split("\n")).toHaveLength(1);
  });
});

/**
 * The synthesized stack applied by real Terraform, the bundled hook replaced by a stand-in that
 * records its operation and environment: what the hook sees on create, update and destroy.
 */
describe("lifecycle under real Terraform, with a stand-in hook", () => {
  interface Call {
    op: string;
    env: Record<string, string>;
    event: Record<string, unknown>;
  }
  let dir: string;
  beforeAll(() => {
    dir = workDir("kms-octopus-lifecycle-");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // The developer's KMS_* variables (a KMS_OCTOPUS_BORN_AT, say) must not reach the stand-in hook.
  const tf = (...args: string[]) => run(TERRAFORM, [...args, "-input=false", "-no-color"], { cwd: dir, env: terraformEnv(dir) });

  /** Writes the configuration of two connections, `my-conn` with `description`, and the stand-in hook. */
  function configure(description: string): void {
    const app = testApp();
    const stack = new TerraformStack(app, "test");
    new OctopusDeployConnection(stack, "octopus", { ...HOOK_ENGINE, name: "my-conn", description, instanceUrl: "https://o.octopus.app", apiKeyEnv: "OCTO_KEY" });
    new OctopusDeployConnection(stack, "other", { ...HOOK_ENGINE, name: "other", instanceUrl: "https://o.octopus.app", apiKeyEnv: "OCTO_KEY" });
    const config = parse(stack);
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config));
    const hookPath = hooks(part(config, "sync")).at(0)!.interpreter.at(-1)!;
    fs.mkdirSync(path.join(dir, path.dirname(hookPath)), { recursive: true });
    fs.writeFileSync(
      path.join(dir, hookPath),
      `const fs = require("node:fs");
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("KMS_OCTOPUS_")));
fs.appendFileSync(${JSON.stringify(path.join(dir, "calls.jsonl"))}, JSON.stringify({ op: process.argv[2], env }) + "\\n");`,
    );
  }

  /** The hook calls since the last look. */
  function calls(): Call[] {
    const file = path.join(dir, "calls.jsonl");
    if (!fs.existsSync(file)) return [];
    const lines = fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean);
    fs.rmSync(file);
    return lines.map((l) => JSON.parse(l) as Omit<Call, "event">).map((c) => ({ ...c, event: JSON.parse(c.env.KMS_OCTOPUS_EVENT) as Record<string, unknown> }));
  }

  const byName = (cs: Call[]) => Object.fromEntries(cs.map((c) => [c.event.name as string, c]));

  test("create: one apply hook per connection, born in this plan; no change: nothing; update: born earlier; destroy: delete", async () => {
    configure("first");
    tf("init");
    tf("apply", "-auto-approve");
    const created = calls();
    expect(created.map((c) => c.op)).toEqual(["apply", "apply"]);
    const first = byName(created)["my-conn"];
    expect(first.env.KMS_OCTOPUS_BORN_AT).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // A connection new in this apply: born in the plan being applied.
    for (const c of created) expect(c.env.KMS_OCTOPUS_BORN_AT).toBe(c.env.KMS_OCTOPUS_PLANNED_AT);
    for (const c of created) expect(c.env.KMS_OCTOPUS_DECLARED_NAMES).toBe("my-conn,other");
    // The hooks of one apply share terraform's pid, set by the launcher.
    expect(created[0].env.KMS_OCTOPUS_RUN_PID).toMatch(/^\d+$/);
    expect(created[1].env.KMS_OCTOPUS_RUN_PID).toBe(created[0].env.KMS_OCTOPUS_RUN_PID);
    expect(first.event).toEqual(expect.objectContaining({ v: 2, name: "my-conn", description: "first", instance_url: "https://o.octopus.app", api_key_env: "OCTO_KEY" }));
    expect(first.event.address).toMatch(/^terraform_data\.octopus_connection_[0-9A-F]{8}$/);

    // born is kept: a new plan (a new plantimestamp) of the same configuration changes nothing.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const same = tf("plan", "-detailed-exitcode");
    expect(same).toContain("No changes.");

    // A description change: the connection's input is updated in place, the sync resource of that
    // connection only is replaced, and its hook sees a connection born in an earlier plan.
    configure("second");
    tf("apply", "-auto-approve");
    const updated = calls();
    expect(updated.map((c) => [c.op, c.event.name])).toEqual([["apply", "my-conn"]]);
    expect(updated[0].env.KMS_OCTOPUS_BORN_AT).toBe(first.env.KMS_OCTOPUS_BORN_AT);
    expect(updated[0].env.KMS_OCTOPUS_PLANNED_AT > updated[0].env.KMS_OCTOPUS_BORN_AT).toBe(true);
    expect(updated[0].event).toEqual(expect.objectContaining({ v: 2, description: "second", address: first.event.address }));

    // Destroy: one delete per connection, reading the declaration as last applied.
    tf("destroy", "-auto-approve");
    const deleted = byName(calls());
    expect(Object.keys(deleted).sort()).toEqual(["my-conn", "other"]);
    for (const c of Object.values(deleted)) expect(c.op).toBe("delete");
    expect(deleted["my-conn"].event).toEqual(expect.objectContaining({ v: 2, description: "second" }));
    expect(deleted["my-conn"].env.KMS_OCTOPUS_BORN_AT).toBeUndefined();
  }, 120_000);
});
