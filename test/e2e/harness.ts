/**
 * End-to-end harness: synthesizes stacks in-process (cdktf App), runs the real `terraform` binary on
 * the output against the local KMS, and keeps Terraform's own caches and config inside the test's
 * temp directory. Used by every test in test/e2e.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";
import type { FaultKind, FaultOptions, LocalKms } from "../../lib/testing";
import { FaultPlan } from "../../lib/testing/faults";
import { TERRAFORM } from "./terraform-env";

export { run, TERRAFORM, terraformEnv, workDir } from "./terraform-env";

/** Whether terraform can run here; under CI a missing terraform fails the suite instead of skipping it. */
export function terraformAvailable(): boolean {
  const found = spawnSync(TERRAFORM, ["version"], { encoding: "utf8" }).status === 0;
  if (!found) {
    const banner = `\n${"!".repeat(72)}\n!! terraform not found (${TERRAFORM}): the end-to-end suite is SKIPPED.\n!! Install Terraform >= 1.9 to run it.\n${"!".repeat(72)}\n`;
    if (process.env.CI === "true") throw new Error(`terraform is required under CI=true but was not found.${banner}`);
    process.stderr.write(banner);
  }
  return found;
}

/** `describe` that runs only when terraform is available (and fails loudly under CI when it is not). */
export const describeE2E: jest.Describe = (terraformAvailable() ? describe : describe.skip) as jest.Describe;

/** Synthesizes one stack named "test" into `dir/out`, with its state in `dir/terraform.tfstate`. */
export function synth(dir: string, build: (stack: TerraformStack) => void): string {
  const app = new App({ outdir: path.join(dir, "out"), skipValidation: false });
  const stack = new TerraformStack(app, "test");
  new LocalBackend(stack, { path: path.join(dir, "terraform.tfstate") });
  build(stack);
  app.synth();
  return path.join(dir, "out", "stacks", "test");
}

/** Result of a terraform run. */
export interface TfResult {
  /** Exit code. */
  readonly code: number;
  /** stdout and stderr, interleaved as received. */
  readonly output: string;
  /** Milliseconds. */
  readonly ms: number;
}

/** Runs terraform in a stack directory. */
export async function tf(stackDir: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<TfResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(TERRAFORM, args, { cwd: stackDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output, ms: Date.now() - started }));
  });
}

/** init (once per stack dir; built-in providers only, works offline) then apply. */
export async function apply(stackDir: string, env: NodeJS.ProcessEnv, extraArgs: readonly string[] = []): Promise<TfResult> {
  await init(stackDir, env);
  return tf(stackDir, ["apply", "-auto-approve", "-input=false", "-no-color", ...extraArgs], env);
}

/** terraform destroy. */
export async function destroy(stackDir: string, env: NodeJS.ProcessEnv): Promise<TfResult> {
  await init(stackDir, env);
  return tf(stackDir, ["destroy", "-auto-approve", "-input=false", "-no-color"], env);
}

/** terraform plan -detailed-exitcode (0 = no changes, 2 = changes). */
export async function plan(stackDir: string, env: NodeJS.ProcessEnv, extraArgs: readonly string[] = []): Promise<TfResult> {
  await init(stackDir, env);
  return tf(stackDir, ["plan", "-input=false", "-no-color", "-detailed-exitcode", ...extraArgs], env);
}

/** The JSON plan (`terraform plan -out` + `terraform show -json`). */
export async function jsonPlan(stackDir: string, env: NodeJS.ProcessEnv): Promise<JsonPlan> {
  await init(stackDir, env);
  const planned = await tf(stackDir, ["plan", "-input=false", "-no-color", "-out=tfplan"], env);
  if (planned.code !== 0) throw new Error(`plan failed:\n${planned.output}`);
  const shown = await tf(stackDir, ["show", "-json", "tfplan"], env);
  if (shown.code !== 0) throw new Error(`show failed:\n${shown.output}`);
  return JSON.parse(shown.output) as JsonPlan;
}

/** The part of Terraform's JSON plan the tests read. */
export interface JsonPlan {
  readonly resource_changes?: readonly {
    readonly address: string;
    readonly type: string;
    readonly change: { readonly actions: readonly string[]; readonly before: unknown; readonly after: unknown; readonly replace_paths?: unknown };
    readonly action_reason?: string;
  }[];
}

async function init(stackDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  if (fs.existsSync(path.join(env.TF_DATA_DIR ?? path.join(stackDir, ".terraform"), "terraform.tfstate"))) return;
  const result = await tf(stackDir, ["init", "-input=false", "-no-color"], env);
  if (result.code !== 0) throw new Error(`terraform init failed:\n${result.output}`);
}

/**
 * `options` with the first seed whose fault sequence starts with `pattern` (undefined = no fault).
 * Faults are drawn in request-arrival order, so requests made one at a time get exactly these.
 */
export function faultsStartingWith(pattern: readonly (FaultKind | undefined)[], options: Omit<FaultOptions, "seed">): FaultOptions {
  for (let seed = 1; seed < 1_000_000; seed++) {
    const plan = new FaultPlan({ ...options, seed });
    if (pattern.every((expected) => plan.next() === expected)) return { ...options, seed };
  }
  throw new Error(`no seed below 1000000 starts with ${JSON.stringify(pattern)}`);
}

/** Clears the KMS's request log, then runs `fn` with `faults` injected; they are removed afterwards, even when `fn` throws. */
export async function withFaults<T>(kms: LocalKms, faults: FaultOptions, fn: () => Promise<T>): Promise<T> {
  kms.clearRequests();
  kms.setFaults(faults);
  try {
    return await fn();
  } finally {
    kms.setFaults(undefined);
  }
}

/** Lines of terraform output that the hook printed (local-exec lines). */
export function hookLines(output: string): string[] {
  return output
    .split("\n")
    .filter((l) => l.includes("(local-exec):"))
    .map((l) => l.slice(l.indexOf("(local-exec):") + "(local-exec):".length).trim())
    .filter((l) => l && !l.startsWith("Executing:") && !l.startsWith("local-exec: Executing:") && !l.startsWith("(output suppressed"));
}

/** Reads every file below `dir` (for secret scans). */
export function readTree(dir: string): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && fs.statSync(full).size < 5_000_000) out.push({ file: full, text: fs.readFileSync(full, "latin1") });
    }
  };
  walk(dir);
  return out;
}

/** Pins the hook engine ("provider" is the default) for the e2e suites of the hook engine; provider e2e tests pass engine: "provider". */
export { HOOK_ENGINE } from "../construct/app";
