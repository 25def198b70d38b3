/**
 * A secret sync as the KMS returns it, turned into this resource's state: the KMS's values for
 * everything it holds, `remove_secrets_on_destroy` (which only this provider knows) from the caller.
 * Values the KMS leaves out are mapped to what the schema's defaults plan, so an untouched sync never
 * shows a diff (no key schema: null; no disableSecretDeletion: false).
 */
import { SCOPE_VALUE_KEYS } from "../../../shared/sync-rules";
import type { SecretSync } from "../../../kms/sync-schemas";
import { objectOf } from "../../framework/attributes";
import { ObjectValue, Value } from "../../protocol/types";
import { INITIAL_SYNC_BEHAVIORS, SCOPE_ATTRIBUTES, SYNC_ATTRIBUTES } from "./schema";

/** The KMS's fields of a sync, as attributes. */
export function kmsFields(s: SecretSync): Record<string, Value> {
  const scope = s.destinationConfig.scopeValues;
  return {
    id: s.id,
    name: s.name,
    description: s.description ?? null,
    connection_id: s.connectionId,
    project_id: s.projectId,
    environment: s.environment?.slug ?? null,
    secret_path: s.folder?.path ?? null,
    destination_space_id: s.destinationConfig.spaceId,
    destination_project_id: s.destinationConfig.projectId,
    ...Object.fromEntries(SCOPE_VALUE_KEYS.map((k) => [SCOPE_ATTRIBUTES[k], scope?.[k] ?? null])),
    key_schema: s.syncOptions.keySchema || null,
    disable_secret_deletion: s.syncOptions.disableSecretDeletion ?? false,
    initial_sync_behavior: s.syncOptions.initialSyncBehavior ?? INITIAL_SYNC_BEHAVIORS[0],
    auto_sync_enabled: s.isAutoSyncEnabled,
    ...statusFields(s),
  };
}

/** The last sync job's status, time and message. */
export function statusFields(s: SecretSync): Record<string, Value> {
  return { sync_status: s.syncStatus ?? null, last_synced_at: s.lastSyncedAt ?? null, last_sync_message: s.lastSyncMessage ?? null };
}

/** A full state from a sync (import: remove_secrets_on_destroy at its default, false). */
export function stateFromSync(s: SecretSync, removeSecretsOnDestroy: Value = false): ObjectValue {
  return objectOf(SYNC_ATTRIBUTES, { ...kmsFields(s), remove_secrets_on_destroy: removeSecretsOnDestroy });
}
