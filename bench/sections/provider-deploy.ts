/**
 * P10 and P11, provider engine against terraform_data engine, interleaved, each repetition in a fresh
 * project:
 * - `cdktf deploy --auto-approve` of N new connections (what a pipeline runs; "P10 deploy", shown for
 *   information: about 3.5-4 s of it is cdktf's own work, the same for both engines);
 * - P11, on the first repetition's two stacks: `terraform plan -detailed-exitcode` with nothing to
 *   change, run in the synthesized stack directory after cdktf deploy's init: the provider reads every
 *   connection (N GETs and one login), terraform_data reads nothing;
 * - P10, the row, "apply of N new connections": in each kept stack, after an unmeasured
 *   `terraform destroy`, `terraform apply -auto-approve` creating the N again (same method as P11:
 *   the engine's work, without cdktf's).
 */
import { DevServer, RequestCounts, countRequests } from "../lib/kms";
import { Project } from "../lib/project";
import { addRow, log, num, raw } from "../lib/report";
import { Sample, cpuRatio, sample, wall } from "../lib/sample";
import { interleave } from "../lib/budget";
import { terraformApply, terraformDestroy, terraformPlan } from "../lib/terraform";
import { deployOnce } from "./deploy";

const PROVIDER_ENGINE = { BENCH_ENGINE: "provider" };

/** A deployed stack kept for the plans and applies that follow: its project, name prefix and engine. */
interface Kept {
  readonly project: Project;
  readonly prefix: string;
  readonly engine: NodeJS.ProcessEnv;
}

/** P10 and P11. */
export async function benchProviderDeploy(scratch: string, kms: DevServer, n: number, deployReps: number, planReps: number): Promise<void> {
  log(`P10: cdktf deploy of ${n} connections, provider engine vs terraform_data engine, ${deployReps} interleaved repetitions`);
  const kept = { provider: [] as Kept[], terraformData: [] as Kept[] };
  const envOf = (k: Kept) => k.project.env(n, k.prefix, kms.info, k.engine);
  try {
    const deploy = (into: Kept[], tag: string, engine: NodeJS.ProcessEnv) => async (rep: number) => {
      const prefix = `p10${tag}${rep}`;
      const d = await deployOnce(scratch, kms, "connections", n, prefix, { env: engine, keep: true });
      into.push({ project: d.project!, prefix, engine });
      return d;
    };
    const [p, t] = await interleave(deployReps, [deploy(kept.provider, "p", PROVIDER_ENGINE), deploy(kept.terraformData, "t", {})], Math.min(deployReps, 2), "P10");
    const ps = p!.map((d) => d.sample);
    const ts = t!.map((d) => d.sample);
    raw["P10 deploy"] = { n, provider: p!.map(({ sample: s, counts }) => ({ sample: s, counts })), terraformData: t!.map(({ sample: s, counts }) => ({ sample: s, counts })) };
    addRow({
      id: "P10 deploy",
      what: `cdktf deploy (synth, init, apply), ${n} new connections: provider engine vs terraform_data engine`,
      unit: "s",
      subject: wall(ps, 1000),
      baseline: wall(ts, 1000),
      ratio: wall(ps).median / wall(ts).median,
      cpuRatio: cpuRatio(ps, ts),
      target: "-",
      note: `for information (P10 below is the apply); requests per deploy: ${p![0]!.counts.connection} + ${p![0]!.counts.logins} login vs ${t![0]!.counts.connection} + ${t![0]!.counts.logins} login`,
    });

    // P11 on the first repetition's stacks.
    log(`P11: terraform plan with nothing to change, ${n} connections, provider engine vs terraform_data engine, ${planReps} interleaved repetitions`);
    const counts: { provider: RequestCounts[]; terraformData: RequestCounts[] } = { provider: [], terraformData: [] };
    const planOf = (k: Kept, into: RequestCounts[]) => async (): Promise<Sample> => {
      const mark = await kms.mark();
      const r = await terraformPlan(k.project.stackDir, envOf(k));
      into.push(countRequests(await kms.since(mark)));
      if (r.code !== 0) throw new Error(`${k.project.stackDir}: the plan after deploy has changes (exit ${r.code}):\n${r.stdout.slice(-2000)}`);
      return sample(r);
    };
    const [pp, tp] = await interleave(planReps, [planOf(kept.provider[0]!, counts.provider), planOf(kept.terraformData[0]!, counts.terraformData)], Math.min(planReps, 2), "P11");
    raw.P11 = { n, provider: pp, terraformData: tp, counts };
    const reads = counts.provider.map((c) => c.byKind["GET by-id"] ?? 0);
    const readsAll = reads.every((x) => x === n) && counts.provider.every((c) => c.connection === n && c.failed === 0);
    const tdRequests = counts.terraformData.map((c) => c.connection + c.logins);
    const median = wall(pp!, 1000).median;
    addRow({
      id: "P11",
      what: `terraform plan, nothing to change, ${n} connections (provider reads all) vs terraform_data engine (reads none)`,
      unit: "s",
      subject: wall(pp!, 1000),
      baseline: wall(tp!, 1000),
      ratio: median / wall(tp!, 1000).median,
      cpuRatio: cpuRatio(pp!, tp!),
      target: "<= 1.0 s",
      pass: median <= 1.0 && readsAll,
      note: `terraform plan -detailed-exitcode in the stack directory after cdktf deploy's init; provider reads per plan ${reads.join("/")} (${num(reads[0]! / n, "req")} per connection), logins ${counts.provider.map((c) => c.logins).join("/")}; terraform_data requests ${tdRequests.join("/")}`,
    });

    // P10: the apply of N new connections in each kept stack (destroyed first, unmeasured).
    const applyReps = Math.min(kept.provider.length, kept.terraformData.length);
    log(`P10: terraform apply of ${n} new connections in the synthesized stacks, provider engine vs terraform_data engine, ${applyReps} interleaved repetitions`);
    const applyCounts: { provider: RequestCounts[]; terraformData: RequestCounts[] } = { provider: [], terraformData: [] };
    const applyOf = (stacks: Kept[], into: RequestCounts[]) => async (rep: number): Promise<Sample> => {
      const k = stacks[rep]!;
      await terraformDestroy(k.project.stackDir, envOf(k));
      const mark = await kms.mark();
      const r = await terraformApply(k.project.stackDir, envOf(k));
      const c = countRequests(await kms.since(mark));
      into.push(c);
      const posts = c.byKind["POST collection"] ?? 0;
      if (posts !== n || c.failed !== 0 || c.logins !== 1) throw new Error(`${k.project.stackDir}: terraform apply made ${posts} creates (expected ${n}), ${c.logins} logins (expected 1), ${c.failed} failed requests`);
      return sample(r);
    };
    const [pa, ta] = await interleave(applyReps, [applyOf(kept.provider, applyCounts.provider), applyOf(kept.terraformData, applyCounts.terraformData)], Math.min(applyReps, 2), "P10");
    raw.P10 = { n, provider: pa, terraformData: ta, counts: applyCounts };
    const applyRatio = wall(pa!).median / wall(ta!).median;
    addRow({
      id: "P10",
      what: `terraform apply, ${n} new connections (in the synthesized stack after init): provider engine vs terraform_data engine`,
      unit: "s",
      subject: wall(pa!, 1000),
      baseline: wall(ta!, 1000),
      ratio: applyRatio,
      cpuRatio: cpuRatio(pa!, ta!),
      target: "<= 0.5x",
      pass: applyRatio <= 0.5,
      note: `the issue's "apply of ${n} new connections", measured as P11 is; creates per apply ${applyCounts.provider.map((c) => c.byKind["POST collection"] ?? 0).join("/")} vs ${applyCounts.terraformData.map((c) => c.byKind["POST collection"] ?? 0).join("/")}, logins ${applyCounts.provider.map((c) => c.logins).join("/")} vs ${applyCounts.terraformData.map((c) => c.logins).join("/")}`,
    });
  } finally {
    for (const k of [...kept.provider, ...kept.terraformData]) k.project.remove();
  }
}
