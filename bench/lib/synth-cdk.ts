/**
 * Synth time under each CDK library: a compiled app (by default the benchmark app
 * bench/apps/connections-app.js) run as `node` in a scratch directory with CDKTF_KMS_OCTOPUS_CDK=cdktf,
 * then =cdktn, alternating so both see the same machine state; wall time from spawn to exit (library
 * load + construct + synth), median of `runs`. No terraform, no KMS: synthesis only.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { check, run } from "./proc";
import { summarize } from "./stats";
import { envWithoutKmsSettings } from "../../lib/testing/terraform-env";

/** The synth times of one library. */
export interface LibrarySynth {
  /** Median milliseconds. */
  readonly median: number;
  /** Every run's milliseconds. */
  readonly samples: readonly number[];
}

/** Synth times per library. */
export interface SynthByCdk {
  readonly cdktf: LibrarySynth;
  readonly cdktn: LibrarySynth;
}

/** Options of {@link synthTimeByCdk}. */
export interface SynthByCdkOptions {
  /** Compiled app to run. @default bench/apps/connections-app.js */
  readonly app?: string;
  /** More environment for the app. @default none */
  readonly env?: NodeJS.ProcessEnv;
  /** Connections in the stack (connections-app's BENCH_N). @default 10 */
  readonly connections?: number;
  /** Runs per library (the median is reported). @default 5 */
  readonly runs?: number;
  /** Engine of the connections (connections-app's BENCH_ENGINE). @default "terraform_data" (needs no provider bundle) */
  readonly engine?: "terraform_data" | "provider";
}

/** Measures synth of the app under cdktf and cdktn, in the same run. */
export async function synthTimeByCdk(options: SynthByCdkOptions = {}): Promise<SynthByCdk> {
  const app = options.app ?? path.resolve(__dirname, "..", "apps", "connections-app.js");
  const runs = options.runs ?? 5;
  const times: Record<keyof SynthByCdk, number[]> = { cdktf: [], cdktn: [] };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-bench-synth-"));
  try {
    for (let i = 0; i < runs; i++) {
      for (const library of ["cdktf", "cdktn"] as const) {
        const env = {
          ...envWithoutKmsSettings(process.env, /^(TF_|CDKTF_|BENCH_|NODE_OPTIONS$)/),
          CDKTF_KMS_OCTOPUS_CDK: library,
          CDKTF_OUTDIR: path.join(dir, library),
          BENCH_N: String(options.connections ?? 10),
          BENCH_ENGINE: options.engine ?? "terraform_data",
          ...options.env,
        };
        const r = check(`synth under ${library}`, await run(process.execPath, [app], { cwd: dir, env, rusage: false }));
        times[library].push(r.wallMs);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const of = (xs: number[]): LibrarySynth => ({ median: summarize(xs).median, samples: xs });
  return { cdktf: of(times.cdktf), cdktn: of(times.cdktn) };
}

if (require.main === module) {
  synthTimeByCdk().then(
    (r) => process.stdout.write(`synth of 10 connections, median of 5: cdktf ${r.cdktf.median.toFixed(0)} ms, cdktn ${r.cdktn.median.toFixed(0)} ms\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
