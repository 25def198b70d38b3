/**
 * Attribute definitions, terraform-plugin-framework style: type, required/optional/computed,
 * sensitive, write-only, a description, validators (the shared `rules.*` functions, which return a
 * Verdict), a default, and plan modifiers. {@link toSchema} turns them into a tfplugin6 Schema.
 */
import type { Verdict } from "../../shared/rules";
import { CtyType, ObjectValue, Schema, SchemaAttribute, Value } from "../protocol/types";

/** A check of a known string value: a shared rule, or one built here (see {@link oneOf}). */
export type StringValidator = (value: string) => Verdict;

/**
 * Plan modifiers. `requiresReplace`: a change of this attribute replaces the object.
 * `useStateForUnknown`: a computed attribute keeps its prior value on update instead of becoming unknown.
 */
export type PlanModifier = "requiresReplace" | "useStateForUnknown";

/** One attribute. Exactly one of required / optional / computed-only applies (optional may be computed too, for defaults). */
export interface AttributeDef {
  readonly type: CtyType;
  readonly description: string;
  readonly required?: boolean;
  readonly optional?: boolean;
  readonly computed?: boolean;
  readonly sensitive?: boolean;
  /** Terraform 1.11+: in config only, always null in plan and state. */
  readonly writeOnly?: boolean;
  /** Value planned when the config leaves an optional attribute null (the attribute must be computed too). */
  readonly default?: Value;
  /** Checks of the value when it is a known string. */
  readonly validators?: readonly StringValidator[];
  readonly planModifiers?: readonly PlanModifier[];
}

/** A block's attributes by name. */
export type Attributes = Readonly<Record<string, AttributeDef>>;

/** A validator accepting only the given strings. */
export function oneOf(...allowed: readonly string[]): StringValidator {
  return (value) => (allowed.includes(value) ? undefined : `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
}

/** Whether the attribute is set by the provider when the config leaves it null (computed, or optional with a default). */
export function isComputed(def: AttributeDef): boolean {
  return def.computed === true;
}

/** Whether an attribute carries a plan modifier. */
export function has(def: AttributeDef, modifier: PlanModifier): boolean {
  return def.planModifiers?.includes(modifier) ?? false;
}

/** The tfplugin6 schema of a block of attributes. */
export function toSchema(version: number, description: string, attributes: Attributes): Schema {
  const attrs: SchemaAttribute[] = Object.entries(attributes).map(([name, def]) => ({
    name,
    type: def.type,
    description: def.default === undefined ? def.description : `${def.description} Default: ${JSON.stringify(def.default)}.`,
    ...(def.required ? { required: true } : {}),
    ...(def.optional ? { optional: true } : {}),
    ...(def.computed ? { computed: true } : {}),
    ...(def.sensitive ? { sensitive: true } : {}),
    ...(def.writeOnly ? { writeOnly: true } : {}),
  }));
  return { version, block: { attributes: attrs, description } };
}

/** An object value with every attribute of the block: the given values, null for the rest. */
export function objectOf(attributes: Attributes, values: Readonly<Record<string, Value | undefined>>): ObjectValue {
  return Object.fromEntries(Object.keys(attributes).map((name) => [name, values[name] ?? null]));
}
