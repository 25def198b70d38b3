/**
 * What OctopusDeployConnection synthesizes: four terraform_data resources, hooks run through node
 * without a shell, secrets only where they must be, valid Terraform, one shared hook asset.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import "cdktf/lib/testing/adapters/jest";
import { DataResource, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { testApp } from "./app";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib/construct/octopus-deploy-connection";
import { fingerprint } from "../../lib/construct/fingerprint";
import { hookBundlePath } from "../../lib/construct/hook-asset";

const UUID = "abcdef12-3456-7890-abcd-ef1234567890";
const HOOK_ENV_NAMES = ["KMS_OCTOPUS_EVENT", "KMS_OCTOPUS_API_KEY", "KMS_OCTOPUS_RESOURCE_ID"];
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
}
interface Synth {
  resource: { terraform_data: Record<string, TfData> };
  variable?: Record<string, unknown>;
}

function stackWithKey(props: Partial<OctopusDeployConnectionProps> = {}) {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  const key = new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });
  const conn = new OctopusDeployConnection(stack, "octopus", {
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

function part(s: Synth, id: string, construct = "octopus"): TfData {
  const found = Object.entries(s.resource.terraform_data).filter(([k]) => new RegExp(`^${construct}_${id}_[0-9A-F]{8}$`).test(k));
  expect(found).toHaveLength(1);
  return found[0][1];
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
  test("three terraform_data resources: connection, credentials, update", () => {
    const s = parse(stackWithKey().stack);
    expect(Object.keys(s.resource).sort()).toEqual(["terraform_data"]);
    const ids = Object.keys(s.resource.terraform_data).map((k) => k.replace(/^octopus_|_[0-9A-F]{8}$/g, ""));
    expect(ids.sort()).toEqual(["connection", "credentials", "update"]);
  });

  test("matches the cdktf resource matchers", () => {
    const synth = Testing.synth(stackWithKey({ projectId: UUID, description: "prod" }).stack);
    expect(synth).toHaveResource(DataResource);
    // Nested objects compare exactly unless wrapped in objectContaining (the jest adapter's semantics).
    expect(synth).toHaveResourceWithProperties(DataResource, {
      triggers_replace: { kms_url: "https://app.kms.hanzo.ai", project_id: UUID },
      input: expect.objectContaining({
        name: "my-conn",
        description: "prod",
        instance_url: "https://your-instance.octopus.app",
        project_id: UUID,
        removal_policy: "destroy",
        adopt_existing: false,
      }),
    });
    expect(synth).toHaveResourceWithProperties(DataResource, {
      triggers_replace: expect.objectContaining({ name: "my-conn", description: "prod" }),
    });
    expect(synth).toHaveResourceWithProperties(DataResource, {
      triggers_replace: expect.objectContaining({ instance_url: "https://your-instance.octopus.app" }),
    });
    expect(synth).toHaveResourceWithProperties(DataResource, {
      provisioner: [expect.objectContaining({ "local-exec": expect.objectContaining({ command: "update", interpreter: ["node", expect.stringMatching(/hook\.js$/)] }) })],
    });
    expect(synth).not.toHaveResourceWithProperties(DataResource, { triggers_replace: expect.objectContaining({ name: "other" }) });
  });

  test("the connection is replaced only when kms_url or project_id change", () => {
    const s = parse(stackWithKey({ projectId: UUID, kmsUrl: "https://kms.example.com", description: "d" }).stack);
    expect(part(s, "connection").triggers_replace).toEqual({ kms_url: "https://kms.example.com", project_id: UUID });
    const org = parse(stackWithKey().stack);
    expect(part(org, "connection").triggers_replace).toEqual({ kms_url: "https://app.kms.hanzo.ai", project_id: null });
  });

  test("the connection's input holds the whole non-secret declaration", () => {
    const s = parse(stackWithKey({ projectId: UUID, description: "d", removalPolicy: "retain", adoptExisting: true, renamedFrom: "old-conn" }).stack);
    const input = part(s, "connection").input!;
    expect(input).toEqual(
      expect.objectContaining({
        v: 1,
        path: "test/octopus",
        address: expect.stringMatching(/^terraform_data\.octopus_connection_[0-9A-F]{8}$/),
        kms_url: "https://app.kms.hanzo.ai",
        project_id: UUID,
        name: "my-conn",
        description: "d",
        instance_url: "https://your-instance.octopus.app",
        api_key_env: null,
        adopt_existing: true,
        renamed_from: "old-conn",
        removal_policy: "retain",
      }),
    );
    // The address is the real one of the connection resource.
    expect(Object.keys(s.resource.terraform_data)).toContain((input.address as string).replace(/^terraform_data\./, ""));
  });

  test("update hooks are replaced when name, description, instance URL, key fingerprint or the connection change", () => {
    const s = parse(stackWithKey({ description: "d" }).stack);
    const connectionAddress = part(s, "connection").input!.address as string;
    const fp = '${nonsensitive(substr(sha256(join("", ["cdktf-kms-octopus/api-key/v1:", var.octopus_api_key])), 0, 16))}';
    expect(part(s, "credentials").triggers_replace).toEqual({
      connection: `\${${connectionAddress}.id}`,
      instance_url: "https://your-instance.octopus.app",
      api_key_fingerprint: fp,
    });
    expect(part(s, "update").triggers_replace).toEqual({
      connection: `\${${connectionAddress}.id}`,
      name: "my-conn",
      description: "d",
    });
  });

  test("the update hook runs after the credentials hook", () => {
    const s = parse(stackWithKey().stack);
    const credentialsAddress = `terraform_data.${Object.keys(s.resource.terraform_data).find((k) => k.startsWith("octopus_credentials_"))}`;
    expect((part(s, "update") as { depends_on?: string[] }).depends_on).toEqual([credentialsAddress]);
  });

  test("changing a mutable prop changes only the triggers of the hook that applies it", () => {
    const before = parse(stackWithKey({ description: "a" }).stack);
    const described = parse(stackWithKey({ description: "b" }).stack);
    const moved = parse(stackWithKey({ description: "a", instanceUrl: "https://moved.octopus.app" }).stack);
    expect(part(described, "credentials").triggers_replace).toEqual(part(before, "credentials").triggers_replace);
    expect(part(described, "update").triggers_replace).not.toEqual(part(before, "update").triggers_replace);
    expect(part(moved, "update").triggers_replace).toEqual(part(before, "update").triggers_replace);
    expect(part(moved, "credentials").triggers_replace).not.toEqual(part(before, "credentials").triggers_replace);
    for (const s of [described, moved]) expect(part(s, "connection").triggers_replace).toEqual(part(before, "connection").triggers_replace);
  });
});

describe("hooks", () => {
  const s = parse(stackWithKey({ projectId: UUID }).stack);
  const connection = part(s, "connection");
  const credentials = part(s, "credentials");
  const update = part(s, "update");

  test("create and destroy-time delete on the connection; credentials and update on their resources", () => {
    expect(hooks(connection).map((h) => [h.command, h.when])).toEqual([
      ["create", undefined],
      ["delete", "destroy"],
    ]);
    expect(hooks(credentials).map((h) => [h.command, h.when])).toEqual([["credentials", undefined]]);
    expect(hooks(update).map((h) => [h.command, h.when])).toEqual([["update", undefined]]);
  });

  test("every hook runs node with the bundled hook, no shell, quietly", () => {
    const all = [...hooks(connection), ...hooks(credentials), ...hooks(update)];
    expect(all).toHaveLength(4);
    for (const h of all) {
      expect(h.interpreter).toHaveLength(2);
      expect(h.interpreter[0]).toBe("node");
      expect(h.interpreter[1]).toMatch(/^assets\/cdktf-kms-octopus-hook\/[0-9A-F]+\/hook\.js$/);
      expect(["create", "credentials", "update", "delete"]).toContain(h.command);
      expect(h.quiet).toBe(true);
      expect(h.working_dir).toBeUndefined();
      expect(Object.keys(h.environment).filter((n) => !HOOK_ENV_NAMES.includes(n))).toEqual([]);
    }
    expect(new Set(all.map((h) => h.interpreter[1])).size).toBe(1);
  });

  test("the delete hook references only self (Terraform refuses anything else in destroy hooks)", () => {
    const del = hooks(connection)[1];
    const refs = strings(del).flatMap(([, v]) => [...v.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]));
    expect(refs).toEqual(["jsonencode(self.input)"]);
    expect(del.environment).toEqual({ KMS_OCTOPUS_EVENT: "${jsonencode(self.input)}" });
  });

  test("create reads the event and resource id from self; the update hooks from the connection", () => {
    const address = connection.input!.address as string;
    const create = hooks(connection)[0].environment;
    expect(create.KMS_OCTOPUS_EVENT).toBe("${jsonencode(self.input)}");
    expect(create.KMS_OCTOPUS_RESOURCE_ID).toBe("${self.id}");
    for (const r of [credentials, update]) {
      const env = hooks(r)[0].environment;
      expect(env.KMS_OCTOPUS_EVENT).toBe(`\${jsonencode(${address}.output)}`);
      expect(env.KMS_OCTOPUS_RESOURCE_ID).toBe(`\${${address}.id}`);
    }
  });
});

describe("secrets", () => {
  test("the API key appears only as nonsensitive(var) in hook environments and inside the fingerprint", () => {
    const s = parse(stackWithKey({ projectId: UUID, description: "d" }).stack);
    const fp = part(s, "credentials").triggers_replace!.api_key_fingerprint as string;
    expect(fp).toBe('${nonsensitive(substr(sha256(join("", ["cdktf-kms-octopus/api-key/v1:", var.octopus_api_key])), 0, 16))}');
    const mentions = Object.entries(s.resource.terraform_data).flatMap(([name, r]) =>
      strings(r, name).filter(([, v]) => v.includes("var.octopus_api_key")),
    );
    const where = mentions.map(([at, v]) => [at.replace(/_[0-9A-F]{8}/, ""), v]);
    const keyEnv = "${nonsensitive(var.octopus_api_key)}";
    // Everything else (the connection's input, every triggers_replace but the fingerprint, the delete hook) is key-free.
    expect(where.filter(([at]) => !/\.provisioner\[\d\]\.local-exec\.environment\.KMS_OCTOPUS_API_KEY$/.test(at))).toEqual([
      ["octopus_credentials.triggers_replace.api_key_fingerprint", fp],
    ]);
    const envMentions = where.filter(([at]) => at.endsWith("KMS_OCTOPUS_API_KEY"));
    expect(envMentions.every(([, v]) => v === keyEnv)).toBe(true);
    expect(envMentions.map(([at]) => at)).toEqual(
      expect.arrayContaining([
        "octopus_connection.provisioner[0].local-exec.environment.KMS_OCTOPUS_API_KEY",
        "octopus_credentials.provisioner[0].local-exec.environment.KMS_OCTOPUS_API_KEY",
      ]),
    );
    expect(envMentions.map(([at]) => at)).not.toContain("octopus_connection.provisioner[1].local-exec.environment.KMS_OCTOPUS_API_KEY");
  });

  test("no KMS credential name or value appears in the configuration", () => {
    const saved = { ...process.env };
    try {
      process.env.KMS_TOKEN = "kms-token-canary-123456";
      process.env.KMS_CLIENT_ID = "kms-client-id-canary";
      process.env.KMS_CLIENT_SECRET = "kms-client-secret-canary";
      process.env.TEST_OCTOPUS_API_KEY = "API-ENVKEYCANARY00000000000000";
      for (const synth of [Testing.synth(stackWithKey({ projectId: UUID }).stack), Testing.synth(stackWithEnv().stack)]) {
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
    expect(part(s, "credentials").triggers_replace!.api_key_fingerprint).toBe(fingerprint("API-ABCDEFGHIJKLMNOPQRSTUVWXYZ0"));
    expect(JSON.stringify(s)).not.toContain("API-ABCDEFGHIJKLMNOPQRSTUVWXYZ0");
  });

  test("a rotated key in the environment changes the fingerprint", () => {
    process.env.TEST_OCTOPUS_API_KEY = "API-FIRST";
    const first = part(parse(stackWithEnv().stack), "credentials").triggers_replace!.api_key_fingerprint;
    process.env.TEST_OCTOPUS_API_KEY = "API-SECOND";
    const second = part(parse(stackWithEnv().stack), "credentials").triggers_replace!.api_key_fingerprint;
    expect(first).not.toBe(second);
  });

  test("surrounding whitespace is ignored, as the hook ignores it", () => {
    process.env.TEST_OCTOPUS_API_KEY = "  API-TRIMMED\n";
    expect(part(parse(stackWithEnv().stack), "credentials").triggers_replace!.api_key_fingerprint).toBe(fingerprint("API-TRIMMED"));
  });

  test.each([undefined, "", "   "])("fingerprint is env:NAME when the variable is %p at synth", (value) => {
    if (value === undefined) delete process.env.TEST_OCTOPUS_API_KEY;
    else process.env.TEST_OCTOPUS_API_KEY = value;
    const s = parse(stackWithEnv().stack);
    expect(part(s, "credentials").triggers_replace!.api_key_fingerprint).toBe("env:TEST_OCTOPUS_API_KEY");
  });

  test("no key in any hook environment; the event names the variable", () => {
    process.env.TEST_OCTOPUS_API_KEY = "API-SOMETHING";
    const s = parse(stackWithEnv().stack);
    for (const h of [...hooks(part(s, "connection")), ...hooks(part(s, "credentials")), ...hooks(part(s, "update"))]) {
      expect(h.environment.KMS_OCTOPUS_API_KEY).toBeUndefined();
    }
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
    new OctopusDeployConnection(stack, "first", { name: "first", instanceUrl: "https://a.octopus.app", apiKeyEnv: "KEY_A" });
    new OctopusDeployConnection(stack, "second", { name: "second", instanceUrl: "https://b.octopus.app", apiKeyEnv: "KEY_B" });
    const outdir = track(Testing.fullSynth(stack));
    const stackDir = path.join(outdir, "stacks", "test");
    const config = JSON.parse(fs.readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8")) as Synth;
    const interpreters = new Set(
      Object.values(config.resource.terraform_data).flatMap((r) => hooks(r).map((h) => h.interpreter[1])),
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
