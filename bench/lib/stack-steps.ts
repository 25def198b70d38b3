/**
 * A synthesized stack driven by Terraform directly, one command at a time, each measured the same
 * way: the KMS requests it made (request log between two marks), the provider processes it started
 * and their peak RSS (provider-probe.ts through NODE_OPTIONS; Terraform's TF_LOG=trace log counts the
 * starts too, as a cross-check), and its wall time (with trace logging on: not a timing row). Used by the
 * request-count rows of the provider engine (P9, P12, P13) and of the secret sync (P15).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DevServer } from "./kms";
import { Project } from "./project";
import { Run } from "./proc";
import { ProviderProcesses, probeEnv, readProbe } from "./probe-file";
import { terraformApply, terraformDestroy, terraformInit, terraformPlan } from "./terraform";
import type { RequestLogEntry } from "../../lib/testing";

/** One measured command. */
export interface Step {
  readonly run: Run;
  readonly requests: readonly RequestLogEntry[];
  readonly providers: ProviderProcesses;
  /** "plugin started" lines of Terraform's TF_LOG=trace log: its own count of provider starts (a cross-check of `providers`). */
  readonly pluginStartsLogged: number;
}

/** The Terraform commands a step can be. */
export type StepCommand = "apply" | "plan" | "destroy";

/** A project whose stack is synthesized with `cdktf synth` and then run by terraform in its stack directory. */
export class StackSteps {
  private steps = 0;

  /** `env(description)`: the project's environment for that declaration (the same for synth and terraform). */
  constructor(
    private readonly project: Project,
    private readonly kms: DevServer,
    private readonly env: (description: string) => NodeJS.ProcessEnv,
  ) {}

  /** `cdktf synth` of the declaration with `description`, then `terraform init` when the stack directory has none. */
  async synth(description: string): Promise<void> {
    await this.project.cdktf(["synth"], this.env(description));
    if (!fs.existsSync(path.join(this.project.stackDir, ".terraform", "terraform.tfstate"))) await terraformInit(this.project.stackDir, this.env(description));
  }

  /** Runs one terraform command on the declaration last synthesized (with `description`), measured. */
  async step(command: StepCommand, description: string): Promise<Step> {
    const probe = path.join(this.project.dir, `probe-${this.steps++}.jsonl`);
    const trace = path.join(this.project.dir, `trace-${this.steps - 1}.log`);
    const env = { ...this.env(description), ...probeEnv(probe), TF_LOG: "trace", TF_LOG_PATH: trace };
    const mark = await this.kms.mark();
    const dir = this.project.stackDir;
    const run = command === "apply" ? await terraformApply(dir, env) : command === "plan" ? await terraformPlan(dir, env) : await terraformDestroy(dir, env);
    const requests = await this.kms.since(mark);
    // The provider processes write their exit line as they exit, just before terraform does.
    const pluginStartsLogged = fs
      .readFileSync(trace, "utf8")
      .split("\n")
      .filter((l) => l.includes("plugin started") && l.includes("terraform-provider-hanzokms")).length;
    fs.rmSync(trace, { force: true });
    return { run, requests, providers: readProbe(probe), pluginStartsLogged };
  }

  /**
   * The measured lifecycle both request-count sections run: synth and apply (create), a plan that
   * must find nothing to change, synth of the changed declaration and apply (update), destroy; then
   * the project's files are removed.
   */
  async lifecycle(): Promise<{ create: Step; read: Step; update: Step; destroy: Step }> {
    await this.synth("benchmark");
    const create = await this.step("apply", "benchmark");
    const read = await this.step("plan", "benchmark");
    if (read.run.code !== 0) throw new Error(`the plan after the create has changes (exit ${read.run.code}):\n${read.run.stdout.slice(-2000)}`);
    await this.synth("benchmark, changed");
    const update = await this.step("apply", "benchmark, changed");
    const destroy = await this.step("destroy", "benchmark, changed");
    this.project.remove();
    return { create, read, update, destroy };
  }
}
