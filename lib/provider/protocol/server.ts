/**
 * The go-plugin server Terraform starts: checks it was started by Terraform, serves gRPC over TLS on a
 * private unix socket with AutoMTLS (its own certificate pinned in the handshake line, only
 * Terraform's client certificate accepted), prints the one handshake line on stdout, and answers
 * tfplugin6.Provider, plugin.GRPCController/Shutdown and grpc.health.v1.Health.
 *
 * Libraries vs hand-written: @grpc/grpc-js (HTTP/2 + TLS + framing), protobufjs/light (reflection
 * from JSON descriptors, no codegen) and @msgpack/msgpack. A hand-written protobuf codec for the ~40
 * message types would save ~20 ms of start-up and cost a codec of our own to trust; gRPC over HTTP/2
 * by hand is not worth it. `npm run bench` measures start to handshake beside the targets.
 *
 * Lifecycle: SIGINT is ignored (Terraform sends it to the whole process group on Ctrl-C, then calls
 * StopProvider and Shutdown itself, so no request is cut in half by the signal); SIGTERM, Shutdown or
 * the parent Terraform going away end the process after in-flight calls finish (bounded).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { selfSignedCertificate } from "./certificate";
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

function unary(name: string, request: string, response: string, handler: (req: Record<string, unknown>) => Promise<Record<string, unknown>>) {
  const reqType = messageType(request);
  const resType = messageType(response);
  const definition: grpc.MethodDefinition<Record<string, unknown>, Record<string, unknown>> = {
    path: name,
    requestStream: false,
    responseStream: false,
    requestSerialize: (v) => encode(reqType, v),
    requestDeserialize: (b) => decode(reqType, b),
    responseSerialize: (v) => encode(resType, v),
    responseDeserialize: (b) => decode(resType, b),
  };
  const impl: grpc.handleUnaryCall<Record<string, unknown>, Record<string, unknown>> = (call, callback) => {
    handler(call.request).then(
      (res) => callback(null, res),
      (err: unknown) => callback({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) }),
    );
  };
  return { definition, impl };
}

/** Serves `service` as Terraform's plugin; resolves once the handshake line is printed. */
export async function serve(service: ProviderService, options: ServeOptions = {}): Promise<RunningServer> {
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

  const cert = selfSignedCertificate();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-hanzokms-"));
  fs.chmodSync(dir, 0o700);
  const socketPath = path.join(dir, "plugin.sock");
  const server = new grpc.Server({ "grpc.max_receive_message_length": 256 * 1024 * 1024, "grpc.max_send_message_length": 256 * 1024 * 1024 });

  let inFlight = 0;
  const track = async <T>(fn: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await fn();
    } finally {
      inFlight--;
    }
  };

  const providerMethods: grpc.UntypedServiceImplementation = {};
  const providerDefinition: Record<string, grpc.MethodDefinition<Record<string, unknown>, Record<string, unknown>>> = {};
  for (const rpc of PROVIDER_RPCS) {
    const { definition, impl } = unary(`/tfplugin6.Provider/${rpc}`, `tfplugin6.${rpc}.Request`, `tfplugin6.${rpc}.Response`, (req) =>
      track(() => dispatch(service, rpc as ProviderRpc, req).catch((err: unknown) => errorResponse(rpc, err instanceof Error ? err.message : String(err)))),
    );
    providerDefinition[rpc] = definition;
    providerMethods[rpc] = impl;
  }
  server.addService(providerDefinition as grpc.ServiceDefinition, providerMethods);

  let shuttingDown: Promise<void> | undefined;
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  const shutdown = (): Promise<void> => {
    shuttingDown ??= (async () => {
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      cleanup();
    })();
    return shuttingDown;
  };

  const controller = unary("/plugin.GRPCController/Shutdown", "plugin.Empty", "plugin.Empty", async () => {
    setImmediate(() => void shutdown().then(() => exit(0)));
    return {};
  });
  server.addService({ Shutdown: controller.definition }, { Shutdown: controller.impl });
  const health = unary("/grpc.health.v1.Health/Check", "grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse", async () => ({ status: 1 }));
  server.addService({ Check: health.definition }, { Check: health.impl });

  const credentials = grpc.ServerCredentials.createSsl(Buffer.from(clientCert), [{ cert_chain: Buffer.from(cert.certPem), private_key: Buffer.from(cert.keyPem) }], true);
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socketPath}`, credentials, (err) => (err ? reject(err) : resolve())));

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
  return { socketPath, certificateDer: cert.der, shutdown };
}
