/** Repetitions, sizes and time budgets of a run: the default and --quick. */

/** What a run does. `budgetMs` covers P1-P7, `providerBudgetMs` the provider sections P8-P16 (they run after P7, from their own start). */
export interface Settings {
  readonly budgetMs: number;
  readonly p1Reps: number;
  readonly p1Warmup: number;
  readonly rssReps: number;
  readonly p4N: number;
  readonly p4Reps: number;
  readonly p4Warmup: boolean;
  readonly p5N: number;
  readonly p5Reps: number;
  readonly p5LatencyReps: number;
  readonly p3N: number;
  readonly p7Ns: readonly number[];
  readonly p7SynthReps: number;
  readonly p7DeployNs: readonly number[];
  readonly p7DeployReps: number;
  readonly providerBudgetMs: number;
  readonly p8Reps: number;
  /** Connections of the provider engine's rows (P9-P13). */
  readonly providerN: number;
  readonly p10Reps: number;
  readonly p11Reps: number;
  readonly p14Runs: number;
  readonly p16Reps: number;
}

/** The settings of a default run or of --quick. */
export function settings(quick: boolean): Settings {
  return quick
    ? { budgetMs: 110_000, p1Reps: 5, p1Warmup: 1, rssReps: 1, p4N: 20, p4Reps: 1, p4Warmup: false, p5N: 10, p5Reps: 1, p5LatencyReps: 1, p3N: 2, p7Ns: [1, 10, 20], p7SynthReps: 1, p7DeployNs: [1], p7DeployReps: 1,
        providerBudgetMs: 60_000, p8Reps: 5, providerN: 10, p10Reps: 1, p11Reps: 2, p14Runs: 2, p16Reps: 1 }
    : { budgetMs: 555_000, p1Reps: 15, p1Warmup: 2, rssReps: 3, p4N: 500, p4Reps: 3, p4Warmup: true, p5N: 50, p5Reps: 3, p5LatencyReps: 2, p3N: 5, p7Ns: [1, 10, 50, 200], p7SynthReps: 2, p7DeployNs: [1, 10, 200], p7DeployReps: 3,
        providerBudgetMs: 200_000, p8Reps: 15, providerN: 50, p10Reps: 3, p11Reps: 5, p14Runs: 5, p16Reps: 5 };
}
