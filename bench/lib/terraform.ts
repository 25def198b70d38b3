/**
 * Terraform run directly in a synthesized stack's directory (`cd` into it: `terraform -chdir` does not
 * find the implied local mirror terraform.d/plugins, hashicorp/terraform#31442), for the rows that
 * time or count one Terraform command: init once, then plan, apply, destroy.
 */
import { Run, check, run } from "./proc";
import { TERRAFORM } from "./paths";

/** `terraform init` (no backend change, offline: the provider comes from the stack's own mirror). */
export async function terraformInit(stackDir: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return check(`terraform init in ${stackDir}`, await run(TERRAFORM, ["init", "-input=false", "-no-color"], { cwd: stackDir, env }));
}

/** `terraform plan -detailed-exitcode`: resolves with the run whose code is 0 (no changes) or 2 (changes); throws otherwise. */
export async function terraformPlan(stackDir: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const r = await run(TERRAFORM, ["plan", "-input=false", "-no-color", "-detailed-exitcode"], { cwd: stackDir, env });
  if (r.code === 2) return r;
  return check(`terraform plan in ${stackDir}`, r);
}

/** `terraform apply -auto-approve` (a plan and its apply, one command). */
export async function terraformApply(stackDir: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return check(`terraform apply in ${stackDir}`, await run(TERRAFORM, ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: stackDir, env }));
}

/** `terraform destroy -auto-approve`. */
export async function terraformDestroy(stackDir: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return check(`terraform destroy in ${stackDir}`, await run(TERRAFORM, ["destroy", "-auto-approve", "-input=false", "-no-color"], { cwd: stackDir, env }));
}
