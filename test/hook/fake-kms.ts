/**
 * A small stateful fake of the KMS app-connection API (kms-api.md §1-§6), as a Transport for runHook
 * and KmsClient, plus a fake ConnectionApi for the operations. Both count what they are asked.
 */
import { randomUUID } from "node:crypto";
import { ConnectionApi } from "../../lib/hook/operations";
import { KmsApiError } from "../../lib/kms/errors";
import { OutboundRequest, OutboundResponse, Transport } from "../../lib/kms/outbound";
import { Connection, CreateConnectionBody, UpdateConnectionBody } from "../../lib/kms/schemas";

/** A stored connection, with the secret the KMS keeps (never returned). */
interface Stored {
  conn: Connection;
  apiKey: string;
}

function sanitized(id: string, name: string, description: string | null | undefined, projectId: string | null, instanceUrl: string): Connection {
  return {
    id,
    name,
    description: description ?? null,
    version: 1,
    orgId: "0a0a0a0a-0000-4000-8000-000000000000",
    projectId,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    isPlatformManagedCredentials: false,
    gatewayId: null,
    credentialsHash: randomUUID().replace(/-/g, ""),
    app: "octopus-deploy",
    method: "api-key",
    credentials: { instanceUrl },
  };
}

/** An in-memory KMS reachable through `transport`. */
export class FakeKms {
  readonly store = new Map<string, Stored>();
  readonly requests: OutboundRequest[] = [];
  /** Valid bearer tokens. */
  readonly tokens = new Set<string>(["static-kms-token"]);
  /** Universal Auth identities: clientId → clientSecret. */
  readonly identities = new Map<string, string>();
  logins = 0;
  /** Answer the next requests with these, before routing (for faults). */
  readonly faults: ((req: OutboundRequest) => { status: number; body: unknown; headers?: Record<string, string> } | undefined)[] = [];

  add(name: string, opts: { projectId?: string | null; description?: string | null; instanceUrl?: string; apiKey?: string } = {}): Connection {
    const conn = sanitized(randomUUID(), name, opts.description ?? null, opts.projectId ?? null, opts.instanceUrl ?? "https://your-instance.octopus.app");
    this.store.set(conn.id, { conn, apiKey: opts.apiKey ?? "API-EXISTING" });
    return conn;
  }

  byName(name: string, projectId: string | null = null): Stored | undefined {
    return [...this.store.values()].find((s) => s.conn.name === name && (s.conn.projectId ?? null) === projectId);
  }

  /** Requests other than logins, as "METHOD path". */
  get calls(): string[] {
    return this.requests.map((r) => `${r.method} ${new URL(r.url).pathname}${new URL(r.url).search}`);
  }

  readonly transport: Transport = async (req) => {
    this.requests.push(req);
    for (;;) {
      const fault = this.faults.shift();
      if (!fault) break;
      const answer = fault(req);
      if (answer) return respond(answer.status, answer.body, answer.headers);
    }
    return this.route(req);
  };

  private route(req: OutboundRequest): OutboundResponse {
    const url = new URL(req.url);
    const p = url.pathname;
    const body = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    if (req.method === "POST" && p === "/api/v1/auth/universal-auth/login") {
      if (this.identities.get(String(body.clientId)) !== body.clientSecret) return error(401, "UnauthorizedError", "Invalid credentials");
      this.logins++;
      const token = `ua-token-${this.logins}`;
      this.tokens.add(token);
      return respond(200, { accessToken: token, expiresIn: 7200, accessTokenMaxTTL: 2592000, tokenType: "Bearer" });
    }
    const auth = req.headers.authorization;
    if (!auth) return error(401, "UnauthorizedError", "Token missing");
    if (!auth.startsWith("Bearer ") || !this.tokens.has(auth.slice(7))) return error(403, "TokenError", "Your token has expired. Please re-authenticate.");

    const base = "/api/v1/app-connections/octopus-deploy";
    if (!p.startsWith(base)) return error(404, "NotFound", `Route ${req.method}:${p} not found`);
    const rest = p.slice(base.length);
    const projectId = url.searchParams.get("projectId");
    const byName = /^\/connection-name\/(.+)$/.exec(rest);
    if (req.method === "GET" && byName) {
      const name = decodeURIComponent(byName[1]);
      const found = this.byName(name, projectId);
      return found ? respond(200, { appConnection: found.conn }) : error(404, "NotFound", `Could not find App Connection with name ${name}`);
    }
    if (req.method === "GET" && rest === "") {
      return respond(200, { appConnections: [...this.store.values()].map((s) => s.conn).filter((c) => !projectId || c.projectId === projectId) });
    }
    if (req.method === "POST" && rest === "") {
      const b = body as unknown as CreateConnectionBody;
      if (this.byName(b.name, b.projectId ?? null)) return error(400, "BadRequest", `An App Connection with the name "${b.name}" already exists`);
      const conn = sanitized(randomUUID(), b.name, b.description, b.projectId ?? null, b.credentials.instanceUrl);
      this.store.set(conn.id, { conn, apiKey: b.credentials.apiKey });
      return respond(200, { appConnection: conn });
    }
    const byId = /^\/([^/]+)$/.exec(rest);
    if (byId) {
      const stored = this.store.get(decodeURIComponent(byId[1]));
      if (!stored) return error(404, "NotFound", `Could not find App Connection with ID ${byId[1]}`);
      if (req.method === "GET") return respond(200, { appConnection: stored.conn });
      if (req.method === "DELETE") {
        this.store.delete(stored.conn.id);
        return respond(200, { appConnection: stored.conn });
      }
      if (req.method === "PATCH") {
        const b = body as UpdateConnectionBody;
        const c = stored.conn;
        stored.conn = {
          ...c,
          name: b.name ?? c.name,
          description: b.description !== undefined ? b.description : c.description,
          credentials: b.credentials ? { instanceUrl: b.credentials.instanceUrl } : c.credentials,
          version: (c.version ?? 1) + 1,
        };
        if (b.credentials) stored.apiKey = b.credentials.apiKey;
        return respond(200, { appConnection: stored.conn });
      }
    }
    return error(404, "NotFound", `Route ${req.method}:${p} not found`);
  }
}

export function respond(status: number, body: unknown, headers: Record<string, string> = {}): OutboundResponse {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function error(status: number, kind: string, message: string, reqId = `req-${randomUUID().slice(0, 8)}`): OutboundResponse {
  return respond(status, { reqId, statusCode: status, message, error: kind });
}

const ctx = { method: "POST", path: "/api/v1/app-connections/octopus-deploy", attempts: 1 };

/** A fake ConnectionApi over an in-memory store; every call is logged. */
export class FakeConnectionApi implements ConnectionApi {
  readonly log: string[] = [];
  readonly store = new Map<string, Stored>();
  /** The bodies sent to create and update. */
  readonly bodies: (CreateConnectionBody | UpdateConnectionBody)[] = [];

  add(name: string, opts: { projectId?: string | null; description?: string | null; instanceUrl?: string; apiKey?: string } = {}): Connection {
    const conn = sanitized(randomUUID(), name, opts.description ?? null, opts.projectId ?? null, opts.instanceUrl ?? "https://your-instance.octopus.app");
    this.store.set(conn.id, { conn, apiKey: opts.apiKey ?? "API-EXISTING" });
    return conn;
  }

  find(name: string, projectId: string | null = null): Stored | undefined {
    return [...this.store.values()].find((s) => s.conn.name === name && (s.conn.projectId ?? null) === projectId);
  }

  get requestCount(): number {
    return this.log.length;
  }

  async getByName(name: string, projectId?: string): Promise<Connection | undefined> {
    this.log.push(`getByName ${name}${projectId ? ` ${projectId}` : ""}`);
    return this.find(name, projectId ?? null)?.conn;
  }

  async list(projectId?: string): Promise<Connection[]> {
    this.log.push(`list${projectId ? ` ${projectId}` : ""}`);
    return [...this.store.values()].map((s) => s.conn).filter((c) => projectId === undefined || c.projectId === projectId);
  }

  async create(body: CreateConnectionBody): Promise<Connection> {
    this.log.push(`create ${body.name}`);
    this.bodies.push(body);
    if (this.find(body.name, body.projectId ?? null)) {
      throw new KmsApiError(400, "BadRequest", `An App Connection with the name "${body.name}" already exists`, "req-conflict", ctx);
    }
    const conn = sanitized(randomUUID(), body.name, body.description, body.projectId ?? null, body.credentials.instanceUrl);
    this.store.set(conn.id, { conn, apiKey: body.credentials.apiKey });
    return conn;
  }

  async update(id: string, body: UpdateConnectionBody): Promise<Connection> {
    this.log.push(`update ${id}`);
    this.bodies.push(body);
    const stored = this.store.get(id);
    if (!stored) throw new KmsApiError(404, "NotFound", `Could not find App Connection with ID ${id}`, "req-404", { ...ctx, method: "PATCH" });
    const c = stored.conn;
    stored.conn = {
      ...c,
      name: body.name ?? c.name,
      description: body.description !== undefined ? body.description : c.description,
      credentials: body.credentials ? { instanceUrl: body.credentials.instanceUrl } : c.credentials,
    };
    if (body.credentials) stored.apiKey = body.credentials.apiKey;
    return stored.conn;
  }

  async delete(id: string): Promise<Connection | undefined> {
    this.log.push(`delete ${id}`);
    const stored = this.store.get(id);
    if (!stored) return undefined;
    this.store.delete(id);
    return stored.conn;
  }
}
