/**
 * The hook is one bundled file (dist/hook/hook.js) shipped into cdktf.out as a TerraformAsset, once
 * per stack, so that the synthesized stack can be planned and applied on a machine that has only node
 * and terraform. Its path in the configuration is relative to the stack directory, where Terraform
 * runs local-exec.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { AssetType, TerraformAsset, TerraformStack } from "cdktf";

/** Construct id of the per-stack asset. */
export const HOOK_ASSET_ID = "cdktf-kms-octopus-hook";

/** Absolute path of the bundled hook inside the installed package. */
export function hookBundlePath(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, "dist", "hook", "hook.js");
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error("cdktf-kms-octopus: the hook bundle dist/hook/hook.js is missing; run `npm run build` in the package (it is built on install and before tests).");
}

/** The stack's hook asset, created on first use. */
export function hookAsset(stack: TerraformStack): TerraformAsset {
  const existing = stack.node.tryFindChild(HOOK_ASSET_ID);
  if (existing) return existing as TerraformAsset;
  // The resources are terraform_data (Terraform >= 1.4) and record plantimestamp() (1.5), written without cdktf's per-resource version
  // check (terraform-data.ts): the version is checked here, once per stack.
  stack.node.addValidation({ validate: terraformVersionCheck });
  return new TerraformAsset(stack, HOOK_ASSET_ID, { path: hookBundlePath(), type: AssetType.FILE });
}

/** Synth-time check that the Terraform that will apply the stack supports terraform_data (1.4+) and plantimestamp() (1.5+). */
function terraformVersionCheck(): string[] {
  const binary = process.env.TERRAFORM_BINARY_NAME || "terraform";
  let text: string;
  try {
    text = execFileSync(binary, ["version"], { stdio: "pipe" }).toString();
  } catch (err) {
    return [`Could not run "${binary} version" (${err instanceof Error ? err.message : String(err)}): OctopusDeployConnection needs Terraform >= 1.5.`];
  }
  const version = /(\d+)\.(\d+)\.\d+/.exec(text);
  if (!version) return [`Could not read the version of ${binary}: OctopusDeployConnection needs Terraform >= 1.5.`];
  const [major, minor] = [Number(version[1]), Number(version[2])];
  return major > 1 || (major === 1 && minor >= 5) ? [] : [`${binary} ${version[0]} is too old: OctopusDeployConnection needs Terraform >= 1.5 (terraform_data, plantimestamp).`];
}
