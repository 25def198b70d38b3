/**
 * The local KMS's secret-manager data as stored in its state file: each project's environments, the
 * folders of each environment, the secrets (values AES-256-GCM encrypted, never in clear) and the
 * Octopus Deploy secret syncs. One block of the state file (`secretManager`), absent in state files
 * written before secrets existed, which then load with none.
 */
import { z } from "zod";

const IsoTime = z.iso.datetime();

const EnvironmentSchema = z.object({ id: z.uuid(), projectId: z.uuid(), slug: z.string(), name: z.string(), position: z.number().int() });

const FolderSchema = z.object({ id: z.uuid(), envId: z.uuid(), path: z.string() });

const SecretSchema = z.object({
  id: z.uuid(),
  folderId: z.uuid(),
  key: z.string(),
  encryptedValue: z.base64(),
  comment: z.string(),
  version: z.number().int().positive(),
  skipMultilineEncoding: z.boolean(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});

const Status = z.enum(["pending", "running", "succeeded", "failed"]).nullable();

const ScopeValuesSchema = z.object({
  environments: z.array(z.string()).optional(),
  roles: z.array(z.string()).optional(),
  machines: z.array(z.string()).optional(),
  processes: z.array(z.string()).optional(),
  actions: z.array(z.string()).optional(),
  channels: z.array(z.string()).optional(),
});

const SyncSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  projectId: z.uuid(),
  folderId: z.uuid(),
  connectionId: z.uuid(),
  isAutoSyncEnabled: z.boolean(),
  version: z.number().int().positive(),
  destinationConfig: z.object({ spaceId: z.string(), scope: z.literal("project"), projectId: z.string(), scopeValues: ScopeValuesSchema.optional() }),
  syncOptions: z.object({
    initialSyncBehavior: z.literal("overwrite-destination"),
    keySchema: z.string().optional(),
    disableSecretDeletion: z.boolean().optional(),
  }),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  syncStatus: Status,
  lastSyncJobId: z.string().nullable(),
  lastSyncMessage: z.string().nullable(),
  lastSyncedAt: IsoTime.nullable(),
  removeStatus: Status,
  lastRemoveJobId: z.string().nullable(),
  lastRemoveMessage: z.string().nullable(),
  lastRemovedAt: IsoTime.nullable(),
});

/** The `secretManager` block of the state file. */
export const SecretManagerStateSchema = z.object({
  environments: z.array(EnvironmentSchema),
  folders: z.array(FolderSchema),
  secrets: z.array(SecretSchema),
  syncs: z.array(SyncSchema),
});

/** A project environment (`slug` is what the API takes). */
export type PersistedEnvironment = Readonly<z.infer<typeof EnvironmentSchema>>;
/** A folder; every environment has the root folder "/". */
export type PersistedFolder = Readonly<z.infer<typeof FolderSchema>>;
/** A shared secret. */
export type PersistedSecret = Readonly<z.infer<typeof SecretSchema>>;
/** An Octopus Deploy secret sync row. */
export type PersistedSync = Readonly<z.infer<typeof SyncSchema>>;
/** A sync's status (upstream's SecretSyncStatus), or null before its first job. */
export type SyncStatus = NonNullable<PersistedSync["syncStatus"]>;
/** The whole block. */
export type SecretManagerState = Readonly<z.infer<typeof SecretManagerStateSchema>>;

/** The block of a state without secrets. */
export const EMPTY_SECRET_MANAGER: SecretManagerState = { environments: [], folders: [], secrets: [], syncs: [] };
