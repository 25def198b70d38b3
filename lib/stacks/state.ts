/**
 * The Terraform state of a synthesized stack, read to learn values that were Terraform expressions in
 * cdk.tf.json (a project id from a variable or another resource): the connection resource's applied
 * `input` holds them resolved. A local backend's state file is read directly (no Terraform needed);
 * any other backend through `terraform show -json` in the stack directory, which must be initialized.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SynthesizedStack } from "./declarations";
import { unwrapDynamic } from "./terraform-values";
import { terraformIn } from "./terraform-command";

/** Attributes of the root module's managed resources, by address. */
export interface StackState {
  /** Where it was read from, for messages. */
  readonly source: string;
  /** Attributes of each resource (dynamic values unwrapped), by address such as terraform_data.x. */
  readonly resources: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

/** The state, or why there is none. */
export type StateResult = { readonly state: StackState; readonly reason?: undefined } | { readonly state?: undefined; readonly reason: string };

/** How to read state. */
export interface StateOptions {
  /** Environment for terraform. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The terraform binary. @default $TERRAFORM_BINARY_NAME, else "terraform" */
  readonly terraform?: string;
  /** "auto": the local state file when the backend is local, else terraform show; "terraform": always terraform show. @default "auto" */
  readonly via?: "auto" | "terraform";
  /** Milliseconds terraform may take. @default 120000 */
  readonly timeoutMs?: number;
}

/** Reads the stack's state. Never throws: a missing or unreadable state is a reason. */
export async function readStackState(stack: SynthesizedStack, options: StateOptions = {}): Promise<StateResult> {
  const env = options.env ?? process.env;
  const workspace = env.TF_WORKSPACE;
  const local = stack.backend === undefined || stack.backend.type === "local";
  if (options.via !== "terraform" && local && (!workspace || workspace === "default")) return readLocalStateFile(stack);
  return terraformShow(stack, env, options.terraform ?? env.TERRAFORM_BINARY_NAME ?? "terraform", options.timeoutMs ?? 120_000);
}

function readLocalStateFile(stack: SynthesizedStack): StateResult {
  const configured = stack.backend?.settings.path;
  const file = path.resolve(stack.dir, typeof configured === "string" && configured ? configured : "terraform.tfstate");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return { reason: `no state file at ${file} (the stack was not deployed from here)` };
  }
  try {
    return { state: { source: file, resources: fromRawState(JSON.parse(text)) } };
  } catch (err) {
    return { reason: `the state file ${file} is not readable: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Resources of a raw state file (format version 4). */
export function fromRawState(raw: unknown): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const resources = (raw as { resources?: unknown })?.resources;
  if (!Array.isArray(resources)) throw new Error("no resources list (not a Terraform state file)");
  for (const r of resources as { mode?: string; type?: string; name?: string; module?: string; instances?: { index_key?: unknown; attributes?: Record<string, unknown> }[] }[]) {
    if (r.mode !== "managed" || r.module || !r.type || !r.name) continue;
    const instance = r.instances?.find((i) => i.index_key === undefined);
    if (instance?.attributes) out.set(`${r.type}.${r.name}`, unwrapAll(instance.attributes));
  }
  return out;
}

/** Resources of `terraform show -json` output (the root module). */
export function fromShowJson(json: unknown): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const resources = (json as { values?: { root_module?: { resources?: unknown } } })?.values?.root_module?.resources;
  if (!Array.isArray(resources)) return out; // an empty state shows without "values"
  for (const r of resources as { address?: string; mode?: string; values?: Record<string, unknown> }[]) {
    if (r.mode === "managed" && r.address && r.values) out.set(r.address, unwrapAll(r.values));
  }
  return out;
}

function unwrapAll(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, unwrapDynamic(v)]));
}

async function terraformShow(stack: SynthesizedStack, env: NodeJS.ProcessEnv, terraform: string, timeoutMs: number): Promise<StateResult> {
  const what = `terraform show -json in ${stack.dir}`;
  if (!env.TF_DATA_DIR && !fs.existsSync(path.join(stack.dir, ".terraform"))) {
    return { reason: `the state is in a ${stack.backend?.type ?? "local"} backend: run \`${terraformIn(stack.dir, "init -input=false")}\` first so that drift can read it` };
  }
  const result = await runCaptured(terraform, ["show", "-json", "-no-color"], stack.dir, env, timeoutMs);
  if (result.error) return { reason: `${what} could not run: ${result.error}` };
  if (result.code !== 0) return { reason: `${what} failed (exit ${result.code}): ${firstLines(result.stderr || result.stdout)}` };
  try {
    return { state: { source: what, resources: fromShowJson(JSON.parse(result.stdout)) } };
  } catch {
    return { reason: `${what} printed something that is not JSON` };
  }
}

interface Captured {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: string;
}

/** Runs a command without blocking the event loop (an in-process KMS in tests must keep answering). */
function runCaptured(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Captured> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...env, TF_IN_AUTOMATION: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill(), timeoutMs);
    const finish = (result: Captured) => {
      clearTimeout(timer);
      resolve(result);
    };
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err) => finish({ code: null, stdout, stderr, error: err.message }));
    child.on("close", (code, signal) => finish({ code, stdout, stderr, ...(signal ? { error: `stopped by ${signal} (after ${timeoutMs} ms?)` } : {}) }));
  });
}

function firstLines(text: string): string {
  const lines = text.split("\n").map((l) => l.replace(/^[│╷╵\s]+/, "").trim()).filter(Boolean);
  return lines.slice(0, 3).join(" ");
}
