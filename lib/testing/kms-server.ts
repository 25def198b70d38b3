/**
 * The local KMS's HTTP server: one request's path through it. In order (kms-api.md §5 hook order):
 * fault injection (API requests only), authentication (401/403), body parsing (400/413), rate limit
 * (429), then the route's validation (422) and handler. Every answer carries a fresh request id, and
 * every request ends as one request-log entry.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AuthOutcome, TokenAuthority } from "./auth";
import { forbiddenAccess, internalError, KmsHttpError, notFound, rateLimited } from "./errors";
import type { FaultKind, FaultPlan } from "./faults";
import { closeServer, listen, LOOPBACK, newRequestId, parseJsonBody, parseQuery, readBody, sendJson, sleep } from "./http";
import type { RateLimiter } from "./rate-limit";
import type { QueryValues, RequestLog, RequestLogEntry } from "./request-log";
import { matchRoute, type Route, type RouteRequest } from "./routes";

/** What the server is made of. */
export interface KmsServerParts {
  /** The routes to serve. */
  readonly routes: readonly Route[];
  /** Checks request credentials. */
  readonly auth: TokenAuthority;
  /** Counts requests per client. */
  readonly rateLimiter: RateLimiter;
  /** Receives one entry per request. */
  readonly log: RequestLog;
}

/** An answer about to be sent. */
interface Reply {
  /** HTTP status. */
  readonly status: number;
  /** JSON body. */
  readonly body: unknown;
  /** Extra response headers. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The request body: parsed JSON (undefined when empty or on GET), or the answer for a body that is
 * too large or not JSON; `undefined` when the client went away before sending all of it.
 */
type ReceivedBody = { readonly json: unknown } | { readonly error: KmsHttpError } | undefined;

/** Bodies of the injected server-error faults, shaped like upstream's errors. */
const SERVER_FAULTS: Readonly<Record<"500" | "502" | "503", { readonly error: string; readonly message: string }>> = {
  "500": { error: "InternalServerError", message: "Something went wrong" },
  "502": { error: "BadGateway", message: "Bad Gateway" },
  "503": { error: "ServiceUnavailable", message: "Service Unavailable" },
};

/** The node:http server of the local KMS. */
export class KmsServer {
  /** Faults to inject into API requests, if any. */
  faults: FaultPlan | undefined;
  /** Delay added before every API answer, in milliseconds. */
  latencyMs = 0;
  private readonly server: Server;

  constructor(private readonly parts: KmsServerParts) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A bug must not take down the process hosting the tests: report it and drop the connection.
        console.error(`local KMS: ${req.method} ${req.url} failed`, error);
        res.destroy();
      });
    });
  }

  /** Listens on 127.0.0.1; resolves with the port. */
  listen(port: number): Promise<number> {
    return listen(this.server, port);
  }

  /** Stops listening and closes every connection (stalled ones included). */
  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = Date.now();
    const reqId = newRequestId();
    const method = req.method ?? "GET";
    const rawUrl = req.url ?? "/";
    const url = new URL(rawUrl, `http://${LOOPBACK}`);
    const isApi = url.pathname.startsWith("/api/");
    // Drawn at arrival, so the fault sequence follows the request order only.
    const fault = isApi ? this.faults?.next() : undefined;
    const stallMs = this.faults?.stallMs ?? 0;
    const retryAfterSeconds = this.faults?.retryAfterSeconds ?? 0;
    const auth = this.parts.auth.authenticate(req.headers, rawUrl);
    const query = parseQuery(url.searchParams);
    const received = await receiveBody(req, method);

    const record = (status: RequestLogEntry["status"]): void => {
      this.parts.log.record({
        time: new Date(arrivedAt).toISOString(),
        method,
        path: url.pathname,
        query,
        status,
        ...(fault ? { fault } : {}),
        reqId,
        durationMs: Date.now() - arrivedAt,
        authKind: auth.kind,
        ...(received && "json" in received && received.json !== undefined ? { body: received.json } : {}),
      });
    };

    if (received === undefined) {
      record("reset");
      return;
    }
    if (fault === "reset") {
      req.socket.resetAndDestroy();
      record("reset");
      return;
    }
    if (fault === "stall") {
      holdThenClose(req, stallMs, () => record("stalled"));
      return;
    }
    const reply = isInstantFault(fault)
      ? errorReply(faultError(fault, retryAfterSeconds), reqId)
      : await this.dispatch({ method, rawUrl, path: url.pathname, query, auth, received, clientIp: req.socket.remoteAddress ?? "unknown" }, reqId);
    if (isApi) await sleep(this.latencyMs);
    if (fault === "drop") {
      req.socket.destroy();
      record("dropped");
      return;
    }
    sendJson(res, reply.status, reply.body, { ...reply.headers, "x-request-id": reqId });
    record(reply.status);
  }

  /** Runs the request through auth, body, rate limit and the route; every failure becomes its error answer. */
  private async dispatch(request: Incoming, reqId: string): Promise<Reply> {
    const headers: Record<string, string> = {};
    try {
      if (request.method === "GET" && request.path === "/healthcheck") {
        return { status: 200, body: { date: new Date().toISOString(), message: "Ok" }, headers };
      }
      const match = matchRoute(this.parts.routes, request.method, request.path);
      if (!match) throw notFound(`Route ${request.method}:${request.path} not found`);
      const { route, params } = match;
      const admit = (): RouteRequest => {
        if ("error" in request.received) throw request.received.error;
        const decision = this.parts.rateLimiter.consume(request.clientIp, route.rateClass);
        if (!decision.allowed) throw decision.error;
        Object.assign(headers, decision.headers);
        return { params, query: request.query, body: request.received.json };
      };
      if (route.access === "public") return { status: 200, body: await route.handle(admit()), headers };
      if (!("identity" in request.auth)) throw request.auth.error;
      if (route.access === "user-session") throw forbiddenAccess(request.rawUrl);
      return { status: 200, body: await route.handle(admit(), request.auth.identity), headers };
    } catch (error) {
      if (error instanceof KmsHttpError) return errorReply(error, reqId, headers);
      console.error(`local KMS: ${reqId} ${request.method} ${request.path} failed`, error);
      return errorReply(internalError(), reqId, headers);
    }
  }
}

/** A request as dispatch needs it. */
interface Incoming {
  /** HTTP method. */
  readonly method: string;
  /** URL as received, query included (upstream's 403 names it). */
  readonly rawUrl: string;
  /** URL path. */
  readonly path: string;
  /** Query parameters. */
  readonly query: QueryValues;
  /** How the request authenticated. */
  readonly auth: AuthOutcome;
  /** The body, fully received. */
  readonly received: Exclude<ReceivedBody, undefined>;
  /** Client address, the rate-limit key. */
  readonly clientIp: string;
}

/** Reads the body; only non-GET requests are parsed, as fastify does. */
async function receiveBody(req: IncomingMessage, method: string): Promise<ReceivedBody> {
  try {
    const raw = await readBody(req);
    return { json: method === "GET" || method === "HEAD" ? undefined : parseJsonBody(raw) };
  } catch (error) {
    return error instanceof KmsHttpError ? { error } : undefined;
  }
}

function isInstantFault(fault: FaultKind | undefined): fault is "500" | "502" | "503" | "429" {
  return fault === "500" || fault === "502" || fault === "503" || fault === "429";
}

/** The error an instant fault answers with. */
function faultError(fault: "500" | "502" | "503" | "429", retryAfterSeconds: number): KmsHttpError {
  if (fault === "429") return rateLimited(retryAfterSeconds);
  const { error, message } = SERVER_FAULTS[fault];
  return new KmsHttpError(Number(fault), error, message);
}

/** The answer for an error; `headers` set earlier in the request (rate-limit counters) are kept. */
function errorReply(error: KmsHttpError, reqId: string, headers: Readonly<Record<string, string>> = {}): Reply {
  return { status: error.statusCode, body: error.body(reqId), headers: { ...headers, ...error.extras.headers } };
}

/** Answers nothing for `ms`, then closes the socket; `onEnd` runs once the socket is closed, by either side. */
function holdThenClose(req: IncomingMessage, ms: number, onEnd: () => void): void {
  const socket = req.socket;
  if (socket.destroyed) {
    onEnd();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), ms);
  socket.once("close", () => {
    clearTimeout(timer);
    onEnd();
  });
}
