/**
 * The go-plugin server Terraform starts: checks it was started by Terraform, serves gRPC over TLS on a
 * private unix socket with AutoMTLS (its own certificate pinned in the handshake line, only
 * Terraform's client certificate accepted), prints the one handshake line on stdout, and answers
 * tfplugin6.Provider, plugin.GRPCController/Shutdown and grpc.health.v1.Health.
 *
 * Libraries vs hand-written, by measured start-up cost (Terraform starts the provider 3 to 5 times
 * per command): the gRPC transport (./grpc, unary calls over node:http2) and the protobuf codec
 * (./protobuf, driven by ./messages' descriptors) are the project's own, replacing @grpc/grpc-js and
 * protobufjs, which took start to handshake from 126 ms to 199 ms (npm run bench P8, same machine);
 * the tests check both against those libraries. msgpack stays @msgpack/msgpack (3 ms).
 *
 * Lifecycle: SIGINT is ignored (Terraform sends it to the whole process group on Ctrl-C, then calls
 * StopProvider and Shutdown itself, so no request is cut in half by the signal); SIGTERM, Shutdown or
 * the parent Terraform going away end the process after in-flight calls finish (bounded).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { selfSignedCertificate } from "./certificate";
import { GrpcServer, UnaryHandler, pemToDer } from "./grpc";
import { PROVIDER_RPCS, ProviderRpc, decode, encode, messageType } from "./messages";
import { dispatch, errorResponse } from "./rpcs";
import type { ProviderService } from "./types";

/** go-plugin's magic cookie for Terraform providers. */
const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/** How long in-flight calls may take to finish after a Shutdown. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Environment Terraform gave the process. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the handshake line goes. @default process.stdout */
  readonly stdout?: NodeJS.WritableStream;
  /** Log lines (never values). @default process.stderr */
  readonly log?: (line: string) => void;
  /** Called when the server is done (tests); the executable exits. @default process.exit */
  readonly exit?: (code: number) => void;
}

/** A running server (for tests). */
export interface RunningServer {
  readonly socketPath: string;
  readonly certificateDer: Buffer;
  shutdown(): Promise<void>;
}

/** A unary handler that decodes the request message, answers it, and encodes the response message. */
function unary(request: string, response: string, handler: (req: Record<string, unknown>) => Promise<Record<string, unknown>>): UnaryHandler {
  const reqType = messageType(request);
  const resType = messageType(response);
  return async (bytes) => encode(resType, await handler(decode(reqType, bytes)));
}

/**
 * Serves `service` as Terraform's plugin; resolves once the handshake line is printed. Given a
 * factory, the service is made right after the handshake line (while Terraform connects) and used
 * from the first call on: the handshake waits only for this protocol layer.
 */
export async function serve(service: ProviderService | (() => ProviderService), options: ServeOptions = {}): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    log("This is a Terraform provider (cdktf-kms-octopus): Terraform runs it; it does nothing when started by hand.");
    exit(1);
    throw new Error("not started by Terraform");
  }
  const versions = (env.PLUGIN_PROTOCOL_VERSIONS ?? "").split(",").map((v) => v.trim());
  if (!versions.includes("6")) {
    log(`This provider speaks plugin protocol 6; Terraform offered ${env.PLUGIN_PROTOCOL_VERSIONS ?? "none"} (Terraform 1.0 or later is needed).`);
    exit(1);
    throw new Error("protocol 6 not offered");
  }
  const clientCert = env.PLUGIN_CLIENT_CERT;
  if (!clientCert) {
    log("PLUGIN_CLIENT_CERT is not set: this provider only talks over mutually authenticated TLS (Terraform's AutoMTLS).");
    exit(1);
    throw new Error("no client certificate");
  }
  let clientCertDer: Buffer;
  try {
    clientCertDer = pemToDer(clientCert);
  } catch {
    log("PLUGIN_CLIENT_CERT is not a PEM certificate: this provider only talks over mutually authenticated TLS (Terraform's AutoMTLS).");
    exit(1);
    throw new Error("bad client certificate");
  }

  let made: ProviderService | undefined;
  const provider = (): ProviderService => (made ??= typeof service === "function" ? service() : service);

  const cert = selfSignedCertificate();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-hanzokms-"));
  fs.chmodSync(dir, 0o700);
  const socketPath = path.join(dir, "plugin.sock");
  const methods = new Map<string, UnaryHandler>();
  for (const rpc of PROVIDER_RPCS) {
    methods.set(
      `/tfplugin6.Provider/${rpc}`,
      unary(`tfplugin6.${rpc}.Request`, `tfplugin6.${rpc}.Response`, (req) =>
        Promise.resolve()
          .then(() => dispatch(provider(), rpc as ProviderRpc, req))
          .catch((err: unknown) => errorResponse(rpc, err instanceof Error ? err.message : String(err))),
      ),
    );
  }
  const server = new GrpcServer(methods, { cert: cert.certPem, key: cert.keyPem, clientCertDer }, log);

  let shuttingDown: Promise<void> | undefined;
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      await server.drained(SHUTDOWN_GRACE_MS);
      await server.close();
      cleanup();
    })();
    return shuttingDown;
  };

  methods.set(
    "/plugin.GRPCController/Shutdown",
    unary("plugin.Empty", "plugin.Empty", async () => {
      setImmediate(() => void shutdown().then(() => exit(0)));
      return {};
    }),
  );
  methods.set(
    "/grpc.health.v1.Health/Check",
    unary("grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse", async () => ({ status: 1 })),
  );
  await server.listen(socketPath);

  if (!options.exit) {
    process.on("SIGINT", () => undefined);
    process.on("SIGTERM", () => void shutdown().then(() => exit(0)));
    process.on("exit", cleanup);
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void shutdown().then(() => exit(0));
    }, 1000).unref();
  }

  const handshake = `1|6|unix|${socketPath}|grpc|${cert.der.toString("base64").replace(/=+$/, "")}\n`;
  (options.stdout ?? process.stdout).write(handshake);
  setImmediate(() => {
    try {
      provider();
    } catch {
      // the first call makes it again and answers with the error
    }
  });
  return { socketPath, certificateDer: cert.der, shutdown };
}
