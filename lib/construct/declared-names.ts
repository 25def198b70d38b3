/**
 * The names of the connections a stack declares, as one Terraform local per stack. The apply hook
 * reads them when a connection is missing from the KMS: a look-alike that the stack still declares
 * is a sibling, not the old name of a rename (hook/operations.ts). One local keeps the
 * configuration linear in the number of connections.
 */
import { Lazy, TerraformLocal, TerraformStack } from "../cdk";
import { Construct } from "constructs";

/** Construct id (and Terraform name) of the local. */
const DECLARED_NAMES_ID = "kms_octopus_declared_names";

class DeclaredNames extends Construct {
  static of(stack: TerraformStack): DeclaredNames {
    return (stack.node.tryFindChild(`${DECLARED_NAMES_ID}-registry`) as DeclaredNames | undefined) ?? new DeclaredNames(stack);
  }
  readonly names = new Set<string>();
  readonly reference: string;
  private constructor(stack: TerraformStack) {
    super(stack, `${DECLARED_NAMES_ID}-registry`);
    // Names are [a-z0-9-]: a comma never occurs in one.
    const local = new TerraformLocal(stack, DECLARED_NAMES_ID, Lazy.stringValue({ produce: () => [...this.names].sort().join(",") }));
    this.reference = local.asString;
  }
}

/** Registers `name` as declared in `stack`; returns a reference to the stack's comma-separated list. */
export function declareName(stack: TerraformStack, name: string): string {
  const registry = DeclaredNames.of(stack);
  registry.names.add(name);
  return registry.reference;
}
