/**
 * Removing a connection from code. Terraform runs no destroy-time hook for a resource that simply
 * disappears from the configuration, so deleting an OctopusDeployConnection from a stack would
 * orphan the KMS connection. The supported way is to replace it, for one deploy, with
 * `OctopusDeployConnection.removed(scope, id)`: it emits Terraform `removed` blocks (Terraform 1.9+)
 * for the construct's resources, the connection's block carrying the destroy hook, which deletes the
 * connection (or keeps it when its removalPolicy was "retain"). After that deploy the call can go.
 */
import { TerraformStack } from "../cdk";
import { Construct } from "constructs";
import { SYNC_ID } from "./engines";
import { hookAsset } from "./hook-asset";
import { hookInterpreter } from "./launcher";
import { topLevelBlocks } from "./top-level-blocks";
import { HOOK_ENV } from "../hook/protocol";

/** Options of `OctopusDeployConnection.removed`. */
export interface RemovedConnectionOptions {
  /** "retain" forgets the connection without deleting it, "destroy" deletes it, whatever policy it was deployed with. @default - the removalPolicy recorded when the connection was last deployed */
  readonly removalPolicy?: "destroy" | "retain";
  /** The engine the connection was deployed with. @default "terraform_data" */
  readonly engine?: "terraform_data" | "null_resource";
}

/** Child ids of an OctopusDeployConnection, in the order they are created. */
export const CONNECTION_CHILDREN = ["connection", SYNC_ID] as const;

/** Emits the `removed` blocks for the OctopusDeployConnection that stood at `scope`/`id`. */
export function removeConnection(scope: Construct, id: string, options: RemovedConnectionOptions = {}): Construct {
  const stack = TerraformStack.of(scope);
  const placeholder = new Construct(scope, id);
  const type = options.engine === "null_resource" ? "null_resource" : "terraform_data";
  const removed = topLevelBlocks(stack, "removed");
  const hook = hookAsset(stack, { minor: 9, why: "removed blocks with provisioners" }).path;
  const self = type === "null_resource" ? "self.triggers" : "self.input";
  for (const child of CONNECTION_CHILDREN) {
    const from = `${type}.${stack.getLogicalId(new Construct(placeholder, child).node)}`;
    if (options.removalPolicy === "retain") {
      removed.push({ from, lifecycle: { destroy: false } });
      continue;
    }
    const block: Record<string, unknown> = { from, lifecycle: { destroy: true } };
    if (child === "connection") {
      // Raw Terraform JSON (an override), so the provisioner is written as Terraform spells it.
      // An explicit "destroy" overrides the policy recorded at deploy (a connection deployed with "retain").
      const event = options.removalPolicy === "destroy" ? `merge(${self}, { removal_policy = "destroy" })` : self;
      const deleteHook = { when: "destroy", interpreter: hookInterpreter(hook), command: "delete", environment: { [HOOK_ENV.event]: `\${jsonencode(${event})}` }, quiet: true };
      block.provisioner = [{ "local-exec": deleteHook }];
    }
    removed.push(block);
  }
  return placeholder;
}
