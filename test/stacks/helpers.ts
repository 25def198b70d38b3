/**
 * Helpers of the tests that read synthesized stacks: real synthesis (cdktf App) into temporary
 * directories, removed when the test file ends.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App, LocalBackend, TerraformStack } from "cdktf";

let root: string | undefined;

/** A new empty directory, removed after the test file. */
export function tempDir(prefix = "d-"): string {
  root ??= fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-stacks-"));
  return fs.mkdtempSync(path.join(root, prefix));
}

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Options of {@link synthStack}. */
export interface SynthOptions {
  /** Stack name. @default "test" */
  readonly name?: string;
  /** cdktf output directory. @default a new temp dir + "/cdktf.out" */
  readonly outdir?: string;
  /** Local backend state path; null for cdktf's default backend. @default <outdir>/../terraform.tfstate */
  readonly statePath?: string | null;
}

/** Synthesizes one stack; returns its directory (outdir/stacks/NAME). */
export function synthStack(build: (stack: TerraformStack) => void, options: SynthOptions = {}): string {
  const outdir = options.outdir ?? path.join(tempDir(), "cdktf.out");
  const app = new App({ outdir, skipValidation: true }); // the null_resource engine needs no provider block to be read
  const name = options.name ?? "test";
  const stack = new TerraformStack(app, name);
  if (options.statePath !== null) new LocalBackend(stack, { path: options.statePath ?? path.join(path.dirname(outdir), "terraform.tfstate") });
  build(stack);
  app.synth();
  return path.join(outdir, "stacks", name);
}

/** A raw Terraform state file (format 4) holding the given resources' attributes. */
export function writeState(file: string, resources: Record<string, Record<string, unknown>>): void {
  const list = Object.entries(resources).map(([address, attributes]) => {
    const [type, name] = address.split(".");
    const wrapped = Object.fromEntries(
      Object.entries(attributes).map(([k, v]) => [k, type === "terraform_data" && (k === "input" || k === "output") && v !== null ? { value: v, type: "dynamic" } : v]),
    );
    return { mode: "managed", type, name, provider: 'provider["terraform.io/builtin/terraform"]', instances: [{ schema_version: 0, attributes: wrapped }] };
  });
  fs.writeFileSync(file, JSON.stringify({ version: 4, terraform_version: "1.11.4", serial: 1, lineage: "x", outputs: {}, resources: list }));
}

/** Pins the hook engine ("provider" is the default) for tests that read terraform_data / null_resource stacks. */
export { HOOK_ENGINE } from "../construct/app";
