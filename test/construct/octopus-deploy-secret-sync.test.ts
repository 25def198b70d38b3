/**
 * What OctopusDeploySecretSync synthesizes (one hanzokms_octopus_deploy_secret_sync referencing its
 * connection's id, on the connection's provider configuration), and the synth-time errors that name
 * the field and the rule before anything is written.
 */
import "cdktf/lib/testing/adapters/jest";
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { testApp } from "./app";
import { OctopusDeployConnection } from "../../lib/construct/octopus-deploy-connection";
import { OctopusDeploySecretSync, OctopusDeploySecretSyncProps } from "../../lib/construct/octopus-deploy-secret-sync";
import { OctopusDeploySecretSyncPropsError } from "../../lib/construct/secret-sync-props";

const PROJECT = "abcdef12-3456-7890-abcd-ef1234567890";
const CONNECTION_ID = "11111111-2222-3333-4444-555555555555";
const TYPE = "hanzokms_octopus_deploy_secret_sync";

interface Synth {
  provider: { hanzokms: Record<string, unknown>[] };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  import?: { id: string; to: string }[];
  output?: Record<string, { value: string }>;
}

function connection(stack: TerraformStack, props: Record<string, unknown> = {}): OctopusDeployConnection {
  return new OctopusDeployConnection(stack, "octopus", { name: "octo", instanceUrl: "https://octopus.example.com", apiKeyEnv: "OCTOPUS_API_KEY", ...props });
}

function syncProps(conn: OctopusDeployConnection | string, extra: Partial<OctopusDeploySecretSyncProps> = {}): OctopusDeploySecretSyncProps {
  return { name: "app-secrets", connection: conn, projectId: PROJECT, environment: "prod", secretPath: "/app", destination: { spaceId: "Spaces-1", projectId: "Projects-1" }, ...extra };
}

function synth(fn: (stack: TerraformStack) => void): Synth {
  const stack = new TerraformStack(testApp(), "s");
  fn(stack);
  return JSON.parse(Testing.synth(stack)) as Synth;
}

function problems(fn: (stack: TerraformStack) => void): { field: string; rule: string }[] {
  try {
    synth(fn);
  } catch (e) {
    expect(e).toBeInstanceOf(OctopusDeploySecretSyncPropsError);
    return [...(e as OctopusDeploySecretSyncPropsError).problems];
  }
  throw new Error("no error thrown");
}

describe("OctopusDeploySecretSync", () => {
  test("one sync resource on the connection's provider, referencing the connection's id; KMS defaults made explicit", () => {
    const out = synth((s) => new OctopusDeploySecretSync(s, "sync", syncProps(connection(s))));
    const [resource] = Object.values(out.resource[TYPE]);
    const [connectionKey] = Object.keys(out.resource.hanzokms_octopus_deploy_connection);
    expect(resource).toEqual({
      name: "app-secrets",
      connection_id: `\${hanzokms_octopus_deploy_connection.${connectionKey}.id}`,
      project_id: PROJECT,
      environment: "prod",
      secret_path: "/app",
      destination_space_id: "Spaces-1",
      destination_project_id: "Projects-1",
      auto_sync_enabled: true,
      remove_secrets_on_destroy: false,
    });
    expect(out.provider.hanzokms).toHaveLength(1);
  });

  test("every option reaches its attribute: scope values, key schema, deletion, initial behaviour, description", () => {
    const out = synth(
      (s) =>
        new OctopusDeploySecretSync(
          s,
          "sync",
          syncProps(CONNECTION_ID, {
            description: "prod secrets",
            destination: { spaceId: "Spaces-2", projectId: "Projects-9", scopeValues: { environments: ["Environments-1"], roles: ["web"], channels: [] } },
            syncOptions: { keySchema: "APP_{{secretKey}}", disableSecretDeletion: true, initialSyncBehavior: "overwrite-destination" },
            autoSyncEnabled: false,
            removeSecretsOnDestroy: true,
          }),
        ),
    );
    expect(Object.values(out.resource[TYPE])[0]).toMatchObject({
      description: "prod secrets",
      connection_id: CONNECTION_ID,
      destination_space_id: "Spaces-2",
      destination_project_id: "Projects-9",
      scope_environments: ["Environments-1"],
      scope_roles: ["web"],
      scope_channels: [],
      key_schema: "APP_{{secretKey}}",
      disable_secret_deletion: true,
      initial_sync_behavior: "overwrite-destination",
      auto_sync_enabled: false,
      remove_secrets_on_destroy: true,
    });
  });

  test("a connection on a second KMS: the sync uses that KMS's aliased provider, like its connection", () => {
    const out = synth((s) => {
      connection(s, { name: "first" });
      const other = new OctopusDeployConnection(s, "other", { name: "second", instanceUrl: "https://octopus.example.com", apiKeyEnv: "OCTOPUS_API_KEY", kmsUrl: "https://kms.example.com" });
      new OctopusDeploySecretSync(s, "sync", syncProps(other));
    });
    const sync = Object.values(out.resource[TYPE])[0];
    const conn = Object.values(out.resource.hanzokms_octopus_deploy_connection).find((c) => c.name === "second")!;
    expect(sync.provider).toEqual(conn.provider);
    expect(sync.provider).toMatch(/^hanzokms\.kms_[0-9a-f]{8}$/);
  });

  test("syncId, syncStatus and lastSyncedAt are tokens for outputs", () => {
    const out = synth((s) => {
      const sync = new OctopusDeploySecretSync(s, "sync", syncProps(CONNECTION_ID));
      new TerraformOutput(s, "id", { value: sync.syncId });
      new TerraformOutput(s, "status", { value: sync.syncStatus });
      new TerraformOutput(s, "at", { value: sync.lastSyncedAt });
    });
    const address = `${TYPE}.${Object.keys(out.resource[TYPE])[0]}`;
    expect(out.output).toEqual({ id: { value: `\${${address}.id}` }, status: { value: `\${${address}.sync_status}` }, at: { value: `\${${address}.last_synced_at}` } });
  });

  test("importFrom: by <projectId>/<name> by default, or by the id given", () => {
    const byName = synth((s) => new OctopusDeploySecretSync(s, "sync", syncProps(CONNECTION_ID)).importFrom());
    expect(byName.import).toEqual([expect.objectContaining({ id: `${PROJECT}/app-secrets`, to: expect.stringMatching(new RegExp(`^${TYPE}\\.`)) })]);
    const byId = synth((s) => new OctopusDeploySecretSync(s, "sync", syncProps(CONNECTION_ID)).importFrom("99999999-2222-3333-4444-555555555555"));
    expect(byId.import).toEqual([expect.objectContaining({ id: "99999999-2222-3333-4444-555555555555" })]);
    expect(() =>
      synth((s) => {
        const project = new TerraformVariable(s, "project", { type: "string" });
        new OctopusDeploySecretSync(s, "sync", syncProps(CONNECTION_ID, { projectId: project.stringValue })).importFrom();
      }),
    ).toThrow(/importFrom\(\) needs the sync's KMS id/);
  });

  test("Terraform references are accepted for ids (checked by the provider at plan time)", () => {
    const out = synth((s) => {
      const v = (n: string) => new TerraformVariable(s, n, { type: "string" }).stringValue;
      new OctopusDeploySecretSync(s, "sync", syncProps(v("conn"), { projectId: v("project"), environment: v("env"), destination: { spaceId: v("space"), projectId: v("octo_project") } }));
    });
    expect(Object.values(out.resource[TYPE])[0]).toMatchObject({ connection_id: "${var.conn}", project_id: "${var.project}", environment: "${var.env}", destination_space_id: "${var.space}" });
  });

  describe("bad input: every problem at once, each naming its field and rule", () => {
    test("slug name, environment, path, key schema, ids, scope values, unknown props", () => {
      const found = problems((s) =>
        new OctopusDeploySecretSync(s, "sync", {
          ...syncProps("not-a-uuid"),
          name: "App Secrets",
          projectId: "p1",
          environment: "Prod",
          secretPath: "app/",
          destination: { spaceId: " ", projectId: "", scopeValues: { environments: ["Environments-1", ""], teams: ["x"] } as never },
          syncOptions: { keySchema: "APP_KEY", initialSyncBehavior: "import-prioritize-source" as never },
          autoSync: true,
        } as never),
      );
      const fields = found.map((p) => p.field).sort();
      expect(fields).toEqual(
        [
          "connection",
          "destination.projectId",
          "destination.scopeValues",
          "destination.scopeValues.environments.1",
          "destination.spaceId",
          "environment",
          "name",
          "projectId",
          "props",
          "secretPath",
          "syncOptions.initialSyncBehavior",
          "syncOptions.keySchema",
        ].sort(),
      );
      const rule = (field: string) => found.find((p) => p.field === field)!.rule;
      expect(rule("name")).toMatch(/slug/);
      expect(rule("syncOptions.keySchema")).toMatch(/\{\{secretKey\}\} placeholder exactly once/);
      expect(rule("connection")).toMatch(/connection id \(a UUID/);
      expect(rule("props")).toMatch(/unknown prop autoSync/);
      expect(rule("destination.scopeValues")).toMatch(/unknown scope teams/);
      expect(rule("syncOptions.initialSyncBehavior")).toMatch(/overwrite-destination/);
    });

    test("a connection on a hook engine is refused: Terraform has no id for it", () => {
      const found = problems((s) => new OctopusDeploySecretSync(s, "sync", syncProps(connection(s, { engine: "terraform_data" }))));
      expect(found).toEqual([{ field: "connection", rule: expect.stringMatching(/engine "provider".*uses engine "terraform_data"/) }]);
    });

    test("kmsUrl must be the connection's KMS", () => {
      const found = problems((s) => new OctopusDeploySecretSync(s, "sync", syncProps(connection(s), { kmsUrl: "https://other.example.com" })));
      expect(found).toEqual([{ field: "kmsUrl", rule: expect.stringMatching(/must be the connection's KMS \(https:\/\/app\.kms\.hanzo\.ai\)/) }]);
    });

    test("a missing connection, a literal-only name given as a reference, scope values not lists", () => {
      const found = problems((s) => {
        const v = new TerraformVariable(s, "n", { type: "string" }).stringValue;
        new OctopusDeploySecretSync(s, "sync", { ...syncProps(CONNECTION_ID), connection: undefined, name: v, destination: { spaceId: "Spaces-1", projectId: "Projects-1", scopeValues: { roles: "web" } } } as never);
      });
      expect(found).toEqual(
        expect.arrayContaining([
          { field: "connection", rule: expect.stringMatching(/got nothing/) },
          { field: "name", rule: expect.stringMatching(/literal string, not a Terraform reference/) },
          { field: "destination.scopeValues.roles", rule: expect.stringMatching(/list of strings, got string/) },
        ]),
      );
    });
  });
});
