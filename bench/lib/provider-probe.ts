/**
 * Loaded into every Node process of a measured command through `NODE_OPTIONS=--require <this file>`
 * (P9, P12). In the provider's processes only (the script Terraform runs is the provider file,
 * `terraform-provider-hanzokms_v...`), it appends one JSON line to the file named by
 * BENCH_PROVIDER_PROBE when the process starts, and one with its peak RSS (KB) when it exits: VmHWM
 * of /proc/self/status on Linux, the high-water mark of this process's own memory.
 * `process.resourceUsage().maxRSS` is not used there: Linux carries the parent's peak into it across
 * the fork and exec (Go starts the provider with CLONE_VM, so it read Terraform's own RSS at the
 * time of the start: 60 MB for the first process of a command, 80 for the last). It records no argument, environment or value:
 * only pids, times and sizes. Every other process is left alone.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** One line of the probe file. */
export interface ProbeLine {
  readonly event: "start" | "exit";
  readonly pid: number;
  readonly ppid: number;
  /** Epoch ms. */
  readonly at: number;
  /** Peak RSS in KB (exit lines only). */
  readonly maxRssKb?: number;
}

/** Environment variable naming the probe file. */
export const PROBE_ENV = "BENCH_PROVIDER_PROBE";

/** This process's own peak RSS in KB (VmHWM on Linux; getrusage elsewhere). */
function peakRssKb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

const file = process.env[PROBE_ENV];
if (file && path.basename(process.argv[1] ?? "").startsWith("terraform-provider-hanzokms")) {
  const write = (line: ProbeLine) => fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  write({ event: "start", pid: process.pid, ppid: process.ppid, at: Date.now() });
  process.on("exit", () => write({ event: "exit", pid: process.pid, ppid: process.ppid, at: Date.now(), maxRssKb: peakRssKb() }));
}
