/**
 * The local KMS's routes (kms-api.md §1, §6): paths, which limit and which credentials each takes,
 * and the handlers, which validate their input (422) before calling the connection service.
 */
import type { z } from "zod";
import { OCTOPUS_APP, OCTOPUS_METHOD } from "../kms/schemas";
import type { TokenAuthority } from "./auth";
import type { ConnectionService } from "./connections";
import { validationFailure } from "./errors";
import type { RateClass } from "./rate-limit";
import type { QueryValues } from "./request-log";
import {
  ConnectionIdParamsSchema,
  ConnectionNameParamsSchema,
  CreateConnectionBodySchema,
  ProjectQuerySchema,
  TrimmedProjectQuerySchema,
  UniversalAuthLoginBodySchema,
  UpdateConnectionBodySchema,
} from "./schemas";
import type { PersistedIdentity } from "./store";

/** What a handler gets from the request. */
export interface RouteRequest {
  /** Path parameters, URL-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters. */
  readonly query: QueryValues;
  /** Parsed JSON body, or undefined. */
  readonly body: unknown;
}

interface RouteBase {
  /** HTTP method. */
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path pattern; `:name` segments are parameters. */
  readonly path: string;
  /** Which rate limit counts the route. */
  readonly rateClass: RateClass;
}

/**
 * A route, by the credentials it takes: none ("public"), a machine-identity token ("identity"), or a
 * user session JWT ("user-session"). The local KMS mints no user sessions, so user-session routes have
 * no handler: every token it issues gets upstream's 403 on them.
 */
export type Route =
  | (RouteBase & { readonly access: "public"; handle(request: RouteRequest): unknown })
  | (RouteBase & { readonly access: "identity"; handle(request: RouteRequest, actor: PersistedIdentity): unknown })
  | (RouteBase & { readonly access: "user-session" });

/** A route and the parameters its path matched. */
export interface RouteMatch {
  /** The route. */
  readonly route: Route;
  /** Path parameters. */
  readonly params: Readonly<Record<string, string>>;
}

const CONNECTIONS = "/api/v1/app-connections/octopus-deploy";

/** Every route; where patterns overlap, the static one comes first and wins. */
export function kmsRoutes(connections: ConnectionService, auth: TokenAuthority): readonly Route[] {
  const list = (request: RouteRequest, actor: PersistedIdentity) => {
    const { projectId } = parse(ProjectQuerySchema, request.query);
    return { appConnections: connections.list(actor, projectId) };
  };
  return [
    {
      method: "POST",
      path: "/api/v1/auth/universal-auth/login",
      rateClass: "write",
      access: "public",
      handle: (request) => {
        const body = parse(UniversalAuthLoginBodySchema, request.body);
        return auth.login(body.clientId, body.clientSecret);
      },
    },
    {
      method: "GET",
      path: "/api/v1/app-connections/options",
      rateClass: "read",
      access: "identity",
      handle: () => ({ appConnectionOptions: [{ name: "Octopus Deploy", app: OCTOPUS_APP, methods: [OCTOPUS_METHOD] }] }),
    },
    // The org-wide list of every app's connections: Octopus Deploy is the only app here.
    { method: "GET", path: "/api/v1/app-connections", rateClass: "read", access: "identity", handle: list },
    { method: "GET", path: CONNECTIONS, rateClass: "read", access: "identity", handle: list },
    {
      method: "GET",
      path: `${CONNECTIONS}/available`,
      rateClass: "read",
      access: "identity",
      handle: (request, actor) => {
        const { projectId } = parse(ProjectQuerySchema, request.query);
        return { appConnections: connections.listAvailable(actor, projectId) };
      },
    },
    {
      method: "GET",
      path: `${CONNECTIONS}/connection-name/:connectionName`,
      rateClass: "read",
      access: "identity",
      handle: (request, actor) => {
        const { connectionName } = parse(ConnectionNameParamsSchema, request.params);
        const { projectId } = parse(TrimmedProjectQuerySchema, request.query);
        return { appConnection: connections.getByName(actor, connectionName, projectId) };
      },
    },
    { method: "GET", path: `${CONNECTIONS}/:connectionId/spaces`, rateClass: "read", access: "user-session" },
    { method: "GET", path: `${CONNECTIONS}/:connectionId/projects`, rateClass: "read", access: "user-session" },
    { method: "GET", path: `${CONNECTIONS}/:connectionId/scope-values`, rateClass: "read", access: "user-session" },
    {
      method: "GET",
      path: `${CONNECTIONS}/:connectionId`,
      rateClass: "read",
      access: "identity",
      handle: (request, actor) => {
        const { connectionId } = parse(ConnectionIdParamsSchema, request.params);
        return { appConnection: connections.get(actor, connectionId) };
      },
    },
    {
      method: "POST",
      path: CONNECTIONS,
      rateClass: "write",
      access: "identity",
      handle: async (request, actor) => {
        const body = parse(CreateConnectionBodySchema, request.body);
        return { appConnection: await connections.create(actor, body) };
      },
    },
    {
      method: "PATCH",
      path: `${CONNECTIONS}/:connectionId`,
      rateClass: "write",
      access: "identity",
      handle: async (request, actor) => {
        // Fastify validates params before the body.
        const { connectionId } = parse(ConnectionIdParamsSchema, request.params);
        const body = parse(UpdateConnectionBodySchema, request.body);
        return { appConnection: await connections.update(actor, connectionId, body) };
      },
    },
    {
      method: "DELETE",
      path: `${CONNECTIONS}/:connectionId`,
      rateClass: "write",
      access: "identity",
      handle: (request, actor) => {
        const { connectionId } = parse(ConnectionIdParamsSchema, request.params);
        return { appConnection: connections.delete(actor, connectionId) };
      },
    },
  ];
}

/** The first route matching method and path (one trailing slash ignored). */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch | undefined {
  const segments = splitPath(path);
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchSegments(splitPath(route.path), segments);
    if (params) return { route, params };
  }
  return undefined;
}

/** Path segments, ignoring one trailing slash: "/a/b/" and "/a/b" match alike. */
function splitPath(path: string): string[] {
  return (path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path).split("/");
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const segment = actual[index] as string;
    if (expected.startsWith(":")) params[expected.slice(1)] = safeDecode(segment);
    else if (expected !== segment) return undefined;
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Parses with a request schema; a failure is upstream's 422 with the zod issues. */
export function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailure(result.error.issues);
  return result.data;
}
