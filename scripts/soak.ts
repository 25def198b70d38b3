/**
 * Soak test (issue item 10): 100 connections deployed, changed and destroyed with real terraform
 * against the local KMS at its DEFAULT rate limits (60 reads and 200 writes per minute and client,
 * kms-api.md §10). The hooks must get through by honouring the KMS's 429 answers (Retry-After), with
 * no failed step; after each step the KMS holds exactly what is declared. It takes a few minutes, so
 * it is not part of `npm test`. Run it from the repository root:
 *
 *   npm run build && node dist/scripts/soak.js
 *
 * Options: `--count <n>` connections (default 100), `--parallelism <n>` terraform -parallelism
 * (default 10), `--keep` to keep the temporary directory. Needs terraform on PATH (or
 * TERRAFORM_BINARY_NAME); offline is fine. Exit code 0 when every step succeeded and the KMS matched,
 * 1 otherwise. It prints one line per step: time, requests, and how many were answered 429.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { App, LocalBackend, TerraformStack } from "../lib/cdk";
import { OctopusDeployConnection } from "../lib";
import { LocalKms, startLocalKms, terraformEnv, terraformWorkDir } from "../lib/testing";

const TERRAFORM = process.env.TERRAFORM_BINARY_NAME ?? "terraform";

interface Options {
  readonly count: number;
  readonly parallelism: number;
  readonly keep: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const options = { count: 100, parallelism: 10, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const number = (): number => {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) throw new Error(`${arg} needs a positive integer`);
      return value;
    };
    if (arg === "--count") options.count = number();
    else if (arg === "--parallelism") options.parallelism = number();
    else if (arg === "--keep") options.keep = true;
    else throw new Error(`unknown argument ${arg}; known: --count <n>, --parallelism <n>, --keep`);
  }
  return options;
}

/** Runs terraform; resolves with its exit code and output. */
function terraform(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TERRAFORM, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}

/** Synthesizes `count` connections with the given description into `dir/out`; returns the stack directory. */
function synth(dir: string, kms: LocalKms, count: number, description: string): string {
  const app = new App({ outdir: path.join(dir, "out"), skipValidation: true });
  const stack = new TerraformStack(app, "soak");
  new LocalBackend(stack, { path: path.join(dir, "terraform.tfstate") });
  for (let i = 0; i < count; i++) {
    const name = `soak-${String(i).padStart(3, "0")}`;
    new OctopusDeployConnection(stack, name, { name, description, instanceUrl: kms.octopusUrl, kmsUrl: kms.kmsUrl, apiKeyEnv: "OCTOPUS_API_KEY" });
  }
  app.synth();
  return path.join(dir, "out", "stacks", "soak");
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const dir = terraformWorkDir("kms-octopus-soak-");
  // The KMS's default limits: nothing passed.
  const kms = await startLocalKms();
  const env = terraformEnv(dir, { KMS_CLIENT_ID: kms.clientId, KMS_CLIENT_SECRET: kms.clientSecret, OCTOPUS_API_KEY: kms.octopusApiKey });
  const started = Date.now();
  let failed = false;
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`soak: ${options.count} connections, terraform -parallelism=${options.parallelism}, local KMS ${kms.kmsUrl} with default rate limits (60 reads, 200 writes per minute)`);

  /** Runs one terraform step and checks the KMS afterwards. */
  const step = async (title: string, args: string[], expected: (names: string[], descriptions: Set<string | null>) => string | undefined) => {
    kms.clearRequests();
    const t0 = Date.now();
    const result = await terraform(stackDir, [...args, "-auto-approve", "-input=false", "-no-color", `-parallelism=${options.parallelism}`], env);
    const requests = kms.requests;
    const throttled = requests.filter((r) => r.status === 429);
    const live = kms.connections();
    const mismatch = expected(
      live.map((c) => c.name),
      new Set(live.map((c) => c.description)),
    );
    say(
      `${title}: ${result.code === 0 && !mismatch ? "ok" : "FAILED"} in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${requests.length} requests, ` +
        `${throttled.length} answered 429 (${throttled.filter((r) => r.method === "GET").length} reads, ${throttled.filter((r) => r.method !== "GET").length} writes); ` +
        `the KMS holds ${live.length} connections`,
    );
    if (result.code !== 0) {
      failed = true;
      process.stderr.write(`${result.output.slice(-8000)}\n`);
    }
    if (mismatch) {
      failed = true;
      process.stderr.write(`${title}: ${mismatch}\n`);
    }
  };

  const names = Array.from({ length: options.count }, (_, i) => `soak-${String(i).padStart(3, "0")}`);
  const exactly = (description: string) => (live: string[], descriptions: Set<string | null>) => {
    const sorted = [...live].sort();
    if (sorted.length !== names.length || sorted.some((n, i) => n !== names[i])) return `expected exactly the ${names.length} declared connections, found ${live.length}`;
    if (descriptions.size !== 1 || !descriptions.has(description)) return `expected every description to be "${description}", found ${[...descriptions].join(", ")}`;
    return undefined;
  };

  let stackDir = synth(dir, kms, options.count, "soak v1");
  try {
    const init = await terraform(stackDir, ["init", "-input=false", "-no-color"], env);
    if (init.code !== 0) throw new Error(`terraform init failed:\n${init.output}`);
    await step("deploy", ["apply"], exactly("soak v1"));
    if (!failed) {
      stackDir = synth(dir, kms, options.count, "soak v2");
      await step("change", ["apply"], exactly("soak v2"));
    }
    await step("destroy", ["destroy"], (live) => (live.length === 0 ? undefined : `expected no connection, found ${live.length}`));
  } finally {
    await kms.close();
    if (options.keep) say(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
  say(`soak ${failed ? "FAILED" : "passed"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`soak failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
