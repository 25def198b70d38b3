/**
 * The built hook bundle (dist/hook/hook.js) run in child processes against a fake KMS on a local
 * HTTP port, as `node hook.js apply|delete` and through the real launcher (construct/launcher.ts:
 * `/bin/sh -c LAUNCHER_SCRIPT cdktf-kms-octopus-hook hook.js <op>`, what Terraform's local-exec runs).
 * This covers what unit tests cannot: the real Node realm (fetch's errors, timeouts), exit codes and
 * output of the entry point; the request counts of `apply` for a connection new in this apply (one
 * POST) and for a changed one (GET + PATCH); the Universal Auth token cache shared by separate hook
 * processes through KMS_OCTOPUS_RUN_PID; a hook that ignores SIGINT and SIGHUP (and not SIGTERM) and
 * finishes its request; and a launcher SIGKILLed mid-request, whose hook still completes it.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { hookBundlePath } from "../../lib/construct/hook-asset";
import { LAUNCHER_SCRIPT, hookInterpreter } from "../../lib/construct/launcher";
import { OutboundRequest } from "../../lib/kms/outbound";
import { FakeKms } from "./fake-kms";
import { CONNECTIONS } from "../testing/helpers";
import { CHANGED, eventRecord, NEW } from "./event-fixture";

const API_KEY = "API-BUNDLEKEYSECRET0000000000";

interface Server {
  url: string;
  kms: FakeKms;
  /** Destroy the socket of the next N requests without answering. */
  resets: number;
  /** Answer the next N requests whose path contains `path` (any, when unset) only after this many ms. */
  slow: { count: number; ms: number; path?: string };
  /** Every answer sent, in order: "METHOD path" and when (Date.now()). */
  answered: { call: string; at: number }[];
  /** Resolves when a request whose "METHOD path" starts with `prefix` has arrived (now or later). */
  arrival(prefix: string): Promise<void>;
  close(): Promise<void>;
}

async function serve(kms = new FakeKms()): Promise<Server> {
  const state = { resets: 0 };
  const slow: Server["slow"] = { count: 0, ms: 0 };
  const answered: Server["answered"] = [];
  const arrived: string[] = [];
  const waiting: { prefix: string; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const call = `${req.method} ${req.url}`;
      arrived.push(call);
      for (const w of waiting.filter((w) => call.startsWith(w.prefix))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
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
        answered.push({ call, at: Date.now() });
      };
      if (slow.count > 0 && (slow.path === undefined || (req.url ?? "").includes(slow.path))) {
        slow.count--;
        setTimeout(() => void answer().catch(() => res.destroy()), slow.ms);
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
    slow,
    answered,
    arrival: (prefix) =>
      arrived.some((c) => c.startsWith(prefix)) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ prefix, resolve })),
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

/** The environment Terraform gives the apply hook (a clean one), with `env` on top. */
function hookEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TMPDIR: tmp,
    KMS_OCTOPUS_EVENT: event(),
    KMS_TOKEN: "static-kms-token",
    KMS_OCTOPUS_API_KEY: API_KEY,
    KMS_OCTOPUS_DECLARED_NAMES: "my-conn",
    ...env,
  };
}

/** A child process with its output collected: `exited` when it exits, `result` once every holder of its stdout/stderr pipes (an orphaned hook too) has exited. */
function started(child: ChildProcess): { child: ChildProcess; result: Promise<Result>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> } {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const result = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, result, exited };
}

/** Starts the bundle directly, `node hook.js <op>`. */
function startHook(op: string, env: NodeJS.ProcessEnv = {}) {
  return started(spawn(process.execPath, [hookBundlePath(), op], { env: hookEnv(env), stdio: ["ignore", "pipe", "pipe"] }));
}

function hook(op: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return startHook(op, env).result;
}

/** Starts the hook as Terraform does on POSIX: the launcher's interpreter, then the operation as the command. */
function startLauncher(op: string, env: NodeJS.ProcessEnv = {}, options: { detached?: boolean } = {}) {
  const [shell, ...args] = hookInterpreter(hookBundlePath(), "linux");
  return started(spawn(shell, [...args, op], { env: hookEnv(env), stdio: ["ignore", "pipe", "pipe"], ...options }));
}

/** `promise`, or a rejection naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The run directories of the per-user base under the hooks' TMPDIR. */
function runDirs(): string[] {
  const base = path.join(tmp, `cdktf-kms-octopus-${process.getuid!()}`);
  return fs.existsSync(base) ? fs.readdirSync(base) : [];
}

describe("apply", () => {
  test("new in this apply: exit 0, one line on stdout, nothing on stderr, exactly one POST", async () => {
    const r = await hook("apply", NEW);
    expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^created octopus-deploy connection "my-conn" \(id [0-9a-f-]{36}, the organization\) in \d+ ms, 1 request\n$/), stderr: "" });
    expect(server.kms.calls).toEqual([`POST ${CONNECTIONS}`]);
    expect(server.kms.byName("my-conn")?.apiKey).toBe(API_KEY);
  });

  test("changed (born in an earlier plan): GET + PATCH, 2 requests, credentials re-sent", async () => {
    const c = server.kms.add("my-conn", { description: "old", apiKey: "API-OLD" });
    const r = await hook("apply", { ...CHANGED, KMS_OCTOPUS_EVENT: event({ description: "new" }) });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^updated octopus-deploy connection "my-conn" \[description, credentials\] \(id [0-9a-f-]{36}, the organization\) in \d+ ms, 2 requests\n$/);
    expect(server.kms.calls).toEqual([`GET ${CONNECTIONS}/connection-name/my-conn`, `PATCH ${CONNECTIONS}/${c.id}`]);
    expect(server.kms.byName("my-conn")?.conn.description).toBe("new");
    expect(server.kms.byName("my-conn")?.apiKey).toBe(API_KEY);
  });

  test("changed but missing from the KMS: GET + list + POST, re-created", async () => {
    const r = await hook("apply", CHANGED);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^re-created octopus-deploy connection "my-conn" .* 3 requests\n$/);
    expect(server.kms.calls).toEqual([`GET ${CONNECTIONS}/connection-name/my-conn`, `GET ${CONNECTIONS}`, `POST ${CONNECTIONS}`]);
  });
});

test("delete: GET + DELETE", async () => {
  const c = server.kms.add("my-conn");
  const r = await hook("delete", { KMS_OCTOPUS_API_KEY: undefined });
  expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^deleted octopus-deploy connection "my-conn" .* 2 requests\n$/), stderr: "" });
  expect(server.kms.calls).toEqual([`GET ${CONNECTIONS}/connection-name/my-conn`, `DELETE ${CONNECTIONS}/${c.id}`]);
});

test("failure: exit 1, one Error line on stderr, nothing on stdout, no secret", async () => {
  server.kms.faults.push(() => ({ status: 400, body: { reqId: "req-b1", message: `Failed to validate Octopus Deploy credentials: ${API_KEY}`, error: "BadRequest" } }));
  const r = await hook("apply", NEW);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
  expect(r.stderr).toMatch(/^Error: test\/octopus: apply of "my-conn" in the organization failed/);
  expect(r.stderr).toContain("reqId req-b1");
  expect(r.stderr).not.toContain(API_KEY);
});

test.each(["create", "update", "destroy"])("operation %p (retired or unknown): exit 1, one Error line listing apply, delete; nothing sent", async (op) => {
  const r = await hook(op, NEW);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(new RegExp(`^Error: hook failed after \\d+ ms: unknown operation "${op}": expected one of apply, delete\\n$`));
  expect(server.kms.requests).toHaveLength(0);
});

test("a reset connection (real fetch error) is retried", async () => {
  server.resets = 2;
  const r = await hook("apply", { ...NEW, KMS_OCTOPUS_DEBUG: "1" });
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

describe("signals", () => {
  test.each(["SIGINT", "SIGHUP"] as const)("%s while the POST is in flight: the hook finishes it and exits 0", async (signal) => {
    server.slow.count = 1;
    server.slow.ms = 1000;
    const h = startHook("apply", NEW);
    await within(server.arrival(`POST ${CONNECTIONS}`), 10_000, "the POST");
    const signalledAt = Date.now();
    expect(h.child.kill(signal)).toBe(true);
    const r = await within(h.result, 10_000, "the hook's exit");
    expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^created octopus-deploy connection "my-conn" .* 1 request\n$/), stderr: "" });
    expect((await h.exited).signal).toBeNull();
    expect(server.answered.find((a) => a.call.startsWith("POST"))!.at).toBeGreaterThanOrEqual(signalledAt); // the signal came while the POST was in flight
    expect(server.kms.byName("my-conn")?.apiKey).toBe(API_KEY);
  }, 20_000);

  test("SIGHUP and a parent that is gone (a killed cdktf's terminal hung up) do not stop the operation", async () => {
    server.slow.count = 1;
    server.slow.ms = 800;
    const h = startHook("apply", { ...NEW, KMS_OCTOPUS_DEBUG: "1" });
    await within(server.arrival(`POST ${CONNECTIONS}`), 10_000, "the POST");
    h.child.stdout!.destroy(); // Terraform is gone: nobody reads the hook's output any more
    h.child.stderr!.destroy();
    h.child.kill("SIGHUP");
    expect(await within(h.exited, 10_000, "the hook's exit")).toEqual(expect.objectContaining({ code: 0, signal: null }));
    expect(server.kms.byName("my-conn")?.apiKey).toBe(API_KEY);
  }, 20_000);

  test("SIGTERM still stops the hook", async () => {
    server.slow.count = 1;
    server.slow.ms = 3000;
    const h = startHook("apply", NEW);
    await within(server.arrival(`POST ${CONNECTIONS}`), 10_000, "the POST");
    h.child.kill("SIGTERM");
    expect(await within(h.exited, 10_000, "the hook's exit")).toEqual(expect.objectContaining({ code: null, signal: "SIGTERM" }));
    expect((await h.result).stdout).toBe("");
  }, 20_000);
});

describe("the launcher (what Terraform runs)", () => {
  test("the interpreter is /bin/sh with the constant launcher script", () => {
    expect(hookInterpreter(hookBundlePath(), "linux")).toEqual(["/bin/sh", "-c", LAUNCHER_SCRIPT, "cdktf-kms-octopus-hook", hookBundlePath()]);
  });

  test("apply through the launcher: the hook's exit code and output pass through", async () => {
    const ok = await startLauncher("apply", NEW).result;
    expect(ok).toEqual({ code: 0, stdout: expect.stringMatching(/^created octopus-deploy connection "my-conn" .* 1 request\n$/), stderr: "" });
    const refused = await startLauncher("create", NEW).result;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: hook failed after \d+ ms: unknown operation "create": expected one of apply, delete\n$/);
  });

  test("SIGKILL of the launcher while the POST is in flight: the hook keeps running and completes it", async () => {
    server.slow.count = 1;
    server.slow.ms = 1500;
    const h = startLauncher("apply", { ...NEW, KMS_OCTOPUS_RETRY_BUDGET: "10" });
    await within(server.arrival(`POST ${CONNECTIONS}`), 10_000, "the POST");
    expect(server.kms.byName("my-conn")).toBeUndefined();
    const killedAt = Date.now();
    h.child.kill("SIGKILL"); // Terraform's kill of its local-exec child on an interrupt
    expect((await within(h.exited, 5_000, "the launcher's death")).signal).toBe("SIGKILL");
    // The orphaned hook still holds the launcher's stdout and stderr: they close when it exits.
    const r = await within(h.result, 15_000, "the orphaned hook");
    expect(r.stdout).toMatch(/^created octopus-deploy connection "my-conn" \(id [0-9a-f-]{36}, the organization\) in \d+ ms, 1 request\n$/);
    expect(r.stderr).toBe("");
    const post = server.answered.find((a) => a.call === `POST ${CONNECTIONS}`);
    expect(post!.at).toBeGreaterThanOrEqual(killedAt); // answered after the launcher was killed
    expect(server.kms.byName("my-conn")?.apiKey).toBe(API_KEY);
  }, 30_000);

  test("Ctrl-C (SIGINT to the launcher's process group): the launcher stops, the hook completes the POST", async () => {
    server.slow.count = 1;
    server.slow.ms = 1500;
    const h = startLauncher("apply", { ...NEW, KMS_OCTOPUS_RETRY_BUDGET: "10" }, { detached: true });
    await within(server.arrival(`POST ${CONNECTIONS}`), 10_000, "the POST");
    process.kill(-h.child.pid!, "SIGINT");
    const r = await within(h.result, 15_000, "the hook");
    expect(r.stdout).toMatch(/^created octopus-deploy connection "my-conn" .* 1 request\n$/);
    expect(server.kms.byName("my-conn")?.apiKey).toBe(API_KEY);
  }, 30_000);
});

describe("Universal Auth token cache shared by separate hook processes", () => {
  const UA = { KMS_TOKEN: "", KMS_CLIENT_ID: "cid", KMS_CLIENT_SECRET: "csecret-SHARED", ...CHANGED };

  /** `node hook.js apply` as the child of its own `/bin/sh` (not exec'd), like one launcher per hook. */
  function hookUnderOwnShell(env: NodeJS.ProcessEnv): Promise<Result> {
    return started(
      spawn("/bin/sh", ["-c", 'node "$1" "$2"; exit $?', "sh", hookBundlePath(), "apply"], { env: hookEnv({ ...UA, ...env }), stdio: ["ignore", "pipe", "pipe"] }),
    ).result;
  }

  beforeEach(() => {
    server.kms.identities.set("cid", "csecret-SHARED");
    server.kms.add("my-conn");
  });

  test("hooks with different parents and the same KMS_OCTOPUS_RUN_PID: one login, one run directory keyed on that pid", async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => hookUnderOwnShell({ KMS_OCTOPUS_RUN_PID: String(process.pid) })));
    for (const r of results) expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^updated octopus-deploy connection "my-conn" \[credentials\] /), stderr: "" });
    expect(server.kms.logins).toBe(1);
    expect(runDirs()).toEqual([expect.stringMatching(new RegExp(`^${process.pid}-\\d+$`))]);
  }, 30_000);

  test("control: without KMS_OCTOPUS_RUN_PID each hook keys the cache on its own parent and logs in", async () => {
    const results = await Promise.all(Array.from({ length: 3 }, () => hookUnderOwnShell({})));
    for (const r of results) expect(r.code).toBe(0);
    expect(server.kms.logins).toBe(3);
    expect(runDirs()).not.toContainEqual(expect.stringMatching(new RegExp(`^${process.pid}-`)));
  }, 30_000);

  test("through the real launcher (it passes $PPID): hooks of one terraform share one login", async () => {
    const results = await Promise.all(Array.from({ length: 3 }, () => startLauncher("apply", UA).result));
    for (const r of results) expect(r).toEqual({ code: 0, stdout: expect.stringMatching(/^updated /), stderr: "" });
    expect(server.kms.logins).toBe(1);
    expect(runDirs()).toEqual([expect.stringMatching(new RegExp(`^${process.pid}-\\d+$`))]);
  }, 30_000);
});
