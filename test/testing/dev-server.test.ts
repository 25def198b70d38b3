/** The `dev-server` command: one JSON line on stdout, flags passed through and checked, clean stop on a signal. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { registerDevServer } from "../../lib/cli/commands/dev-server";
import { CONNECTIONS, call, delay, type Json } from "./helpers";

/** A program with only dev-server, whose errors throw instead of exiting. */
function program(errors: string[] = []): Command {
  const root = new Command()
    .exitOverride()
    .configureOutput({ writeErr: (text) => errors.push(text), writeOut: () => undefined });
  registerDevServer(root);
  return root;
}

/** Runs `dev-server ARGS` until its JSON line is out; `stop` sends SIGTERM and waits for the command to end. */
async function startDevServer(args: readonly string[]): Promise<{ lines: string[]; info: Json; stop: () => Promise<void> }> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  let ended = false;
  const running = program()
    .parseAsync(["dev-server", ...args], { from: "user" })
    .finally(() => (ended = true));
  try {
    for (let i = 0; i < 500 && lines.length === 0 && !ended; i++) await delay(10);
  } finally {
    spy.mockRestore();
  }
  if (lines.length === 0) throw new Error(`dev-server printed nothing (ended: ${ended})`);
  return {
    lines,
    info: JSON.parse(lines[0] as string),
    stop: async () => {
      process.emit("SIGTERM");
      await running;
    },
  };
}

it("prints exactly one JSON line with URLs and credentials, serves, and stops on SIGTERM", async () => {
  const server = await startDevServer(["--port", "0"]);
  try {
    expect(server.lines).toHaveLength(1);
    expect(server.lines[0]?.endsWith("\n")).toBe(true);
    expect(Object.keys(server.info)).toEqual(["kmsUrl", "token", "clientId", "clientSecret", "projectId", "octopusUrl", "octopusApiKey"]);
    expect((await call(server.info, "GET", CONNECTIONS)).status).toBe(200);
  } finally {
    await server.stop();
  }
  await expect(fetch(`${server.info.kmsUrl}/healthcheck`)).rejects.toThrow();
  expect(process.listenerCount("SIGTERM")).toBe(0);
});

it("passes the limits through", async () => {
  const server = await startDevServer(["--read-limit", "1", "--latency-ms", "1"]);
  try {
    expect((await call(server.info, "GET", CONNECTIONS)).status).toBe(200);
    expect((await call(server.info, "GET", CONNECTIONS)).status).toBe(429);
  } finally {
    await server.stop();
  }
});

it("passes the faults through", async () => {
  const server = await startDevServer(["--fault-rate", "1", "--fault-seed", "9", "--fault-kinds", "503, 502"]);
  try {
    expect([502, 503]).toContain((await call(server.info, "GET", CONNECTIONS)).status);
    expect((await fetch(`${server.info.kmsUrl}/healthcheck`)).status).toBe(200);
  } finally {
    await server.stop();
  }
});

it("reuses --state across restarts", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dev-server-"));
  try {
    const state = join(dir, "state.json");
    const first = await startDevServer(["--state", state]);
    await first.stop();
    const second = await startDevServer(["--state", state]);
    await second.stop();
    expect(second.info).toMatchObject({ token: first.info.token, projectId: first.info.projectId, octopusApiKey: first.info.octopusApiKey });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it.each([
  [["--port", "abc"], "--port"],
  [["--port", "70000"], "--port"],
  [["--fault-rate", "2"], "--fault-rate"],
  [["--fault-rate", "0.5", "--fault-kinds", "500,boom"], "--fault-kinds"],
  [["--fault-seed", "3"], "--fault-rate"],
  [["--read-limit", "-1"], "--read-limit"],
  [["--token-ttl", "0"], "--token-ttl"],
  [["--latency-ms", "1.5"], "--latency-ms"],
])("refuses %j with an error naming %s and exit code 1", async (args, flag) => {
  const errors: string[] = [];
  const failure = program(errors).parseAsync(["dev-server", ...args], { from: "user" });
  await expect(failure).rejects.toBeInstanceOf(CommanderError);
  await expect(failure).rejects.toMatchObject({ exitCode: 1 });
  expect(errors.join("")).toContain(flag);
});
