/**
 * KMS errors of the secret-sync routes as diagnostics on the attribute they are about, with the
 * KMS's own message: a taken name on `name`, a missing folder on `secret_path`, an unknown connection
 * on `connection_id`, an unknown project on `project_id`, a 422 on the field it names. Everything else
 * is the provider's generic KMS mapping (kms-diagnostics.ts: 401/403 on the provider configuration).
 */
import { KmsApiError } from "../../../kms/errors";
import { DiagnosticError, errorAt } from "../../framework/diagnostics";
import { kmsDiagnostics } from "../../kms-diagnostics";
import { AttributePath, Diagnostic } from "../../protocol/types";

/** Attribute of each KMS body field a 422 may name. */
const FIELD_PATHS: Readonly<Record<string, string>> = {
  name: "name",
  description: "description",
  connectionId: "connection_id",
  projectId: "project_id",
  environment: "environment",
  secretPath: "secret_path",
  isAutoSyncEnabled: "auto_sync_enabled",
  "syncOptions.keySchema": "key_schema",
  "syncOptions.disableSecretDeletion": "disable_secret_deletion",
  "syncOptions.initialSyncBehavior": "initial_sync_behavior",
  "destinationConfig.spaceId": "destination_space_id",
  "destinationConfig.projectId": "destination_project_id",
};

/** The attribute a 422's first issue names ("destinationConfig.scopeValues.roles.0: ..." → scope_roles). */
function validationPath(message: string): AttributePath | undefined {
  const field = /^([A-Za-z0-9.]+):/.exec(message)?.[1];
  if (!field) return undefined;
  const scope = /^destinationConfig\.scopeValues\.([a-z]+)(?:\.(\d+))?/.exec(field);
  if (scope) return scope[2] === undefined ? [`scope_${scope[1]}`] : [`scope_${scope[1]}`, Number(scope[2])];
  const attribute = FIELD_PATHS[field];
  return attribute ? [attribute] : undefined;
}

/** `what` failed (e.g. `Creating secret sync "x"`): the error as diagnostics. */
export function syncDiagnostics(err: unknown, what: string): Diagnostic[] {
  if (err instanceof KmsApiError) {
    const m = err.kmsMessage;
    const at = (path: AttributePath | undefined, summary: string) => [errorAt(path, summary, `${what}: ${err.message}`)];
    if (err.status === 400 && /Secret Sync with the name .* already exists/i.test(m)) return at(["name"], "Secret sync name taken");
    if (err.status === 400 && /find folder/i.test(m)) return at(["secret_path"], "Unknown secret folder");
    if ((err.status === 400 || err.status === 404) && /find environment/i.test(m)) return at(["environment"], "Unknown environment");
    if (err.status === 404 && /find App Connection/i.test(m)) return at(["connection_id"], "Unknown app connection");
    if (err.status === 404 && /find project/i.test(m)) return at(["project_id"], "Unknown project");
    if (err.status === 422) return at(validationPath(m), "The KMS rejected a value");
  }
  return kmsDiagnostics(err, what);
}

/** Runs a KMS call; a failure becomes diagnostics on the right attribute. */
export async function syncCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new DiagnosticError(syncDiagnostics(err, what));
  }
}
