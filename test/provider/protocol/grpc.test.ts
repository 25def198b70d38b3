/**
 * The provider's gRPC transport (lib/provider/protocol/grpc.ts) with @grpc/grpc-js, an independent
 * gRPC implementation, as the client over mutual TLS on a unix socket, as go-plugin connects.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { selfSignedCertificate, ServerCertificate } from "../../../lib/provider/protocol/certificate";
import { GrpcError, GrpcServer, GrpcStatus, UnaryHandler, frame, pemToDer, unframe } from "../../../lib/provider/protocol/grpc";

const serverCert = selfSignedCertificate();
const clientCert = selfSignedCertificate();
const strangerCert = selfSignedCertificate();

interface Running {
  readonly server: GrpcServer;
  readonly socket: string;
  readonly logs: string[];
  readonly calls: string[];
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function start(methods: Record<string, UnaryHandler>): Promise<Running> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grpc-test-"));
  dirs.push(dir);
  const socket = path.join(dir, "s.sock");
  const logs: string[] = [];
  const calls: string[] = [];
  const wrapped = new Map(Object.entries(methods).map(([k, h]) => [k, (b: Buffer) => (calls.push(k), h(b))]));
  const server = new GrpcServer(wrapped, { cert: serverCert.certPem, key: serverCert.keyPem, clientCertDer: clientCert.der }, (l) => logs.push(l));
  await server.listen(socket);
  return { server, socket, logs, calls };
}

function client(socket: string, as: ServerCertificate | null = clientCert): grpc.Client {
  const creds = grpc.credentials.createSsl(Buffer.from(serverCert.certPem), as ? Buffer.from(as.keyPem) : null, as ? Buffer.from(as.certPem) : null, { checkServerIdentity: () => undefined });
  return new grpc.Client(`unix://${socket}`, creds, { "grpc.ssl_target_name_override": "localhost", "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 });
}

function call(c: grpc.Client, method: string, request: Buffer, deadlineMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    c.makeUnaryRequest(
      method,
      (b: Buffer) => b,
      (b: Buffer) => b,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (err, res) => (err ? reject(err) : resolve(res!)),
    ),
  );
}

const echo: UnaryHandler = async (b) => Buffer.concat([Buffer.from("echo:"), b]);

describe("gRPC transport", () => {
  let r: Running;
  let c: grpc.Client;
  beforeAll(async () => {
    r = await start({
      "/t.S/Echo": echo,
      "/t.S/Fail": async () => {
        throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, "bad: ünïcode\nsecond line 100%");
      },
      "/t.S/Crash": async () => {
        throw new Error("handler crashed");
      },
      "/t.S/Slow": (b) => new Promise((res) => setTimeout(() => res(b), 300)),
    });
    c = client(r.socket);
  });
  afterAll(async () => {
    c.close();
    await r.server.close();
  });

  it("answers a unary call (and an empty message)", async () => {
    expect((await call(c, "/t.S/Echo", Buffer.from("hi"))).toString()).toBe("echo:hi");
    expect((await call(c, "/t.S/Echo", Buffer.alloc(0))).toString()).toBe("echo:");
  });

  it("an unknown method is UNIMPLEMENTED, naming it", async () => {
    await expect(call(c, "/t.S/Nope", Buffer.alloc(0))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED, details: "unknown method /t.S/Nope" });
  });

  it("a GrpcError keeps its code and message (percent-encoded on the wire); any other error is INTERNAL", async () => {
    await expect(call(c, "/t.S/Fail", Buffer.alloc(0))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: "bad: ünïcode second line 100%" });
    await expect(call(c, "/t.S/Crash", Buffer.alloc(0))).rejects.toMatchObject({ code: grpc.status.INTERNAL, details: "handler crashed" });
  });

  it("carries a 20 MB message both ways", async () => {
    const big = Buffer.alloc(20 * 1024 * 1024, 7);
    const res = await call(c, "/t.S/Echo", big);
    expect(res.length).toBe(big.length + 5);
    expect(res.subarray(5).equals(big)).toBe(true);
  });

  it("answers 50 concurrent calls, each its own", async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => call(c, "/t.S/Echo", Buffer.from(String(i)))));
    expect(answers.map((a) => a.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `echo:${i}`));
  });

  it("drained() waits for the calls in flight", async () => {
    const pending = call(c, "/t.S/Slow", Buffer.from("s"));
    await new Promise((res) => setTimeout(res, 100));
    expect(r.server.calls).toBe(1);
    const t = Date.now();
    await r.server.drained(5000);
    expect(Date.now() - t).toBeGreaterThan(100);
    expect(r.server.calls).toBe(0);
    expect((await pending).toString()).toBe("s");
  });
});

describe("gRPC transport: only the pinned client certificate gets in", () => {
  it("a client with another certificate, or none, is refused before any call is read", async () => {
    const r = await start({ "/t.S/Echo": echo });
    try {
      for (const who of [strangerCert, null]) {
        const c = client(r.socket, who);
        await expect(call(c, "/t.S/Echo", Buffer.from("x"), 3000)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
        c.close();
      }
      expect(r.calls).toEqual([]);
      expect(r.logs.join("\n")).toMatch(/TLS client refused/);
      // The right certificate still gets in.
      const ok = client(r.socket);
      expect((await call(ok, "/t.S/Echo", Buffer.from("x"))).toString()).toBe("echo:x");
      ok.close();
    } finally {
      await r.server.close();
    }
  });

  it("after close() nothing is answered", async () => {
    const r = await start({ "/t.S/Echo": echo });
    const c = client(r.socket);
    expect((await call(c, "/t.S/Echo", Buffer.from("1"))).toString()).toBe("echo:1");
    await r.server.close();
    await expect(call(c, "/t.S/Echo", Buffer.from("2"), 2000)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    c.close();
  });
});

describe("gRPC framing", () => {
  it("frames a message as flag byte + 4-byte big-endian length", () => {
    expect(frame(Buffer.from("abc")).toString("hex")).toBe("0000000003616263");
    expect(unframe(Buffer.from("0000000003616263", "hex")).toString()).toBe("abc");
    expect(unframe(frame(Buffer.alloc(0))).length).toBe(0);
  });

  it("refuses a compressed message, a short body, and a length that does not match", () => {
    expect(() => unframe(Buffer.from("0100000001ff", "hex"))).toThrow(expect.objectContaining({ code: GrpcStatus.UNIMPLEMENTED }));
    expect(() => unframe(Buffer.from("0000", "hex"))).toThrow(/holds no message/);
    expect(() => unframe(Buffer.from("0000000005aa", "hex"))).toThrow(/declares 5/);
    // Two messages in a unary request.
    expect(() => unframe(Buffer.concat([frame(Buffer.from("a")), frame(Buffer.from("b"))]))).toThrow(/declares 1/);
  });

  it("reads the DER of a PEM certificate", () => {
    expect(pemToDer(clientCert.certPem).equals(clientCert.der)).toBe(true);
    expect(() => pemToDer("not a certificate")).toThrow(/not a PEM certificate/);
  });
});
