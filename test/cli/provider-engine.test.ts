/**
 * `drift` and `explain-plan` on a provider-engine stack (the default engine), in-process: drift
 * against the local KMS, matching by the id in the provider's state; explain-plan naming the
 * connection by construct path through --stack.
 */
jest.mock("../../lib/provider/install", () => jest.requireActual("../stacks/provider-stub").standInInstall());
import * as path from "node:path";
import { Readable } from "node:stream";
import { captureIo } from "./io";
import { EXIT } from "../../lib/cli/context";
import { runDrift } from "../../lib/cli/commands/drift";
import { runExplainPlan } from "../../lib/cli/commands/explain-plan";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { KmsClient } from "../../lib/kms/client";
import { declaredConnections, readStack } from "../../lib/stacks/declarations";
import { LocalKms, startLocalKms } from "../../lib/testing";
import { synthStack, tempDir, writeState } from "../stacks/helpers";

let kms: LocalKms;
let client: KmsClient;

beforeAll(async () => {
  kms = await startLocalKms();
  client = new KmsClient({ kmsUrl: kms.kmsUrl, auth: { kind: "token", token: kms.token, source: "test" } });
});
afterAll(async () => kms?.close());

test("drift: in sync, then renamed and changed by hand: the same connection by id, exit 2", async () => {
  const created = await client.create({ name: "prov-a", description: "A", method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } });
  const cwd = tempDir();
  const statePath = path.join(cwd, "terraform.tfstate");
  const dir = synthStack((s) => new OctopusDeployConnection(s, "prov-a", { name: "prov-a", description: "A", instanceUrl: kms.octopusUrl, apiKeyEnv: "K", kmsUrl: kms.kmsUrl }), {
    outdir: path.join(cwd, "cdktf.out"),
    name: "octopus-connections",
    statePath,
  });
  const [decl] = declaredConnections(readStack(dir));
  expect(decl!.engine).toBe("provider");
  writeState(statePath, { [decl!.address]: { id: created.id, name: "prov-a", description: "A", project_id: null, instance_url: kms.octopusUrl, api_key_env: "K", removal_policy: "destroy", adopt_existing: false } });

  const env = { KMS_TOKEN: kms.token };
  const io = captureIo();
  expect(await runDrift({}, io, env, cwd)).toBe(EXIT.ok);
  expect(io.stdout()).toMatch(/^in sync\s+prov-a\s+organization\s+octopus-connections\/prov-a$/m);

  await client.update(created.id, { name: "prov-renamed", description: "by hand" });
  const after = captureIo();
  expect(await runDrift({ json: true }, after, env, cwd)).toBe(EXIT.drift);
  const report = JSON.parse(after.stdout());
  expect(report.connections).toEqual([
    expect.objectContaining({
      status: "drifted",
      id: created.id,
      address: decl!.address,
      differences: [
        { field: "name", declared: "prov-a", live: "prov-renamed" },
        { field: "description", declared: "A", live: "by hand" },
      ],
    }),
  ]);
});

test("explain-plan --stack: the provider resource named by its construct path", async () => {
  const cwd = tempDir();
  const dir = synthStack((s) => new OctopusDeployConnection(s, "octopus", { name: "octo", instanceUrl: "https://o.octopus.app", apiKeyEnv: "K", kmsUrl: "https://kms.example.com" }), {
    outdir: path.join(cwd, "cdktf.out"),
    name: "s",
  });
  const [decl] = declaredConnections(readStack(dir));
  const before = { id: "cid", name: "octo", description: null, project_id: null, instance_url: "https://o.octopus.app", api_key: null, api_key_env: "K", api_key_fingerprint: "f", credentials_hash: "h", removal_policy: "destroy", adopt_existing: false };
  const plan = {
    format_version: "1.2",
    resource_changes: [{ address: decl!.address, mode: "managed", type: decl!.address.split(".")[0], change: { actions: ["update"], before, after: { ...before, name: "octo-2" }, after_unknown: {} } }],
    configuration: { provider_config: { hanzokms: { name: "hanzokms", expressions: { kms_url: { constant_value: "https://kms.example.com" } } } }, root_module: { resources: [{ address: decl!.address, provider_config_key: "hanzokms" }] } },
  };
  const io = captureIo();
  const stdin = Object.assign(Readable.from([JSON.stringify(plan)]), { isTTY: false });
  expect(await runExplainPlan("-", { stack: "s" }, io, stdin, cwd)).toBe(EXIT.ok);
  expect(io.stdout().split("\n")[0]).toBe('update  s/octopus (octo-2): rename "octo" -> "octo-2" (same id)');
});
