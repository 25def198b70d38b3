/**
 * A connection this stack does not manage, looked up by name (and project) at plan time through the
 * provider's `hanzokms_octopus_deploy_connection` data source, so its id can be referenced (a secret
 * sync, an output) without adopting it.
 */
import { TerraformDataSource, Token } from "../cdk";
import { Construct } from "constructs";
import { DEFAULT_KMS_URL } from "./props";
import { HanzoKmsProvider } from "./provider-engine";
import { PROVIDER_TYPE, PROVIDER_VERSION, TYPE_NAMES } from "../provider/address";
import * as rules from "../shared/rules";

/** Props of {@link OctopusDeployConnectionLookup}. */
export interface OctopusDeployConnectionLookupProps {
  /** The connection's name in the KMS. */
  readonly name: string;
  /** KMS project id of a project-level connection. @default - an organization-level connection */
  readonly projectId?: string;
  /** Base URL of the KMS. @default "https://app.kms.hanzo.ai" */
  readonly kmsUrl?: string;
}

/** Reads an existing Octopus Deploy connection (data source); fails the plan if there is none. */
export class OctopusDeployConnectionLookup extends TerraformDataSource {
  /** Terraform data source type. */
  public static readonly tfResourceType = TYPE_NAMES.connection;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: OctopusDeployConnectionLookupProps,
  ) {
    const kmsUrl = props.kmsUrl ?? DEFAULT_KMS_URL;
    const problems = [
      ["name", rules.connectionName(props.name, rules.NAME_MAX_CURRENT)],
      ["projectId", props.projectId === undefined || Token.isUnresolved(props.projectId) ? undefined : rules.projectId(props.projectId)],
      ["kmsUrl", rules.serviceUrl(kmsUrl)],
    ].filter((p): p is [string, string] => p[1] !== undefined);
    if (problems.length) {
      throw new Error(`OctopusDeployConnectionLookup "${id}" has invalid props:\n${problems.map(([f, r]) => `  - ${f}: ${r}`).join("\n")}`);
    }
    const provider = HanzoKmsProvider.forKms(scope, kmsUrl);
    super(scope, id, {
      terraformResourceType: TYPE_NAMES.connection,
      terraformGeneratorMetadata: { providerName: PROVIDER_TYPE, providerVersion: PROVIDER_VERSION },
      provider: provider.alias === undefined ? undefined : provider,
    });
  }

  /** The connection's KMS id. */
  public get connectionId(): string {
    return this.getStringAttribute("id");
  }
  /** Its Octopus instance URL. */
  public get instanceUrl(): string {
    return this.getStringAttribute("instance_url");
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return { name: this.props.name, project_id: this.props.projectId };
  }
}
