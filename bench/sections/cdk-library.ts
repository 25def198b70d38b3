/**
 * P14: synth of the example app (examples/main.ts, compiled: one connection on the provider engine
 * and its secret sync) under cdktf and under cdktn, alternating (bench/lib/synth-cdk.ts: the app run
 * with `node` and CDKTF_KMS_OCTOPUS_CDK=cdktf|cdktn, spawn to exit: library load, constructs, synth,
 * the provider copied into the stack). Reported; 1.2x is informational only.
 */
import * as path from "node:path";
import { addRow, log, raw } from "../lib/report";
import { ROOT } from "../lib/paths";
import { synthTimeByCdk } from "../lib/synth-cdk";
import { summarize } from "../lib/stats";

/** P14, `runs` runs per library. */
export async function benchCdkLibraries(runs: number): Promise<void> {
  log(`P14: synth of the example app under cdktf vs cdktn, ${runs} alternating runs each`);
  const r = await synthTimeByCdk({
    runs,
    app: path.join(ROOT, "dist", "examples", "main.js"),
    env: { OCTOPUS_PROJECT_ID: "Projects-1", SYNC_KMS_PROJECT_ID: "9e4b3a52-1c1f-4d7e-9a57-5d2c8f0b6a11", KMS_URL: "http://127.0.0.1:1", OCTOPUS_URL: "http://127.0.0.1:2" },
  });
  raw.P14 = r;
  const ratio = r.cdktn.median / r.cdktf.median;
  addRow({
    id: "P14",
    what: "synth of the example app (connection + secret sync, provider engine): cdktn vs cdktf",
    unit: "ms",
    subject: summarize(r.cdktn.samples),
    baseline: summarize(r.cdktf.samples),
    ratio,
    target: "reported (<= 1.2x informational)",
    note: `app process spawn to exit under each library (not the cdktf CLI); ratio ${ratio.toFixed(2)}x${ratio > 1.2 ? ", above the informational 1.2x" : ""}`,
  });
}
