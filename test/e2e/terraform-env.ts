/**
 * Running the real `terraform` binary in isolation (lib/testing/terraform-env.ts), with no side effect
 * on import (unlike harness.ts, whose `describeE2E` checks for terraform), so unit tests that run
 * terraform use it too; harness.ts re-exports it.
 */
import { execFileSync } from "node:child_process";
import { terraformWorkDir } from "../../lib/testing";

export { terraformEnv } from "../../lib/testing";

/** Path of the terraform binary the tests use. */
export const TERRAFORM = process.env.TERRAFORM_BINARY_NAME ?? "terraform";

/** A throwaway directory with a Terraform CLI config that turns the checkpoint call off. */
export function workDir(prefix = "kms-octopus-e2e-"): string {
  return terraformWorkDir(prefix);
}

/** Runs a command synchronously, returning its stdout (throws with output on failure). */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(cmd, args, { ...opts, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
