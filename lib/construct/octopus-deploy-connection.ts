/**
 * OctopusDeployConnection: declares a Hanzo KMS (Infisical-compatible) app connection to Octopus
 * Deploy. With the default engine, "provider", it is one resource of the package's own Terraform
 * provider (provider-engine.ts). The "terraform_data" and "null_resource" engines instead synthesize
 * two resources whose local-exec hooks run the bundled hook (dist/hook/hook.js), for those who want
 * no provider process. See README "How it works".
 */
import { Annotations, Fn, Lazy, LocalExecProvisioner, TerraformResource, TerraformStack } from "../cdk";
import { Construct } from "constructs";
import { PLAN_TIMESTAMP, SYNC_ID, nullResourceEngine, terraformDataEngine } from "./engines";
import { fingerprint, fingerprintExpression } from "./fingerprint";
import { declareName } from "./declared-names";
import { hookAsset } from "./hook-asset";
import { hookInterpreter } from "./launcher";
import { OctopusDeployConnectionLookup, OctopusDeployConnectionLookupProps } from "./connection-lookup";
import { Engine, ValidatedProps, validateProps } from "./props";
import { HanzoKmsProvider, OctopusDeployConnectionResource, migrateFromTerraformData } from "./provider-engine";
import { RemovedConnectionOptions, removeConnection } from "./removed";
import { tfLiteral } from "./terraform-strings";
import { EVENT_VERSION, HOOK_ENV, Operation } from "../hook/protocol";

/** Props of {@link OctopusDeployConnection}. */
export interface OctopusDeployConnectionProps {
  /** Connection name in the KMS: lowercase letters, digits and single hyphens (at most 64 characters with the provider engine, 32 with the hook engines). */
  readonly name: string;
  /** Free text shown in the KMS, at most 256 characters. @default - no description */
  readonly description?: string;
  /** KMS project id (UUID) of a project-level connection; a Terraform reference is accepted. @default - an organization-level connection */
  readonly projectId?: string;
  /** Octopus Deploy instance URL, e.g. https://your-instance.octopus.app (https; http only to loopback). */
  readonly instanceUrl: string;
  /** The Octopus API key as a Terraform value (a sensitive TerraformVariable's `.value`); literal strings are refused. @default - use apiKeyEnv */
  readonly apiKey?: string;
  /** Name of an environment variable that holds the Octopus API key when `cdktf deploy` runs. @default - use apiKey */
  readonly apiKeyEnv?: string;
  /** Base URL of the KMS. @default "https://app.kms.hanzo.ai" */
  readonly kmsUrl?: string;
  /** "retain" keeps the connection in the KMS when the resource is destroyed. @default "destroy" */
  readonly removalPolicy?: "destroy" | "retain";
  /** Take over an existing connection of the same name that differs from this declaration (with the provider engine, `importFrom` is the usual way). @default false */
  readonly adoptExisting?: boolean;
  /** The connection's previous name, for the hook engines: changing `name` renames it in place (same id). Not needed with the provider engine, which renames in place by id. @default - not renamed */
  readonly renamedFrom?: string;
  /** What carries the connection: the package's Terraform provider, or hooks on terraform_data / null_resource ("null_resource" needs the hashicorp/null provider). @default "provider" */
  readonly engine?: Engine;
}

/** Terraform attribute of a resource that marks it as an OctopusDeployConnection (drift and import read it). */
export const CONNECTION_MARKER = "cdktf-kms-octopus";

/** An Octopus Deploy app connection in the KMS, created, updated and deleted by `cdktf deploy`. */
export class OctopusDeployConnection extends Construct {
  /**
   * Use instead of `new OctopusDeployConnection(scope, id, ...)` for one deploy to remove it from
   * code: the connection is deleted (or kept, with removalPolicy "retain"). See README "Removing a
   * connection".
   */
  public static removed(scope: Construct, id: string, options?: RemovedConnectionOptions): Construct {
    return removeConnection(scope, id, options);
  }

  /**
   * A connection this stack does not manage, looked up by name (and project) when Terraform plans
   * (the provider's data source); its `connectionId` can be referenced like a managed one's.
   */
  public static lookup(scope: Construct, id: string, props: OctopusDeployConnectionLookupProps): OctopusDeployConnectionLookup {
    return new OctopusDeployConnectionLookup(scope, id, props);
  }

  /** The declared connection name. */
  public readonly connectionName: string;
  /** The engine that carries the connection. */
  public readonly engine: Engine;
  /** The KMS that holds the connection (its syncs default to the same KMS). */
  public readonly kmsUrl: string;
  /**
   * The resource that stands for the connection in the state: with the provider engine the
   * `hanzokms_octopus_deploy_connection` itself; with the hook engines the resource that stores the
   * declaration and whose destroy hook deletes the connection.
   */
  public readonly connectionResource: TerraformResource;
  /** Hook engines only: the resource whose creation runs the hook that creates or updates the connection. @default - undefined with the provider engine */
  public readonly syncResource?: TerraformResource;

  constructor(scope: Construct, id: string, props: OctopusDeployConnectionProps) {
    super(scope, id);
    const p = validateProps(this.node.path, props);
    this.connectionName = p.name;
    this.engine = p.engine;
    this.kmsUrl = p.kmsUrl;
    if (p.engine === "provider") {
      this.connectionResource = this.withProvider(p);
    } else {
      const { connection, sync } = this.withHooks(p, props);
      this.connectionResource = connection;
      this.syncResource = sync;
    }
  }

  /** The connection's KMS id, as a token other resources and outputs can use (provider engine only: the hooks cannot report it to Terraform). */
  public get connectionId(): string {
    return this.providerResource("connectionId").id;
  }

  /** The KMS's credentialsHash of the connection, as a token (provider engine only). */
  public get credentialsHash(): string {
    return this.providerResource("credentialsHash").credentialsHash;
  }

  /**
   * Adopts an existing connection into this declaration at the next deploy (a Terraform `import`
   * block; provider engine only): by KMS id, or by name, which is the default (`<projectId>/<name>`
   * for a project-level connection). After the deploy the call can stay or go.
   */
  public importFrom(idOrName?: string): void {
    const resource = this.providerResource("importFrom");
    const fallback = this.declaredProjectId !== undefined ? `${this.declaredProjectId}/${this.connectionName}` : this.connectionName;
    resource.importFrom(idOrName ?? fallback);
  }

  private declaredProjectId?: string;

  private providerResource(what: string): OctopusDeployConnectionResource {
    if (this.connectionResource instanceof OctopusDeployConnectionResource) return this.connectionResource;
    throw new Error(
      `${this.node.path}: ${what} needs engine "provider" (the default): with engine "${this.engine}" Terraform never reads the connection, so it has no id or hash to give. ` +
        "Look the connection up with readConnection() or `npx cdktf-kms-octopus get`, or switch engines (README: Engines).",
    );
  }

  private withProvider(p: ValidatedProps): OctopusDeployConnectionResource {
    this.declaredProjectId = p.projectId;
    const resource = new OctopusDeployConnectionResource(this, "connection", {
      provider: HanzoKmsProvider.forKms(this, p.kmsUrl),
      name: p.name,
      description: p.description,
      projectId: p.projectId,
      instanceUrl: p.instanceUrl,
      apiKey: p.apiKey,
      apiKeyEnv: p.apiKeyEnv,
      removalPolicy: p.removalPolicy,
      adoptExisting: p.adoptExisting,
    });
    migrateFromTerraformData(this, resource, SYNC_ID);
    return resource;
  }

  private withHooks(p: ValidatedProps, props: OctopusDeployConnectionProps): { connection: TerraformResource; sync: TerraformResource } {
    const stack = TerraformStack.of(this);
    const hook = hookAsset(stack).path;
    const keyFingerprint = p.apiKey !== undefined ? fingerprintExpression(p.apiKey) : envKeyFingerprint(p.apiKeyEnv!);
    const keyEnv: Record<string, string> = p.apiKey !== undefined ? { [HOOK_ENV.apiKey]: Fn.nonsensitive(p.apiKey) } : {};
    let connectionRef: TerraformResource | undefined;
    const address = Lazy.stringValue({ produce: () => `${connectionRef!.terraformResourceType}.${connectionRef!.friendlyUniqueId}` });

    // The declaration, non-secret. Literal strings are escaped so Terraform never evaluates them.
    const declaration = {
      v: EVENT_VERSION,
      marker: CONNECTION_MARKER,
      path: tfLiteral(this.node.path),
      address,
      kms_url: tfLiteral(p.kmsUrl),
      project_id: p.projectId ?? null,
      name: p.name,
      description: p.description === undefined ? null : tfLiteral(p.description),
      instance_url: tfLiteral(p.instanceUrl),
      api_key_env: p.apiKeyEnv ?? null,
      adopt_existing: p.adoptExisting,
      renamed_from: p.renamedFrom ?? null,
      removal_policy: p.removalPolicy,
    };
    const run = (op: Operation, environment: Record<string, string>, when?: "destroy"): LocalExecProvisioner => ({
      type: "local-exec",
      interpreter: hookInterpreter(hook),
      command: op,
      environment,
      ...(when ? { when } : {}),
    });
    const engine = p.engine === "null_resource" ? nullResourceEngine : terraformDataEngine;
    if (engine === nullResourceEngine && props.removalPolicy !== undefined) {
      Annotations.of(this).addWarning(
        'engine "null_resource" records removalPolicy when the connection is created: a later change takes effect only when the connection is replaced. The default engine "terraform_data" applies it in place.',
      );
    }

    // 1. The connection: replaced only when its identity changes (KMS and project; with null_resource
    //    also the name). It has no create hook, so it is never tainted: its destroy hook (DELETE) runs
    //    on every destroy, even after an interrupted deploy. It stores the declaration, which the
    //    destroy hook reads back from `self` (destroy hooks may reference nothing else).
    const identity = engine === nullResourceEngine ? ["v", "kms_url", "project_id", "name"] : ["kms_url", "project_id"];
    const connection = engine.connection(this, declaration, identity, (selfEvent) => [run("delete", { [HOOK_ENV.event]: selfEvent }, "destroy")]);
    connectionRef = connection;

    // 2. The sync resource: created with the connection and replaced whenever a field the KMS holds
    //    changes. Its create hook POSTs a connection that is new in this apply (the connection
    //    resource was born in this plan), and otherwise looks it up and PATCHes it: one process and
    //    the fewest requests either way (see hook/operations.ts).
    // The connection exists now: its address can be a plain string (a Lazy would render unquoted,
    // as a reference, inside the null_resource engine's jsonencode expression).
    const current = { ...declaration, address: `${connection.terraformResourceType}.${connection.friendlyUniqueId}` };
    const triggers = {
      connection: connection.getStringAttribute("id"),
      name: declaration.name,
      description: declaration.description,
      instance_url: declaration.instance_url,
      api_key_fingerprint: keyFingerprint,
    };
    const sync = engine.syncResource(this, connection, current, triggers, (event) => [
      run("apply", {
        [HOOK_ENV.event]: event,
        [HOOK_ENV.bornAt]: engine.bornAt(connection),
        [HOOK_ENV.plannedAt]: PLAN_TIMESTAMP,
        [HOOK_ENV.declaredNames]: declareName(stack, p.name),
        ...keyEnv,
      }),
    ]);

    // Terraform would echo the command line of every hook; it holds nothing useful.
    connection.addOverride("provisioner.0.local-exec.quiet", true);
    sync.addOverride("provisioner.0.local-exec.quiet", true);
    return { connection, sync };
  }
}

/**
 * Fingerprint of a key read from the environment: computed at synth time when the variable is set
 * there (then `cdktf diff` shows a rotation), else a constant naming the variable.
 */
function envKeyFingerprint(name: string): string {
  const value = process.env[name]?.trim();
  return value ? fingerprint(value) : `env:${name}`;
}
