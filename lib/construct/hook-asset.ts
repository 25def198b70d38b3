/**
 * The hook is one bundled file (dist/hook/hook.js) shipped into cdktf.out as a TerraformAsset, once
 * per stack, so that the synthesized stack can be planned and applied on a machine that has only node
 * and terraform. Its path in the configuration is relative to the stack directory, where Terraform
 * runs local-exec.
 */
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
  return new TerraformAsset(stack, HOOK_ASSET_ID, { path: hookBundlePath(), type: AssetType.FILE });
}
