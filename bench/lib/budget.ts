/**
 * The time budget: each section runs under a soft deadline (epoch ms); repetitions that would end
 * past it are not started, and every such cut is noted for the report.
 */
import { log } from "./report";

let deadline = Infinity;
/** Notes of repetitions or sizes left out to stay within the time budget. */
export const budgetNotes: string[] = [];

/** Sets the soft deadline of the section about to run. */
export function setSectionDeadline(at: number): void {
  deadline = at;
}

/** The soft deadline of the current section. */
export function sectionDeadline(): number {
  return deadline;
}

/** Notes a cut made to stay within the budget. */
export function budgetNote(note: string): void {
  budgetNotes.push(note);
}

/**
 * Runs `tasks` round-robin `reps` times (ABAB...); returns each task's samples. After `minReps`
 * rounds, a round that would end past the section's deadline (judged by the slowest round so far) is
 * not started: the run stays within its time budget on a slow or busy machine.
 */
export async function interleave<T>(reps: number, tasks: readonly ((rep: number) => Promise<T>)[], minReps = reps, what = ""): Promise<T[][]> {
  const out: T[][] = tasks.map(() => []);
  let slowest = 0;
  for (let rep = 0; rep < reps; rep++) {
    if (rep >= minReps && Date.now() + slowest > deadline) {
      budgetNotes.push(`${what}: ${rep} of ${reps} repetitions (time budget)`);
      log(`  (time budget: ${what} stops after ${rep} of ${reps} repetitions)`);
      break;
    }
    const started = Date.now();
    for (let t = 0; t < tasks.length; t++) out[t]!.push(await tasks[t]!(rep));
    slowest = Math.max(slowest, Date.now() - started);
  }
  return out;
}
