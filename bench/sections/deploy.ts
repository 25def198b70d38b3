/**
 * P5: cdktf deploy of N new connections (terraform_data engine) against N terraform_data resources
 * creating the same connection with one curl POST each; and P2, the logins of every deploy and
 * destroy (counted here and in P3).
 */
import { DevServer, countRequests } from "../lib/kms";
import { Project } from "../lib/project";
import { summarize } from "../lib/stats";
import { addRow, log, num, raw } from "../lib/report";
import { Sample, cpuRatio, sample, wall } from "../lib/sample";
import { interleave } from "../lib/budget";
import { ROOT } from "../lib/paths";
import { p2Logins, p7Deploy, p7DeployBaseline } from "../lib/tallies";

/** A deploy's sample and the requests it made. */
export interface DeployResult {
  readonly sample: Sample;
  readonly counts: ReturnType<typeof countRequests>;
}

/** How {@link deployOnce} deploys. */
export interface DeployOptions {
  /** The same resources without their hooks (P7). */
  readonly hookless?: boolean;
  /** More environment for the app, e.g. BENCH_ENGINE=provider (P10). */
  readonly env?: NodeJS.ProcessEnv;
  /** Keep the project and return it (the caller removes it), e.g. to plan it again (P11). */
  readonly keep?: boolean;
}

/** One `cdktf deploy --auto-approve` in a fresh project; checks that every connection was created. */
export async function deployOnce(scratch: string, kms: DevServer, kind: "connections" | "baseline-curl", n: number, prefix: string, options: DeployOptions = {}): Promise<DeployResult & { readonly project?: Project }> {
  const hookless = options.hookless ?? false;
  const project = new Project(ROOT, scratch, prefix, kind);
  const mark = await kms.mark();
  const r = await project.cdktf(["deploy", "--auto-approve"], project.env(n, prefix, kms.info, { ...options.env, ...(hookless ? { BENCH_HOOKLESS: "1" } : {}) }));
  const counts = countRequests(await kms.since(mark));
  const posts = Object.entries(counts.byKind)
    .filter(([key]) => key === "POST collection")
    .reduce((s, [, v]) => s + v, 0);
  if (posts !== (hookless ? 0 : n) || counts.failed !== 0) throw new Error(`${kind} deploy of ${n} (${project.dir}): expected ${hookless ? 0 : n} successful creates, got ${JSON.stringify(counts)}`);
  if (!options.keep) {
    project.remove();
    return { sample: sample(r), counts };
  }
  return { sample: sample(r), counts, project };
}

/** Counts a deploy's logins for P2 and, unless it ran against the KMS with latency (`growth` false), its time for P7. */
export function recordDeploy(n: number, d: DeployResult, where: string, growth = true): void {
  p2Logins.push({ n, logins: d.counts.logins, where });
  if (!growth) return;
  const e = p7Deploy.get(n) ?? { ms: [], perConnection: [], logins: [] };
  e.ms.push(d.sample.wallMs);
  e.perConnection.push(d.counts.connection / n);
  e.logins.push(d.counts.logins);
  p7Deploy.set(n, e);
}

/** P5 against `kms`. */
export async function benchDeploy(scratch: string, kms: DevServer, n: number, reps: number): Promise<void> {
  const lat = kms.latencyMs;
  const tag = lat ? `@${lat}ms` : "";
  log(`P5${tag}: cdktf deploy of ${n} connections vs ${n} terraform_data running curl, ${reps} interleaved repetitions`);
  const [s, b] = await interleave(
    reps,
    [(rep) => deployOnce(scratch, kms, "connections", n, `p5s${lat}r${rep}`), (rep) => deployOnce(scratch, kms, "baseline-curl", n, `p5b${lat}r${rep}`)],
    Math.min(reps, 2),
    `P5${tag}`,
  );
  raw[`P5${tag}`] = { n, subject: s, baseline: b };
  for (const d of s!) recordDeploy(n, d, `P5${tag}`, !lat); // P7 compares deploys against the same (no-latency) KMS
  if (!lat) p7DeployBaseline.set(n, [...(p7DeployBaseline.get(n) ?? []), ...b!.map((d) => d.sample.wallMs)]);
  const ss = s!.map((d) => d.sample);
  const bs = b!.map((d) => d.sample);
  const ratio = wall(ss).median / wall(bs).median;
  addRow({
    id: `P5${tag}`,
    what: `cdktf deploy, ${n} connections vs ${n} terraform_data + curl POST${lat ? `, ${lat} ms KMS latency` : ""}`,
    unit: "s",
    subject: wall(ss, 1000),
    baseline: wall(bs, 1000),
    ratio,
    cpuRatio: cpuRatio(ss, bs),
    target: "<= 1.5x",
    pass: ratio <= 1.5,
    note: `requests/connection ${num(summarize(s!.map((d) => d.counts.connection / n)).median, "req")} vs ${num(summarize(b!.map((d) => d.counts.connection / n)).median, "req")}`,
  });
}

/** P2: the logins of every deploy and destroy measured so far (P3, P5). */
export function loginsRow(): void {
  if (!p2Logins.length) return;
  const worst = Math.max(...p2Logins.map((x) => x.logins));
  const ns = [...new Set(p2Logins.map((x) => x.n))].sort((a, b) => a - b);
  addRow({
    id: "P2",
    what: `Universal Auth logins per cdktf deploy/destroy (${p2Logins.length} runs, N = ${ns.join(", ")})`,
    unit: "req",
    subject: summarize(p2Logins.map((x) => x.logins)),
    target: "1 (max)",
    pass: worst === 1,
    note: `max ${worst}`,
  });
  raw.P2 = p2Logins;
}
