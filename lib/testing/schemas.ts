/**
 * Request schemas of the local KMS, mirroring upstream's zod schemas (kms-api.md §1, §2, §6).
 * `z.object` strips unknown keys, as upstream does: `method`/`projectId` sent to PATCH are ignored.
 */
import { z } from "zod";
import { OCTOPUS_METHOD } from "../kms/schemas";

const NOT_SUPPORTED = "Not supported for Octopus Deploy Connections";

/**
 * `slugSchema({ field: "name" })`, NEWEST variant (max 64, no lower-casing, so uppercase is rejected).
 * Upstream's refine is `slugify(v, { lowercase: true }) === v`, whose net effect is this regex.
 */
const ConnectionNameSchema = z
  .string()
  .trim()
  .min(1, { message: "name field must be at least 1 lowercase character" })
  .max(64, { message: "name field must be at most 64 lowercase characters" })
  .refine((v) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(v), { message: "name field can only contain lowercase letters, numbers, and hyphens" });

const DescriptionSchema = z.string().trim().max(256, "Description cannot exceed 256 characters").nullish();

/** `credentials` of the api-key method: always the whole object (no format check on the key, §8). */
export const OctopusCredentialsSchema = z.object({
  instanceUrl: z.string().trim().url("Invalid Instance URL").min(1, "Instance URL required").max(255),
  apiKey: z.string().trim().min(1, "API key required"),
});
export type OctopusCredentials = z.infer<typeof OctopusCredentialsSchema>;

/** Fields Octopus connections do not support: accepted only when absent or set to their "off" value. */
const UnsupportedFields = {
  isPlatformManagedCredentials: z.literal(false, { error: NOT_SUPPORTED }).optional(),
  gatewayId: z.null({ error: NOT_SUPPORTED }).optional(),
  isAutoRotationEnabled: z.literal(false, { error: NOT_SUPPORTED }).optional(),
  rotation: z.null({ error: NOT_SUPPORTED }).optional(),
};

/** POST body: the credentials union (one method) and the generic create fields. */
export const CreateConnectionBodySchema = z
  .discriminatedUnion("method", [z.object({ method: z.literal(OCTOPUS_METHOD), credentials: OctopusCredentialsSchema })])
  .and(
    z.object({
      name: ConnectionNameSchema,
      description: DescriptionSchema,
      projectId: z.string().optional(),
      ...UnsupportedFields,
    }),
  );
export type CreateConnectionBody = z.infer<typeof CreateConnectionBodySchema>;

/** PATCH body: everything optional; `credentials`, when sent, is the whole object. */
export const UpdateConnectionBodySchema = z.object({
  name: ConnectionNameSchema.optional(),
  description: DescriptionSchema,
  credentials: OctopusCredentialsSchema.optional(),
  ...UnsupportedFields,
});
export type UpdateConnectionBody = z.infer<typeof UpdateConnectionBodySchema>;

/** `:connectionId` of get/update/delete. */
export const ConnectionIdParamsSchema = z.object({ connectionId: z.uuid() });

/** `:connectionName` of get-by-name: no slug check, exact match after trim. */
export const ConnectionNameParamsSchema = z.object({ connectionName: z.string().trim().min(1) });

/** `?projectId` of list and available. */
export const ProjectQuerySchema = z.object({ projectId: z.string().optional() });

/** `?projectId` of get-by-name (trimmed there). */
export const TrimmedProjectQuerySchema = z.object({ projectId: z.string().trim().optional() });

/**
 * Universal Auth login body. Both upstream variants are accepted: Infisical's `subOrganizationName`
 * and Hanzo's `organizationSlug`. The emulator has one organization, so both are validated and ignored.
 */
export const UniversalAuthLoginBodySchema = z.object({
  clientId: z.string().trim(),
  clientSecret: z.string().trim(),
  organizationSlug: z.string().trim().min(1).max(64).optional(),
  subOrganizationName: z.string().optional(),
});
