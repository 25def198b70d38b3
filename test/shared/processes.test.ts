import { spawn } from "node:child_process";
import { procStat, processRunning } from "../../lib/shared/processes";

/** Starts `sh` that leaves a zombie child behind (its exec'd `sleep` never reaps it); resolves its pid. */
async function zombie(): Promise<{ pid: number; stop: () => void }> {
  const holder = spawn("/bin/sh", ["-c", "true & echo $!; exec sleep 5"], { stdio: ["ignore", "pipe", "ignore"] });
  const pid = await new Promise<number>((resolve) => holder.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
  for (let i = 0; i < 100 && procStat(pid)?.[0] !== "Z"; i++) await new Promise((r) => setTimeout(r, 20));
  return { pid, stop: () => holder.kill("SIGKILL") };
}

describe("processRunning", () => {
  test("this process runs; a pid that does not exist does not", () => {
    expect(processRunning(process.pid)).toBe(true);
    expect(processRunning(99_999_999)).toBe(false);
  });

  test("a zombie (ended, never reaped) does not run, although kill(pid, 0) still succeeds", async () => {
    const z = await zombie();
    try {
      expect(procStat(z.pid)?.[0]).toBe("Z");
      expect(() => process.kill(z.pid, 0)).not.toThrow();
      expect(processRunning(z.pid)).toBe(false);
    } finally {
      z.stop();
    }
  });
});
