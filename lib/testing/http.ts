/** Small `node:http` helpers shared by the local KMS and the fake Octopus. */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomString, UPPER_ALPHANUMERIC } from "./cipher";
import { KmsHttpError, badRequest } from "./errors";
import type { QueryValues } from "./request-log";

/** The only interface the servers listen on. */
export const LOOPBACK = "127.0.0.1";

/** Fastify's default body limit (1 MiB). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Starts listening on 127.0.0.1; resolves with the port (useful with port 0). */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, LOOPBACK, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops listening and closes every open connection, idle or not. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** Reads the whole body; past 1 MiB, drains the rest and rejects with 413 (the answer can still be sent). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY_BYTES) reject(new KmsHttpError(413, "FST_ERR_CTP_BODY_TOO_LARGE", "Request body is too large"));
      else resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/** An empty body is `undefined` (zod then reports it); anything else must be JSON (400 otherwise, as fastify). */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw badRequest("Body is not valid JSON but content-type is set to 'application/json'");
  }
}

/** Query parameters; a repeated key gives all its values (which then fail a string schema, as upstream). */
export function parseQuery(params: URLSearchParams): QueryValues {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const ID_ALPHABET = `${UPPER_ALPHANUMERIC}abcdefghijklmnopqrstuvwxyz`;

/** A request id in upstream's format: `req-` and 14 alphanumerics. */
export function newRequestId(): string {
  return `req-${randomString(ID_ALPHABET, 14)}`;
}

/** Resolves after `ms` milliseconds (immediately for 0). The timer does not keep a process alive: a closed server's pending latency must not. */
export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms).unref()) : Promise.resolve();
}
