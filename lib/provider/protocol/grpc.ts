/**
 * gRPC's unary calls over node:http2 with mutual TLS: what Terraform's go-plugin client uses (every
 * tfplugin6, GRPCController and Health call is unary). Written here instead of taken from
 * @grpc/grpc-js because that library (270 KB bundled, with its channel, resolver and load-balancing
 * machinery a server never uses) was the largest part of the provider's start-up, which Terraform pays
 * three to five times per command (`npm run bench` P8: 199 ms to the handshake with it, 168 ms
 * without). The wire format is small and fixed (gRPC over HTTP/2, "PROTOCOL-
 * HTTP2.md" in grpc/grpc): POST /package.Service/Method, content-type application/grpc, each message
 * framed as 1 compressed-flag byte + 4-byte big-endian length, the status in trailers. The tests talk
 * to it with @grpc/grpc-js as the client.
 */
import * as http2 from "node:http2";
import type { TLSSocket } from "node:tls";

/** gRPC status codes this server answers with. */
export const GrpcStatus = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
} as const;

/** A failed call: its gRPC status code and message. */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A unary method: the request message's bytes in, the response message's bytes out. */
export type UnaryHandler = (request: Buffer) => Promise<Buffer>;

/** TLS material: the server's own certificate and the one client certificate it accepts. */
export interface MutualTls {
  /** PEM of the server certificate. */
  readonly cert: string;
  /** PEM of its private key. */
  readonly key: string;
  /** DER of the only client certificate accepted (pinned: the exact certificate, as go-plugin pins the server's). */
  readonly clientCertDer: Buffer;
}

/** Largest request or response message, in bytes (Terraform's own limit is 256 MiB). */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

const HEADER_BYTES = 5;

/** A message framed for the wire (not compressed). */
export function frame(message: Buffer): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** The one message of a unary request body; a GrpcError when the body is not exactly one plain message. */
export function unframe(body: Buffer): Buffer {
  if (body.length < HEADER_BYTES) throw new GrpcError(GrpcStatus.INTERNAL, `request body of ${body.length} bytes holds no message`);
  if (body[0] !== 0) throw new GrpcError(GrpcStatus.UNIMPLEMENTED, "compressed messages are not supported (grpc-accept-encoding: identity)");
  const length = body.readUInt32BE(1);
  if (body.length !== HEADER_BYTES + length) throw new GrpcError(GrpcStatus.INTERNAL, `request body is ${body.length} bytes; its one message declares ${length}`);
  return body.subarray(HEADER_BYTES);
}

/** The DER bytes of the first certificate in a PEM text. */
export function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error("not a PEM certificate");
  return Buffer.from(m[1]!.replace(/\s+/g, ""), "base64");
}

/** grpc-message as the spec writes it: UTF-8, each byte outside printable ASCII (and "%") as %XX. */
function statusMessage(message: string): string {
  let out = "";
  for (const b of Buffer.from(message.replace(/[\r\n]+/g, " ").slice(0, 4096), "utf8")) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function trailersOnly(stream: http2.ServerHttp2Stream, code: number, message: string): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(code), "grpc-message": statusMessage(message) }, { endStream: true });
}

function respond(stream: http2.ServerHttp2Stream, message: Buffer): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-accept-encoding": "identity" }, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(GrpcStatus.OK) }));
  stream.end(frame(message));
}

/** A gRPC server of unary methods, keyed by path ("/tfplugin6.Provider/ReadResource"). */
export class GrpcServer {
  private readonly server: http2.Http2SecureServer;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** Sessions whose peer presented the pinned client certificate. */
  private readonly trusted = new WeakSet<http2.Http2Session>();
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly methods: ReadonlyMap<string, UnaryHandler>,
    tls: MutualTls,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    const pinned = tls.clientCertDer;
    this.server = http2.createSecureServer({
      cert: tls.cert,
      key: tls.key,
      // The client certificate is pinned below instead of trusted as a CA: a `ca` makes Node build its
      // whole root store first (25 ms of every start), and an empty list builds none. The TLS handshake
      // still proves the client holds the certificate's key (CertificateVerify); a session whose
      // certificate is not byte for byte the pinned one is destroyed before any call is read.
      ca: [],
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: "TLSv1.2",
      allowHTTP1: false,
      // Flow-control buffers for several large plan requests at once (the default is 10 MB a session).
      maxSessionMemory: 64,
    });
    this.server.on("session", (session) => {
      const peer = (session.socket as TLSSocket).getPeerCertificate?.();
      if (!peer?.raw || !pinned.equals(peer.raw)) {
        this.log("TLS client refused: it did not present Terraform's client certificate");
        session.destroy();
        return;
      }
      this.trusted.add(session);
      this.sessions.add(session);
      session.on("close", () => this.sessions.delete(session));
      session.on("error", (err) => this.log(`gRPC session error: ${err.message}`));
    });
    this.server.on("stream", (stream, headers) => this.call(stream, headers));
    this.server.on("tlsClientError", (err) => this.log(`TLS client refused: ${err.message}`));
  }

  /** Listens on a unix socket. */
  listen(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(socketPath, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  /** Calls being answered now. */
  get calls(): number {
    return this.inFlight;
  }

  /** Resolves when no call is in flight, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Stops accepting connections and closes the open ones (their in-flight calls are abandoned). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const session of this.sessions) session.close();
      setTimeout(() => {
        for (const session of this.sessions) session.destroy();
      }, 1000).unref();
    });
  }

  private call(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on("error", (err) => this.log(`gRPC stream error: ${err.message}`));
    if (!this.trusted.has(stream.session!)) {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const path = String(headers[":path"] ?? "");
    const type = String(headers["content-type"] ?? "");
    if (headers[":method"] !== "POST" || !type.startsWith("application/grpc")) {
      stream.respond({ ":status": 415 }, { endStream: true });
      return;
    }
    const handler = this.methods.get(path);
    if (!handler) return trailersOnly(stream, GrpcStatus.UNIMPLEMENTED, `unknown method ${path}`);
    const encoding = headers["grpc-encoding"];
    if (encoding !== undefined && encoding !== "identity") return trailersOnly(stream, GrpcStatus.UNIMPLEMENTED, `grpc-encoding ${String(encoding)} is not supported`);

    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MESSAGE_BYTES + HEADER_BYTES) {
        trailersOnly(stream, GrpcStatus.RESOURCE_EXHAUSTED, `request larger than ${MAX_MESSAGE_BYTES} bytes`);
        stream.close(http2.constants.NGHTTP2_CANCEL);
        return;
      }
      chunks.push(chunk);
    });
    stream.on("end", () => {
      if (stream.headersSent) return;
      this.inFlight++;
      let request: Buffer;
      try {
        request = unframe(Buffer.concat(chunks, size));
      } catch (err) {
        this.done();
        return trailersOnly(stream, err instanceof GrpcError ? err.code : GrpcStatus.INTERNAL, (err as Error).message);
      }
      handler(request).then(
        (response) => {
          this.done();
          if (response.length > MAX_MESSAGE_BYTES) return trailersOnly(stream, GrpcStatus.RESOURCE_EXHAUSTED, `response larger than ${MAX_MESSAGE_BYTES} bytes`);
          respond(stream, response);
        },
        (err: unknown) => {
          this.done();
          trailersOnly(stream, err instanceof GrpcError ? err.code : GrpcStatus.INTERNAL, err instanceof Error ? err.message : String(err));
        },
      );
    });
  }

  private done(): void {
    this.inFlight--;
    if (this.inFlight > 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}
