/** A zombie process for tests of the process-liveness checks (lib/shared/processes.ts). */
import { spawn } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { procStat } from "../../lib/shared/processes";

/**
 * Leaves a zombie: a process that has ended and that its parent never reaps. `sh` starts a child, then
 * replaces itself with `sleep`, which never calls wait(). The child exits only once the shell has become
 * `sleep`: a child that ends earlier can be reaped by the shell itself, and then there is no zombie
 * (CI saw exactly that when the child was `true`). Resolves once /proc shows the pid in state Z.
 */
export async function zombie(holdSeconds = 10): Promise<{ pid: number; stop: () => void }> {
  const script = `( until [ "$(cat /proc/$$/comm)" = sleep ]; do sleep 0.01; done ) & echo $!; exec sleep ${holdSeconds}`;
  const holder = spawn("/bin/sh", ["-c", script], { stdio: ["ignore", "pipe", "ignore"] });
  const stop = (): void => void holder.kill("SIGKILL");
  try {
    const pid = await new Promise<number>((resolve, reject) => {
      holder.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
      holder.once("error", reject);
    });
    for (let i = 0; i < 250; i++) {
      if (procStat(pid)?.[0] === "Z") return { pid, stop };
      await delay(20);
    }
    throw new Error(`pid ${pid} did not become a zombie within 5 s (state ${procStat(pid)?.[0] ?? "gone"})`);
  } catch (err) {
    stop();
    throw err;
  }
}
