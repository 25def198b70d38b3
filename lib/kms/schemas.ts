/**
 * Zod schemas for what the KMS sends back. Every response body is parsed through these before the
 * library uses it: a KMS (or proxy) that answers something else fails loudly instead of silently.
 *
 * Source: shared/reference/kms-api.md §3 (sanitized connection) and §5 (error body).
 *
 * zod/mini, not classic zod: these schemas are bundled into the hook, and mini keeps zod's share of
 * the bundle at ~22 KB instead of ~450 KB (hook start-up time and memory; see bench/).
 */
import * as z from "zod/mini";

/** The app slug of Octopus Deploy connections in the KMS routes. */
export const OCTOPUS_APP = "octopus-deploy";
/** The only credential method the KMS supports for Octopus Deploy. */
export const OCTOPUS_METHOD = "api-key";

/**
 * A connection as the KMS returns it (never with the API key). Unknown fields are kept (`loose`) so a
 * newer KMS that adds fields still parses; the fields the library relies on are checked.
 */
export const ConnectionSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  name: z.string(),
  description: z.optional(z.nullable(z.string())),
  version: z.optional(z.number()),
  orgId: z.optional(z.string()),
  projectId: z.optional(z.nullable(z.string())),
  createdAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  isPlatformManagedCredentials: z.optional(z.nullable(z.boolean())),
  gatewayId: z.optional(z.nullable(z.string())),
  credentialsHash: z.optional(z.string()),
  app: z.literal(OCTOPUS_APP),
  method: z.literal(OCTOPUS_METHOD),
  credentials: z.looseObject({ instanceUrl: z.string() }),
});
export type Connection = z.infer<typeof ConnectionSchema>;

/** `{ appConnection }`: body of get, get-by-name, create, update and delete. */
export const SingleConnectionBodySchema = z.object({ appConnection: ConnectionSchema });
/** `{ appConnections }`: body of the list route. */
export const ConnectionListBodySchema = z.object({ appConnections: z.array(ConnectionSchema) });

/** Universal Auth login answer (§6). */
export const LoginBodySchema = z.object({
  accessToken: z.string().check(z.minLength(1)),
  expiresIn: z.number().check(z.nonnegative()),
  accessTokenMaxTTL: z.optional(z.number()),
  tokenType: z.optional(z.string()),
});

/**
 * Error body (§5): `{ reqId, statusCode, message, error }`. `message` is a string, or, for 422
 * validation failures, an array of zod issues. Parsed leniently: an error from a proxy may have none
 * of these fields.
 */
export const ErrorBodySchema = z.looseObject({
  reqId: z.optional(z.string()),
  statusCode: z.optional(z.number()),
  message: z.optional(
    z.union([z.string(), z.array(z.looseObject({ message: z.optional(z.string()), path: z.optional(z.array(z.union([z.string(), z.number()]))) }))]),
  ),
  error: z.optional(z.string()),
  details: z.optional(z.unknown()),
});

/** Create body (§2). */
export interface CreateConnectionBody {
  readonly name: string;
  readonly description?: string | null;
  readonly projectId?: string;
  readonly method: typeof OCTOPUS_METHOD;
  readonly credentials: { readonly instanceUrl: string; readonly apiKey: string };
}

/** PATCH body (§2): `credentials` is the whole object or absent. */
export interface UpdateConnectionBody {
  readonly name?: string;
  readonly description?: string | null;
  readonly credentials?: { readonly instanceUrl: string; readonly apiKey: string };
}
