/**
 * Config validation from attribute definitions: every validator of every attribute whose value is a
 * known string. Unknown values are checked again at apply, when Terraform knows them.
 */
import { Attributes } from "./attributes";
import { errorAt } from "./diagnostics";
import { Diagnostic, ObjectValue } from "../protocol/types";

/** Diagnostics for every attribute of `config` that breaks a rule: path = the attribute, detail = the rule. */
export function validateAttributes(attributes: Attributes, config: ObjectValue | null): Diagnostic[] {
  if (!config) return [];
  const out: Diagnostic[] = [];
  for (const [name, def] of Object.entries(attributes)) {
    const value = config[name];
    if (typeof value !== "string") continue;
    for (const validator of def.validators ?? []) {
      const verdict = validator(value);
      if (verdict) {
        out.push(errorAt([name], `Invalid ${name}`, `${name} ${verdict}${def.sensitive || def.writeOnly ? " (the value is not shown: it is secret)" : ""}.`));
        break;
      }
    }
  }
  return out;
}
