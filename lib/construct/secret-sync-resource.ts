/**
 * `hanzokms_octopus_deploy_secret_sync`, the provider resource behind OctopusDeploySecretSync,
 * written as cdktf's generated provider bindings write resources. Attribute names are the provider
 * schema's (lib/provider/resources/octopus-deploy-secret-sync).
 */
import { TerraformResource } from "../cdk";
import { Construct } from "constructs";
import { HanzoKmsProvider, hclAttributes } from "./provider-engine";
import { SCOPE_VALUE_KEYS } from "../shared/sync-rules";
import { PROVIDER_TYPE, PROVIDER_VERSION, TYPE_NAMES } from "../provider/address";

/** Octopus scope values of the synced variables (names or ids as Octopus shows them). */
export interface OctopusScopeValues {
  /** Octopus environments. @default - not scoped by environment */
  readonly environments?: readonly string[];
  /** Target roles. @default - not scoped by role */
  readonly roles?: readonly string[];
  /** Deployment targets (machines). @default - not scoped by machine */
  readonly machines?: readonly string[];
  /** Processes (deployment process, runbooks). @default - not scoped by process */
  readonly processes?: readonly string[];
  /** Deployment steps (actions). @default - not scoped by step */
  readonly actions?: readonly string[];
  /** Channels. @default - not scoped by channel */
  readonly channels?: readonly string[];
}

/** The scope keys in the order the provider's schema lists them. */
export const SCOPE_KEYS = SCOPE_VALUE_KEYS;

/** Configuration of {@link OctopusDeploySecretSyncResource}: the provider's attributes. */
export interface OctopusDeploySecretSyncResourceConfig {
  readonly provider: HanzoKmsProvider;
  readonly name: string;
  readonly description?: string;
  readonly connectionId: string;
  readonly projectId: string;
  readonly environment: string;
  readonly secretPath: string;
  readonly spaceId: string;
  readonly octopusProjectId: string;
  readonly scopeValues?: OctopusScopeValues;
  readonly keySchema?: string;
  readonly disableSecretDeletion?: boolean;
  readonly initialSyncBehavior?: string;
  readonly autoSyncEnabled: boolean;
  readonly removeSecretsOnDestroy: boolean;
}

/** A KMS secret sync to Octopus Deploy project variables. */
export class OctopusDeploySecretSyncResource extends TerraformResource {
  /** Terraform resource type. */
  public static readonly tfResourceType = TYPE_NAMES.secretSync;

  constructor(
    scope: Construct,
    id: string,
    private readonly config: OctopusDeploySecretSyncResourceConfig,
  ) {
    super(scope, id, {
      terraformResourceType: TYPE_NAMES.secretSync,
      terraformGeneratorMetadata: { providerName: PROVIDER_TYPE, providerVersion: PROVIDER_VERSION },
      provider: config.provider.alias === undefined ? undefined : config.provider,
    });
  }

  /** The sync's KMS id. */
  public get id(): string {
    return this.getStringAttribute("id");
  }
  /** The KMS's status of the last sync ("succeeded", "failed", ...). */
  public get syncStatus(): string {
    return this.getStringAttribute("sync_status");
  }
  /** When the KMS last synced (ISO time). */
  public get lastSyncedAt(): string {
    return this.getStringAttribute("last_synced_at");
  }
  /** The KMS's message of the last failed sync (null after a success). */
  public get lastSyncMessage(): string {
    return this.getStringAttribute("last_sync_message");
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    const scope = Object.fromEntries(SCOPE_KEYS.map((k) => [`scope_${k}`, c.scopeValues?.[k]]));
    return {
      name: c.name,
      description: c.description,
      connection_id: c.connectionId,
      project_id: c.projectId,
      environment: c.environment,
      secret_path: c.secretPath,
      destination_space_id: c.spaceId,
      destination_project_id: c.octopusProjectId,
      ...scope,
      key_schema: c.keySchema,
      disable_secret_deletion: c.disableSecretDeletion,
      initial_sync_behavior: c.initialSyncBehavior,
      auto_sync_enabled: c.autoSyncEnabled,
      remove_secrets_on_destroy: c.removeSecretsOnDestroy,
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return hclAttributes(this.synthesizeAttributes());
  }
}
