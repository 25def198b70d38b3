/**
 * The hook is one bundled file (dist/hook/hook.js) shipped into cdktf.out as a TerraformAsset, once
 * per stack, so that the synthesized stack can be planned and applied on a machine that has only node
 * and terraform. Its path in the configuration is relative to the stack directory, where Terraform
 * runs local-exec. Also the stack's Terraform version check, shared with the provider engine.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { AssetType, TerraformAsset, TerraformStack, assertSameCdkLibrary } from "../cdk";
import { packageFile } from "../provider/install";

/** Construct id of the per-stack asset. */
const HOOK_ASSET_ID = "cdktf-kms-octopus-hook";

/** Absolute path of the bundled hook inside the installed package. */
export function hookBundlePath(): string {
  return packageFile(path.join("dist", "hook", "hook.js"), "the hook bundle");
}

/** A Terraform 1.x version a stack needs, and what for. */
export interface TerraformNeed {
  /** Minor version of Terraform 1.x. */
  readonly minor: number;
  /** The feature that needs it, for the message. */
  readonly why: string;
}

/** What every connection needs: terraform_data (1.4) and plantimestamp() (1.5). */
const CONNECTION_NEED: TerraformNeed = { minor: 5, why: "terraform_data, plantimestamp" };

/** The highest need of each stack, read when the stack is validated. */
const needs = new WeakMap<TerraformStack, TerraformNeed>();

/**
 * The stack's hook asset, created on first use; `need` raises the Terraform version the stack is
 * checked against. The resources are written without cdktf's per-resource version check
 * (terraform-data.ts): the version is checked here, once per stack.
 */
export function hookAsset(stack: TerraformStack, need: TerraformNeed = CONNECTION_NEED): TerraformAsset {
  requireTerraform(stack, need);
  const existing = stack.node.tryFindChild(HOOK_ASSET_ID);
  if (existing) return existing as TerraformAsset;
  return new TerraformAsset(stack, HOOK_ASSET_ID, { path: hookBundlePath(), type: AssetType.FILE });
}

/**
 * Raises the Terraform version `stack` is checked against when it is validated (one `terraform version` per stack).
 * Every construct of this package passes here first, so it also refuses an app built on the other CDK library (lib/cdk.ts).
 */
export function requireTerraform(stack: TerraformStack, need: TerraformNeed): void {
  assertSameCdkLibrary(stack);
  const current = needs.get(stack);
  if (!current) stack.node.addValidation({ validate: () => terraformVersionCheck(needs.get(stack) ?? need) });
  if (!current || need.minor > current.minor) needs.set(stack, need);
}

/** Synth-time check that the Terraform that will apply the stack is at least 1.<need.minor>. */
function terraformVersionCheck(need: TerraformNeed): string[] {
  const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
  const wanted = `OctopusDeployConnection needs Terraform >= 1.${need.minor}`;
  let text: string;
  try {
    text = execFileSync(binary, ["version"], { stdio: "pipe" }).toString();
  } catch (err) {
    return [`Could not run "${binary} version" (${err instanceof Error ? err.message : String(err)}): ${wanted}.`];
  }
  const version = /(\d+)\.(\d+)\.\d+/.exec(text);
  if (!version) return [`Could not read the version of ${binary}: ${wanted}.`];
  const [major, minor] = [Number(version[1]), Number(version[2])];
  return major > 1 || (major === 1 && minor >= need.minor) ? [] : [`${binary} ${version[0]} is too old: ${wanted} (${need.why}).`];
}
