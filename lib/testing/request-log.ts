/**
 * The request log: one entry per request received, kept in memory and optionally appended to a JSONL
 * file. Secrets never reach it: bodies are redacted and headers are not logged at all.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { AuthKind } from "./auth";
import type { FaultKind } from "./faults";

/** A request's query string: one value per key, or all of them when the key repeats. */
export type QueryValues = Readonly<Record<string, string | readonly string[]>>;

/** One request as the local KMS saw it. */
export interface RequestLogEntry {
  /** When it arrived (ISO 8601). */
  readonly time: string;
  /** HTTP method. */
  readonly method: string;
  /** URL path, without the query. */
  readonly path: string;
  /** Query parameters. */
  readonly query: QueryValues;
  /** Status answered, or how the exchange ended without an answer. */
  readonly status: number | "reset" | "dropped" | "stalled";
  /** The injected fault, if any. */
  readonly fault?: FaultKind;
  /** The request id (also the `x-request-id` response header and the error body's `reqId`). */
  readonly reqId: string;
  /** Milliseconds from arrival to answer (or to the socket being closed). */
  readonly durationMs: number;
  /** How the request authenticated. */
  readonly authKind: AuthKind;
  /** The JSON body, redacted; absent when there was none or it was not JSON. */
  readonly body?: unknown;
}

/** Replacement for every secret value. */
const REDACTED = "[redacted]";

/** Keys whose values are secrets wherever they appear in a body. */
const SECRET_KEYS = new Set(["apiKey", "clientSecret", "accessToken", "token", "secretValue"]);

/** A deep copy of `body` with every secret value replaced by "[redacted]". */
function redact(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redact);
  if (typeof body !== "object" || body === null) return body;
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, SECRET_KEYS.has(key) ? REDACTED : redact(value)]));
}

/** The log itself. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];

  /** @param filePath JSONL file each entry is appended to, if any. */
  constructor(private readonly filePath?: string) {
    if (filePath !== undefined) mkdirSync(dirname(filePath), { recursive: true });
  }

  /** Adds an entry, redacting its body. */
  record(entry: RequestLogEntry): void {
    const safe = entry.body === undefined ? entry : { ...entry, body: redact(entry.body) };
    this.entries.push(safe);
    if (this.filePath !== undefined) appendFileSync(this.filePath, `${JSON.stringify(safe)}\n`);
  }

  /** A snapshot of the entries so far. */
  snapshot(): readonly RequestLogEntry[] {
    return [...this.entries];
  }

  /** Forgets the in-memory entries (the JSONL file keeps its full history). */
  clear(): void {
    this.entries = [];
  }
}
