/**
 * P7: growth of synth and deploy time with the number of connections (terraform_data engine), judged
 * on the per-connection cost between the largest sizes against that of the segment below.
 */
import { DevServer } from "../lib/kms";
import { Project } from "../lib/project";
import { summarize } from "../lib/stats";
import { addRow, log, num, raw } from "../lib/report";
import { budgetNote, sectionDeadline } from "../lib/budget";
import { ROOT } from "../lib/paths";
import { Settings } from "../lib/settings";
import { p7Deploy, p7DeployBaseline, p7DeployHookless, p7Synth } from "../lib/tallies";
import { deployOnce, recordDeploy } from "./deploy";

/** P7 (reusing P4's and P5's measurements of the same sizes). */
export async function benchGrowth(scratch: string, kms: DevServer, p: Settings): Promise<void> {
  // A size is left out when a linear estimate from the sizes measured so far says it would end past
  // the deadline; the table says so.
  const estimate = (data: ReadonlyMap<number, number[]>, n: number) => {
    const ns = [...data.keys()].sort((a, b) => a - b);
    if (ns.length === 0) return 0;
    const big = ns[ns.length - 1]!;
    return (summarize(data.get(big)!).median * n) / big;
  };
  // Coverage first: one synth of every size, then the deploys, then more synth repetitions if time is left.
  const ns = p.p7Ns.filter((n) => !p7Synth.has(n));
  log(`P7: cdktf synth of ${ns.join(", ")} connections, ${p.p7SynthReps} repetition(s), then cdktf deploy of ${p.p7DeployNs.join(", ")}`);
  const project = new Project(ROOT, scratch, "p7-synth", "connections");
  await project.cdktf(["synth"], project.env(1, "p7", kms.info));
  const synthPass = async (rep: number, deadline: number) => {
    for (const n of ns) {
      if (Date.now() + estimate(p7Synth, n) > deadline) {
        budgetNote(`P7 synth: N = ${n} repetition ${rep + 1} left out (time budget)`);
        continue;
      }
      const r = await project.cdktf(["synth"], project.env(n, "p7", kms.info));
      p7Synth.set(n, [...(p7Synth.get(n) ?? []), r.wallMs]);
    }
  };
  // The first pass leaves two thirds of what is left for the deploys.
  await synthPass(0, Date.now() + (sectionDeadline() - Date.now()) / 3);
  for (let rep = 0; rep < p.p7DeployReps; rep++) {
    for (const n of p.p7DeployNs) {
      const deployMs = new Map([...p7Deploy].map(([k, e]) => [k, e.ms]));
      if (Date.now() + estimate(deployMs, n) > sectionDeadline()) {
        budgetNote(`P7 deploy: N = ${n} left out (time budget)`);
        log(`  (time budget: P7 deploy of ${n} left out)`);
        continue;
      }
      recordDeploy(n, await deployOnce(scratch, kms, "connections", n, `p7n${n}r${rep}`), "P7");
      // The baseline's growth is context only: it goes first when time is short.
      if (Date.now() + estimate(p7DeployBaseline, n) > sectionDeadline()) {
        budgetNote(`P7 deploy: the curl baseline at N = ${n} left out (time budget)`);
        continue;
      }
      const b = await deployOnce(scratch, kms, "baseline-curl", n, `p7b${n}r${rep}`);
      p7DeployBaseline.set(n, [...(p7DeployBaseline.get(n) ?? []), b.sample.wallMs]);
    }
    // The same resources without hooks, at every size deployed (P5's included): Terraform's own share.
    for (const n of [...p7Deploy.keys()].sort((a, b) => a - b)) {
      if ((p7DeployHookless.get(n)?.length ?? 0) > rep) continue;
      if (Date.now() + estimate(p7DeployHookless, n) > sectionDeadline()) {
        budgetNote(`P7 deploy: the hookless resources at N = ${n} repetition ${rep + 1} left out (time budget)`);
        continue;
      }
      const h = await deployOnce(scratch, kms, "connections", n, `p7h${n}r${rep}`, { hookless: true });
      p7DeployHookless.set(n, [...(p7DeployHookless.get(n) ?? []), h.sample.wallMs]);
    }
  }
  for (let rep = 1; rep < p.p7SynthReps; rep++) await synthPass(rep, sectionDeadline());
  project.remove();
  growthRow("synth", p7Synth);
  const deployMs = new Map([...p7Deploy].map(([n, e]) => [n, e.ms]));
  growthRow("deploy", deployMs, p7DeployBaseline);
  hooksGrowthRow(deployMs, p7DeployHookless);
  const sizes = [...p7Deploy.keys()].sort((a, b) => a - b);
  const per = sizes.map((n) => summarize(p7Deploy.get(n)!.perConnection).median);
  const logins = sizes.map((n) => Math.max(...p7Deploy.get(n)!.logins));
  addRow({
    id: "P7",
    what: `requests per connection at N = ${sizes.join(", ")} (deploy)`,
    unit: "req",
    subject: summarize(per),
    target: "constant",
    pass: per.every((x) => x === per[0]) && logins.every((l) => l === 1),
    note: `per connection ${per.map((x) => num(x, "req")).join(" / ")}; logins per deploy ${logins.join(" / ")}`,
  });
}

/**
 * Per-connection cost between the two largest sizes, and between the third-largest and the
 * next-to-largest. The smaller sizes are still measured and shown, but a slope that starts from them
 * measures fixed per-run costs rather than per-connection ones: a deploy of 1 or 10 connections is
 * Terraform's start and plan plus, when it creates, the wait for the end of its plan's second
 * (lib/hook/plan-clock.ts), which varies between 0 and 1 s, more than 9 connections cost. Over
 * N = 10 -> 50 the same second is spread over 40 connections.
 */
function growth(data: ReadonlyMap<number, number[]>): { ns: number[]; low: number; high: number; ratio: number; t: (n: number) => number } | undefined {
  const ns = [...data.keys()].sort((a, b) => a - b);
  if (ns.length < 3) return undefined;
  const t = (n: number) => summarize(data.get(n)!).median / 1000;
  const hi = ns[ns.length - 1]!;
  const mid = ns[ns.length - 2]!;
  const lo = ns[ns.length - 3]!;
  const low = (t(mid) - t(lo)) / (mid - lo);
  const high = (t(hi) - t(mid)) / (hi - mid);
  return { ns, low, high, ratio: low > 0 ? high / low : Infinity, t };
}

/**
 * What the hooks add grows linearly: the deploy time minus that of the same resources without hooks
 * (Terraform alone, measured in the same run at the same sizes), per connection, 50->200 vs 10->50.
 * This is the part the library controls; Terraform's part is in the note.
 */
function hooksGrowthRow(deploy: ReadonlyMap<number, number[]>, hookless: ReadonlyMap<number, number[]>): void {
  raw["P7 deploy hookless"] = Object.fromEntries([...hookless].map(([n, xs]) => [n, xs]));
  const ns = [...deploy.keys()].filter((n) => hookless.has(n));
  const diff = new Map(ns.map((n) => [n, [summarize(deploy.get(n)!).median - summarize(hookless.get(n)!).median]]));
  const g = growth(diff);
  const t = growth(new Map(ns.map((n) => [n, hookless.get(n)!])));
  if (!g || !t) return;
  linearityRow(
    "cdktf deploy, the hooks' share (deploy minus the same resources without hooks)",
    g,
    `Terraform alone (the same resources, no hooks): ${num(t.high * 1000, "ms")} vs ${num(t.low * 1000, "ms")} ms per connection (${t.ratio.toFixed(2)}x); medians ${t.ns.map((n) => `${n}: ${num(t.t(n), "s")} s`).join(", ")}`,
  );
}

/**
 * Linear growth: the per-connection cost at the largest sizes is no more than 1.5x that at the small
 * ones. With `baseline`, the note gives the same ratio for the curl baseline: Terraform's own growth
 * (it rewrites the whole local state after every resource, hashicorp/terraform#34296).
 */
function growthRow(what: "synth" | "deploy", data: ReadonlyMap<number, number[]>, baseline?: ReadonlyMap<number, number[]>): void {
  raw[`P7 ${what}`] = Object.fromEntries([...data].map(([n, xs]) => [n, xs]));
  if (baseline) raw[`P7 ${what} baseline`] = Object.fromEntries([...baseline].map(([n, xs]) => [n, xs]));
  const g = growth(data);
  if (!g) return;
  const b = baseline ? growth(new Map([...baseline].filter(([n]) => g.ns.includes(n)))) : undefined;
  linearityRow(
    `cdktf ${what} time`,
    g,
    `medians ${g.ns.map((n) => `${n}: ${num(g.t(n), "s")} s`).join(", ")}` +
      (b ? `; curl baseline: ${num(b.high * 1000, "ms")} vs ${num(b.low * 1000, "ms")} ms per connection (${b.ratio.toFixed(2)}x)` : ""),
  );
}

/** One P7 row: the per-connection cost between the two largest sizes against that of the segment below (see growth). */
function linearityRow(what: string, g: NonNullable<ReturnType<typeof growth>>, note: string): void {
  const [lo, mid, hi] = [g.ns[g.ns.length - 3]!, g.ns[g.ns.length - 2]!, g.ns[g.ns.length - 1]!];
  // A slope at or below zero is noise (a repetition of a small N that happened to be slow): no verdict.
  const judged = g.low > 0;
  addRow({
    id: "P7",
    what: `${what} at N = ${g.ns.join(", ")}: per-connection cost ${mid}->${hi} vs ${lo}->${mid}`,
    unit: "ms",
    subject: summarize([g.high * 1000]),
    baseline: summarize([g.low * 1000]),
    ratio: judged ? Math.max(0, g.ratio) : undefined,
    target: "<= 1.5x (linear)",
    pass: judged ? g.ratio <= 1.5 : undefined,
    note: (judged ? "" : "no verdict: the small-N slope is within noise; ") + note,
  });
}
