/**
 * The private run directory shared by the hooks of one terraform process: a per-user 0700 base that
 * is refused when unsafe, one directory per (pid, start time), keyed on the terraform pid the
 * launcher passes in KMS_OCTOPUS_RUN_PID (else the hook's parent), and pruning of ended runs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import os = require("node:os");
import * as path from "node:path";
import { privateBaseDir, runDir, terraformPid } from "../../lib/hook/runtime-dir";
import { procStat } from "../../lib/shared/processes";
import { zombie } from "../shared/zombie";

const uid = process.getuid!();
let tmp: string;

// runDir() uses os.tmpdir(); under jest, setting TMPDIR does not reach Node's os module, so the
// function itself is redirected to a throwaway directory (the real temp dir is never touched).
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-rundir-"));
  jest.spyOn(os, "tmpdir").mockReturnValue(tmp);
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const base = () => path.join(tmp, `cdktf-kms-octopus-${uid}`);

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("privateBaseDir", () => {
  test("creates a per-user 0700 directory and reuses it", () => {
    expect(privateBaseDir(tmp)).toBe(base());
    expect(mode(base())).toBe(0o700);
    expect(privateBaseDir(tmp)).toBe(base());
  });

  test("refuses a directory others can read", () => {
    fs.mkdirSync(base(), { mode: 0o700 });
    fs.chmodSync(base(), 0o755);
    expect(privateBaseDir(tmp)).toBeUndefined();
  });

  test("refuses a symlink, even to a private directory", () => {
    const target = path.join(tmp, "elsewhere");
    fs.mkdirSync(target, { mode: 0o700 });
    fs.symlinkSync(target, base());
    expect(privateBaseDir(tmp)).toBeUndefined();
  });

  test("refuses a file in its place", () => {
    fs.writeFileSync(base(), "");
    expect(privateBaseDir(tmp)).toBeUndefined();
  });

  test("undefined when the temp dir is not writable", () => {
    expect(privateBaseDir(path.join(tmp, "does", "not", "exist"))).toBeUndefined();
  });
});

describe("terraformPid", () => {
  test.each(["1", "4242", "4294967295"])("a plausible pid from the launcher, %p, is used", (value) => {
    expect(terraformPid(value, 77)).toBe(Number(value));
  });
  test.each([undefined, "", "0", "-1", "01", " 42", "42 ", "4x", "1e3", "12345678901"])("%p falls back to the parent", (value) => {
    expect(terraformPid(value, 77)).toBe(77);
  });
});

describe("runDir", () => {
  test("one 0700 directory per parent process, named by pid and start time, stable across calls", () => {
    const dir = runDir(process.pid)!;
    expect(path.dirname(dir)).toBe(base());
    expect(path.basename(dir)).toMatch(new RegExp(`^${process.pid}-\\d+$`));
    expect(mode(dir)).toBe(0o700);
    expect(runDir(process.pid)).toBe(dir);
    expect(runDir(process.ppid)).not.toBe(dir);
  });

  test("defaults to the parent process (the terraform process for a hook)", () => {
    expect(path.basename(runDir()!)).toMatch(new RegExp(`^${process.ppid}-`));
  });

  test("with KMS_OCTOPUS_RUN_PID set when the hook starts (the launcher), defaults to that pid, not the parent", () => {
    const terraform = process.pid; // a live process other than this one's parent
    let fromLauncher: typeof runDir | undefined;
    const env = jest.replaceProperty(process, "env", { ...process.env, KMS_OCTOPUS_RUN_PID: String(terraform) });
    try {
      jest.isolateModules(() => {
        fromLauncher = (require("../../lib/hook/runtime-dir") as typeof import("../../lib/hook/runtime-dir")).runDir;
      });
    } finally {
      env.restore();
    }
    expect(terraform).not.toBe(process.ppid);
    expect(path.basename(fromLauncher!()!)).toMatch(new RegExp(`^${terraform}-\\d+$`));
  });

  test("keeps the parent the hook started with: a hook that outlives a killed terraform is re-parented, not moved", () => {
    const terraform = process.ppid;
    let late: typeof runDir | undefined;
    jest.isolateModules(() => {
      late = (require("../../lib/hook/runtime-dir") as typeof import("../../lib/hook/runtime-dir")).runDir;
    });
    const reparented = jest.replaceProperty(process, "ppid", 1);
    try {
      expect(path.basename(late!()!)).toMatch(new RegExp(`^${terraform}-`));
    } finally {
      reparented.restore();
    }
  });

  test("prunes directories of ended runs and of reused pids, keeps live runs and foreign entries", () => {
    const live = runDir(process.pid)!;
    fs.writeFileSync(path.join(live, "keep-me"), "");
    const dead = path.join(base(), `${deadPid()}-12345`);
    const reused = path.join(base(), `${process.pid}-1`); // same pid, another start time
    const foreign = path.join(base(), "not-a-run");
    for (const d of [dead, reused, foreign]) fs.mkdirSync(d, { mode: 0o700 });
    // Pruning happens when a new run directory is created.
    runDir(process.ppid);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(reused)).toBe(false);
    expect(fs.existsSync(foreign)).toBe(true);
    expect(fs.existsSync(path.join(live, "keep-me"))).toBe(true);
  });

  test("prunes the directory of a run whose terraform ended but was not reaped (a zombie)", async () => {
    const z = await zombie();
    try {
      expect(procStat(z.pid)?.[0]).toBe("Z");
      const started = procStat(z.pid)?.[19];
      expect(started).toMatch(/^\d+$/);
      runDir(process.pid);
      const ended = path.join(base(), `${z.pid}-${started}`);
      fs.mkdirSync(ended, { mode: 0o700 });
      runDir(process.ppid); // a new run directory: prunes
      expect(fs.existsSync(ended)).toBe(false);
    } finally {
      z.stop();
    }
  });

  test("undefined when the base directory is unsafe", () => {
    fs.mkdirSync(base(), { mode: 0o700 });
    fs.chmodSync(base(), 0o777);
    expect(runDir(process.pid)).toBeUndefined();
    expect(fs.readdirSync(base())).toEqual([]);
  });
});
