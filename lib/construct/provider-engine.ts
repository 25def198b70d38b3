/**
 * The provider engine (the default): a connection is one resource of the package's own Terraform
 * provider, `hanzokms_octopus_deploy_connection`, which Terraform reads on every refresh (drift in
 * plans), updates attribute by attribute, imports, and deletes when it leaves the code. The provider
 * (dist/provider/provider.js) is copied into each stack's directory at synth, under the implied local
 * mirror `terraform.d/plugins`, with a lock-file entry that pins its content: a synthesized stack
 * plans and applies anywhere `node` and `terraform` run, with no download and no CLI config.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import { TerraformProvider, TerraformResource, TerraformStack, addCustomSynthesis } from "../cdk";
import { Construct } from "constructs";
import { requireTerraform } from "./hook-asset";
import { tfLiteral } from "./terraform-strings";
import { topLevelBlocks } from "./top-level-blocks";
import { PROVIDER_SOURCE, PROVIDER_TYPE, PROVIDER_VERSION, TYPE_NAMES } from "../provider/address";
import { installProvider, writeLockFile } from "../provider/install";

/** Configuration of {@link HanzoKmsProvider}. */
export interface HanzoKmsProviderConfig {
  /** Base URL of the KMS. */
  readonly kmsUrl: string;
  /** Provider alias, for a second KMS in one stack. @default - the default configuration */
  readonly alias?: string;
}

/** The `hanzokms` provider block of one KMS. KMS credentials are never part of it: the provider reads them from its environment. */
export class HanzoKmsProvider extends TerraformProvider {
  /** The stack's provider for `kmsUrl`: the first KMS of a stack is the default configuration, others get an alias derived from the URL. */
  public static forKms(scope: Construct, kmsUrl: string): HanzoKmsProvider {
    const stack = TerraformStack.of(scope);
    const registry = ProviderRegistry.of(stack);
    const existing = registry.byUrl.get(kmsUrl);
    if (existing) return existing;
    const alias = registry.byUrl.size === 0 ? undefined : `kms_${createHash("sha256").update(kmsUrl).digest("hex").slice(0, 8)}`;
    const provider = new HanzoKmsProvider(registry, alias ?? "default", { kmsUrl, alias });
    registry.byUrl.set(kmsUrl, provider);
    return provider;
  }

  private readonly providerAlias?: string;
  private readonly kmsUrl: string;

  constructor(scope: Construct, id: string, config: HanzoKmsProviderConfig) {
    super(scope, id, {
      terraformResourceType: PROVIDER_TYPE,
      terraformGeneratorMetadata: { providerName: PROVIDER_TYPE, providerVersion: PROVIDER_VERSION },
      terraformProviderSource: PROVIDER_SOURCE,
    });
    this.kmsUrl = config.kmsUrl;
    this.providerAlias = config.alias;
  }

  public override get alias(): string | undefined {
    return this.providerAlias;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { kms_url: this.kmsUrl };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return { kms_url: { value: this.kmsUrl, isBlock: false, type: "simple", storageClassType: "string" } };
  }
}

/** The stack's providers by KMS URL; at synth it places the provider file and its lock entry in the stack's directory. */
class ProviderRegistry extends Construct {
  static of(stack: TerraformStack): ProviderRegistry {
    return (stack.node.tryFindChild(REGISTRY_ID) as ProviderRegistry | undefined) ?? new ProviderRegistry(stack);
  }
  readonly byUrl = new Map<string, HanzoKmsProvider>();
  private constructor(stack: TerraformStack) {
    super(stack, REGISTRY_ID);
    // Cross-type `moved` blocks (the migration from terraform_data below) need Terraform 1.8.
    requireTerraform(stack, { minor: 8, why: "the provider engine: moved blocks across resource types" });
    addCustomSynthesis(this, {
      onSynthesize: (session) => {
        // session.outdir is the app's output directory; Terraform runs in the stack's.
        const stackDir = path.join(session.outdir, session.manifest.forStack(stack).workingDirectory);
        const { hash } = installProvider(path.join(stackDir, "terraform.d", "plugins"));
        writeLockFile(stackDir, hash);
      },
    });
  }
}
const REGISTRY_ID = "cdktf-kms-octopus-provider";

/** Configuration of {@link OctopusDeployConnectionResource}: the provider's attributes. */
export interface OctopusDeployConnectionResourceConfig {
  readonly provider: HanzoKmsProvider;
  readonly name: string;
  readonly description?: string;
  readonly projectId?: string;
  readonly instanceUrl: string;
  /** A Terraform value, sent as the write-only `api_key` (Terraform 1.11+): never in plan or state. */
  readonly apiKey?: string;
  readonly apiKeyEnv?: string;
  readonly removalPolicy: "destroy" | "retain";
  readonly adoptExisting: boolean;
}

/** `hanzokms_octopus_deploy_connection`, written as cdktf's generated provider bindings write resources. */
export class OctopusDeployConnectionResource extends TerraformResource {
  /** Terraform resource type. */
  public static readonly tfResourceType = TYPE_NAMES.connection;

  constructor(
    scope: Construct,
    id: string,
    private readonly config: OctopusDeployConnectionResourceConfig,
  ) {
    super(scope, id, {
      terraformResourceType: TYPE_NAMES.connection,
      terraformGeneratorMetadata: { providerName: PROVIDER_TYPE, providerVersion: PROVIDER_VERSION },
      // The default configuration needs no `provider` argument; an aliased one does.
      provider: config.provider.alias === undefined ? undefined : config.provider,
    });
  }

  /** The connection's KMS id (known after create, kept on update). */
  public get id(): string {
    return this.getStringAttribute("id");
  }
  /** The KMS's `credentialsHash`: changes when the credentials do. */
  public get credentialsHash(): string {
    return this.getStringAttribute("credentials_hash");
  }
  /** One-way fingerprint of the API key in force (never the key). */
  public get apiKeyFingerprint(): string {
    return this.getStringAttribute("api_key_fingerprint");
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    const c = this.config;
    return {
      name: c.name,
      // Literal strings are escaped so Terraform never evaluates `${...}` in them.
      description: c.description === undefined ? undefined : tfLiteral(c.description),
      project_id: c.projectId,
      instance_url: c.instanceUrl,
      api_key: c.apiKey,
      api_key_env: c.apiKeyEnv,
      removal_policy: c.removalPolicy,
      adopt_existing: c.adoptExisting,
    };
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return hclAttributes(this.synthesizeAttributes());
  }
}

/** `cdktf synth --hcl` form of flat attributes (strings, booleans, lists of strings); unset ones are left out. */
export function hclAttributes(attrs: Record<string, unknown>): Record<string, unknown> {
  const storage = (v: unknown) => (typeof v === "boolean" ? "boolean" : Array.isArray(v) ? "list" : "string");
  return Object.fromEntries(
    Object.entries(attrs)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, { value: v, isBlock: false, type: Array.isArray(v) ? "list" : "simple", storageClassType: storage(v) === "list" ? "stringList" : storage(v) }]),
  );
}

/**
 * Keeps a connection deployed with the `terraform_data` engine when its stack moves to the provider:
 * a `moved` block from the old connection resource to the new one (Terraform calls the provider's
 * MoveResourceState, which finds the same connection in the KMS: same id, no delete, no create), and
 * a `removed` block that forgets the old sync resource without running anything. Both are no-ops for
 * a connection that never had the old engine.
 */
export function migrateFromTerraformData(scope: Construct, resource: OctopusDeployConnectionResource, oldSyncId: string): void {
  const stack = TerraformStack.of(scope);
  const logicalId = stack.getLogicalId(resource.node);
  topLevelBlocks(stack, "moved").push({ from: `terraform_data.${logicalId}`, to: `${TYPE_NAMES.connection}.${logicalId}` });
  const oldSync = stack.getLogicalId(new Construct(scope, oldSyncId).node);
  topLevelBlocks(stack, "removed").push({ from: `terraform_data.${oldSync}`, lifecycle: { destroy: false } });
}
