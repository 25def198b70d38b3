/**
 * `npm run bench` (= `npm run build && node dist/bench/run.js`): the performance targets P1-P16 of the
 * OctopusDeployConnection and OctopusDeploySecretSync, each measured side by side with its baseline in
 * one run, interleaved (ABAB...) so that the drift of a noisy machine falls on both alike. Prints one
 * table (median, min-max, ratio of medians, PASS/FAIL) and exits 0 whenever it ran, whatever it
 * found; non-zero only when the benchmark itself failed.
 *
 *   node dist/bench/run.js [--quick] [--json FILE] [--markdown FILE] [--only P1,P5,...] [--keep]
 *
 * P1-P7 measure the hook engine (terraform_data + hook), P8-P16 the provider engine (the default)
 * and the secret sync. The local KMS runs in separate `dev-server` processes (one without latency,
 * one with 50 ms per request). Request counts are exact: they come from the server's request log.
 * What each target measures lives in bench/sections/; see bench/RESULTS.md for the latest table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DevServer } from "./lib/kms";
import { budgetNotes, setSectionDeadline } from "./lib/budget";
import { HOOK, MINIMAL_FETCH, PROVIDER, PROVIDER_PROBE, ROOT } from "./lib/paths";
import { errors, log, machine, notes, raw, rows, sortRows, table } from "./lib/report";
import { settings } from "./lib/settings";
import { benchHook, benchRss } from "./sections/hook";
import { benchSynth } from "./sections/synth";
import { benchDeploy, loginsRow } from "./sections/deploy";
import { benchLifecycle } from "./sections/lifecycle";
import { benchGrowth } from "./sections/growth";
import { benchHandshake } from "./sections/provider-start";
import { benchProviderLifecycle } from "./sections/provider-lifecycle";
import { benchProviderDeploy } from "./sections/provider-deploy";
import { benchCdkLibraries } from "./sections/cdk-library";
import { benchSecretSync } from "./sections/secret-sync";

/** The command line. */
interface Options {
  readonly quick: boolean;
  readonly json?: string;
  readonly markdown?: string;
  readonly only?: ReadonlySet<string>;
  readonly keep: boolean;
}

const USAGE =
  "usage: node dist/bench/run.js [--quick] [--json FILE] [--markdown FILE] [--only P1,P2,...] [--keep]\n" +
  "  --quick     fewer repetitions and smaller N (a smoke test, under 3 minutes)\n" +
  "  --json      write every sample and the verdicts as JSON\n" +
  "  --markdown  write the table as Markdown\n" +
  "  --only      run only these targets, e.g. P1,P6 (P2 is counted in the P3 and P5 deploys; P9, P12 and\n" +
  "              P13 share one lifecycle, P10 and P11 one set of deploys, P15 and P16 one section)\n" +
  "  --keep      keep the scratch directory\n";

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
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (see --help)`);
  }
  return { quick, json, markdown, only, keep };
}

/** Runs one section; a failure becomes an ERROR line, and the other sections still run. */
async function section(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    errors.push(`${name}: ${message}`);
    log(`!! ${name} failed: ${message}`);
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  const p = settings(opts.quick);
  const want = (...ids: string[]) => !opts.only || ids.some((id) => opts.only!.has(id));
  for (const file of [HOOK, PROVIDER, PROVIDER_PROBE, MINIMAL_FETCH, path.join(ROOT, "dist", "bench", "apps", "connections-app.js")]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first (npm run bench does).`);
  }
  const before = machine(ROOT);
  log(`cdktf-kms-octopus benchmark${opts.quick ? " (--quick)" : ""}: ${before.cpus}, ${before.memory}, node ${before.node}, ${before.terraform}, load ${before.loadavg}`);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-bench-"));
  const servers: DevServer[] = [];
  try {
    const kms0 = await DevServer.start(ROOT, scratch, 0);
    servers.push(kms0);
    const kms50 = await DevServer.start(ROOT, scratch, 50);
    servers.push(kms50);

    // The hook engine (P1-P7), in order of cost, each with a soft deadline (a share of the budget, from the start).
    const at = (share: number) => started + p.budgetMs * share;
    if (want("P1")) {
      setSectionDeadline(at(0.06));
      await section("P1", () => benchHook(kms0, p.p1Reps, p.p1Warmup, true));
      setSectionDeadline(at(0.09));
      await section("P1@50ms", () => benchHook(kms50, p.p1Reps, p.p1Warmup, false));
    }
    if (want("P6")) await section("P6", () => benchRss(kms0, p.rssReps));
    if (want("P3", "P2")) await section("P3", () => benchLifecycle(scratch, kms0, p.p3N));
    if (want("P5", "P2")) {
      setSectionDeadline(at(0.4));
      await section("P5", () => benchDeploy(scratch, kms0, p.p5N, p.p5Reps));
      setSectionDeadline(at(0.5));
      await section("P5@50ms", () => benchDeploy(scratch, kms50, p.p5N, p.p5LatencyReps));
    }
    if (want("P4")) {
      setSectionDeadline(at(0.7));
      await section("P4", () => benchSynth(scratch, kms0.info, p.p4N, p.p4Reps, p.p4Warmup));
    }
    if (want("P7")) {
      setSectionDeadline(at(0.97));
      await section("P7", () => benchGrowth(scratch, kms0, p));
    }
    loginsRow();

    // The provider engine and the secret sync (P8-P16), with their own budget from here.
    const providerStart = Date.now();
    const atProvider = (share: number) => providerStart + p.providerBudgetMs * share;
    if (want("P8")) {
      setSectionDeadline(atProvider(0.05));
      await section("P8", () => benchHandshake(p.p8Reps));
    }
    if (want("P9", "P12", "P13")) {
      setSectionDeadline(atProvider(0.25));
      await section("P9/P12/P13", () => benchProviderLifecycle(scratch, kms0, p.providerN));
    }
    if (want("P10", "P11")) {
      setSectionDeadline(atProvider(0.62));
      await section("P10/P11", () => benchProviderDeploy(scratch, kms0, p.providerN, p.p10Reps, p.p11Reps));
    }
    if (want("P14")) {
      setSectionDeadline(atProvider(0.7));
      await section("P14", () => benchCdkLibraries(p.p14Runs));
    }
    if (want("P15", "P16")) {
      setSectionDeadline(atProvider(1));
      await section("P15/P16", () => benchSecretSync(scratch, kms0, p.p16Reps));
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    if (!opts.keep) fs.rmSync(scratch, { recursive: true, force: true });
    else log(`scratch kept: ${scratch}`);
  }

  sortRows();
  const after = machine(ROOT);
  const seconds = (Date.now() - started) / 1000;
  const failed = rows.filter((r) => r.pass === false);
  const out = [
    "",
    table(false),
    "",
    ...notes().map((n) => `note ${n}`),
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
