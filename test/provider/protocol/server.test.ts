/**
 * The go-plugin side of the provider (lib/provider/protocol/server.ts) as Terraform meets it: the
 * environment checks, the handshake line, and the services on its socket, called with @grpc/grpc-js
 * over mutual TLS with the certificate the handshake line pins.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { selfSignedCertificate } from "../../../lib/provider/protocol/certificate";
import { messageType } from "../../../lib/provider/protocol/messages";
import { RunningServer, serve } from "../../../lib/provider/protocol/server";
import { OctopusProvider } from "../../../lib/provider/provider";
import { TYPE_NAMES } from "../../../lib/provider/address";

const COOKIE = { TF_PLUGIN_MAGIC_COOKIE: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2" };
const terraformCert = selfSignedCertificate();
const ENV = { ...COOKIE, PLUGIN_PROTOCOL_VERSIONS: "5,6", PLUGIN_CLIENT_CERT: terraformCert.certPem };

interface Started {
  readonly server: RunningServer;
  readonly line: string;
  readonly exits: number[];
  readonly logs: string[];
}

async function start(env: NodeJS.ProcessEnv = ENV, service: Parameters<typeof serve>[0] = new OctopusProvider({ env: {} })): Promise<Started> {
  let line = "";
  const exits: number[] = [];
  const logs: string[] = [];
  const stdout = { write: (s: string) => ((line += s), true) } as unknown as NodeJS.WritableStream;
  const server = await serve(service, { env, stdout, log: (l) => logs.push(l), exit: (c) => exits.push(c) });
  return { server, line, exits, logs };
}

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

/** A grpc-js client as go-plugin connects: the socket and certificate from the handshake line, Terraform's client certificate. */
function connect(line: string): grpc.Client {
  const [, , , socket, , cert] = line.trim().split("|");
  const creds = grpc.credentials.createSsl(Buffer.from(pem(Buffer.from(cert!, "base64"))), Buffer.from(terraformCert.keyPem), Buffer.from(terraformCert.certPem), { checkServerIdentity: () => undefined });
  return new grpc.Client(`unix://${socket}`, creds, { "grpc.ssl_target_name_override": "localhost" });
}

function call(c: grpc.Client, method: string, request: string, response: string, value: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const req = messageType(request);
  const res = messageType(response);
  return new Promise((resolve, reject) =>
    c.makeUnaryRequest(
      method,
      (v: Record<string, unknown>) => req.encode(v),
      (b: Buffer) => res.decode(b),
      value,
      (err, r) => (err ? reject(err) : resolve(r!)),
    ),
  );
}

describe("go-plugin server", () => {
  it("prints one handshake line: core 1, protocol 6, a unix socket in a private directory, grpc, its certificate", async () => {
    const s = await start();
    try {
      expect(s.line).toMatch(/^1\|6\|unix\|[^|]+\|grpc\|[A-Za-z0-9+/]+\n$/);
      const [, , , socket, , cert] = s.line.trim().split("|");
      expect(socket).toBe(s.server.socketPath);
      expect(fs.statSync(socket!).isSocket()).toBe(true);
      expect(fs.statSync(path.dirname(socket!)).mode & 0o777).toBe(0o700);
      // Unpadded base64 of the DER, as go-plugin reads it.
      expect(Buffer.from(cert!, "base64").equals(s.server.certificateDer)).toBe(true);
      expect(cert!.endsWith("=")).toBe(false);
    } finally {
      await s.server.shutdown();
    }
  });

  it("answers Health/Check as SERVING and tfplugin6 calls with the provider's answers", async () => {
    const s = await start();
    const c = connect(s.line);
    try {
      expect(await call(c, "/grpc.health.v1.Health/Check", "grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse", { service: "plugin" })).toEqual({ status: 1 });
      const schema = await call(c, "/tfplugin6.Provider/GetProviderSchema", "tfplugin6.GetProviderSchema.Request", "tfplugin6.GetProviderSchema.Response");
      expect(Object.keys(schema.resource_schemas as object)).toContain(TYPE_NAMES.connection);
      expect(schema.server_capabilities).toMatchObject({ get_provider_schema_optional: true, move_resource_state: true });
      const stop = await call(c, "/tfplugin6.Provider/StopProvider", "tfplugin6.StopProvider.Request", "tfplugin6.StopProvider.Response");
      expect(stop).toEqual({});
    } finally {
      c.close();
      await s.server.shutdown();
    }
  });

  it("a service factory is called once, after the handshake line is out, and serves every call", async () => {
    const made: string[] = [];
    let s: Started | undefined;
    s = await start(ENV, () => {
      made.push(s?.line ?? "(no handshake yet)");
      return new OctopusProvider({ env: {} });
    });
    const c = connect(s.line);
    try {
      const schema = await call(c, "/tfplugin6.Provider/GetProviderSchema", "tfplugin6.GetProviderSchema.Request", "tfplugin6.GetProviderSchema.Response");
      expect(Object.keys(schema.resource_schemas as object)).toContain(TYPE_NAMES.connection);
      await call(c, "/tfplugin6.Provider/StopProvider", "tfplugin6.StopProvider.Request", "tfplugin6.StopProvider.Response");
      expect(made).toEqual([s.line]);
    } finally {
      c.close();
      await s.server.shutdown();
    }
  });

  it("a factory that throws answers each call with its error; the server keeps serving", async () => {
    const s = await start(ENV, () => {
      throw new Error("provider layer failed to load");
    });
    const c = connect(s.line);
    try {
      const schema = await call(c, "/tfplugin6.Provider/GetProviderSchema", "tfplugin6.GetProviderSchema.Request", "tfplugin6.GetProviderSchema.Response");
      expect(JSON.stringify(schema.diagnostics)).toContain("provider layer failed to load");
      expect(await call(c, "/grpc.health.v1.Health/Check", "grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse", { service: "plugin" })).toEqual({ status: 1 });
    } finally {
      c.close();
      await s.server.shutdown();
    }
  });

  it("GRPCController/Shutdown answers, then the server closes, removes its socket directory and exits 0", async () => {
    const s = await start();
    const c = connect(s.line);
    try {
      expect(await call(c, "/plugin.GRPCController/Shutdown", "plugin.Empty", "plugin.Empty")).toEqual({});
      const deadline = Date.now() + 5000;
      while (s.exits.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(s.exits).toEqual([0]);
      expect(fs.existsSync(path.dirname(s.server.socketPath))).toBe(false);
    } finally {
      c.close();
    }
  });

  it.each([
    ["without go-plugin's magic cookie", { ...ENV, TF_PLUGIN_MAGIC_COOKIE: undefined }, /Terraform runs it; it does nothing when started by hand/],
    ["when Terraform does not offer protocol 6", { ...ENV, PLUGIN_PROTOCOL_VERSIONS: "5" }, /speaks plugin protocol 6; Terraform offered 5/],
    ["without a client certificate (no AutoMTLS)", { ...ENV, PLUGIN_CLIENT_CERT: undefined }, /PLUGIN_CLIENT_CERT is not set/],
    ["with a client certificate that is not PEM", { ...ENV, PLUGIN_CLIENT_CERT: "garbage" }, /PLUGIN_CLIENT_CERT is not a PEM certificate/],
  ])("refuses to start %s: says why and exits 1", async (_what, env, message) => {
    let line = "";
    const exits: number[] = [];
    const logs: string[] = [];
    const stdout = { write: (s: string) => ((line += s), true) } as unknown as NodeJS.WritableStream;
    await expect(serve(new OctopusProvider({ env: {} }), { env, stdout, log: (l) => logs.push(l), exit: (c) => exits.push(c) })).rejects.toThrow();
    expect(exits).toEqual([1]);
    expect(logs.join("\n")).toMatch(message);
    expect(line).toBe("");
  });
});
