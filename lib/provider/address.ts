/**
 * Where Terraform finds this package's provider. The hostname ends in `.invalid`, a name reserved by
 * RFC 2606 that never resolves: if the local copy is missing, `terraform init` fails instead of
 * fetching a provider of the same address from someone else's registry.
 */
import { VERSION } from "../version";

/** Registry hostname of the provider address (never resolvable). */
export const PROVIDER_HOSTNAME = "cdktf-kms-octopus.invalid";
/** Namespace of the provider address. */
export const PROVIDER_NAMESPACE = "hanzo";
/** Provider type: resource types start with `hanzokms_`. */
export const PROVIDER_TYPE = "hanzokms";
/** `required_providers` source. */
export const PROVIDER_SOURCE = `${PROVIDER_HOSTNAME}/${PROVIDER_NAMESPACE}/${PROVIDER_TYPE}`;
/** The provider's version is the package's: a new build is a new version. */
export const PROVIDER_VERSION = VERSION;
/** File name Terraform expects in the plugin directory. */
export const PROVIDER_FILE = `terraform-provider-${PROVIDER_TYPE}_v${PROVIDER_VERSION}`;

/** Resource and data source type names. */
export const TYPE_NAMES = {
  connection: `${PROVIDER_TYPE}_octopus_deploy_connection`,
  secretSync: `${PROVIDER_TYPE}_octopus_deploy_secret_sync`,
} as const;
