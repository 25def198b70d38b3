/**
 * `npm run bench` (= `npm run build && node dist/bench/run.js`): the performance targets P1-P7 of the
 * OctopusDeployConnection, each measured side by side with its baseline in one run, interleaved
 * (ABAB...) so that the drift of a noisy machine falls on both alike. Prints one table (median,
 * min-max, ratio of medians, PASS/FAIL) and exits 0 whenever it ran, whatever it found; non-zero
 * only when the benchmark itself failed.
 *
 *   node dist/bench/run.js [--quick] [--json FILE] [--markdown FILE] [--only P1,P5,...] [--keep]
 *
 * The local KMS runs in separate `dev-server` processes (one without latency, one with 50 ms per
 * request). Request counts (P2, P3, P7) are exact: they come from the server's request log.
 * See bench/RESULTS.md for the latest table and how to read it.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DevServer, KmsInfo, countRequests } from "./lib/kms";
import { Project } from "./lib/project";
import { Run, check, run } from "./lib/proc";
import { Summary, summarize } from "./lib/stats";
import { EVENT_VERSION, HOOK_ENV } from "../lib/hook/protocol";
import { envWithoutKmsSettings } from "../lib/testing/terraform-env";

const ROOT = path.resolve(__dirname, "..", "..");
const HOOK = path.join(ROOT, "dist", "hook", "hook.js");
const MINIMAL_FETCH = path.join(ROOT, "dist", "bench", "minimal-fetch.js");
const NODE = process.execPath;

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  readonly quick: boolean;
  readonly json?: string;
  readonly markdown?: string;
  readonly only?: ReadonlySet<string>;
  readonly keep: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  let quick = false;
  let keep = false;
  let json: string | undefined;
  let markdown: string | undefined;
  let only: Set<string> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") quick = true;
    else if (a === "--keep") keep = true;
    else if (a === "--json") json = path.resolve(value());
    else if (a === "--markdown") markdown = path.resolve(value());
    else if (a === "--only") only = new Set(value().toUpperCase().split(",").map((s) => s.trim()));
    else if (a === "--help" || a === "-h") {
      process.stdout.write(
        "usage: node dist/bench/run.js [--quick] [--json FILE] [--markdown FILE] [--only P1,P2,...] [--keep]\n" +
          "  --quick     fewer repetitions and smaller N (a smoke test, under 2 minutes)\n" +
          "  --json      write every sample and the verdicts as JSON\n" +
          "  --markdown  write the table as Markdown\n" +
          "  --only      run only these targets, e.g. P1,P6 (P2 is counted in the P3 and P5 deploys)\n" +
          "  --keep      keep the scratch directory\n",
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (see --help)`);
  }
  return { quick, json, markdown, only, keep };
}

/** Repetitions and sizes, default and --quick. */
function plan(quick: boolean) {
  return quick
    ? { budgetMs: 110_000, p1Reps: 5, p1Warmup: 1, rssReps: 1, p4N: 20, p4Reps: 1, p4Warmup: false, p5N: 10, p5Reps: 1, p5LatencyReps: 1, p3N: 2, p7Ns: [1, 10, 20], p7SynthReps: 1, p7DeployNs: [1], p7DeployReps: 1 }
    : { budgetMs: 555_000, p1Reps: 15, p1Warmup: 2, rssReps: 3, p4N: 500, p4Reps: 3, p4Warmup: true, p5N: 50, p5Reps: 3, p5LatencyReps: 2, p3N: 5, p7Ns: [1, 10, 50, 200], p7SynthReps: 2, p7DeployNs: [1, 10, 200], p7DeployReps: 3 };
}

// ---------------------------------------------------------------------------------------------
// Results

type Unit = "ms" | "s" | "MB" | "req";

/** One line of the table. */
interface Row {
  readonly id: string;
  readonly what: string;
  readonly unit: Unit;
  readonly subject?: Summary;
  readonly baseline?: Summary;
  /** Subject median / baseline median. */
  readonly ratio?: number;
  /** Same ratio of CPU time (user + system of the process tree), when measured. */
  readonly cpuRatio?: number;
  readonly target: string;
  /** undefined: an informational row. */
  readonly pass?: boolean;
  readonly note?: string;
}

const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const errors: string[] = [];

function addRow(row: Row): void {
  rows.push(row);
  const verdict = row.pass === undefined ? "info" : row.pass ? "PASS" : "FAIL";
  const ratio = row.ratio !== undefined ? `  ratio ${row.ratio.toFixed(2)}` : "";
  log(`  -> ${row.id} ${row.what}: ${fmt(row.subject, row.unit)}${row.baseline ? ` vs ${fmt(row.baseline, row.unit)}` : ""}${ratio}  [${verdict}]${row.note ? `  ${row.note}` : ""}`);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function num(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return "-";
  if (unit === "req") return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (unit === "ms") return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function signed(ms: number): string {
  return `${ms >= 0 ? "+" : "-"}${num(Math.abs(ms), "ms")}`;
}

function fmt(s: Summary | undefined, unit: Unit): string {
  if (!s || s.n === 0) return "-";
  const range = s.n > 1 ? ` (${num(s.min, unit)}-${num(s.max, unit)})` : "";
  return `${num(s.median, unit)} ${unit}${range}`;
}

/** A sample of one timed run. */
interface Sample {
  readonly wallMs: number;
  readonly cpuMs?: number;
  readonly rssKb?: number;
}

const sample = (r: Run): Sample => ({ wallMs: r.wallMs, cpuMs: r.cpuMs, rssKb: r.maxRssKb });
const wall = (xs: readonly Sample[], scale = 1) => summarize(xs.map((x) => x.wallMs / scale));
function cpuRatio(a: readonly Sample[], b: readonly Sample[]): number | undefined {
  const ca = a.map((x) => x.cpuMs).filter((x): x is number => x !== undefined);
  const cb = b.map((x) => x.cpuMs).filter((x): x is number => x !== undefined);
  if (ca.length === 0 || cb.length === 0) return undefined;
  return summarize(ca).median / summarize(cb).median;
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A clean environment for a hook or script run: nothing of the caller's KMS or Terraform settings. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...envWithoutKmsSettings(process.env, /^(TF_|BENCH_|NODE_OPTIONS$)/), ...extra };
}

/** The event the construct hands the hook (what Terraform's jsonencode of the connection's input gives). */
function hookEvent(kms: KmsInfo, name: string, description: string, instanceUrl = kms.octopusUrl): string {
  return JSON.stringify({
    v: EVENT_VERSION,
    marker: "cdktf-kms-octopus",
    path: `bench/${name}`,
    address: `terraform_data.${name}`,
    kms_url: kms.kmsUrl,
    project_id: null,
    name,
    description,
    instance_url: instanceUrl,
    api_key_env: null,
    adopt_existing: false,
    renamed_from: null,
    removal_policy: "destroy",
  });
}

/** Plan timestamps that tell the apply hook the connection is new in this apply (one POST)... */
const NEW_IN_THIS_APPLY = { [HOOK_ENV.bornAt]: "2026-01-01T00:00:00Z", [HOOK_ENV.plannedAt]: "2026-01-01T00:00:00Z" };
/** ...or that it existed before (GET + PATCH). */
const CHANGED_IN_THIS_APPLY = { [HOOK_ENV.bornAt]: "2026-01-01T00:00:00Z", [HOOK_ENV.plannedAt]: "2026-01-02T00:00:00Z" };

/** Creates a connection directly through the API (setup, not measured). */
async function apiCreate(kms: KmsInfo, name: string, description: string): Promise<string> {
  const res = await fetch(`${kms.kmsUrl}/api/v1/app-connections/octopus-deploy`, {
    method: "POST",
    headers: { authorization: `Bearer ${kms.token}`, "content-type": "application/json" },
    body: JSON.stringify({ name, description, method: "api-key", credentials: { instanceUrl: kms.octopusUrl, apiKey: kms.octopusApiKey } }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`setup: creating ${name} failed: ${res.status} ${text}`);
  return (JSON.parse(text) as { appConnection: { id: string } }).appConnection.id;
}

/** When the run started, and the soft deadline of the current section (epoch ms). */
const T0 = Date.now();
let sectionDeadline = Infinity;
/** Notes of repetitions or sizes left out to stay within the time budget. */
const budgetNotes: string[] = [];

/**
 * Runs `tasks` round-robin `reps` times (ABAB...); returns each task's samples. After `minReps`
 * rounds, a round that would end past the section's deadline (judged by the slowest round so far) is
 * not started: the run stays within its time budget on a slow or busy machine.
 */
async function interleave<T>(reps: number, tasks: readonly ((rep: number) => Promise<T>)[], minReps = reps, what = ""): Promise<T[][]> {
  const out: T[][] = tasks.map(() => []);
  let slowest = 0;
  for (let rep = 0; rep < reps; rep++) {
    if (rep >= minReps && Date.now() + slowest > sectionDeadline) {
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

// ---------------------------------------------------------------------------------------------
// P1, P6 and the hook profile

async function benchHook(kms: DevServer, reps: number, warmup: number, withProfile: boolean): Promise<void> {
  const k = kms.info;
  const lat = kms.latencyMs;
  const tag = lat ? `@${lat}ms` : "";
  const hookName = `p1-hook-${lat}`;
  const minName = `p1-min-${lat}`;

  // Setup: the hook's connection is created by the hook itself (the apply of a new connection).
  const created = check("hook apply (new)", await run(NODE, [HOOK, "apply"], {
    rusage: false,
    env: cleanEnv({ KMS_TOKEN: k.token, KMS_OCTOPUS_API_KEY: k.octopusApiKey, KMS_OCTOPUS_EVENT: hookEvent(k, hookName, "rep-init"), ...NEW_IN_THIS_APPLY }),
  }));
  if (!created.stdout.startsWith("created")) throw new Error(`hook apply printed: ${created.stdout}${created.stderr}`);
  await apiCreate(k, minName, "rep-init");

  let description = 0;
  const update = async (): Promise<Sample> => {
    const desc = `rep-${description++}`;
    const mark = await kms.mark();
    const r = check("hook apply (changed)", await run(NODE, [HOOK, "apply"], {
      rusage: false,
      env: cleanEnv({ KMS_TOKEN: k.token, KMS_OCTOPUS_API_KEY: k.octopusApiKey, KMS_OCTOPUS_EVENT: hookEvent(k, hookName, desc), ...CHANGED_IN_THIS_APPLY }),
    }));
    const c = countRequests(await kms.since(mark));
    if (!r.stdout.startsWith("updated") || c.connection !== 2 || c.failed !== 0) throw new Error(`hook apply (changed): expected "updated" after 2 requests, got ${JSON.stringify(c)}: ${r.stdout}${r.stderr}`);
    return sample(r);
  };
  const minimal = async (): Promise<Sample> => {
    const desc = `rep-${description++}`;
    const mark = await kms.mark();
    const r = check("minimal fetch script", await run(NODE, [MINIMAL_FETCH], {
      rusage: false,
      env: cleanEnv({ KMS_TOKEN: k.token, BENCH_KMS_URL: k.kmsUrl, BENCH_NAME: minName, BENCH_DESCRIPTION: desc, BENCH_INSTANCE_URL: k.octopusUrl, BENCH_API_KEY: k.octopusApiKey }),
    }));
    const c = countRequests(await kms.since(mark));
    if (c.connection !== 2 || c.failed !== 0) throw new Error(`minimal fetch: expected 2 requests, got ${JSON.stringify(c)}`);
    return sample(r);
  };
  // Profile tasks (no KMS latency only): node alone; the hook up to its first request (event parsed,
  // then it stops: no credentials).
  const nodeAlone = async () => sample(check("node -e 0", await run(NODE, ["-e", "0"], { rusage: false, env: cleanEnv({}) })));
  const loadOnly = async (): Promise<Sample> => {
    const mark = await kms.mark();
    const r = await run(NODE, [HOOK, "apply"], { rusage: false, env: cleanEnv({ KMS_OCTOPUS_EVENT: hookEvent(k, hookName, "x"), ...CHANGED_IN_THIS_APPLY }) });
    if (r.code !== 1 || !r.stderr.includes("No KMS credentials") || (await kms.since(mark)).length !== 0) throw new Error(`hook without credentials: ${r.stdout}${r.stderr}`);
    return sample(r);
  };

  const tasks = withProfile ? [update, minimal, nodeAlone, loadOnly] : [update, minimal];
  log(`P1${tag}: apply hook (changed connection) vs minimal fetch script, ${warmup} warm-up + ${reps} interleaved repetitions${withProfile ? " (with the profile rows)" : ""}`);
  await interleave(warmup, tasks);
  const [hook, min, ...profile] = await interleave(reps, tasks);
  raw[`P1${tag}`] = { hook, minimal: min, ...(withProfile ? { nodeAlone: profile[0], loadOnly: profile[1] } : {}) };
  const ratio = wall(hook!).median / wall(min!).median;
  addRow({
    id: `P1${tag}`,
    what: `apply hook process, changed connection (GET+PATCH)${lat ? `, ${lat} ms KMS latency` : ""} vs minimal fetch script`,
    unit: "ms",
    subject: wall(hook!),
    baseline: wall(min!),
    ratio,
    target: "<= 1.3x",
    pass: ratio <= 1.3,
  });
  if (withProfile) {
    const [alone, load] = profile as [Sample[], Sample[]];
    const m = (xs: Sample[]) => wall(xs).median;
    addRow({ id: "prof", what: "node -e 0 (Node start-up alone)", unit: "ms", subject: wall(alone), target: "-", note: "where the hook's time goes" });
    addRow({ id: "prof", what: "hook load + event parse, stops before any request", unit: "ms", subject: wall(load), target: "-", note: `${signed(m(load) - m(alone))} ms over node` });
    addRow({ id: "prof", what: "hook apply: the 2 requests and their parsing", unit: "ms", subject: summarize([m(hook!) - m(load)]), target: "-", note: `fetch script's requests: ${num(m(min!) - m(alone), "ms")} ms over node` });
  }
}

/** P6: peak RSS of every hook operation (GNU time's max RSS), next to the minimal fetch script's. */
async function benchRss(kms: DevServer, reps: number): Promise<void> {
  const k = kms.info;
  log(`P6: hook peak RSS per operation, ${reps} repetitions each`);
  const name = `p6-hook`;
  const minName = `p6-min`;
  await apiCreate(k, minName, "init");
  const hookEnv = (desc: string, instanceUrl?: string) =>
    cleanEnv({ KMS_TOKEN: k.token, KMS_OCTOPUS_API_KEY: k.octopusApiKey, KMS_OCTOPUS_EVENT: hookEvent(k, name, desc, instanceUrl), ...CHANGED_IN_THIS_APPLY });
  const hook: Record<string, number[]> = { create: [], update: [], "update URL": [], delete: [] };
  const min: number[] = [];
  let i = 0;
  const rssOf = (r: Run) => {
    if (r.maxRssKb === undefined) throw new Error("no /usr/bin/time: cannot measure peak RSS");
    return r.maxRssKb / 1024;
  };
  for (let rep = 0; rep < reps; rep++) {
    hook.create!.push(rssOf(check("hook apply (new)", await run(NODE, [HOOK, "apply"], { env: { ...hookEnv("init"), ...NEW_IN_THIS_APPLY } }))));
    hook.update!.push(rssOf(check("hook apply (changed)", await run(NODE, [HOOK, "apply"], { env: hookEnv(`d${i++}`) }))));
    const otherUrl = rep % 2 ? k.octopusUrl : k.octopusUrl.replace("127.0.0.1", "localhost");
    hook["update URL"]!.push(rssOf(check("hook apply (instance URL)", await run(NODE, [HOOK, "apply"], { env: hookEnv(`d${i - 1}`, otherUrl) }))));
    hook.delete!.push(rssOf(check("hook delete", await run(NODE, [HOOK, "delete"], { env: hookEnv(`d${i - 1}`) }))));
    min.push(rssOf(check("minimal fetch", await run(NODE, [MINIMAL_FETCH], { env: cleanEnv({ KMS_TOKEN: k.token, BENCH_KMS_URL: k.kmsUrl, BENCH_NAME: minName, BENCH_DESCRIPTION: `d${i++}`, BENCH_INSTANCE_URL: k.octopusUrl, BENCH_API_KEY: k.octopusApiKey }) }))));
  }
  raw.P6 = { hookMB: hook, minimalFetchMB: min };
  const all = Object.values(hook).flat();
  const worst = Math.max(...all);
  const perOp = Object.entries(hook)
    .map(([op, xs]) => `${op} ${num(summarize(xs).median, "MB")}`)
    .join(", ");
  addRow({
    id: "P6",
    what: "hook peak RSS, every operation (baseline: minimal fetch script)",
    unit: "MB",
    subject: summarize(all),
    baseline: summarize(min),
    ratio: summarize(all).median / summarize(min).median,
    target: "<= 64 MB (max)",
    pass: worst <= 64,
    note: `max ${num(worst, "MB")} MB; medians: ${perOp}`,
  });
}

// ---------------------------------------------------------------------------------------------
// P4: synth

async function benchSynth(scratch: string, kms: KmsInfo, n: number, reps: number, warmup: boolean): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// P5 (and P2): deploy

interface DeployResult {
  readonly sample: Sample;
  readonly counts: ReturnType<typeof countRequests>;
}

/** One `cdktf deploy --auto-approve` in a fresh project; checks that every connection was created. */
async function deployOnce(scratch: string, kms: DevServer, kind: "connections" | "baseline-curl", n: number, prefix: string, hookless = false): Promise<DeployResult> {
  const project = new Project(ROOT, scratch, prefix, kind);
  const mark = await kms.mark();
  const r = await project.cdktf(["deploy", "--auto-approve"], project.env(n, prefix, kms.info, hookless ? { BENCH_HOOKLESS: "1" } : {}));
  const counts = countRequests(await kms.since(mark));
  const posts = Object.entries(counts.byKind)
    .filter(([key]) => key === "POST collection")
    .reduce((s, [, v]) => s + v, 0);
  if (posts !== (hookless ? 0 : n) || counts.failed !== 0) throw new Error(`${kind} deploy of ${n} (${project.dir}): expected ${hookless ? 0 : n} successful creates, got ${JSON.stringify(counts)}`);
  project.remove();
  return { sample: sample(r), counts };
}

const p2Logins: { n: number; logins: number; where: string }[] = [];
const p7Synth = new Map<number, number[]>();
const p7Deploy = new Map<number, { ms: number[]; perConnection: number[]; logins: number[] }>();
/** The curl baseline's deploy times by N, for the growth Terraform itself shows. */
const p7DeployBaseline = new Map<number, number[]>();
/** P7: the subject's resources without their hooks: what Terraform alone costs for them. */
const p7DeployHookless = new Map<number, number[]>();

/** Counts a deploy's logins for P2 and, unless it ran against the KMS with latency (`growth` false), its time for P7. */
function recordDeploy(n: number, d: DeployResult, where: string, growth = true): void {
  p2Logins.push({ n, logins: d.counts.logins, where });
  if (!growth) return;
  const e = p7Deploy.get(n) ?? { ms: [], perConnection: [], logins: [] };
  e.ms.push(d.sample.wallMs);
  e.perConnection.push(d.counts.connection / n);
  e.logins.push(d.counts.logins);
  p7Deploy.set(n, e);
}

async function benchDeploy(scratch: string, kms: DevServer, n: number, reps: number): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// P3: requests per operation, through a whole lifecycle with the real CLI

async function benchLifecycle(scratch: string, kms: DevServer, n: number): Promise<void> {
  log(`P3: requests per operation over a lifecycle of ${n} connections (one name conflict)`);
  const k = kms.info;
  const prefix = "p3";
  const project = new Project(ROOT, scratch, prefix, "connections");
  // A connection that already exists, identical to the declaration: the create hook meets a name
  // conflict, reads it back (+1 request) and adopts it.
  await apiCreate(k, `${prefix}-0`, "benchmark");
  const step = async (args: string[], extra: NodeJS.ProcessEnv) => {
    const mark = await kms.mark();
    await project.cdktf(args, project.env(n, prefix, k, extra));
    return countRequests(await kms.since(mark));
  };
  const otherUrl = k.octopusUrl.replace("127.0.0.1", "localhost");
  const create = await step(["deploy", "--auto-approve"], {});
  const same = await step(["deploy", "--auto-approve"], {});
  const update = await step(["deploy", "--auto-approve"], { BENCH_DESCRIPTION: "benchmark, changed" });
  const creds = await step(["deploy", "--auto-approve"], { BENCH_DESCRIPTION: "benchmark, changed", BENCH_OCTOPUS_URL: otherUrl });
  const destroy = await step(["destroy", "--auto-approve"], { BENCH_DESCRIPTION: "benchmark, changed", BENCH_OCTOPUS_URL: otherUrl });
  project.remove();
  raw.P3 = { n, create, same, update, creds, destroy };
  const kinds = (c: ReturnType<typeof countRequests>) =>
    Object.entries(c.byKind)
      .map(([key, v]) => `${key} ${v}`)
      .join(", ") || "none";
  const perConn = (c: ReturnType<typeof countRequests>) => c.connection / n;
  // `expectedErrors`: the name conflict is answered with an error status, by design.
  const rowFor = (id: string, what: string, c: ReturnType<typeof countRequests>, expected: number, value: number, logins: number, expectedErrors = 0) =>
    addRow({
      id,
      what,
      unit: "req",
      subject: summarize([value]),
      target: `${expected}`,
      pass: value === expected && c.failed === expectedErrors && c.logins === logins,
      note: `${kinds(c)}; logins ${c.logins}${c.failed !== expectedErrors ? `; ${c.failed} FAILED requests` : ""}`,
    });
  // The conflicting connection takes one more request (the GET that finds it); every other create takes one.
  rowFor("P3", `create: requests per new connection (${n - 1} new)`, create, 1, (create.connection - 2) / (n - 1), 1, 1);
  rowFor("P3", "create on a name conflict: requests for that connection", create, 2, create.connection - (n - 1), 1, 1);
  rowFor("P3", "update (description): requests per connection", update, 2, perConn(update), 1);
  rowFor("P3", "update (instance URL, re-validated credentials): requests per connection", creds, 2, perConn(creds), 1);
  rowFor("P3", "delete (cdktf destroy): requests per connection", destroy, 2, perConn(destroy), 1);
  rowFor("P3", "no change (deploy again): requests", same, 0, same.connection + same.logins, 0);
  for (const [c, where] of [[create, "create"], [update, "update"], [creds, "update URL"], [destroy, "destroy"]] as const) {
    p2Logins.push({ n, logins: c.logins, where: `P3 ${where}` });
  }
}

// ---------------------------------------------------------------------------------------------
// P7: growth

async function benchGrowth(scratch: string, kms: DevServer, p: ReturnType<typeof plan>): Promise<void> {
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
        budgetNotes.push(`P7 synth: N = ${n} repetition ${rep + 1} left out (time budget)`);
        continue;
      }
      const r = await project.cdktf(["synth"], project.env(n, "p7", kms.info));
      p7Synth.set(n, [...(p7Synth.get(n) ?? []), r.wallMs]);
    }
  };
  // The first pass leaves two thirds of what is left for the deploys.
  await synthPass(0, Date.now() + (sectionDeadline - Date.now()) / 3);
  for (let rep = 0; rep < p.p7DeployReps; rep++) {
    for (const n of p.p7DeployNs) {
      const deployMs = new Map([...p7Deploy].map(([k, e]) => [k, e.ms]));
      if (Date.now() + estimate(deployMs, n) > sectionDeadline) {
        budgetNotes.push(`P7 deploy: N = ${n} left out (time budget)`);
        log(`  (time budget: P7 deploy of ${n} left out)`);
        continue;
      }
      recordDeploy(n, await deployOnce(scratch, kms, "connections", n, `p7n${n}r${rep}`), "P7");
      // The baseline's growth is context only: it goes first when time is short.
      if (Date.now() + estimate(p7DeployBaseline, n) > sectionDeadline) {
        budgetNotes.push(`P7 deploy: the curl baseline at N = ${n} left out (time budget)`);
        continue;
      }
      const b = await deployOnce(scratch, kms, "baseline-curl", n, `p7b${n}r${rep}`);
      p7DeployBaseline.set(n, [...(p7DeployBaseline.get(n) ?? []), b.sample.wallMs]);
    }
    // The same resources without hooks, at every size deployed (P5's included): Terraform's own share.
    for (const n of [...p7Deploy.keys()].sort((a, b) => a - b)) {
      if ((p7DeployHookless.get(n)?.length ?? 0) > rep) continue;
      if (Date.now() + estimate(p7DeployHookless, n) > sectionDeadline) {
        budgetNotes.push(`P7 deploy: the hookless resources at N = ${n} repetition ${rep + 1} left out (time budget)`);
        continue;
      }
      const h = await deployOnce(scratch, kms, "connections", n, `p7h${n}r${rep}`, true);
      p7DeployHookless.set(n, [...(p7DeployHookless.get(n) ?? []), h.sample.wallMs]);
    }
  }
  for (let rep = 1; rep < p.p7SynthReps; rep++) await synthPass(rep, sectionDeadline);
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

// ---------------------------------------------------------------------------------------------
// Report

function machine(): Record<string, string> {
  const version = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, CHECKPOINT_DISABLE: "1" } })
        .split("\n")[0]!
        .trim();
    } catch {
      return "unavailable";
    }
  };
  const pkg = (name: string) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
    } catch {
      return "?";
    }
  };
  return {
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? "?"}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    terraform: version("terraform", ["version"]),
    curl: version("curl", ["--version"]).split(" ").slice(0, 2).join(" "),
    cdktf: `cdktf ${pkg("cdktf")}, cdktf-cli ${pkg("cdktf-cli")}`,
    loadavg: os.loadavg().map((x) => x.toFixed(1)).join(" "),
  };
}

function table(markdown: boolean): string {
  const header = ["#", "what", "subject median (min-max)", "baseline median (min-max)", "ratio", "cpu ratio", "target", "result"];
  const body = rows.map((r) => [
    r.id,
    r.what,
    fmt(r.subject, r.unit),
    fmt(r.baseline, r.unit),
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : "-",
    r.cpuRatio !== undefined ? `${r.cpuRatio.toFixed(2)}x` : "-",
    r.target,
    r.pass === undefined ? "info" : r.pass ? "PASS" : "FAIL",
  ]);
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
    return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const p = plan(opts.quick);
  const want = (id: string) => !opts.only || opts.only.has(id);
  for (const file of [HOOK, MINIMAL_FETCH, path.join(ROOT, "dist", "bench", "apps", "connections-app.js")]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm run bench does).`);
  }
  const started = T0;
  const before = machine();
  log(`cdktf-kms-octopus benchmark${opts.quick ? " (--quick)" : ""}: ${before.cpus}, ${before.memory}, node ${before.node}, ${before.terraform}, load ${before.loadavg}`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-bench-"));
  const servers: DevServer[] = [];
  try {
    const kms0 = await DevServer.start(ROOT, scratch, 0);
    servers.push(kms0);
    const kms50 = await DevServer.start(ROOT, scratch, 50);
    servers.push(kms50);

    const section = async (name: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        errors.push(`${name}: ${message}`);
        log(`!! ${name} failed: ${message}`);
      }
    };
    // Sections in order of cost, each with a soft deadline (a share of the budget, from the start).
    const at = (share: number) => T0 + p.budgetMs * share;
    if (want("P1")) {
      sectionDeadline = at(0.06);
      await section("P1", () => benchHook(kms0, p.p1Reps, p.p1Warmup, true));
      sectionDeadline = at(0.09);
      await section("P1@50ms", () => benchHook(kms50, p.p1Reps, p.p1Warmup, false));
    }
    if (want("P6")) await section("P6", () => benchRss(kms0, p.rssReps));
    if (want("P3") || want("P2")) await section("P3", () => benchLifecycle(scratch, kms0, p.p3N));
    if (want("P5") || want("P2")) {
      sectionDeadline = at(0.4);
      await section("P5", () => benchDeploy(scratch, kms0, p.p5N, p.p5Reps));
      sectionDeadline = at(0.5);
      await section("P5@50ms", () => benchDeploy(scratch, kms50, p.p5N, p.p5LatencyReps));
    }
    if (want("P4")) {
      sectionDeadline = at(0.7);
      await section("P4", () => benchSynth(scratch, kms0.info, p.p4N, p.p4Reps, p.p4Warmup));
    }
    if (want("P7")) {
      sectionDeadline = at(0.97);
      await section("P7", () => benchGrowth(scratch, kms0, p));
    }
    if (p2Logins.length) {
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
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    if (!opts.keep) fs.rmSync(scratch, { recursive: true, force: true });
    else log(`scratch kept: ${scratch}`);
  }

  // Order the table by target.
  const order = (id: string) => (id === "prof" ? 1.5 : Number(id.slice(1, 2)) + (id.includes("@") ? 0.1 : 0));
  rows.sort((a, b) => order(a.id) - order(b.id));
  const after = machine();
  const seconds = (Date.now() - started) / 1000;
  const failed = rows.filter((r) => r.pass === false);
  const out = [
    "",
    table(false),
    "",
    `machine: ${after.cpus}, ${after.memory}, ${after.os}; node ${after.node}; ${after.terraform}; ${after.cdktf}; ${after.curl}`,
    `load average: ${before.loadavg} at start, ${after.loadavg} at end; ran in ${seconds.toFixed(0)} s${opts.quick ? " (--quick)" : ""}`,
    failed.length ? `MISSED TARGETS: ${[...new Set(failed.map((r) => r.id))].join(", ")} (see the FAIL rows)` : "every measured target met",
    ...budgetNotes.map((n) => `time budget: ${n}`),
    ...errors.map((e) => `ERROR ${e}`),
    "",
  ].join("\n");
  process.stdout.write(out);
  if (opts.markdown) fs.writeFileSync(opts.markdown, `${table(true)}\n`);
  if (opts.json) {
    fs.writeFileSync(opts.json, `${JSON.stringify({ machine: { ...after, loadavgStart: before.loadavg }, quick: opts.quick, seconds, rows, errors, samples: raw, budgetNotes }, null, 2)}\n`);
  }
  return errors.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
