/**
 * Values as they stand in a synthesized `cdk.tf.json`: a literal string, a literal the construct
 * protected with `${base64decode("...")}` (lib/construct/terraform-strings.ts), or a Terraform
 * expression (`${var.project}`, `${terraform_data.p.output}`) whose value only Terraform knows.
 */

/** A string attribute of the configuration, decoded as far as possible without Terraform. */
export type ConfigValue =
  /** Known without Terraform: a literal or a base64decode-protected literal. */
  | { readonly known: true; readonly value: string }
  /** A Terraform expression; `expression` is the text as written, e.g. `${var.project}`. */
  | { readonly known: false; readonly expression: string };

const BASE64_LITERAL = /^\$\{base64decode\("([A-Za-z0-9+/]*={0,2})"\)\}$/;
const TEMPLATE = /[$%]\{/;

/**
 * Decodes one configuration string. Terraform's JSON syntax escapes a literal `${` as `$${` and `%{`
 * as `%%{`; a string with an unescaped `${` or `%{` is an expression, except the exact
 * `${base64decode("...")}` form the construct writes for literals.
 */
export function decodeConfigString(text: string): ConfigValue {
  const protectedLiteral = BASE64_LITERAL.exec(text);
  if (protectedLiteral) return { known: true, value: Buffer.from(protectedLiteral[1]!, "base64").toString("utf8") };
  const unescaped = text.replace(/\$\$\{/g, "").replace(/%%\{/g, "");
  if (TEMPLATE.test(unescaped)) return { known: false, expression: text };
  return { known: true, value: text.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{") };
}

/** A configuration value that may be null (an optional prop left out). */
export function decodeNullable(value: unknown): ConfigValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return decodeConfigString(value);
  return { known: true, value: String(value) };
}

/**
 * Terraform state stores a `terraform_data` attribute of dynamic type as `{ value, type }`;
 * `terraform show -json` and plans give the plain value. Returns the plain value either way.
 */
export function unwrapDynamic(attribute: unknown): unknown {
  if (attribute && typeof attribute === "object" && !Array.isArray(attribute)) {
    const record = attribute as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 2 && "value" in record && "type" in record) return record.value;
  }
  return attribute;
}
