/**
 * Test doubles for the KMS client: a scripted Transport that records every request, a fake clock
 * whose sleep is instant, and connection fixtures shaped like the KMS's sanitized connection.
 */
import { OutboundRequest, OutboundResponse, Transport } from "../../lib/kms/outbound";

/** One scripted answer: a response, a thrown network error, or a function of the request. */
export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error | ((req: OutboundRequest) => Reply);

/** A transport that answers from a script (in order) and records what it was asked. */
export class ScriptedTransport {
  readonly requests: OutboundRequest[] = [];
  private readonly script: Reply[];

  constructor(...script: Reply[]) {
    this.script = script;
  }

  /** Adds answers at the end of the script. */
  then(...more: Reply[]): this {
    this.script.push(...more);
    return this;
  }

  get calls(): number {
    return this.requests.length;
  }

  readonly transport: Transport = async (req) => {
    this.requests.push(req);
    let reply = this.script.shift();
    if (reply === undefined) throw new Error(`unexpected request ${req.method} ${req.url} (script exhausted)`);
    while (typeof reply === "function") reply = reply(req);
    return toResponse(reply);
  };
}

/** Turns a reply into a response, or throws it when it is an error. */
export function toResponse(reply: Exclude<Reply, (req: OutboundRequest) => Reply>): OutboundResponse {
  if (reply instanceof Error) throw reply;
  const body = reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
  const headers: Record<string, string> = { "content-type": "application/json", ...(reply.headers ?? {}) };
  return { status: reply.status, headers, body };
}

/** A fake clock: `Date.now()` only advances when the client sleeps (or `advance` is called). */
export class FakeClock {
  now = 1_800_000_000_000;
  readonly sleeps: number[] = [];
  private spy?: jest.SpiedFunction<typeof Date.now>;

  install(): this {
    this.spy = jest.spyOn(Date, "now").mockImplementation(() => this.now);
    return this;
  }
  uninstall(): void {
    this.spy?.mockRestore();
  }
  advance(ms: number): void {
    this.now += ms;
  }
  readonly sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.now += ms;
  };
}

export const ORG_ID = "0a0a0a0a-0000-4000-8000-000000000000";
export const CONN_ID = "11111111-2222-4333-8444-555555555555";

/** A connection as the KMS returns it (sanitized: no apiKey). */
export function connection(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: CONN_ID,
    name: "my-conn",
    description: null,
    version: 1,
    orgId: ORG_ID,
    projectId: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    isPlatformManagedCredentials: false,
    gatewayId: null,
    credentialsHash: "0".repeat(64),
    app: "octopus-deploy",
    method: "api-key",
    credentials: { instanceUrl: "https://your-instance.octopus.app" },
    ...overrides,
  };
}

/** `{ appConnection }` 200. */
export function ok(conn: Record<string, unknown> = connection()): Reply {
  return { status: 200, body: { appConnection: conn } };
}

/** A KMS error body. */
export function kmsError(status: number, error: string, message: unknown, reqId = `req-${status}`, headers: Record<string, string> = {}): Reply {
  return { status, body: { reqId, statusCode: status, message, error }, headers };
}

/** A successful Universal Auth login. */
export function login(accessToken: string, expiresIn = 7200): Reply {
  return { status: 200, body: { accessToken, expiresIn, accessTokenMaxTTL: 2592000, tokenType: "Bearer" } };
}

/** A network error like the ones Node's fetch rejects with. */
export function netError(code: string, message = `connect ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/** What fetch rejects with for socket-level failures: TypeError("fetch failed") with the cause. */
export function fetchFailed(code: string): Error {
  return new TypeError("fetch failed", { cause: Object.assign(new Error(`${code} cause`), { code }) });
}

/**
 * AbortSignal.timeout()'s rejection: a DOMException named "TimeoutError". Built in this realm: under
 * jest, Node's own DOMException is not `instanceof` the sandbox's Error (in plain Node it is).
 */
export function timeoutError(): Error {
  return Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" });
}
