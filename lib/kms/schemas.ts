/**
 * Zod schemas for what the KMS sends back. Every response body is parsed through these before the
 * library uses it: a KMS (or proxy) that answers something else fails loudly instead of silently.
 *
 * Source: shared/reference/kms-api.md §3 (sanitized connection) and §5 (error body).
 */
import { z } from "zod";

/** The app slug of Octopus Deploy connections in the KMS routes. */
export const OCTOPUS_APP = "octopus-deploy";
/** The only credential method the KMS supports for Octopus Deploy. */
export const OCTOPUS_METHOD = "api-key";

/**
 * A connection as the KMS returns it (never with the API key). Unknown fields are kept (`loose`) so a
 * newer KMS that adds fields still parses; the fields the library relies on are checked.
 */
export const ConnectionSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  description: z.string().nullable().optional(),
  version: z.number().int().optional(),
  orgId: z.string().optional(),
  projectId: z.string().nullable().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  isPlatformManagedCredentials: z.boolean().nullable().optional(),
  gatewayId: z.string().nullable().optional(),
  credentialsHash: z.string().optional(),
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
  accessToken: z.string().min(1),
  expiresIn: z.number().nonnegative(),
  accessTokenMaxTTL: z.number().optional(),
  tokenType: z.string().optional(),
});
export type LoginBody = z.infer<typeof LoginBodySchema>;

/**
 * Error body (§5): `{ reqId, statusCode, message, error }`. `message` is a string, or, for 422
 * validation failures, an array of zod issues. Parsed leniently: an error from a proxy may have none
 * of these fields.
 */
export const ErrorBodySchema = z.looseObject({
  reqId: z.string().optional(),
  statusCode: z.number().optional(),
  message: z.union([z.string(), z.array(z.looseObject({ message: z.string().optional(), path: z.array(z.union([z.string(), z.number()])).optional() }))]).optional(),
  error: z.string().optional(),
  details: z.unknown().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

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
