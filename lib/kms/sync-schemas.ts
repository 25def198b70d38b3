/**
 * Zod schemas (zod/mini, like schemas.ts) for what the KMS answers on the Octopus Deploy secret-sync
 * routes (shared/reference/kms-secret-sync.md), and the request bodies the client sends. Unknown
 * fields are kept (`loose`) so a newer KMS still parses; the fields the library relies on are checked.
 */
import * as z from "zod/mini";
import { OCTOPUS_APP } from "./schemas";

/** Upstream's SecretSyncStatus. */
export const SYNC_STATUSES = ["pending", "running", "succeeded", "failed"] as const;
/** A sync job's status. */
export type SyncStatus = (typeof SYNC_STATUSES)[number];

const Status = z.optional(z.nullable(z.enum(SYNC_STATUSES)));
const OptionalText = z.optional(z.nullable(z.string()));
const ScopeList = z.optional(z.array(z.string()));

/** Octopus scope values of the synced variables (ids of environments, roles, ...). */
export const ScopeValuesSchema = z.looseObject({
  environments: ScopeList,
  roles: ScopeList,
  machines: ScopeList,
  processes: ScopeList,
  actions: ScopeList,
  channels: ScopeList,
});
export type ScopeValues = z.infer<typeof ScopeValuesSchema>;

/** Where the sync writes: an Octopus project's variables. */
export const DestinationConfigSchema = z.looseObject({
  spaceId: z.string(),
  scope: z.literal("project"),
  projectId: z.string(),
  scopeValues: z.optional(ScopeValuesSchema),
});

/** A sync as the KMS returns it. */
export const SecretSyncSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  name: z.string(),
  description: OptionalText,
  destination: z.literal(OCTOPUS_APP),
  isAutoSyncEnabled: z.boolean(),
  version: z.optional(z.number()),
  projectId: z.string(),
  folderId: z.optional(z.nullable(z.string())),
  connectionId: z.string(),
  createdAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  syncStatus: Status,
  lastSyncJobId: OptionalText,
  lastSyncMessage: OptionalText,
  lastSyncedAt: OptionalText,
  removeStatus: Status,
  lastRemoveJobId: OptionalText,
  lastRemoveMessage: OptionalText,
  lastRemovedAt: OptionalText,
  syncOptions: z.looseObject({
    initialSyncBehavior: z.optional(z.string()),
    keySchema: z.optional(z.nullable(z.string())),
    disableSecretDeletion: z.optional(z.nullable(z.boolean())),
  }),
  destinationConfig: DestinationConfigSchema,
  connection: z.looseObject({ app: z.string(), name: z.string(), id: z.string() }),
  environment: z.nullable(z.looseObject({ slug: z.string(), name: z.string(), id: z.string() })),
  folder: z.nullable(z.looseObject({ id: z.string(), path: z.string() })),
});
export type SecretSync = z.infer<typeof SecretSyncSchema>;

/** `{ secretSync }`: body of get, get-by-name, create, update, delete and the triggers. */
export const SingleSyncBodySchema = z.object({ secretSync: SecretSyncSchema });
/** `{ secretSyncs }`: body of the list route. */
export const SyncListBodySchema = z.object({ secretSyncs: z.array(SecretSyncSchema) });

/** Sync options (Octopus cannot import secrets: the first sync always overwrites the destination). */
export interface SyncOptionsBody {
  readonly initialSyncBehavior: "overwrite-destination";
  readonly keySchema?: string;
  readonly disableSecretDeletion?: boolean;
}

/** Destination config body. */
export interface DestinationConfigBody {
  readonly spaceId: string;
  readonly scope: "project";
  readonly projectId: string;
  readonly scopeValues?: ScopeValues;
}

/** Create body. */
export interface CreateSyncBody {
  readonly name: string;
  readonly projectId: string;
  readonly description?: string | null;
  readonly connectionId: string;
  readonly environment: string;
  readonly secretPath: string;
  readonly isAutoSyncEnabled?: boolean;
  readonly syncOptions: SyncOptionsBody;
  readonly destinationConfig: DestinationConfigBody;
}

/** PATCH body: absent fields stay; `syncOptions` and `destinationConfig` are whole objects. */
export interface UpdateSyncBody {
  readonly name?: string;
  readonly description?: string | null;
  readonly connectionId?: string;
  readonly environment?: string;
  readonly secretPath?: string;
  readonly isAutoSyncEnabled?: boolean;
  readonly syncOptions?: SyncOptionsBody;
  readonly destinationConfig?: DestinationConfigBody;
}
