/**
 * `explain-plan [PLAN_JSON | -] [--stack DIR] [--json]`: one line per connection from Terraform's JSON
 * plan: created, renamed, changed (which fields), key rotated, replaced (and why), deleted, or kept.
 * Reads stdin with "-" (or no argument), so `terraform show -json tfplan | ... explain-plan` never
 * writes the JSON plan, which holds the values of sensitive variables in clear, to disk.
 */
import * as fs from "node:fs";
import { Command } from "commander";
import { CommandIo, processIo } from "./drift";
import { reportError } from "../context";
import { ConfigError } from "../../kms/errors";
import { cdktfOutdir, declaredConnections, readStack, removedBlocks, resolveStackDir } from "../../stacks/declarations";
import { NotAPlanError, describePlan, renderPlanExplanation } from "../../stacks/plan";

/** Flags of `explain-plan`. */
export interface ExplainPlanFlags {
  readonly stack?: string;
  readonly json?: boolean;
}

/** Adds the `explain-plan` command. */
export function registerExplainPlan(program: Command): void {
  program
    .command("explain-plan")
    .description("say what a Terraform plan does to each connection, one line each (input: terraform show -json tfplan)")
    .argument("[plan]", 'JSON plan file, or "-" for stdin', "-")
    .option("--stack <dir>", "the synthesized stack the plan is for: checks that removed connections use OctopusDeployConnection.removed() (hook engines), and names provider-engine connections by construct path")
    .option("--json", "print the explanation as JSON (see docs/pipelines.md for its shape)")
    .addHelpText("after", "\nExample:\n  (cd cdktf.out/stacks/NAME && terraform show -json tfplan) | npx cdktf-kms-octopus explain-plan --stack cdktf.out/stacks/NAME -")
    .action(async (plan: string, flags: ExplainPlanFlags) => {
      process.exitCode = await runExplainPlan(plan, flags);
    });
}

/** Runs `explain-plan`; returns the exit code. */
export async function runExplainPlan(
  planPath: string,
  flags: ExplainPlanFlags,
  io: CommandIo = processIo,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  cwd: string = process.cwd(),
): Promise<number> {
  try {
    let text: string;
    if (planPath === "-") {
      if (stdin.isTTY) throw new ConfigError("pass a JSON plan file, or pipe one in: terraform show -json tfplan | npx cdktf-kms-octopus explain-plan -");
      text = await readAll(stdin);
    } else {
      try {
        text = fs.readFileSync(planPath, "utf8");
      } catch (err) {
        throw new ConfigError(`cannot read ${planPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    }
    let plan: unknown;
    try {
      plan = JSON.parse(text);
    } catch {
      throw new ConfigError(`${planPath === "-" ? "stdin" : planPath} is not JSON: give the output of \`terraform show -json tfplan\` (not the binary plan file).`);
    }
    const stack = flags.stack ? readStack(resolveStackDir(flags.stack, cdktfOutdir(cwd))) : undefined;
    const removed = stack ? removedBlocks(stack) : undefined;
    // Provider-engine plans carry no construct paths: the stack's declarations have them.
    const paths = stack ? new Map(declaredConnections(stack).flatMap((c) => (c.path ? [[c.address, c.path] as const] : []))) : undefined;
    const explanation = describePlan(plan, { removed, paths });
    io.out(flags.json ? `${JSON.stringify(explanation, null, 2)}\n` : renderPlanExplanation(explanation).map((l) => `${l}\n`).join(""));
    return 0;
  } catch (err) {
    return reportError(err instanceof NotAPlanError ? new ConfigError(err.message) : err, (line) => io.err(`${line}\n`));
  }
}

function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (data += chunk));
    stream.on("end", () => resolve(data));
    stream.on("error", reject);
  });
}
