/**
 * OctopusDeployConnection: declares a Hanzo KMS (Infisical-compatible) app connection to Octopus
 * Deploy. Terraform has no provider for it here, so the construct synthesizes built-in
 * `terraform_data` resources whose local-exec hooks run the bundled hook (dist/hook/hook.js), which
 * talks to the KMS API. See README "How it works" for the three resources and why each exists.
 */
import { Annotations, Fn, Lazy, LocalExecProvisioner, TerraformResource, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { nullResourceEngine, terraformDataEngine } from "./engines";
import { fingerprint, fingerprintExpression } from "./fingerprint";
import { hookAsset } from "./hook-asset";
import { ValidatedProps, validateProps } from "./props";
import { RemovedConnectionOptions, removeConnection } from "./removed";
import { tfLiteral } from "./terraform-strings";
import { EVENT_VERSION, HOOK_ENV, Operation } from "../hook/protocol";

/** Props of {@link OctopusDeployConnection}. */
export interface OctopusDeployConnectionProps {
  /** Connection name in the KMS: lowercase letters, digits and single hyphens, at most 32 characters. */
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
  /** Take over an existing connection of the same name that differs from this declaration. @default false */
  readonly adoptExisting?: boolean;
  /** The connection's previous name: changing `name` renames it in place (same id). Keep it like a `moved` block. @default - not renamed */
  readonly renamedFrom?: string;
  /** Resource type that carries the hooks; "null_resource" needs the hashicorp/null provider. @default "terraform_data" */
  readonly engine?: "terraform_data" | "null_resource";
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

  /** The declared connection name. */
  public readonly connectionName: string;
  /** The resource that creates and deletes the connection (its destroy hook deletes). */
  public readonly connectionResource: TerraformResource;
  /** The resource whose replacement runs the credentials hook (instance URL or API key changed). */
  public readonly credentialsResource: TerraformResource;
  /** The resource whose replacement runs the update hook (name or description changed). */
  public readonly updateResource: TerraformResource;
  /** Validated props with defaults applied. */
  private readonly props: ValidatedProps;

  constructor(scope: Construct, id: string, props: OctopusDeployConnectionProps) {
    super(scope, id);
    this.props = validateProps(this.node.path, props);
    this.connectionName = this.props.name;
    const stack = TerraformStack.of(this);
    const hook = hookAsset(stack).path;
    const p = this.props;

    const keyFingerprint = p.apiKey !== undefined ? fingerprintExpression(p.apiKey) : envKeyFingerprint(p.apiKeyEnv!);
    const keyEnv: Record<string, string> = p.apiKey !== undefined ? { [HOOK_ENV.apiKey]: Fn.nonsensitive(p.apiKey) } : {};
    const address = Lazy.stringValue({ produce: () => `${this.connectionResource.terraformResourceType}.${this.connectionResource.friendlyUniqueId}` });

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
      interpreter: ["node", hook],
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
    //    also the name). Create hook: POST; destroy hook: DELETE. It stores the declaration, which
    //    the destroy hook reads back from `self` (destroy hooks may reference nothing else).
    const identity = engine === nullResourceEngine ? ["v", "kms_url", "project_id", "name"] : ["kms_url", "project_id"];
    const connection = engine.connection(this, declaration, identity, (selfEvent) => [
      run("create", { [HOOK_ENV.event]: selfEvent, [HOOK_ENV.resourceId]: "${self.id}", ...keyEnv }),
      run("delete", { [HOOK_ENV.event]: selfEvent }, "destroy"),
    ]);
    this.connectionResource = connection;

    // 2, 3. Update resources, each replaced when its fields change; their hooks PATCH. Right after the
    //    connection's creation they find the create hook's marker and do nothing. Credentials (the
    //    instance URL and the key) are re-sent, and re-validated by the KMS, only when they change.
    const connectionId = connection.getStringAttribute("id");
    // The connection exists now: its address can be a plain string (a Lazy would render unquoted,
    // as a reference, inside the null_resource engine's jsonencode expression).
    const current = { ...declaration, address: `${connection.terraformResourceType}.${connection.friendlyUniqueId}` };
    const update = (op: "credentials" | "update", triggers: Record<string, string | null>, dependsOn: TerraformResource[]) =>
      engine.hookResource(
        this,
        op,
        connection,
        current,
        { connection: connectionId, ...triggers },
        (event) => [run(op, { [HOOK_ENV.event]: event, [HOOK_ENV.resourceId]: connectionId, ...keyEnv })],
        dependsOn,
      );
    this.credentialsResource = update("credentials", { instance_url: declaration.instance_url, api_key_fingerprint: keyFingerprint }, []);
    this.updateResource = update("update", { name: declaration.name, description: declaration.description }, [this.credentialsResource]);

    // Terraform would echo the command line of every hook; it holds nothing useful.
    for (const [resource, count] of [[connection, 2], [this.credentialsResource, 1], [this.updateResource, 1]] as const) {
      for (let i = 0; i < count; i++) resource.addOverride(`provisioner.${i}.local-exec.quiet`, true);
    }
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
