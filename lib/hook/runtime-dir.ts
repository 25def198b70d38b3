/**
 * A private directory shared by the hook processes of one Terraform run (they share a parent: the
 * terraform process), used for the Universal Auth token cache. It lives under the OS temp dir in a
 * per-user 0700 directory, named after the parent's pid and start time, so one apply never sees
 * another's files. Directories of runs that ended are pruned.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HOOK_ENV } from "./protocol";
import { procStat, processRunning } from "../shared/processes";

/** The per-user base directory, or undefined when it is not safe to use (not ours, shared, a link). */
export function privateBaseDir(tmp = os.tmpdir()): string | undefined {
  const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
  const base = path.join(tmp, `cdktf-kms-octopus-${uid ?? os.userInfo().username}`);
  try {
    fs.mkdirSync(base, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
  }
  const st = fs.lstatSync(base);
  if (!st.isDirectory() || st.isSymbolicLink()) return undefined;
  if (uid !== undefined && (st.uid !== uid || (st.mode & 0o077) !== 0)) return undefined;
  return base;
}

/** Start time of a process (Linux: /proc/<pid>/stat field 22), to tell a pid from a reused one. */
function startTime(pid: number): string {
  return procStat(pid)?.[19] ?? "0";
}

/**
 * The terraform process that started this hook, read when the hook starts: the launcher passes its
 * own parent's pid (the hook is the launcher's child), else the hook's parent is terraform. A hook
 * that outlives a killed terraform is re-parented (often to pid 1, which never ends): reading the
 * parent later would put its files in a directory of no run, which is never pruned and is shared by
 * the leftover hooks of every killed run.
 */
const startedBy = terraformPid(process.env[HOOK_ENV.runPid], process.ppid);

/** The launcher's pid of terraform when it is a plausible pid, else the hook's parent. */
export function terraformPid(fromLauncher: string | undefined, parent: number): number {
  return fromLauncher !== undefined && /^[1-9]\d{0,9}$/.test(fromLauncher) ? Number(fromLauncher) : parent;
}

/** The directory of the current Terraform run, created on first use; undefined when unsafe. */
export function runDir(parentPid = startedBy): string | undefined {
  const base = privateBaseDir();
  if (!base) return undefined;
  const dir = path.join(base, `${parentPid}-${startTime(parentPid)}`);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { mode: 0o700, recursive: true });
    pruneEnded(base, dir);
  }
  return dir;
}

/** Removes directories of runs whose terraform process is gone. */
function pruneEnded(base: string, keep: string): void {
  for (const entry of fs.readdirSync(base)) {
    const full = path.join(base, entry);
    const [pid, started] = entry.split("-");
    if (full === keep || !pid || !/^\d+$/.test(pid)) continue;
    if (processRunning(Number(pid)) && startTime(Number(pid)) === started) continue;
    fs.rmSync(full, { recursive: true, force: true });
  }
}
