/**
 * The built hook bundle (dist/hook/hook.js) run as Terraform runs it, `node hook.js <op>` in child
 * processes, against a fake KMS on a local HTTP port. This covers what unit tests cannot: the real
 * Node realm (fetch's errors, timeouts), exit codes and output of the entry point, the created-in-
 * this-run fast path, and the token cache shared by separate processes.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { hookBundlePath } from "../../lib/construct/hook-asset";
import { OutboundRequest } from "../../lib/kms/outbound";
import { FakeKms } from "./fake-kms";
import { eventRecord } from "./event-fixture";

const API_KEY = "API-BUNDLEKEYSECRET0000000000";
const RESOURCE_ID = "6f1c0d8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f";

interface Server {
  url: string;
  kms: FakeKms;
  /** Destroy the socket of the next N requests without answering. */
  resets: number;
  /** Answer the next N requests only after this many ms. */
  slow: { count: number; ms: number };
  close(): Promise<void>;
}

async function serve(kms = new FakeKms()): Promise<Server> {
  const state = { resets: 0, slow: { count: 0, ms: 0 } };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (state.resets > 0) {
        state.resets--;
        req.socket.destroy();
        return;
      }
      const answer = async () => {
        const out: OutboundRequest = {
          method: req.method as OutboundRequest["method"],
          url: `http://127.0.0.1${req.url}`,
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
          body: chunks.length ? Buffer.concat(chunks).toString("utf8") : undefined,
          timeoutMs: 0,
        };
        const r = await kms.transport(out);
        res.writeHead(r.status, r.headers as http.OutgoingHttpHeaders);
        res.end(r.body);
      };
      if (state.slow.count > 0) {
        state.slow.count--;
        setTimeout(() => void answer().catch(() => res.destroy()), state.slow.ms);
      } else {
        void answer();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    kms,
    get resets() {
      return state.resets;
    },
    set resets(n: number) {
      state.resets = n;
    },
    slow: state.slow,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

let tmp: string;
let server: Server;
beforeEach(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-main-"));
  server = await serve();
});
afterEach(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function event(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(eventRecord({ kms_url: server.url, ...overrides }));
}

/** Runs the bundle like Terraform's local-exec: no shell, a clean environment. */
function hook(op: string, env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hookBundlePath(), op], {
      env: { PATH: process.env.PATH, TMPDIR: tmp, KMS_OCTOPUS_EVENT: event(), KMS_TOKEN: "static-kms-token", KMS_OCTOPUS_API_KEY: API_KEY, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("create: exit 0, one line on stdout, nothing on stderr", async () => {
  const r = await hook("create", { KMS_OCTOPUS_RESOURCE_ID: RESOURCE_ID });
  expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^created octopus-deploy connection "my-conn" \(id [0-9a-f-]{36}, the organization\) in \d+ ms, 1 request\n$/), stderr: "" });
  expect(server.kms.byName("my-conn")?.apiKey).toBe(API_KEY);
});

test("after create, update and credentials of the same resource in the same run send nothing", async () => {
  expect((await hook("create", { KMS_OCTOPUS_RESOURCE_ID: RESOURCE_ID })).code).toBe(0);
  const before = server.kms.requests.length;
  for (const op of ["credentials", "update"]) {
    const r = await hook(op, { KMS_OCTOPUS_RESOURCE_ID: RESOURCE_ID, KMS_OCTOPUS_EVENT: event({ description: "changed later" }) });
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  }
  expect(server.kms.requests.length).toBe(before);
});

test("update of a resource not created in this run: GET, PATCH", async () => {
  server.kms.add("my-conn", { description: "old" });
  const r = await hook("update", { KMS_OCTOPUS_RESOURCE_ID: RESOURCE_ID, KMS_OCTOPUS_EVENT: event({ description: "new" }) });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^updated octopus-deploy connection "my-conn" \[description\] .* 2 requests\n$/);
  expect(server.kms.byName("my-conn")?.conn.description).toBe("new");
});

test("failure: exit 1, one Error line on stderr, nothing on stdout, no secret", async () => {
  server.kms.faults.push(() => ({ status: 400, body: { reqId: "req-b1", message: `Failed to validate Octopus Deploy credentials: ${API_KEY}`, error: "BadRequest" } }));
  const r = await hook("create", {});
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(/^Error: test\/octopus: create of "my-conn" in the organization failed/);
  expect(r.stderr).toContain("reqId req-b1");
  expect(r.stderr).not.toContain(API_KEY);
});

test("an unknown operation: exit 1, one Error line", async () => {
  const r = await hook("destroy", {});
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^Error: hook failed after \d+ ms: unknown operation "destroy"[^\n]*\n$/);
  expect(server.kms.requests).toHaveLength(0);
});

test("a reset connection (real fetch error) is retried", async () => {
  server.resets = 2;
  const r = await hook("create", { KMS_OCTOPUS_DEBUG: "1" });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^created .* 3 requests\n$/); // attempts are counted
  const attempts = r.stderr.split("\n").filter(Boolean);
  expect(attempts).toHaveLength(3);
  expect(attempts[2]).toMatch(/-> 200 \(\d+ ms, attempt 3\)$/);
});

test("an attempt that times out (real AbortSignal.timeout) is retried", async () => {
  server.slow.count = 1;
  server.slow.ms = 1500;
  const r = await hook("delete", { KMS_OCTOPUS_REQUEST_TIMEOUT: "0.3", KMS_OCTOPUS_DEBUG: "1" });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain("no answer before the attempt timeout");
  expect(r.stdout).toMatch(/^already gone /);
}, 15_000);

test("connection refused is retried until the budget runs out, then reported", async () => {
  await server.close();
  const r = await hook("delete", { KMS_OCTOPUS_RETRY_BUDGET: "0.5" });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/ECONNREFUSED/);
  expect(r.stderr).toMatch(/failed after \d+ attempt\(s\)/);
  expect(r.stderr).not.toContain("not retried");
  server = await serve(); // for afterEach
}, 15_000);

test("SIGHUP and a parent that is gone (a killed cdktf's terminal hung up) do not stop the operation", async () => {
  server.slow.count = 1;
  server.slow.ms = 800;
  const child = spawn(process.execPath, [hookBundlePath(), "create"], {
    env: { PATH: process.env.PATH, TMPDIR: tmp, KMS_OCTOPUS_EVENT: event(), KMS_TOKEN: "static-kms-token", KMS_OCTOPUS_API_KEY: API_KEY, KMS_OCTOPUS_DEBUG: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  await new Promise((resolve) => setTimeout(resolve, 400)); // the POST is in flight
  child.stdout.destroy(); // Terraform is gone: nobody reads the hook's output any more
  child.stderr.destroy();
  child.kill("SIGHUP");
  expect(await exited).toBe(0);
  expect(server.kms.byName("my-conn")?.apiKey).toBe(API_KEY);
}, 15_000);

test("separate hook processes of one run share one Universal Auth login", async () => {
  server.kms.identities.set("cid", "csecret-SHARED");
  server.kms.add("my-conn");
  const env = { KMS_TOKEN: "", KMS_CLIENT_ID: "cid", KMS_CLIENT_SECRET: "csecret-SHARED", KMS_OCTOPUS_RESOURCE_ID: RESOURCE_ID };
  const results = await Promise.all(Array.from({ length: 6 }, () => hook("update", env)));
  for (const r of results) expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^in sync /), stderr: "" });
  expect(server.kms.logins).toBe(1);
}, 20_000);
