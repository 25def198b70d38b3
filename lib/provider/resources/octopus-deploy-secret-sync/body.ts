/**
 * Request bodies from planned values (apply time, everything known): the create body, and the PATCH
 * body of what differs from the prior state. `syncOptions` and `destinationConfig` are whole objects
 * in a PATCH (the KMS replaces them), so a change of one of their attributes sends the whole object.
 */
import { SCOPE_VALUE_KEYS } from "../../../shared/sync-rules";
import type { CreateSyncBody, DestinationConfigBody, ScopeValues, SyncOptionsBody, UpdateSyncBody } from "../../../kms/sync-schemas";
import { knownString, sameValue } from "../../framework/values";
import { ObjectValue, UNKNOWN } from "../../protocol/types";
import { INITIAL_SYNC_BEHAVIORS, SCOPE_ATTRIBUTES } from "./schema";

/** Attributes that make up `syncOptions`. */
const SYNC_OPTION_ATTRIBUTES = ["key_schema", "disable_secret_deletion", "initial_sync_behavior"] as const;
/** Attributes that make up `destinationConfig`. */
const DESTINATION_ATTRIBUTES = ["destination_space_id", "destination_project_id", ...SCOPE_VALUE_KEYS.map((k) => SCOPE_ATTRIBUTES[k])] as const;

/** A list(string) attribute that must be known here: its strings, or undefined when null. */
export function knownList(obj: ObjectValue, name: string): string[] | undefined {
  const value = obj[name];
  if (value === null || value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    if (value === UNKNOWN || (Array.isArray(value) && value.includes(UNKNOWN))) throw new Error(`${name} is still unknown at apply time`);
    throw new Error(`${name} must be a list of strings`);
  }
  return [...(value as string[])];
}

function syncOptions(planned: ObjectValue): SyncOptionsBody {
  const keySchema = knownString(planned, "key_schema");
  return {
    initialSyncBehavior: (knownString(planned, "initial_sync_behavior") ?? INITIAL_SYNC_BEHAVIORS[0]) as SyncOptionsBody["initialSyncBehavior"],
    ...(keySchema !== undefined ? { keySchema } : {}),
    disableSecretDeletion: planned.disable_secret_deletion === true,
  };
}

function destinationConfig(planned: ObjectValue): DestinationConfigBody {
  const scope: Record<string, string[]> = {};
  for (const key of SCOPE_VALUE_KEYS) {
    const list = knownList(planned, SCOPE_ATTRIBUTES[key]);
    if (list !== undefined) scope[key] = list;
  }
  return {
    spaceId: knownString(planned, "destination_space_id")!,
    scope: "project",
    projectId: knownString(planned, "destination_project_id")!,
    ...(Object.keys(scope).length ? { scopeValues: scope as ScopeValues } : {}),
  };
}

/** The POST body. */
export function createBody(planned: ObjectValue): CreateSyncBody {
  const description = knownString(planned, "description");
  return {
    name: knownString(planned, "name")!,
    projectId: knownString(planned, "project_id")!,
    ...(description !== undefined ? { description } : {}),
    connectionId: knownString(planned, "connection_id")!,
    environment: knownString(planned, "environment")!,
    secretPath: knownString(planned, "secret_path")!,
    isAutoSyncEnabled: planned.auto_sync_enabled !== false,
    syncOptions: syncOptions(planned),
    destinationConfig: destinationConfig(planned),
  };
}

/** The PATCH body: only what differs between `prior` and `planned` (empty: nothing to send). */
export function patchBody(prior: ObjectValue, planned: ObjectValue): UpdateSyncBody {
  const changed = (name: string) => !sameValue(planned[name], prior[name]);
  const patch: { -readonly [K in keyof UpdateSyncBody]: UpdateSyncBody[K] } = {};
  if (changed("name")) patch.name = knownString(planned, "name")!;
  if (changed("description")) patch.description = knownString(planned, "description") ?? null;
  if (changed("connection_id")) patch.connectionId = knownString(planned, "connection_id")!;
  if (changed("environment")) patch.environment = knownString(planned, "environment")!;
  if (changed("secret_path")) patch.secretPath = knownString(planned, "secret_path")!;
  if (changed("auto_sync_enabled")) patch.isAutoSyncEnabled = planned.auto_sync_enabled !== false;
  if (SYNC_OPTION_ATTRIBUTES.some(changed)) patch.syncOptions = syncOptions(planned);
  if (DESTINATION_ATTRIBUTES.some(changed)) patch.destinationConfig = destinationConfig(planned);
  return patch;
}
