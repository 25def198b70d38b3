/** One timed run as a sample, and the summaries the rows are made of. */
import { Run } from "./proc";
import { summarize } from "./stats";

/** A sample of one timed run. */
export interface Sample {
  readonly wallMs: number;
  readonly cpuMs?: number;
  readonly rssKb?: number;
}

/** The sample of a finished run. */
export const sample = (r: Run): Sample => ({ wallMs: r.wallMs, cpuMs: r.cpuMs, rssKb: r.maxRssKb });

/** Summary of the wall times, divided by `scale` (1000: seconds). */
export const wall = (xs: readonly Sample[], scale = 1) => summarize(xs.map((x) => x.wallMs / scale));

/** Ratio of the median CPU times, when both sides have them. */
export function cpuRatio(a: readonly Sample[], b: readonly Sample[]): number | undefined {
  const ca = a.map((x) => x.cpuMs).filter((x): x is number => x !== undefined);
  const cb = b.map((x) => x.cpuMs).filter((x): x is number => x !== undefined);
  if (ca.length === 0 || cb.length === 0) return undefined;
  return summarize(ca).median / summarize(cb).median;
}
