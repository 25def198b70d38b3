/**
 * Loaded into every Node process of a measured command through `NODE_OPTIONS=--require <this file>`
 * (P9, P12). In the provider's processes only (the script Terraform runs is the provider file,
 * `terraform-provider-hanzokms_v...`), it appends one JSON line to the file named by
 * BENCH_PROVIDER_PROBE when the process starts, and one with its peak RSS
 * (`process.resourceUsage().maxRSS`, KB) when it exits. It records no argument, environment or value:
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

const file = process.env[PROBE_ENV];
if (file && path.basename(process.argv[1] ?? "").startsWith("terraform-provider-hanzokms")) {
  const write = (line: ProbeLine) => fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
  write({ event: "start", pid: process.pid, ppid: process.ppid, at: Date.now() });
  process.on("exit", () => write({ event: "exit", pid: process.pid, ppid: process.ppid, at: Date.now(), maxRssKb: process.resourceUsage().maxRSS }));
}
