/** P4: cdktf synth of N connections against N bare terraform_data resources with one provisioner each. */
import { KmsInfo } from "../lib/kms";
import { Project } from "../lib/project";
import { addRow, log, raw } from "../lib/report";
import { cpuRatio, sample, wall } from "../lib/sample";
import { interleave } from "../lib/budget";
import { ROOT } from "../lib/paths";
import { p7Synth } from "../lib/tallies";

/** P4; its synth times of N also feed P7. */
export async function benchSynth(scratch: string, kms: KmsInfo, n: number, reps: number, warmup: boolean): Promise<void> {
  log(`P4: cdktf synth of ${n} connections vs ${n} bare terraform_data, ${reps} interleaved repetitions`);
  const subject = new Project(ROOT, scratch, "p4-subject", "connections");
  const baseline = new Project(ROOT, scratch, "p4-baseline", "baseline-true");
  if (warmup) {
    // The CLI bundle and the apps into the page cache.
    await subject.cdktf(["synth"], subject.env(1, "p4", kms));
    await baseline.cdktf(["synth"], baseline.env(1, "p4", kms));
  }
  const [s, b] = await interleave(
    reps,
    [async () => sample(await subject.cdktf(["synth"], subject.env(n, "p4", kms))), async () => sample(await baseline.cdktf(["synth"], baseline.env(n, "p4", kms)))],
    Math.min(reps, 2),
    "P4",
  );
  raw.P4 = { n, subject: s, baseline: b };
  const ratio = wall(s!).median / wall(b!).median;
  addRow({
    id: "P4",
    what: `cdktf synth, ${n} connections vs ${n} terraform_data + 1 provisioner`,
    unit: "s",
    subject: wall(s!, 1000),
    baseline: wall(b!, 1000),
    ratio,
    cpuRatio: cpuRatio(s!, b!),
    target: "<= 1.3x",
    pass: ratio <= 1.3,
  });
  p7Synth.set(n, [...(p7Synth.get(n) ?? []), ...s!.map((x) => x.wallMs)]);
  subject.remove();
  baseline.remove();
}
