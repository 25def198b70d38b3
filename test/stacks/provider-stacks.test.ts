/**
 * The stacks commands on provider-engine stacks (the default engine), synthesized with the construct:
 * declarations read from `hanzokms_octopus_deploy_connection` (kms_url from the provider block, or
 * the aliased one), the provider's state (plain attributes, the id among them), and drift matching by
 * that id (a rename in code, or by hand, is the same connection), next to hook-engine connections.
 */
jest.mock("../../lib/provider/install", () => jest.requireActual("./provider-stub").standInInstall());
import * as path from "node:path";
import { TerraformStack, TerraformVariable } from "cdktf";
import { HOOK_ENGINE, synthStack, tempDir, writeState } from "./helpers";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib/construct/octopus-deploy-connection";
import { Connection } from "../../lib/kms/schemas";
import { declaredConnections, readStack } from "../../lib/stacks/declarations";
import { ListApi, detectDrift } from "../../lib/stacks/drift";
import { readStackState } from "../../lib/stacks/state";

const KMS = "https://kms.example.com";
const KMS2 = "https://kms2.example.com";
const P1 = "11111111-1111-4111-8111-111111111111";
const URL = "https://o.octopus.app";
const TYPE = "hanzokms_octopus_deploy_connection";
let nextId = 0;

function live(name: string, extra: { projectId?: string | null; description?: string | null; id?: string } = {}): Connection {
  return {
    id: extra.id ?? `00000000-0000-4000-8000-${String(++nextId).padStart(12, "0")}`,
    name,
    description: extra.description ?? null,
    projectId: extra.projectId ?? null,
    app: "octopus-deploy",
    method: "api-key",
    credentials: { instanceUrl: URL },
  };
}

class FakeKms implements ListApi {
  readonly requests: (string | null)[] = [];
  constructor(public connections: Connection[] = []) {}
  async list(projectId?: string): Promise<Connection[]> {
    this.requests.push(projectId ?? null);
    return this.connections.filter((c) => projectId === undefined || c.projectId === projectId);
  }
}

type PropsOf = Partial<OctopusDeployConnectionProps> | ((s: TerraformStack) => Partial<OctopusDeployConnectionProps>);
function stackOf(connections: Record<string, PropsOf>, statePath = path.join(tempDir(), "terraform.tfstate")) {
  const dir = synthStack(
    (s) => {
      for (const [id, props] of Object.entries(connections)) {
        new OctopusDeployConnection(s, id, { name: id, instanceUrl: URL, apiKeyEnv: "K", kmsUrl: KMS, ...(typeof props === "function" ? props(s) : props) });
      }
    },
    { statePath },
  );
  return { stack: readStack(dir), statePath };
}

/** The provider's state attributes of a connection (what its Read returns). */
function providerState(id: string, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, name, description: null, project_id: null, instance_url: URL, api_key_env: "K", removal_policy: "destroy", adopt_existing: false, credentials_hash: "h", api_key_fingerprint: "f", ...extra };
}

describe("declarations", () => {
  const { stack } = stackOf({
    a: { description: "Octopus ${x}" },
    b: { kmsUrl: KMS2, projectId: P1 },
    v: (s) => ({ projectId: new TerraformVariable(s, "project", { type: "string" }).stringValue }),
    h: { ...HOOK_ENGINE },
  });
  const byName = Object.fromEntries(declaredConnections(stack).map((c) => [c.fields.name?.known ? c.fields.name.value : "?", c]));

  test("every engine's connections, the provider ones by their resource, with the construct path", () => {
    expect(Object.keys(byName).sort()).toEqual(["a", "b", "h", "v"]);
    expect(byName.a).toEqual(
      expect.objectContaining({ engine: "provider", path: "test/a", address: expect.stringMatching(new RegExp(`^${TYPE}\\.a_connection_[0-9A-F]{8}$`)) }),
    );
    expect(byName.h!.engine).toBe("terraform_data");
    expect(byName.h!.address).toMatch(/^terraform_data\.h_connection_/);
  });

  test("kms_url from the provider configuration the resource uses: the default one, or the alias of a second KMS", () => {
    expect(byName.a!.fields.kmsUrl).toEqual({ known: true, value: KMS });
    expect(byName.b!.fields.kmsUrl).toEqual({ known: true, value: KMS2 });
    expect(byName.b!.fields.projectId).toEqual({ known: true, value: P1 });
    expect(byName.v!.fields.projectId).toEqual({ known: false, expression: "${var.project}" });
    expect(byName.a!.fields.renamedFrom).toBeNull();
  });
});

test("the provider's state: plain attributes with the id", async () => {
  const { stack, statePath } = stackOf({ a: {} });
  const address = declaredConnections(stack)[0]!.address;
  writeState(statePath, { [address]: providerState(live("a").id, "a") });
  const { state } = await readStackState(stack);
  expect(state!.resources.get(address)).toEqual(expect.objectContaining({ name: "a", id: expect.stringMatching(/^0{8}-/), instance_url: URL }));
});

describe("drift", () => {
  test("in sync by name without state, one request per (KMS, scope), next to a hook-engine connection", async () => {
    const { stack } = stackOf({ a: {}, h: { ...HOOK_ENGINE } });
    const kms = new FakeKms([live("a"), live("h")]);
    const report = await detectDrift({ stacks: [stack], clientFor: () => kms });
    expect(report.connections.map((c) => [c.name, c.status, c.detail])).toEqual([
      ["a", "in-sync", null],
      ["h", "in-sync", null],
    ]);
    expect(report.exitCode).toBe(0);
    expect(kms.requests).toEqual([null]);
  });

  test("matched by the id in the state: a rename in code is pending (same id); a rename by hand is drift", async () => {
    const { stack, statePath } = stackOf({ renamed: {}, byhand: {} });
    const [byhand, renamed] = declaredConnections(stack);
    const old = live("old-name");
    const hand = live("hand-name");
    writeState(statePath, { [renamed!.address]: providerState(old.id, "old-name"), [byhand!.address]: providerState(hand.id, "byhand") });
    const report = await detectDrift({ stacks: [stack], clientFor: () => new FakeKms([old, hand, live("renamed", { projectId: P1 })]) });
    const entry = (name: string) => report.connections.find((c) => c.name === name)!;
    expect(entry("renamed")).toEqual(
      expect.objectContaining({ status: "drifted", id: old.id, differences: [{ field: "name", declared: "renamed", live: "old-name" }], detail: expect.stringMatching(/previous name "old-name": the next apply renames it \(same id\)/) }),
    );
    expect(entry("byhand")).toEqual(expect.objectContaining({ status: "drifted", id: hand.id, detail: expect.stringMatching(/renamed outside Terraform: the next apply renames it back/) }));
    expect(report.exitCode).toBe(2);
  });

  test("the id wins over the name: another connection of the declared name is not taken", async () => {
    const { stack, statePath } = stackOf({ a: { description: "d" } });
    const [decl] = declaredConnections(stack);
    // Renamed by hand to "x", and a new "a" created by hand: the deployed one is still "x".
    const mine = live("x", { description: "d" });
    const newcomer = live("a", { description: "d" });
    writeState(statePath, { [decl!.address]: providerState(mine.id, "a", { description: "d" }) });
    const report = await detectDrift({ stacks: [stack], clientFor: () => new FakeKms([newcomer, mine]), unmanaged: true });
    expect(report.connections.map((c) => [c.status, c.name, c.id])).toEqual([
      ["drifted", "a", mine.id],
      ["unmanaged", "a", newcomer.id],
    ]);
    expect(report.connections[0]!.differences).toEqual([{ field: "name", declared: "a", live: "x" }]);
  });

  test("deleted by hand: missing, and the next apply recreates it (no -replace with the provider)", async () => {
    const { stack, statePath } = stackOf({ a: {} });
    const [decl] = declaredConnections(stack);
    writeState(statePath, { [decl!.address]: providerState("00000000-0000-4000-8000-999999999999", "a") });
    const report = await detectDrift({ stacks: [stack], clientFor: () => new FakeKms([]) });
    expect(report.connections[0]!.status).toBe("missing");
    expect(report.connections[0]!.detail).toMatch(/nor id 00000000-0000-4000-8000-999999999999\) in the organization, although the state says it was deployed: .* \(cd \S+ && terraform apply\) creates it again$/);
    expect(report.connections[0]!.detail).not.toContain("-replace");
  });

  test("a project id reference resolves from the provider's state attributes", async () => {
    const { stack, statePath } = stackOf({ v: (s) => ({ projectId: new TerraformVariable(s, "project", { type: "string" }).stringValue }) });
    const [decl] = declaredConnections(stack);
    const c = live("v", { projectId: P1 });
    const kms = new FakeKms([c]);
    expect((await detectDrift({ stacks: [stack], clientFor: () => kms })).connections[0]!.status).toBe("unknown");
    writeState(statePath, { [decl!.address]: providerState(c.id, "v", { project_id: P1 }) });
    const report = await detectDrift({ stacks: [stack], clientFor: () => kms });
    expect(report.connections[0]).toEqual(expect.objectContaining({ status: "in-sync", projectId: P1, id: c.id, detail: "project_id read from the state" }));
    expect(kms.requests).toEqual([P1]);
  });
});
