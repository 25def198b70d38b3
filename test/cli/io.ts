/** Captured command output for CLI tests. */
import type { CommandIo } from "../../lib/cli/commands/drift";

/** A CommandIo that records what a command writes; `tty` makes the progress stream a terminal. */
export function captureIo(tty = false): CommandIo & { stdout: () => string; stderr: () => string; progress: string[] } {
  let out = "";
  let err = "";
  const progress: string[] = [];
  const progressStream = { isTTY: tty, write: (s: string) => progress.push(s) } as unknown as NodeJS.WriteStream;
  return { out: (t) => (out += t), err: (t) => (err += t), progressStream, stdout: () => out, stderr: () => err, progress };
}
