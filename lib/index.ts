/** cdktf-kms-octopus: Hanzo KMS app connections to Octopus Deploy as CDKTF constructs. */
export { OctopusDeployConnection, OctopusDeployConnectionProps, CONNECTION_MARKER } from "./construct/octopus-deploy-connection";
export { OctopusDeployConnectionPropsError, DEFAULT_KMS_URL, Engine, ENGINES } from "./construct/props";
export { HanzoKmsProvider, OctopusDeployConnectionResource } from "./construct/provider-engine";
export { OctopusDeployConnectionLookup, OctopusDeployConnectionLookupProps } from "./construct/connection-lookup";
export { PROVIDER_SOURCE, PROVIDER_VERSION } from "./provider/address";
export { KmsClient, KmsClientOptions, RequestEvent } from "./kms/client";
export { KmsAuth, kmsAuthFromEnv, KMS_ENV } from "./kms/credentials";
export { ConfigError, KmsApiError, KmsUnavailableError, KmsResponseError } from "./kms/errors";
export { Connection } from "./kms/schemas";
export { Transport, OutboundRequest, OutboundResponse, httpTransport } from "./kms/outbound";
export { RetryPolicy, DEFAULT_RETRY_POLICY } from "./kms/retry";
export { TokenCache, CachedToken, MemoryTokenCache } from "./kms/token-cache";
export { readConnection, ReadConnectionOptions } from "./read";
export { RemovedConnectionOptions } from "./construct/removed";
export { describePlan, renderPlanExplanation, PlanExplanation, PlannedConnection } from "./stacks/plan";
export { detectDrift, DriftReport, DriftEntry } from "./stacks/drift";
export { generateImportCode, ImportResult } from "./stacks/import-code";
