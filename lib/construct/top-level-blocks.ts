/**
 * Top-level Terraform blocks that cdktf has no construct for (`removed`, and `moved` across resource
 * types), collected per stack and written as one override each, so the configuration stays linear in
 * the number of connections.
 */
import { Lazy, TerraformStack } from "../cdk";
import { Construct } from "constructs";

/** Block kinds collected here. */
export type TopLevelBlockKind = "removed" | "moved";

class TopLevelBlocks extends Construct {
  readonly blocks: Record<string, unknown>[] = [];
  constructor(stack: TerraformStack, kind: TopLevelBlockKind, id: string) {
    super(stack, id);
    stack.addOverride(kind, Lazy.anyValue({ produce: () => this.blocks }));
  }
}

/** The stack's list of `kind` blocks, created (and registered as an override) on first use. */
export function topLevelBlocks(stack: TerraformStack, kind: TopLevelBlockKind): Record<string, unknown>[] {
  const id = `cdktf-kms-octopus-${kind}`;
  const registry = (stack.node.tryFindChild(id) as TopLevelBlocks | undefined) ?? new TopLevelBlocks(stack, kind, id);
  return registry.blocks;
}
