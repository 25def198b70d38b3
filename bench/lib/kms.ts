/**
 * The local KMS for the benchmark, in its own process (`cdktf-kms-octopus dev-server`), so that the
 * benchmark's own event loop never delays an answer. Every request is appended by the server to a
 * JSONL request log; the benchmark counts requests exactly by reading the lines appended between
 * two marks.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RequestLogEntry } from "../../lib/testing";

/** What `dev-server` prints on its one JSON line. */
export interface KmsInfo {
  readonly kmsUrl: string;
  readonly token: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly projectId: string;
  readonly octopusUrl: string;
  readonly octopusApiKey: string;
}

/** Route prefix of the Octopus Deploy connection API. */
export const CONNECTIONS_ROUTE = "/api/v1/app-connections/octopus-deploy";
/** Universal Auth login route. */
export const LOGIN_ROUTE = "/api/v1/auth/universal-auth/login";

/** A running dev-server process. */
export class DevServer {
  private constructor(
    readonly info: KmsInfo,
    readonly latencyMs: number,
    readonly logPath: string,
    private readonly child: ChildProcess,
  ) {}

  /** Starts `dev-server` without rate limits, with `latencyMs` added to every API answer. */
  static async start(root: string, scratch: string, latencyMs: number): Promise<DevServer> {
    const logPath = path.join(scratch, `kms-requests-${latencyMs}ms.jsonl`);
    fs.writeFileSync(logPath, "");
    const args = [path.join(root, "bin", "cdktf-kms-octopus.js"), "dev-server", "--port", "0", "--read-limit", "0", "--write-limit", "0"];
    if (latencyMs > 0) args.push("--latency-ms", String(latencyMs));
    args.push("--request-log", logPath);
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    const info = await new Promise<KmsInfo>((resolve, reject) => {
      let out = "";
      let err = "";
      const timer = setTimeout(() => reject(new Error(`dev-server did not start within 30 s: ${err}`)), 30_000);
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
      child.stdout!.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        const nl = out.indexOf("\n");
        if (nl < 0) return;
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.slice(0, nl)) as KmsInfo);
        } catch (e) {
          reject(new Error(`dev-server printed an unexpected line: ${out.slice(0, nl)} (${String(e)})`));
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`dev-server exited with code ${code}: ${err}`));
      });
    });
    child.removeAllListeners("exit");
    return new DevServer(info, latencyMs, logPath, child);
  }

  /**
   * A position in the request log. The server appends an entry right after writing its answer, so a
   * client can see the answer a moment before the entry lands: settle first.
   */
  async mark(): Promise<number> {
    await settle();
    return fs.statSync(this.logPath).size;
  }

  /** Requests logged since `mark` (waits briefly so the server's last append after its answer lands). */
  async since(mark: number): Promise<RequestLogEntry[]> {
    await settle();
    const fd = fs.openSync(this.logPath, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(size - mark);
      fs.readSync(fd, buf, 0, buf.length, mark);
      return buf
        .toString("utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as RequestLogEntry);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 30));
}

/** Counts of a slice of the request log. */
export interface RequestCounts {
  /** Requests to connection routes (everything but login). */
  readonly connection: number;
  /** Universal Auth logins. */
  readonly logins: number;
  /** Requests answered with a status >= 400 or not answered. */
  readonly failed: number;
  /** "METHOD kind" -> count, e.g. "GET by-name", "POST create". */
  readonly byKind: Readonly<Record<string, number>>;
}

/** Counts requests by kind. */
export function countRequests(entries: readonly RequestLogEntry[]): RequestCounts {
  const byKind: Record<string, number> = {};
  let connection = 0;
  let logins = 0;
  let failed = 0;
  for (const e of entries) {
    if (typeof e.status !== "number" || e.status >= 400) failed++;
    if (e.path === LOGIN_ROUTE) {
      logins++;
      continue;
    }
    if (!e.path.startsWith(CONNECTIONS_ROUTE)) continue;
    connection++;
    const rest = e.path.slice(CONNECTIONS_ROUTE.length);
    const kind = rest.startsWith("/connection-name/") ? "by-name" : rest === "" || rest === "/" ? "collection" : "by-id";
    const key = `${e.method} ${kind}${typeof e.status === "number" && e.status >= 400 ? ` ${e.status}` : ""}`;
    byKind[key] = (byKind[key] ?? 0) + 1;
  }
  return { connection, logins, failed, byKind };
}

/** Route prefix of the Octopus Deploy secret-sync API. */
export const SYNCS_ROUTE = "/api/v1/secret-syncs/octopus-deploy";

/** Counts of the secret-sync requests of a slice of the request log. */
export interface SyncRequestCounts {
  /** Universal Auth logins. */
  readonly logins: number;
  /** Reads of the sync before its first write in the slice: a refresh (Terraform's read). */
  readonly reads: number;
  /** POST (create), PATCH (update), DELETE, POST .../sync-secrets or .../remove-secrets. */
  readonly writes: number;
  /** Reads after the first write: the provider's polls of the sync's status while it waits for the result. */
  readonly statusPolls: number;
  /** Requests answered with a status >= 400 or not answered. */
  readonly failed: number;
  /** "METHOD kind" -> count of the sync routes, e.g. "POST collection", "GET by-id". */
  readonly byKind: Readonly<Record<string, number>>;
}

/** Counts the secret-sync requests in arrival order (see {@link SyncRequestCounts}); other routes only count when they fail. */
export function countSyncRequests(entries: readonly RequestLogEntry[]): SyncRequestCounts {
  const byKind: Record<string, number> = {};
  let logins = 0;
  let reads = 0;
  let writes = 0;
  let statusPolls = 0;
  let failed = 0;
  for (const e of entries) {
    if (typeof e.status !== "number" || e.status >= 400) failed++;
    if (e.path === LOGIN_ROUTE) logins++;
    if (!e.path.startsWith(SYNCS_ROUTE)) continue;
    const rest = e.path.slice(SYNCS_ROUTE.length);
    const kind = rest === "" || rest === "/" ? "collection" : rest.startsWith("/sync-name/") ? "by-name" : /\/(sync|remove)-secrets$/.test(rest) ? "action" : "by-id";
    byKind[`${e.method} ${kind}`] = (byKind[`${e.method} ${kind}`] ?? 0) + 1;
    if (e.method === "GET") {
      if (writes === 0) reads++;
      else statusPolls++;
    } else writes++;
  }
  return { logins, reads, writes, statusPolls, failed, byKind };
}
