/**
 * Request schemas of the local KMS's secrets (v4) and Octopus Deploy secret-sync routes, mirroring
 * upstream's zod schemas (server/routes/v4/secret-router.ts, secret-sync-schemas.ts,
 * octopus-deploy-sync-schemas.ts, secret-sync-endpoints.ts). Unknown keys are stripped, as upstream.
 */
import { z } from "zod";

/** Upstream's removeTrailingSlash: "/" stays, "/a/" becomes "/a". */
export function removeTrailingSlash(path: string): string {
  return path !== "/" && path.endsWith("/") ? path.slice(0, -1) : path;
}

/** `slugSchema({ field, max })`, newest variant (no lower-casing). */
function slug(field: string, max: number) {
  return z
    .string()
    .trim()
    .min(1, { message: `${field} field must be at least 1 lowercase character` })
    .max(max, { message: `${field} field must be at most ${max} lowercase characters` })
    .refine((v) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(v), { message: `${field} field can only contain lowercase letters, numbers, and hyphens` });
}

/** Secret values: trimmed, but a trailing newline is kept (upstream's transform). */
const SecretValueSchema = z.string().transform((v) => (v.at(-1) === "\n" ? `${v.trim()}\n` : v.trim()));
const SecretPathSchema = z.string().trim().default("/").transform(removeTrailingSlash);
/** Only shared secrets exist here: personal secrets need a user session. */
const SecretTypeSchema = z.enum(["shared", "personal"]).default("shared");

/** `:secretName` of create and rename targets (SecretNameSchema). Ambiguity: the refinements are as read in one version. */
export const SecretNameSchema = z
  .string()
  .trim()
  .min(1)
  .refine((v) => !v.includes(":"), "Secret name cannot contain colon.")
  .refine((v) => !v.includes("/"), "Secret name cannot contain forward slash.");

/** `:secretName` of get, update and delete (BaseSecretNameSchema). */
export const SecretNameParamsSchema = z.object({ secretName: z.string().trim().min(1) });

/** GET `/api/v4/secrets` query. */
export const ListSecretsQuerySchema = z.object({
  projectId: z.string().trim().optional(),
  environment: z.string().trim().optional(),
  secretPath: SecretPathSchema,
  viewSecretValue: z.enum(["true", "false"]).default("true").transform((v) => v === "true"),
});

/** GET `/api/v4/secrets/:secretName` query. */
export const GetSecretQuerySchema = ListSecretsQuerySchema.extend({ projectId: z.string().trim(), type: SecretTypeSchema });

/** POST body. */
export const CreateSecretBodySchema = z.object({
  projectId: z.string().trim(),
  environment: z.string().trim(),
  secretPath: SecretPathSchema,
  secretValue: SecretValueSchema,
  secretComment: z.string().trim().optional().default(""),
  skipMultilineEncoding: z.boolean().nullish(),
  type: SecretTypeSchema,
});
export type CreateSecretBody = z.infer<typeof CreateSecretBodySchema>;

/** PATCH body. */
export const UpdateSecretBodySchema = z.object({
  projectId: z.string().trim(),
  environment: z.string().trim(),
  secretPath: SecretPathSchema,
  secretValue: SecretValueSchema.optional(),
  secretComment: z.string().optional(),
  skipMultilineEncoding: z.boolean().optional(),
  newSecretName: SecretNameSchema.optional(),
  type: SecretTypeSchema,
});
export type UpdateSecretBody = z.infer<typeof UpdateSecretBodySchema>;

/** DELETE body. */
export const DeleteSecretBodySchema = z.object({ projectId: z.string().trim(), environment: z.string().trim(), secretPath: SecretPathSchema, type: SecretTypeSchema });
export type DeleteSecretBody = z.infer<typeof DeleteSecretBodySchema>;

const KEY_SCHEMA_MESSAGE =
  "Key schema must include exactly one {{secretKey}} placeholder. It can also include {{environment}} placeholders. Only alphanumeric characters (a-z, A-Z, 0-9), dashes (-), underscores (_), and slashes (/) are allowed besides the placeholders.";

/** `syncOptions.keySchema` (KeySchemaSchema). */
const KeySchemaSchema = z
  .string()
  .trim()
  .max(255)
  .optional()
  .refine((v) => !v || (/^([a-zA-Z0-9_\-/]|\{\{secretKey\}\}|\{\{environment\}\})*$/.test(v) && v.includes("{{secretKey}}")), { message: KEY_SCHEMA_MESSAGE });

/** Octopus cannot import secrets, so the first sync always overwrites the destination. */
const SyncOptionsSchema = z.object({
  initialSyncBehavior: z.literal("overwrite-destination"),
  keySchema: KeySchemaSchema,
  disableSecretDeletion: z.boolean().optional(),
});

const ScopeList = z.array(z.string()).optional();

/** Octopus destination config: scope "project" (the only one), its space and project, optional scope values. */
const DestinationConfigSchema = z.object({
  spaceId: z.string().min(1, "Space ID required"),
  scope: z.literal("project"),
  projectId: z.string().min(1, "Project ID required"),
  scopeValues: z
    .object({ environments: ScopeList, roles: ScopeList, machines: ScopeList, processes: ScopeList, actions: ScopeList, channels: ScopeList })
    .optional(),
});
export type SyncDestinationConfig = z.infer<typeof DestinationConfigSchema>;

const DescriptionSchema = z.string().trim().max(256, "Description cannot exceed 256 characters").nullish();

/** POST body of a sync. */
export const CreateSyncBodySchema = z.object({
  name: slug("name", 256),
  projectId: z.string().trim().min(1, "Project ID required"),
  description: DescriptionSchema,
  connectionId: z.uuid(),
  environment: slug("environment", 64),
  secretPath: z.string().trim().min(1, "Secret path required").transform(removeTrailingSlash),
  isAutoSyncEnabled: z.boolean().default(true),
  syncOptions: SyncOptionsSchema,
  destinationConfig: DestinationConfigSchema,
});
export type CreateSyncBody = z.infer<typeof CreateSyncBodySchema>;

/** PATCH body of a sync: every field optional; `syncOptions` and `destinationConfig` are whole objects. */
export const UpdateSyncBodySchema = z.object({
  name: slug("name", 256).optional(),
  connectionId: z.uuid().optional(),
  description: DescriptionSchema,
  environment: slug("environment", 64).optional(),
  secretPath: z.string().trim().min(1, "Invalid secret path").transform(removeTrailingSlash).optional(),
  isAutoSyncEnabled: z.boolean().optional(),
  syncOptions: SyncOptionsSchema.optional(),
  destinationConfig: DestinationConfigSchema.optional(),
});
export type UpdateSyncBody = z.infer<typeof UpdateSyncBodySchema>;

/** `:syncId`. */
export const SyncIdParamsSchema = z.object({ syncId: z.uuid() });
/** `:syncName` of get-by-name. */
export const SyncNameParamsSchema = z.object({ syncName: z.string().trim().min(1, "Sync name required") });
/** `?projectId` of list and get-by-name (required). */
export const SyncProjectQuerySchema = z.object({ projectId: z.string().trim().min(1, "Project ID required") });
/** `?removeSecrets` of delete. */
export const DeleteSyncQuerySchema = z.object({ removeSecrets: z.enum(["true", "false"]).default("false").transform((v) => v === "true") });
