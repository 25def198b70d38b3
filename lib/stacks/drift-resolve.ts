/**
 * Drift's view of one declaration, whatever the engine: its fields with Terraform references
 * resolved from the state (the hook engines' applied `input`/`triggers`; the provider resource's own
 * attributes), the KMS id the provider engine keeps in the state (so a connection is matched by id,
 * as Terraform itself would), and why a connection the KMS does not have is missing.
 */
import { DECLARATION_KEYS, DeclaredConnection, DeclaredFields, SynthesizedStack } from "./declarations";
import { StackState, StateResult } from "./state";
import { describeScope } from "../shared/scope";
import { terraformIn } from "./terraform-command";

/** Reads (once) the state of a stack. */
export type StateOf = (stack: SynthesizedStack) => Promise<StateResult>;

/** A declaration with every field resolved. */
export interface Resolved {
  readonly decl: DeclaredConnection;
  readonly kmsUrl: string;
  readonly projectId: string | null;
  readonly name: string;
  readonly description: string | null;
  readonly instanceUrl: string;
  readonly renamedFrom: string | null;
  /** Fields that came from the state. */
  readonly fromState: readonly string[];
  /** Provider engine: the KMS id and the name the state records (the last apply or refresh); null without state or with a hook engine. */
  readonly stateId: string | null;
  readonly stateName: string | null;
}

/** Fields known before the state, for an entry that stays unresolved. */
export type PartialResolved = Partial<Pick<Resolved, "name" | "kmsUrl" | "projectId">>;

/** Resolves a declaration's expressions from the state; reports what stays unresolved. */
export async function resolveDeclaration(decl: DeclaredConnection, stateOf: StateOf): Promise<Resolved | { unresolved: string; partial: PartialResolved }> {
  const values: Record<string, string | null> = {};
  const fromState: string[] = [];
  const unresolved: string[] = [];
  let stateResult: StateResult | undefined;
  const nullResource = decl.engine === "null_resource";
  for (const [field, key] of Object.entries(DECLARATION_KEYS) as [keyof DeclaredFields, string][]) {
    const v = decl.fields[field];
    if (v === null) {
      values[field] = null;
    } else if (v.known) {
      values[field] = v.value;
    } else {
      stateResult ??= await stateOf(decl.stack);
      const fromApplied = appliedDeclaration(stateResult.state, decl)?.[key];
      const nullable = field === "projectId" || field === "description" || field === "renamedFrom";
      if (typeof fromApplied === "string" && !(nullResource && nullable && fromApplied === "")) {
        values[field] = fromApplied;
        fromState.push(key);
      } else if (nullable && (fromApplied === null || (nullResource && fromApplied === ""))) {
        values[field] = null;
        fromState.push(key);
      } else {
        unresolved.push(`${v.expression} (${key})`);
      }
    }
  }
  const partial = {
    name: typeof values.name === "string" ? values.name : undefined,
    kmsUrl: typeof values.kmsUrl === "string" ? values.kmsUrl : undefined,
    projectId: typeof values.projectId === "string" ? values.projectId : undefined,
  };
  if (unresolved.length || typeof values.kmsUrl !== "string" || typeof values.name !== "string" || typeof values.instanceUrl !== "string") {
    const why = stateResult?.state
      ? `the state (${stateResult.state.source}) has no applied value for it: deploy first`
      : (stateResult?.reason ?? "no state");
    return { unresolved: `unresolved reference: ${unresolved.join(", ") || "a required field is missing"}; ${why}`, partial };
  }
  // The provider engine's state holds the connection's id: read it (once per stack) to match by id.
  const recorded = decl.engine === "provider" ? (await stateOf(decl.stack)).state?.resources.get(decl.address) : undefined;
  return {
    decl,
    kmsUrl: values.kmsUrl,
    projectId: values.projectId ?? null,
    name: values.name,
    description: values.description ?? null,
    instanceUrl: values.instanceUrl,
    renamedFrom: values.renamedFrom ?? null,
    fromState,
    stateId: typeof recorded?.id === "string" && recorded.id ? recorded.id : null,
    stateName: typeof recorded?.name === "string" ? recorded.name : null,
  };
}

/**
 * The declaration the last apply recorded: the hook engines store it on the connection resource
 * (`input`, or `triggers` for null_resource); the provider resource's attributes are the declaration.
 */
function appliedDeclaration(state: StackState | undefined, decl: DeclaredConnection): Record<string, unknown> | undefined {
  const attributes = state?.resources.get(decl.address);
  if (decl.engine === "provider") return attributes;
  const record = attributes?.[decl.engine === "null_resource" ? "triggers" : "input"];
  return record && typeof record === "object" && !Array.isArray(record) ? (record as Record<string, unknown>) : undefined;
}

/** Why a declared connection is not in the KMS, and what to do. */
export async function whyMissing(r: Resolved, stateOf: StateOf): Promise<string> {
  const where = `no connection "${r.name}"${r.renamedFrom ? ` (nor "${r.renamedFrom}")` : ""}${r.stateId ? ` (nor id ${r.stateId})` : ""} in ${describeScope(r.projectId)}`;
  const { state, reason } = await stateOf(r.decl.stack);
  if (state?.resources.has(r.decl.address)) {
    if (r.decl.engine === "provider") {
      return `${where}, although the state says it was deployed: it was deleted outside Terraform. The provider sees it at the next refresh: ${terraformIn(r.decl.stack.dir, "apply")} creates it again`;
    }
    return `${where}, although the state says it was deployed: it was deleted outside Terraform. Recreate it with ${terraformIn(r.decl.stack.dir, `apply -replace='${r.decl.address}'`)}`;
  }
  if (state) return `${where}: not deployed yet (the state has no ${r.decl.address}); the next apply creates it`;
  return `${where} (${reason})`;
}
