/**
 * P8: start of the provider to its handshake line. The provider file is placed as `terraform init`
 * finds it (lib/provider/install: the implied local mirror, run bit set) and executed as Terraform
 * executes it: the file itself (`#!/usr/bin/env node`), with go-plugin's environment (the magic
 * cookie, protocol versions, port range, and a PEM client certificate for AutoMTLS). Timed from spawn
 * to the `1|6|unix|...|grpc|...` line on stdout; the process is then stopped (SIGTERM), untimed.
 * Baseline, interleaved: `node -e 0`, spawn to exit.
 *
 * NODE_EXTRA_CA_CERTS: Node reads and parses that file at start, before any of the provider's code
 * runs (40 ms on this benchmark's machines, where it is set for a proxy); the row is measured without
 * it, as on a machine that does not set it, and when the caller's environment sets it the same pair
 * is measured again with it, in a note.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { check, run } from "../lib/proc";
import { addRow, log, raw } from "../lib/report";
import { interleave } from "../lib/budget";
import { NODE } from "../lib/paths";
import { cleanEnv } from "../lib/hook-events";
import { selfSignedCertificate } from "../../lib/provider/protocol/certificate";
import { PLATFORMS, installProvider } from "../../lib/provider/install";
import { PROVIDER_FILE, PROVIDER_HOSTNAME, PROVIDER_NAMESPACE, PROVIDER_TYPE, PROVIDER_VERSION } from "../../lib/provider/address";
import { summarize } from "../lib/stats";

/** go-plugin's magic cookie for Terraform providers (what Terraform sets). */
const MAGIC_COOKIE = { TF_PLUGIN_MAGIC_COOKIE: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2" };
const HANDSHAKE = /^1\|6\|unix\|[^|]+\|grpc\|[A-Za-z0-9+/]+$/;

/** Milliseconds from spawning `file` to its handshake line; stops the process afterwards. */
export function timeToHandshake(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, [], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let ms: number | undefined;
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      if (ms !== undefined) return;
      out += d;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (!HANDSHAKE.test(out.slice(0, nl))) {
        child.kill("SIGKILL");
        reject(new Error(`the provider printed an unexpected first line (${out.slice(0, 40)}...)`));
        return;
      }
      child.kill("SIGTERM");
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (ms !== undefined) resolve(ms);
      else reject(new Error(`the provider exited (${code ?? signal}) before its handshake: ${err.trim().slice(-500)}`));
    });
  });
}

/** P8, `reps` interleaved repetitions after one warm-up. */
export async function benchHandshake(reps: number): Promise<void> {
  log(`P8: provider start to handshake vs node -e 0, 1 warm-up + ${reps} interleaved repetitions`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-bench-p8-"));
  try {
    const plugins = path.join(dir, "terraform.d", "plugins");
    installProvider(plugins);
    const platform = `${os.platform()}_${os.arch() === "x64" ? "amd64" : os.arch()}`;
    if (!(PLATFORMS as readonly string[]).includes(platform)) throw new Error(`no provider directory for ${platform}`);
    const file = path.join(plugins, PROVIDER_HOSTNAME, PROVIDER_NAMESPACE, PROVIDER_TYPE, PROVIDER_VERSION, platform, PROVIDER_FILE);
    const cert = selfSignedCertificate();
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    const measure = async (withExtraCa: boolean, n: number) => {
      const ca = withExtraCa && extraCa ? { NODE_EXTRA_CA_CERTS: extraCa } : {};
      const env = { ...cleanEnv({ ...MAGIC_COOKIE, PLUGIN_PROTOCOL_VERSIONS: "5,6", PLUGIN_MIN_PORT: "10000", PLUGIN_MAX_PORT: "25000", PLUGIN_CLIENT_CERT: cert.certPem }), ...ca };
      const nodeEnv = cleanEnv(ca);
      const provider = () => timeToHandshake(file, env);
      const node = async () => check("node -e 0", await run(NODE, ["-e", "0"], { rusage: false, env: nodeEnv })).wallMs;
      await interleave(1, [provider, node]);
      const [p, b] = await interleave(n, [provider, node], Math.min(n, 5), "P8");
      return { p: p!, b: b! };
    };
    const plain = await measure(false, reps);
    const withCa = extraCa ? await measure(true, Math.max(3, Math.ceil(reps / 2))) : undefined;
    raw.P8 = { providerMs: plain.p, nodeMs: plain.b, ...(withCa ? { withNodeExtraCaCerts: { providerMs: withCa.p, nodeMs: withCa.b } } : {}) };
    const subject = summarize(plain.p);
    const baseline = summarize(plain.b);
    const caNote = withCa
      ? `; with this environment's NODE_EXTRA_CA_CERTS (read by Node at start): ${summarize(withCa.p).median.toFixed(0)} ms vs node -e 0 ${summarize(withCa.b).median.toFixed(0)} ms`
      : "";
    addRow({
      id: "P8",
      what: "provider start to handshake line (as Terraform starts it) vs node -e 0",
      unit: "ms",
      subject,
      baseline,
      ratio: subject.median / baseline.median,
      target: "<= 120 ms",
      pass: subject.median <= 120,
      note: `${(subject.median - baseline.median).toFixed(0)} ms over Node's own start; without NODE_EXTRA_CA_CERTS${caNote}`,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
