/**
 * Running and timing child processes. Wall time is taken here (hrtime from spawn to exit); CPU time
 * and peak RSS come from GNU time (`/usr/bin/time -f ... -o FILE`) wrapped around the child, which
 * reads the kernel's rusage of the whole waited-for process tree (ru_maxrss is the largest single
 * process). Without /usr/bin/time only wall time is reported.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const GNU_TIME = "/usr/bin/time";
const hasGnuTime = fs.existsSync(GNU_TIME);

/** One finished run. */
export interface Run {
  /** Exit code (-1 when killed). */
  readonly code: number;
  /** Wall milliseconds, spawn to exit. */
  readonly wallMs: number;
  /** User + system CPU milliseconds of the process tree, when GNU time is available. */
  readonly cpuMs?: number;
  /** Peak resident set size in KB of the largest process of the tree, when GNU time is available. */
  readonly maxRssKb?: number;
  /** Captured stdout (the last 1 MB). */
  readonly stdout: string;
  /** Captured stderr (the last 1 MB). */
  readonly stderr: string;
}

/** How to run. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the process tree after this many ms. @default 10 minutes */
  readonly timeoutMs?: number;
  /** Wrap with GNU time for CPU and peak RSS. @default true */
  readonly rusage?: boolean;
}

const KEEP = 1 << 20;
let seq = 0;

/** Runs `cmd args` to completion. Never rejects on a non-zero exit: check `code`. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<Run> {
  const wrap = (opts.rusage ?? true) && hasGnuTime;
  const timeFile = path.join(os.tmpdir(), `kms-octopus-bench-time-${process.pid}-${seq++}`);
  const [file, argv] = wrap ? [GNU_TIME, ["-f", "%U %S %M", "-o", timeFile, cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout = (stdout + d).slice(-KEEP)));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr = (stderr + d).slice(-KEEP)));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* already gone */
      }
    }, opts.timeoutMs ?? 600_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      let cpuMs: number | undefined;
      let maxRssKb: number | undefined;
      if (wrap) {
        try {
          // GNU time prints "Command exited with non-zero status N" first on failure; the numbers are the last line.
          const last = fs.readFileSync(timeFile, "utf8").trim().split("\n").pop() ?? "";
          const [user, sys, rss] = last.split(" ").map(Number);
          if (Number.isFinite(user) && Number.isFinite(sys)) cpuMs = (user! + sys!) * 1000;
          if (Number.isFinite(rss)) maxRssKb = rss;
        } catch {
          /* no rusage: leave undefined */
        }
        fs.rmSync(timeFile, { force: true });
      }
      resolve({ code: code ?? -1, wallMs, cpuMs, maxRssKb, stdout, stderr });
    });
  });
}

/** Throws with the tail of the output when a run failed. */
export function check(what: string, r: Run): Run {
  if (r.code !== 0) {
    const tail = (text: string) => text.trim().split("\n").slice(-30).join("\n");
    throw new Error(`${what} exited with code ${r.code}:\n--- stdout (tail)\n${tail(r.stdout)}\n--- stderr (tail)\n${tail(r.stderr)}`);
  }
  return r;
}
