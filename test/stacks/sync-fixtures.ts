/**
 * Live secret syncs and connections as the KMS returns them (parsed shapes), for the unit tests of
 * `import` and `drift` on syncs.
 */
import { Connection } from "../../lib/kms/schemas";
import { SecretSync } from "../../lib/kms/sync-schemas";

/** The KMS project of the fixtures. */
export const P1 = "11111111-1111-4111-8111-111111111111";
let n = 0;

/** A fresh KMS-like id. */
export function nextId(): string {
  return `00000000-0000-4000-8000-${String(++n).padStart(12, "0")}`;
}

/** A live connection (project P1 unless given). */
export function liveConnection(name: string, extra: Partial<Pick<Connection, "id" | "description" | "projectId">> = {}): Connection {
  return {
    id: extra.id ?? nextId(),
    name,
    description: extra.description ?? null,
    projectId: extra.projectId === undefined ? P1 : extra.projectId,
    app: "octopus-deploy",
    method: "api-key",
    credentials: { instanceUrl: "https://o.octopus.app" },
  };
}

/** What a test may change of a live sync. */
export interface LiveSyncExtra {
  readonly id?: string;
  readonly projectId?: string;
  readonly description?: string | null;
  readonly connectionId?: string;
  readonly environment?: string | null;
  readonly secretPath?: string | null;
  readonly spaceId?: string;
  readonly octopusProjectId?: string;
  readonly scopeValues?: SecretSync["destinationConfig"]["scopeValues"];
  readonly keySchema?: string | null;
  readonly disableSecretDeletion?: boolean | null;
  readonly initialSyncBehavior?: string;
  readonly autoSyncEnabled?: boolean;
  readonly syncStatus?: SecretSync["syncStatus"];
  readonly lastSyncMessage?: string | null;
}

/** A live sync on `connectionId` (prod, "/app", Spaces-1 / Projects-1, auto-sync on, last sync succeeded). */
export function liveSync(name: string, connectionId: string, extra: LiveSyncExtra = {}): SecretSync {
  return {
    id: extra.id ?? nextId(),
    name,
    description: extra.description ?? null,
    destination: "octopus-deploy",
    isAutoSyncEnabled: extra.autoSyncEnabled ?? true,
    projectId: extra.projectId ?? P1,
    connectionId: extra.connectionId ?? connectionId,
    syncStatus: extra.syncStatus === undefined ? "succeeded" : extra.syncStatus,
    lastSyncMessage: extra.lastSyncMessage ?? null,
    lastSyncedAt: "2026-01-01T00:00:00.000Z",
    syncOptions: {
      initialSyncBehavior: extra.initialSyncBehavior ?? "overwrite-destination",
      keySchema: extra.keySchema === undefined ? null : extra.keySchema,
      disableSecretDeletion: extra.disableSecretDeletion === undefined ? false : extra.disableSecretDeletion,
    },
    destinationConfig: { spaceId: extra.spaceId ?? "Spaces-1", scope: "project", projectId: extra.octopusProjectId ?? "Projects-1", ...(extra.scopeValues ? { scopeValues: extra.scopeValues } : {}) },
    connection: { app: "octopus-deploy", name: "c", id: extra.connectionId ?? connectionId },
    environment: extra.environment === null ? null : { slug: extra.environment ?? "prod", name: "Env", id: nextId() },
    folder: extra.secretPath === null ? null : { id: nextId(), path: extra.secretPath ?? "/app" },
  };
}
