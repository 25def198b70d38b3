/**
 * KMS errors as diagnostics on the attribute they are about, with the KMS's own message (the
 * client's messages never hold a secret): a refused Octopus key on the key attribute, a taken name
 * on `name`, an unknown project on `project_id`, 401/403 on the provider configuration.
 */
import { KmsApiError, KmsResponseError, KmsUnavailableError } from "../kms/errors";
import { DiagnosticError, PROVIDER_CONFIG_SUMMARY, errorAt } from "./framework/diagnostics";
import { AttributePath, Diagnostic } from "./protocol/types";

/** Which attribute holds what, for the resource or data source at hand. */
export interface ErrorPaths {
  /** Where a refused API key points: api_key or api_key_env. */
  readonly key?: AttributePath;
}

/** `what` failed (e.g. "Creating connection \"x\""): the error as diagnostics. */
export function kmsDiagnostics(err: unknown, what: string, paths: ErrorPaths = {}): Diagnostic[] {
  if (err instanceof DiagnosticError) return [...err.diagnostics];
  if (err instanceof KmsApiError) {
    if (err.status === 401 || err.status === 403) return [errorAt(undefined, PROVIDER_CONFIG_SUMMARY, `${what}: ${err.message}`)];
    if (err.status === 400 && /validate Octopus Deploy credentials|Invalid credential format/i.test(err.kmsMessage)) {
      return [errorAt(paths.key, "Octopus Deploy refused the API key", `${what}: ${err.message}`)];
    }
    if (err.isNameConflict) return [errorAt(["name"], "Connection name taken", `${what}: ${err.message}`)];
    if (err.status === 400 && /find project/i.test(err.kmsMessage)) return [errorAt(["project_id"], "Unknown project", `${what}: ${err.message}`)];
    if (err.status === 422) return [errorAt(validationPath(err.kmsMessage, paths), "The KMS rejected a value", `${what}: ${err.message}`)];
    return [errorAt(undefined, "KMS request failed", `${what}: ${err.message}`)];
  }
  if (err instanceof KmsUnavailableError || err instanceof KmsResponseError) return [errorAt(undefined, "KMS request failed", `${what}: ${err.message}`)];
  return [errorAt(undefined, "Provider error", `${what}: ${err instanceof Error ? err.message : String(err)}`)];
}

/** The attribute of a 422's first issue ("credentials.instanceUrl: Invalid Instance URL" → instance_url). */
function validationPath(message: string, paths: ErrorPaths): AttributePath | undefined {
  const field = /^([A-Za-z.]+):/.exec(message)?.[1];
  switch (field) {
    case "name":
      return ["name"];
    case "description":
      return ["description"];
    case "credentials.instanceUrl":
      return ["instance_url"];
    case "credentials.apiKey":
      return paths.key;
    default:
      return undefined;
  }
}
