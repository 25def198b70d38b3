/**
 * Reviewable plans: for each case a reviewer must recognize in a pull request, apply the previous state
 * with real terraform against the local KMS, then make the JSON plan (`terraform show -json`) and check
 * that `resource_changes` tells the case apart (actions, action_reason, replace_paths, the triggers
 * before/after), and what describePlan (`explain-plan`) says about it. One chain of applies, in order.
 *
 * Secrets: Terraform writes the values of input variables into the plan, sensitive ones included
 * (`variables` of the JSON plan; hashicorp/terraform#27577: "storing sensitive values in the plan file
 * is expected"). So with `apiKey` from a TerraformVariable the key is in the JSON plan's `variables`
 * and nowhere else; with `apiKeyEnv` it is nowhere in the plan. Both are asserted below.
 */
import { TerraformStack, TerraformVariable } from "cdktf";
import { Fixture } from "./fixture";
import { JsonPlan, describeE2E, plan as tfPlan, tf } from "./harness";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib";
import { readStack, removedBlocks } from "../../lib/stacks/declarations";
import { PlanExplanation, describePlan, renderPlanExplanation } from "../../lib/stacks/plan";
import { LocalKms, startLocalKms } from "../../lib/testing";

jest.setTimeout(60_000);

const NAME = "octo-plan";
type Child = "connection" | "sync";
type Change = NonNullable<JsonPlan["resource_changes"]>[number] & { change: { after_unknown?: Record<string, unknown> } };
interface Planned {
  readonly json: JsonPlan & { variables?: Record<string, { value: unknown }> };
  readonly explanation: PlanExplanation;
  readonly lines: string[];
  /** The resource change of one of the connection's resources. */
  readonly rc: (child: Child) => Change;
}

/** terraform plan -out + show -json, and what describePlan makes of it (with the stack's removed blocks). */
async function jsonPlanOf(stackDir: string, env: NodeJS.ProcessEnv, extraArgs: readonly string[] = []): Promise<Planned> {
  const planned = await tfPlan(stackDir, env, ["-out=tfplan", ...extraArgs]);
  if (planned.code !== 0 && planned.code !== 2) throw new Error(`plan failed:\n${planned.output}`);
  const shown = await tf(stackDir, ["show", "-json", "tfplan"], env);
  if (shown.code !== 0) throw new Error(`show failed:\n${shown.output}`);
  const json = JSON.parse(shown.output) as Planned["json"];
  const explanation = describePlan(json, { removed: removedBlocks(readStack(stackDir)) });
  const rc = (child: Child) => {
    const found = json.resource_changes?.find((r) => new RegExp(`^terraform_data\\.octopus_${child}_[0-9A-F]{8}$`).test(r.address));
    if (!found) throw new Error(`no ${child} resource in the plan: ${JSON.stringify(json.resource_changes?.map((r) => r.address))}`);
    return found as Change;
  };
  return { json, explanation, lines: renderPlanExplanation(explanation), rc };
}

const input = (rc: Change, side: "before" | "after") => (rc.change[side] as { input: Record<string, unknown> }).input;
const triggers = (rc: Change, side: "before" | "after") => (rc.change[side] as { triggers_replace: Record<string, unknown> }).triggers_replace;
const REPLACED = { actions: ["delete", "create"], action_reason: "replace_because_cannot_update", replace_paths: [["triggers_replace"]] };
const replaced = (rc: Change) => ({ actions: rc.change.actions, action_reason: rc.action_reason, replace_paths: rc.change.replace_paths });

describeE2E("reviewable plans: each case in the JSON plan", () => {
  let kms: LocalKms;
  let otherKms: LocalKms;
  let f: Fixture;
  let props: Partial<OctopusDeployConnectionProps>;
  let otherProject: string;
  let id: string;

  beforeAll(async () => {
    [kms, otherKms] = await Promise.all([startLocalKms({ readLimit: 0, writeLimit: 0 }), startLocalKms({ readLimit: 0 })]);
    otherProject = kms.createProject();
    f = new Fixture(kms, "apiKey", kms.octopusApiKey);
    props = { name: NAME, description: "Octopus for production", projectId: kms.projectId };
  });
  afterAll(async () => Promise.all([kms?.close(), otherKms?.close()]));

  /** Synthesizes `next` (or a custom stack) and makes its JSON plan against the applied state. */
  async function planOf(next: Partial<OctopusDeployConnectionProps>, build?: (stack: TerraformStack) => void, extraArgs: readonly string[] = []): Promise<Planned> {
    const planned = await jsonPlanOf(f.synth(next, build), f.env(), extraArgs);
    expectNoKeyOutsideVariables(planned, f.apiKey);
    return planned;
  }
  async function deploy(next: Partial<OctopusDeployConnectionProps>, build?: (stack: TerraformStack) => void): Promise<void> {
    const result = await f.deploy(next, {}, build);
    if (result.code !== 0) throw new Error(`apply failed:\n${result.output}`);
    props = next;
  }
  const liveConnection = () => kms.connections().find((c) => c.id === id);

  test("create: two resources created; the connection's input says name, project and KMS", async () => {
    const p = await planOf(props);
    expect(p.json.resource_changes!.map((r) => r.change.actions)).toEqual([["create"], ["create"]]);
    expect(input(p.rc("connection"), "after")).toEqual(expect.objectContaining({ name: NAME, project_id: kms.projectId, kms_url: kms.kmsUrl, description: "Octopus for production" }));
    expect(p.lines[0]).toBe(`create  test/octopus (${NAME}): create in project ${kms.projectId} on ${kms.kmsUrl}`);
    await deploy(props);
    id = kms.connections()[0]!.id;
  });

  test("no change: every action is no-op", async () => {
    const p = await planOf(props);
    expect(p.json.resource_changes!.map((r) => r.change.actions)).toEqual([["no-op"], ["no-op"]]);
    // A later plan keeps the recorded `born` (ignore_changes): the sync hook then knows the connection is not new.
    expect(triggers(p.rc("connection"), "after").born).toBe(triggers(p.rc("connection"), "before").born);
    expect(p.lines[0]).toBe(`no-op  test/octopus (${NAME}): no change`);
  });

  test("description: the connection updates in place, the sync resource is replaced on description", async () => {
    const next = { ...props, description: "Octopus, production" };
    const p = await planOf(next);
    expect(p.rc("connection").change.actions).toEqual(["update"]);
    expect([input(p.rc("connection"), "before").description, input(p.rc("connection"), "after").description]).toEqual(["Octopus for production", "Octopus, production"]);
    expect(replaced(p.rc("sync"))).toEqual(REPLACED);
    expect([triggers(p.rc("sync"), "before").description, triggers(p.rc("sync"), "after").description]).toEqual(["Octopus for production", "Octopus, production"]);
    expect(triggers(p.rc("sync"), "after").api_key_fingerprint).toBe(triggers(p.rc("sync"), "before").api_key_fingerprint);
    expect(p.explanation.connections[0]).toEqual(expect.objectContaining({ action: "update", changes: [{ field: "description", before: "Octopus for production", after: "Octopus, production" }] }));
    expect(p.lines[0]).toBe(`update  test/octopus (${NAME}): description "Octopus for production" -> "Octopus, production"`);
    await deploy(next);
    expect(liveConnection()).toEqual(expect.objectContaining({ description: "Octopus, production" }));
  });

  test("instance URL: the sync resource is replaced on instance_url", async () => {
    const next = { ...props, instanceUrl: kms.octopusUrl.replace("127.0.0.1", "localhost") };
    const p = await planOf(next);
    expect(p.rc("connection").change.actions).toEqual(["update"]);
    expect(replaced(p.rc("sync"))).toEqual(REPLACED);
    expect([triggers(p.rc("sync"), "before").instance_url, triggers(p.rc("sync"), "after").instance_url]).toEqual([kms.octopusUrl, next.instanceUrl]);
    expect(triggers(p.rc("sync"), "after").api_key_fingerprint).toBe(triggers(p.rc("sync"), "before").api_key_fingerprint);
    expect(triggers(p.rc("sync"), "after").description).toBe(triggers(p.rc("sync"), "before").description);
    expect(p.lines[0]).toBe(`update  test/octopus (${NAME}): instance URL "${kms.octopusUrl}" -> "${next.instanceUrl}" (credentials re-validated by the KMS)`);
    await deploy(next);
  });

  test("key rotation: only the sync resource, on api_key_fingerprint; the key itself nowhere but in `variables`", async () => {
    const oldKey = f.apiKey;
    const newKey = "API-ROTATEDPLAN" + oldKey.slice(14);
    kms.addOctopusApiKey(newKey);
    f.apiKey = newKey;
    const p = await planOf(props);
    expect(p.rc("connection").change.actions).toEqual(["no-op"]);
    expect(replaced(p.rc("sync"))).toEqual(REPLACED);
    const [before, after] = [triggers(p.rc("sync"), "before"), triggers(p.rc("sync"), "after")];
    expect(before.api_key_fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(after.api_key_fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(after.api_key_fingerprint).not.toBe(before.api_key_fingerprint);
    expect(after.instance_url).toBe(before.instance_url);
    expect([after.name, after.description]).toEqual([before.name, before.description]);
    expect(p.explanation.connections[0]!.changes).toEqual([{ field: "apiKey", before: null, after: null }]);
    expect(p.lines[0]).toBe(`update  test/octopus (${NAME}): rotate the API key (the new key is sent and validated)`);
    expect(JSON.stringify(p.explanation)).not.toContain(String(after.api_key_fingerprint));
    // Terraform's own behaviour, which the pipeline guide works around: the JSON plan's `variables` holds the key.
    expect(p.json.variables?.octopus_api_key?.value).toBe(newKey);
    expect(JSON.stringify(p.json)).not.toContain(oldKey);
    const hash = liveConnection()!.credentialsHash;
    await deploy(props);
    expect(liveConnection()!.credentialsHash).not.toBe(hash);
  });

  test("rename with renamedFrom: the connection updates in place (name, renamed_from), the sync resource is replaced on name", async () => {
    const next = { ...props, name: "octo-renamed", renamedFrom: NAME };
    const p = await planOf(next);
    expect(p.rc("connection").change.actions).toEqual(["update"]);
    expect(input(p.rc("connection"), "after")).toEqual(expect.objectContaining({ name: "octo-renamed", renamed_from: NAME }));
    expect(input(p.rc("connection"), "before")).toEqual(expect.objectContaining({ name: NAME, renamed_from: null }));
    expect(replaced(p.rc("sync"))).toEqual(REPLACED);
    expect([triggers(p.rc("sync"), "before").name, triggers(p.rc("sync"), "after").name]).toEqual([NAME, "octo-renamed"]);
    expect(p.lines).toEqual([`update  test/octopus (octo-renamed): rename "${NAME}" -> "octo-renamed" (same id)`, expect.stringMatching(/^Connections: /)]);
    await deploy(next);
    expect(liveConnection()).toEqual(expect.objectContaining({ name: "octo-renamed" }));
  });

  test("a rename without renamedFrom looks like a rename in the raw plan; explain-plan warns that the apply would fail", async () => {
    const p = await planOf({ ...props, name: "octo-third", renamedFrom: undefined });
    expect(p.rc("connection").change.actions).toEqual(["update"]);
    expect(replaced(p.rc("sync"))).toEqual(REPLACED);
    expect(input(p.rc("connection"), "after").renamed_from).toBeNull();
    expect(p.explanation.connections[0]!.warnings).toEqual([expect.stringContaining('without renamedFrom: "octo-renamed"')]);
    expect(p.lines[0]).toBe('update  test/octopus (octo-third): name "octo-renamed" -> "octo-third"');
  });

  test("project change: the connection is replaced on triggers_replace.project_id; its sync resource follows (connection id unknown)", async () => {
    const next = { ...props, projectId: otherProject };
    const p = await planOf(next);
    const conn = p.rc("connection");
    expect(replaced(conn)).toEqual(REPLACED);
    expect([triggers(conn, "before").project_id, triggers(conn, "after").project_id]).toEqual([kms.projectId, otherProject]);
    expect(triggers(conn, "after").kms_url).toBe(triggers(conn, "before").kms_url);
    // `born` is written anew for the new connection resource: the sync hook will POST (1 request).
    expect(triggers(conn, "after").born).not.toBe(triggers(conn, "before").born);
    expect(replaced(p.rc("sync"))).toEqual(REPLACED);
    expect(p.rc("sync").change.after_unknown).toEqual(expect.objectContaining({ triggers_replace: { connection: true } }));
    expect(p.lines[0]).toBe(
      `replace  test/octopus (octo-renamed): replace because the project changes (project ${kms.projectId} -> project ${otherProject}): the connection is deleted, then created again in project ${otherProject} on ${kms.kmsUrl} with a new id`,
    );
    await deploy(next);
    const live = kms.connections();
    expect(live).toEqual([expect.objectContaining({ name: "octo-renamed", projectId: otherProject })]);
    expect(live[0]!.id).not.toBe(id);
    id = live[0]!.id;
  });

  test("KMS change: the connection is replaced on triggers_replace.kms_url", async () => {
    const p = await planOf({ ...props, kmsUrl: otherKms.kmsUrl });
    const conn = p.rc("connection");
    expect(replaced(conn)).toEqual(REPLACED);
    expect([triggers(conn, "before").kms_url, triggers(conn, "after").kms_url]).toEqual([kms.kmsUrl, otherKms.kmsUrl]);
    expect(triggers(conn, "after").project_id).toBe(triggers(conn, "before").project_id);
    expect(p.explanation.connections[0]).toEqual(expect.objectContaining({ action: "replace", changes: [{ field: "kmsUrl", before: kms.kmsUrl, after: otherKms.kmsUrl }] }));
    expect(p.lines[0]).toMatch(new RegExp(`^replace  test/octopus \\(octo-renamed\\): replace because the KMS changes \\("${kms.kmsUrl}" -> "${otherKms.kmsUrl}"\\): the connection is deleted, then created again in project`));
    // Not applied: one KMS token cannot serve two local KMS instances.
  });

  const keyVariable = (stack: TerraformStack) => new TerraformVariable(stack, "octopus_api_key", { type: "string", sensitive: true });

  test("construct deleted from code without removed(): both deleted (delete_because_no_resource_config); explain-plan flags the orphan", async () => {
    const p = await planOf(props, (stack) => keyVariable(stack));
    for (const child of ["connection", "sync"] as const) {
      expect(p.rc(child).change.actions).toEqual(["delete"]);
      expect(p.rc(child).action_reason).toBe("delete_because_no_resource_config");
    }
    expect(p.lines[0]).toMatch(/^forget  test\/octopus \(octo-renamed\): removed from the code without a hook: stays in the KMS/);
    expect(p.lines[1]).toMatch(/! its construct was deleted from the code without OctopusDeployConnection\.removed\(\)/);
  });

  test("removal with OctopusDeployConnection.removed(): the same raw plan; explain-plan says delete (the removed block carries the hook)", async () => {
    const build = (stack: TerraformStack) => {
      keyVariable(stack);
      OctopusDeployConnection.removed(stack, "octopus");
    };
    const p = await planOf(props, build);
    for (const child of ["connection", "sync"] as const) {
      expect(p.rc(child).change.actions).toEqual(["delete"]);
      expect(p.rc(child).action_reason).toBe("delete_because_no_resource_config");
    }
    expect(input(p.rc("connection"), "before")).toEqual(expect.objectContaining({ name: "octo-renamed", removal_policy: "destroy" }));
    expect(p.lines).toEqual([
      `delete  test/octopus (octo-renamed): removed from the code: delete from the KMS (project ${otherProject} on ${kms.kmsUrl})`,
      "Connections: 0 to create, 0 to update, 0 to replace, 1 to delete, 0 to stop managing, 0 unchanged.",
    ]);
  });

  test('removed() with removalPolicy "retain": forget actions', async () => {
    const p = await planOf(props, (stack) => {
      keyVariable(stack);
      OctopusDeployConnection.removed(stack, "octopus", { removalPolicy: "retain" });
    });
    expect(p.json.resource_changes!.map((r) => r.change.actions)).toEqual([["forget"], ["forget"]]);
    expect(p.lines[0]).toBe(`forget  test/octopus (octo-renamed): stop managing it; stays in the KMS (project ${otherProject} on ${kms.kmsUrl})`);
  });

  test("applying the removal deletes the connection", async () => {
    await deploy(props, (stack) => {
      keyVariable(stack);
      OctopusDeployConnection.removed(stack, "octopus");
    });
    expect(kms.connections()).toEqual([]);
  });

  test("destroy: delete actions without a reason; a recorded removalPolicy retain shows as kept", async () => {
    const base = props;
    await deploy({ ...base, removalPolicy: "retain" });
    const p = await planOf(props, undefined, ["-destroy"]);
    expect(p.json.resource_changes!.map((r) => [r.change.actions, r.action_reason])).toEqual([
      [["delete"], undefined],
      [["delete"], undefined],
    ]);
    expect(input(p.rc("connection"), "before").removal_policy).toBe("retain");
    expect(p.lines[0]).toBe(`forget  test/octopus (octo-renamed): destroy: stays in the KMS (project ${otherProject} on ${kms.kmsUrl}): its removalPolicy is "retain"`);

    await deploy({ ...base, removalPolicy: "destroy" }); // recorded in place, no KMS request
    const q = await planOf(props, undefined, ["-destroy"]);
    expect(q.lines[0]).toBe(`delete  test/octopus (octo-renamed): destroy: delete from the KMS (project ${otherProject} on ${kms.kmsUrl})`);
  });
});

describeE2E("reviewable plans: the key from the environment (apiKeyEnv) is nowhere in the JSON plan", () => {
  let kms: LocalKms;
  beforeAll(async () => {
    kms = await startLocalKms({ readLimit: 0, writeLimit: 0 });
  });
  afterAll(async () => kms?.close());

  test("create and rotate", async () => {
    const f = new Fixture(kms, "apiKeyEnv", kms.octopusApiKey);
    const created = await jsonPlanOf(f.synth({ name: NAME }), f.env());
    expect(JSON.stringify(created.json)).not.toContain(kms.octopusApiKey);
    expect((await f.deploy({ name: NAME })).code).toBe(0);
    const rotated = "API-ROTATEDENV" + kms.octopusApiKey.slice(14);
    f.apiKey = rotated;
    const p = await jsonPlanOf(f.synth({ name: NAME }), f.env());
    expect(p.lines[0]).toBe(`update  test/octopus (${NAME}): rotate the API key (the new key is sent and validated)`);
    expect(JSON.stringify(p.json)).not.toContain(rotated);
    expect(JSON.stringify(p.json)).not.toContain(kms.octopusApiKey);
  });
});

/** The key may appear in the plan's `variables` (Terraform stores input variables there) and nowhere else. */
function expectNoKeyOutsideVariables(p: Planned, key: string): void {
  const { variables: _variables, ...rest } = p.json;
  expect(JSON.stringify(rest)).not.toContain(key);
  expect(JSON.stringify(p.explanation)).not.toContain(key);
}
