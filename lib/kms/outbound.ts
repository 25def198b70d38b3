/**
 * All outbound HTTP of the library goes through a `Transport`: one small function that tests can swap
 * (the AWS CDK provider framework's `outbound.ts` idea).
 *
 * The default transport is `node:http` / `node:https`, already loaded in every Node process. Bundling
 * the undici package into the hook doubled its start-up time and pushed it past 64 MB RSS (0.12 s /
 * 67 MB against 0.07 s / 51 MB); Node's global `fetch` (undici, shipped inside Node) is loaded lazily
 * on first use and still cost about 80 ms and 37 MB per hook process (bench/RESULTS.md, P1 and P6).
 * TLS is verified by Node's defaults; private CAs work through
 * NODE_EXTRA_CA_CERTS; there is no switch to turn verification off.
 */
import * as http from "node:http";
import * as https from "node:https";

/** One HTTP request. */
export interface OutboundRequest {
  /** HTTP method. */
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Absolute URL. */
  readonly url: string;
  /** Request headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text of the body, if any. */
  readonly body?: string;
  /** Abort the attempt after this many milliseconds (connect, headers and body). */
  readonly timeoutMs: number;
  /** Abort the attempt when this fires (the provider's StopProvider). @default - none */
  readonly signal?: AbortSignal;
}

/** One HTTP response, read in full. */
export interface OutboundResponse {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Body text. */
  readonly body: string;
}

/** Sends one request; rejects on network errors and timeouts, resolves on any HTTP status. */
export type Transport = (req: OutboundRequest) => Promise<OutboundResponse>;

/** The default transport: node:http / node:https; no redirects followed (a redirect is answered as is). */
export const httpTransport: Transport = (req) =>
  new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const send = url.protocol === "https:" ? https.request : http.request;
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
    const request = send(url, { method: req.method, headers, signal: req.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", fail);
      res.on("end", () => {
        clearTimeout(timer);
        const out: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(res.headers)) out[name] = Array.isArray(value) ? value.join(", ") : value;
        resolve({ status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString("utf8") });
      });
    });
    const timer = setTimeout(() => {
      const err = new Error(`no answer within ${req.timeoutMs} ms`);
      err.name = "TimeoutError";
      request.destroy(err);
    }, req.timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    request.on("error", fail);
    request.end(req.body);
  });
