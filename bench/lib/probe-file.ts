/** Reading what provider-probe.ts wrote: the provider processes of one command and their peak RSS. */
import * as fs from "node:fs";
import { PROBE_ENV, ProbeLine } from "./provider-probe";
import { PROVIDER_PROBE } from "./paths";

/** Provider processes of one command. */
export interface ProviderProcesses {
  /** Processes started. */
  readonly started: number;
  /** Processes that reported their exit (and peak RSS). */
  readonly exited: number;
  /** Peak RSS of each exited process, MB. */
  readonly rssMb: readonly number[];
}

/** Environment that makes the provider processes of a command report to `file` (emptied first). */
export function probeEnv(file: string): NodeJS.ProcessEnv {
  fs.writeFileSync(file, "");
  return { NODE_OPTIONS: `--require ${PROVIDER_PROBE}`, [PROBE_ENV]: file };
}

/** What the provider processes reported to `file`. */
export function readProbe(file: string): ProviderProcesses {
  const lines = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ProbeLine);
  const exits = lines.filter((l) => l.event === "exit");
  return { started: lines.filter((l) => l.event === "start").length, exited: exits.length, rssMb: exits.map((l) => (l.maxRssKb ?? 0) / 1024) };
}
