/**
 * The two engines and the construct/hook contract: whatever the engine, the declaration a hook
 * receives parses (lib/hook/event.ts) into the declared values, and the same two resources are built
 * (`connection` with a destroy-time delete hook and a `born` plan timestamp it keeps, `sync` with the
 * create-time apply hook). For null_resource, whose connection resource keeps creation-time values of
 * its non-identity triggers (ignore_changes, born included), the apply hook must be handed the
 * declaration as synthesized now.
 */
import { TerraformStack, Testing } from "cdktf";
import { testApp } from "./app";
import { OctopusDeployConnection, OctopusDeployConnectionProps } from "../../lib/construct/octopus-deploy-connection";
import { parseEvent } from "../../lib/hook/event";
import { hookInterpreter } from "../../lib/construct/launcher";

const UUID = "abcdef12-3456-7890-abcd-ef1234567890";

interface Resource {
  input?: Record<string, unknown>;
  triggers?: Record<string, string>;
  triggers_replace?: Record<string, unknown>;
  lifecycle?: { ignore_changes?: string[] };
  provisioner?: { "local-exec": { command: string; when?: string; interpreter: string[]; quiet?: boolean; environment: Record<string, string> } }[];
}

function synth(props: Partial<OctopusDeployConnectionProps>): Record<string, Record<string, Resource>> {
  const app = testApp();
  const stack = new TerraformStack(app, "test");
  new OctopusDeployConnection(stack, "octopus", { name: "my-conn", instanceUrl: "https://o.octopus.app", apiKeyEnv: "OCTO_KEY", ...props } as OctopusDeployConnectionProps);
  return (JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, Resource>> }).resource;
}

function part(resources: Record<string, Record<string, Resource>>, type: string, id: string): Resource {
  const entry = Object.entries(resources[type] ?? {}).find(([k]) => k.startsWith(`octopus_${id}_`));
  if (!entry) throw new Error(`no ${type} ${id}`);
  return entry[1];
}

const FULL: Partial<OctopusDeployConnectionProps> = {
  projectId: UUID,
  description: "desc, with 'quotes' and a % sign",
  kmsUrl: "https://kms.example.com",
  removalPolicy: "retain",
  adoptExisting: true,
};

describe("the declaration parses the same from either engine", () => {
  test.each([
    ["defaults", {}],
    ["everything set", FULL],
  ])("%s", (_label, props) => {
    const data = parseEvent(JSON.stringify(part(synth({ ...props, engine: "terraform_data" }), "terraform_data", "connection").input));
    const nul = parseEvent(JSON.stringify(part(synth({ ...props, engine: "null_resource" }), "null_resource", "connection").triggers));
    expect({ ...nul, address: "" }).toEqual({ ...data, address: "" });
    expect(nul.address).toMatch(/^null_resource\.octopus_connection_[0-9A-F]{8}$/);
    expect(data.address).toMatch(/^terraform_data\.octopus_connection_[0-9A-F]{8}$/);
    expect(data).toEqual(
      expect.objectContaining({
        name: "my-conn",
        instanceUrl: "https://o.octopus.app",
        apiKeyEnv: "OCTO_KEY",
        projectId: props.projectId,
        description: props.description ?? null,
        removalPolicy: props.removalPolicy ?? "destroy",
        adoptExisting: props.adoptExisting ?? false,
      }),
    );
  });
});

describe.each(["terraform_data", "null_resource"] as const)("both engines: %s", (engine) => {
  const r = synth({ engine, description: "d" });
  const address = (id: string) => `${engine}.${Object.keys(r[engine]).find((k) => k.startsWith(`octopus_${id}_`))}`;
  const hooksOf = (id: string) => (part(r, engine, id).provisioner ?? []).map((p) => p["local-exec"]);

  test("two resources, connection and sync, of the engine's type only", () => {
    expect(Object.keys(r)).toEqual([engine]);
    expect(Object.keys(r[engine]).map((k) => k.replace(/^octopus_|_[0-9A-F]{8}$/g, "")).sort()).toEqual(["connection", "sync"]);
  });

  test("the connection: only the destroy-time delete hook; the sync resource: only the apply hook; both through the launcher", () => {
    expect(hooksOf("connection").map((h) => [h.command, h.when])).toEqual([["delete", "destroy"]]);
    expect(hooksOf("sync").map((h) => [h.command, h.when])).toEqual([["apply", undefined]]);
    for (const h of [...hooksOf("connection"), ...hooksOf("sync")]) {
      expect(h.interpreter).toEqual(hookInterpreter(h.interpreter.at(-1)!));
      expect(h.quiet).toBe(true);
    }
  });

  test("the apply hook gets born from the connection, the plan's timestamp and the declared names", () => {
    const born = engine === "null_resource" ? "triggers.born" : "triggers_replace.born";
    expect(hooksOf("sync")[0].environment).toEqual(
      expect.objectContaining({
        KMS_OCTOPUS_BORN_AT: `\${${address("connection")}.${born}}`,
        KMS_OCTOPUS_PLANNED_AT: "${plantimestamp()}",
        KMS_OCTOPUS_DECLARED_NAMES: "${local.kms_octopus_declared_names}",
      }),
    );
  });

  test("the sync resource is replaced on the connection, name, description, instance URL and key fingerprint", () => {
    const triggers = engine === "null_resource" ? part(r, engine, "sync").triggers : part(r, engine, "sync").triggers_replace;
    expect(triggers).toEqual({ connection: `\${${address("connection")}.id}`, name: "my-conn", description: "d", instance_url: "https://o.octopus.app", api_key_fingerprint: "env:OCTO_KEY" });
  });
});

describe("null_resource engine", () => {
  const r = synth({ engine: "null_resource", description: "d" });

  test("two null_resource resources, no terraform_data", () => {
    expect(Object.keys(r)).toEqual(["null_resource"]);
    expect(Object.keys(r.null_resource).map((k) => k.replace(/^octopus_|_[0-9A-F]{8}$/g, "")).sort()).toEqual(["connection", "sync"]);
  });

  test("the connection is replaced when kms_url, project_id, name or the event version change; other triggers are ignored", () => {
    const connection = part(r, "null_resource", "connection");
    const ignored = (connection.lifecycle?.ignore_changes ?? []).map((k) => /^triggers\["(.+)"\]$/.exec(k)![1]).sort();
    const all = Object.keys(connection.triggers!).sort();
    expect(all.filter((k) => !ignored.includes(k))).toEqual(["kms_url", "name", "project_id", "v"]);
    expect(ignored).toEqual(all.filter((k) => !["kms_url", "name", "project_id", "v"].includes(k)));
  });

  test("born is a trigger recorded at creation: the plan's timestamp, covered by ignore_changes", () => {
    const connection = part(r, "null_resource", "connection");
    expect(connection.triggers!.born).toBe("${plantimestamp()}");
    expect(connection.triggers!.v).toBe("2");
    expect(connection.lifecycle!.ignore_changes).toContain('triggers["born"]');
    expect(part(r, "null_resource", "sync").lifecycle).toBeUndefined();
  });

  test("the delete hook reads only self", () => {
    const del = part(r, "null_resource", "connection").provisioner![0]["local-exec"];
    expect(del.environment).toEqual({ KMS_OCTOPUS_EVENT: "${jsonencode(self.triggers)}" });
  });

  test("every trigger is a string", () => {
    for (const res of Object.values(r.null_resource)) for (const v of Object.values(res.triggers ?? {})) expect(typeof v).toBe("string");
  });

  test("the apply hook's event is the declaration as synthesized now, not the connection's creation-time triggers", () => {
    const event = part(r, "null_resource", "sync").provisioner![0]["local-exec"].environment.KMS_OCTOPUS_EVENT;
    expect(event).toMatch(/^\$\{jsonencode\(\{.*\}\)\}$/);
    expect(event).not.toContain("null_resource.octopus_connection_A13CABB9.triggers");
    expect(event).toContain('"address" = "null_resource.octopus_connection_A13CABB9"');
    expect(event).toContain('"name" = "my-conn"');
    expect(event).toContain('"description" = "d"');
    expect(event).toContain('"instance_url" = "https://o.octopus.app"');
    expect(event).toContain('"api_key_env" = "OCTO_KEY"');
  });

  test("the apply hook's event has every field of the connection's triggers but born, with the same values", () => {
    const connection = part(r, "null_resource", "connection");
    const event = part(r, "null_resource", "sync").provisioner![0]["local-exec"].environment.KMS_OCTOPUS_EVENT;
    const fields = Object.fromEntries([...event.matchAll(/"(\w+)" = "((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    const { born, ...declaration } = connection.triggers!;
    expect(born).toBe("${plantimestamp()}");
    expect(fields).toEqual(declaration);
  });

  // A documented limitation of null_resource (no in-place update): the policy in force is the one the
  // connection was created with. The model below checks that this is what happens, and that the
  // construct warns at synth whenever removalPolicy is set with this engine.
  test("removalPolicy is the creation-time one (documented), and the construct warns about it", () => {
    // Model of Terraform's ignore_changes: state keeps the creation-time value of ignored triggers.
    const created = part(synth({ engine: "null_resource", removalPolicy: "destroy" }), "null_resource", "connection");
    const changed = part(synth({ engine: "null_resource", removalPolicy: "retain" }), "null_resource", "connection");
    const ignored = new Set((changed.lifecycle?.ignore_changes ?? []).map((k) => /^triggers\["(.+)"\]$/.exec(k)![1]));
    const state = Object.fromEntries(Object.entries(changed.triggers!).map(([k, v]) => [k, ignored.has(k) ? created.triggers![k] : v]));
    expect(Object.keys(state).filter((k) => !ignored.has(k) && state[k] !== created.triggers![k])).toEqual([]);
    expect(parseEvent(JSON.stringify(state)).removalPolicy).toBe("destroy");
    const app = Testing.app();
    const stack = new TerraformStack(app, "warn");
    new OctopusDeployConnection(stack, "octopus", { name: "a", instanceUrl: "https://o.octopus.app", apiKeyEnv: "OCTO_KEY", engine: "null_resource", removalPolicy: "retain" });
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === "@cdktf/warn");
    expect(warnings.map((w) => String(w.data))).toEqual([expect.stringContaining("records removalPolicy when the connection is created")]);
  });
});
