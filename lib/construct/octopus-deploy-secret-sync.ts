/**
 * OctopusDeploySecretSync: a KMS secret sync that pushes the secrets of one environment and folder
 * of a KMS project to an Octopus Deploy project's variables, through an Octopus Deploy connection.
 * One resource of the package's provider (`hanzokms_octopus_deploy_secret_sync`): Terraform reads it
 * on every refresh, updates what changed, and waits for the sync's result after a create or update.
 * Secret values never pass through it: the KMS moves them. See README "Secret syncs".
 */
import { Token } from "../cdk";
import { Construct } from "constructs";
import { OctopusDeployConnection } from "./octopus-deploy-connection";
import { HanzoKmsProvider } from "./provider-engine";
import { OctopusDeploySecretSyncResource } from "./secret-sync-resource";
import { DEFAULT_KMS_URL, OctopusSyncDestination, OctopusSyncOptions, validateSyncProps } from "./secret-sync-props";
import * as syncRules from "../shared/sync-rules";

/** Props of {@link OctopusDeploySecretSync}. */
export interface OctopusDeploySecretSyncProps {
  /** Sync name in the KMS: lowercase letters, digits and single hyphens, at most 256 characters, unique in its KMS project. */
  readonly name: string;
  /** Free text shown in the KMS, at most 256 characters. @default - no description */
  readonly description?: string;
  /** The Octopus Deploy connection the sync uses: a construct of this stack (engine "provider") or a connection's KMS id (a UUID or a reference). */
  readonly connection: OctopusDeployConnection | string;
  /** KMS project id (UUID) holding the secrets; a change replaces the sync; a Terraform reference is accepted. */
  readonly projectId: string;
  /** Slug of the KMS environment the secrets come from, such as "dev", "staging" or "prod". */
  readonly environment: string;
  /** Folder of the secrets in that environment: "/" or "/app/db". */
  readonly secretPath: string;
  /** The Octopus project (and scope) that receives the secrets as variables. */
  readonly destination: OctopusSyncDestination;
  /** How variables are named and deleted. @default - the KMS's defaults: the secret's key, deletions synced */
  readonly syncOptions?: OctopusSyncOptions;
  /** Sync whenever a secret of the folder changes, as the KMS does by default. @default true */
  readonly autoSyncEnabled?: boolean;
  /** On destroy, remove the variables the sync pushed to Octopus (the KMS's removeSecrets) before deleting the sync. @default false (the variables stay in Octopus) */
  readonly removeSecretsOnDestroy?: boolean;
  /** Base URL of the KMS. @default - the connection's KMS (or "https://app.kms.hanzo.ai" when `connection` is an id) */
  readonly kmsUrl?: string;
}

/** A KMS secret sync to Octopus Deploy project variables, created, updated and deleted by `cdktf deploy`. */
export class OctopusDeploySecretSync extends Construct {
  /** The declared sync name. */
  public readonly syncName: string;
  /** The KMS that holds the sync. */
  public readonly kmsUrl: string;
  /** The `hanzokms_octopus_deploy_secret_sync` resource. */
  public readonly resource: OctopusDeploySecretSyncResource;
  private readonly projectId: string;

  constructor(scope: Construct, id: string, props: OctopusDeploySecretSyncProps) {
    super(scope, id);
    const { connectionId, kmsUrl, problems } = resolveConnection(props);
    const p = validateSyncProps(this.node.path, props, problems);
    this.syncName = p.name;
    this.projectId = p.projectId;
    this.kmsUrl = p.kmsUrl ?? kmsUrl ?? DEFAULT_KMS_URL;
    this.resource = new OctopusDeploySecretSyncResource(this, "sync", {
      provider: HanzoKmsProvider.forKms(this, this.kmsUrl),
      name: p.name,
      description: p.description,
      connectionId: connectionId!,
      projectId: p.projectId,
      environment: p.environment,
      secretPath: p.secretPath,
      spaceId: p.destination.spaceId,
      octopusProjectId: p.destination.projectId,
      scopeValues: p.destination.scopeValues,
      keySchema: p.keySchema,
      disableSecretDeletion: p.disableSecretDeletion,
      initialSyncBehavior: p.initialSyncBehavior,
      autoSyncEnabled: p.autoSyncEnabled,
      removeSecretsOnDestroy: p.removeSecretsOnDestroy,
    });
  }

  /** The sync's KMS id, as a token. */
  public get syncId(): string {
    return this.resource.id;
  }
  /** The KMS's status of the last sync ("succeeded", "failed", ...), as a token. */
  public get syncStatus(): string {
    return this.resource.syncStatus;
  }
  /** When the last sync succeeded, as a token. */
  public get lastSyncedAt(): string {
    return this.resource.lastSyncedAt;
  }

  /**
   * Adopts an existing sync into this declaration at the next deploy (a Terraform `import` block):
   * by KMS id, or by `<projectId>/<name>`, the default. After the deploy the call can stay or go.
   */
  public importFrom(idOrName?: string): void {
    if (idOrName === undefined && Token.isUnresolved(this.projectId)) {
      throw new Error(`${this.node.path}: importFrom() needs the sync's KMS id (or "<projectId>/<name>") when projectId is a Terraform reference`);
    }
    this.resource.importFrom(idOrName ?? `${this.projectId}/${this.syncName}`);
  }
}

/** The connection's id and KMS, or the problem with `connection`/`kmsUrl` (reported with the other props' problems). */
function resolveConnection(props: OctopusDeploySecretSyncProps): { connectionId?: string; kmsUrl?: string; problems: { field: string; rule: string }[] } {
  const connection: unknown = (props as { connection?: unknown } | undefined)?.connection;
  if (connection instanceof OctopusDeployConnection) {
    if (connection.engine !== "provider") {
      return {
        problems: [
          {
            field: "connection",
            rule: `must be an OctopusDeployConnection on engine "provider" (the default): "${connection.node.path}" uses engine "${connection.engine}", whose id Terraform cannot reference; switch it to the provider engine or pass the connection's KMS id`,
          },
        ],
      };
    }
    const problems =
      typeof props.kmsUrl === "string" && !Token.isUnresolved(props.kmsUrl) && props.kmsUrl !== connection.kmsUrl
        ? [{ field: "kmsUrl", rule: `must be the connection's KMS (${connection.kmsUrl}) or unset: a sync uses a connection of its own KMS; got ${JSON.stringify(props.kmsUrl)}` }]
        : [];
    return { connectionId: connection.connectionId, kmsUrl: connection.kmsUrl, problems };
  }
  if (typeof connection === "string") {
    const verdict = Token.isUnresolved(connection) ? undefined : syncRules.connectionId(connection);
    return { connectionId: connection, problems: verdict ? [{ field: "connection", rule: `${verdict}, or an OctopusDeployConnection; got ${JSON.stringify(connection)}` }] : [] };
  }
  return { problems: [{ field: "connection", rule: `must be an OctopusDeployConnection (engine "provider") or a connection's KMS id, got ${connection === undefined ? "nothing" : typeof connection}` }] };
}
