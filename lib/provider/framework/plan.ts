/**
 * The generic part of PlanResourceChange (terraform-plugin-framework semantics):
 * - destroy: planned null;
 * - write-only attributes are null in every plan (and so in every state);
 * - an optional attribute with a default left null in config gets the default;
 * - on create, computed attributes the config leaves null are unknown;
 * - on update, when anything the config sets changes, computed attributes become unknown unless
 *   they carry `useStateForUnknown` (then they keep the prior value);
 * - `requiresReplace` attributes whose planned value differs from the prior one are reported.
 * A resource refines the result afterwards (its own `modifyPlan`).
 */
import { Attributes, has } from "./attributes";
import { sameValue } from "./values";
import { AttributePath, ObjectValue, UNKNOWN, Value } from "../protocol/types";

/** The generic plan. */
export interface GenericPlan {
  readonly planned: ObjectValue | null;
  readonly requiresReplace: AttributePath[];
}

/** Plans a change from `prior` (null: create) to `proposed` (null: destroy) under `config`. */
export function planChange(attributes: Attributes, prior: ObjectValue | null, proposed: ObjectValue | null, config: ObjectValue | null): GenericPlan {
  if (!proposed) return { planned: null, requiresReplace: [] };
  const planned: Record<string, Value> = {};
  for (const [name, def] of Object.entries(attributes)) {
    const configured = config?.[name] ?? null;
    if (def.writeOnly) planned[name] = null;
    else if (configured !== null || !def.computed) planned[name] = proposed[name] ?? configured;
    else if (def.default !== undefined) planned[name] = def.default;
    else if (!prior) planned[name] = UNKNOWN;
    else planned[name] = proposed[name] ?? prior[name] ?? null;
  }
  if (prior) {
    const configChanged = Object.entries(attributes).some(([name, def]) => !def.writeOnly && (def.required || def.optional) && !sameValue(planned[name], prior[name]));
    if (configChanged) {
      for (const [name, def] of Object.entries(attributes)) {
        if (def.computed && !def.optional && !has(def, "useStateForUnknown")) planned[name] = UNKNOWN;
      }
    }
  }
  const requiresReplace: AttributePath[] = prior
    ? Object.entries(attributes)
        .filter(([name, def]) => has(def, "requiresReplace") && !sameValue(planned[name], prior[name]))
        .map(([name]) => [name])
    : [];
  return { planned, requiresReplace };
}
