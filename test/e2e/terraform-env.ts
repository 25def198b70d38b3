/**
 * Running the real `terraform` binary in isolation: a throwaway directory with its own CLI config,
 * and an environment that keeps the developer's KMS, Infisical and TF_VAR_ settings out. No side
 * effect on import (unlike harness.ts, whose `describeE2E` checks for terraform), so unit tests that
 * run terraform use it too; harness.ts re-exports it.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { envWithoutKmsSettings } from "../../lib/testing/caller-env";

/** Path of the terraform binary the tests use. */
export const TERRAFORM = process.env.TERRAFORM_BINARY_NAME ?? "terraform";

/** A throwaway directory with a Terraform CLI config that turns the checkpoint call off. */
export function workDir(prefix = "kms-octopus-e2e-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.writeFileSync(path.join(dir, "terraform.tfrc"), "disable_checkpoint = true\n");
  return dir;
}

/** Environment for terraform: isolated config, no checkpoint, no plugin cache in HOME. */
export function terraformEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...envWithoutKmsSettings(process.env, /^TF_VAR_/),
    TF_CLI_CONFIG_FILE: path.join(dir, "terraform.tfrc"),
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    TF_DATA_DIR: path.join(dir, ".terraform-data"),
    ...extra,
  };
}

/** Runs a command synchronously, returning its stdout (throws with output on failure). */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  return execFileSync(cmd, args, { ...opts, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
