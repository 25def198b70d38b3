/** What the hook runtime and the token cache need to know about other processes (Linux /proc, else kill(0)). */
import * as fs from "node:fs";

/** The fields of /proc/<pid>/stat after the command name (Linux), or undefined. */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * Whether a process still runs. A zombie does not: a process that ended after its parent was killed
 * waits to be reaped by pid 1, which in a container without an init may never happen.
 */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return procStat(pid)?.[0] !== "Z";
}
