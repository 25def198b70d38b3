/**
 * Running Terraform and other tools against the local KMS in isolation: the caller's environment
 * without any KMS or Infisical setting (KMS_*, INFISICAL_*: a developer's real token or client secret
 * would otherwise win over the local KMS's identity and be sent to it), and a throwaway directory
 * with its own Terraform CLI config, no checkpoint call and no cache in HOME.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** `env` without KMS_* and INFISICAL_* variables, and without those `also` matches. */
export function envWithoutKmsSettings(env: NodeJS.ProcessEnv = process.env, also?: RegExp): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(KMS_|INFISICAL_)/.test(name) && !also?.test(name)));
}

/** A new directory under the OS temp dir holding a Terraform CLI config that turns the checkpoint call off. */
export function terraformWorkDir(prefix = "kms-octopus-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.writeFileSync(path.join(dir, "terraform.tfrc"), "disable_checkpoint = true\n");
  return dir;
}

/**
 * Environment for terraform working in `dir` (made by {@link terraformWorkDir}): the caller's without
 * KMS, Infisical and TF_VAR_ settings, the directory's CLI config, no checkpoint, no prompts, and
 * Terraform's data directory inside `dir`; then `extra`.
 */
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
