/**
 * P1 and the profile rows: the apply hook of a changed connection (GET + PATCH), spawned as Terraform
 * would, against a minimal fetch script doing the same two requests; P6: the hook's peak RSS per
 * operation (GNU time's max RSS) against the same script's.
 */
import { DevServer, countRequests } from "../lib/kms";
import { Run, check, run } from "../lib/proc";
import { summarize } from "../lib/stats";
import { addRow, log, num, raw, signed } from "../lib/report";
import { Sample, sample, wall } from "../lib/sample";
import { interleave } from "../lib/budget";
import { HOOK, MINIMAL_FETCH, NODE } from "../lib/paths";
import { CHANGED_IN_THIS_APPLY, NEW_IN_THIS_APPLY, apiCreate, cleanEnv, hookEvent } from "../lib/hook-events";

/** P1 (and, with `withProfile`, the profile rows) against `kms`. */
export async function benchHook(kms: DevServer, reps: number, warmup: number, withProfile: boolean): Promise<void> {
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
export async function benchRss(kms: DevServer, reps: number): Promise<void> {
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
