/**
 * User-supplied literal strings must reach Terraform verbatim: in Terraform's JSON syntax `${...}` is
 * an interpolation and `%{...}` a directive, and cdktf's own handling of the `$${`/`%%{` escapes is
 * inconsistent (it unescapes them in some attributes and not in others, and a "${TfToken[...]}"
 * look-alike crashes synth). So a string that contains `${` or `%{` is written as
 * `base64decode("...")`: Terraform decodes it at plan time into a known value that is never parsed as
 * a template, and plans show the decoded text. Other strings are written as they are.
 */
import { Fn } from "../cdk";

/** `value` as a Terraform string that evaluates to exactly `value`. */
export function tfLiteral(value: string): string {
  if (!/[$%]\{/.test(value)) return value;
  return Fn.base64decode(Buffer.from(value, "utf8").toString("base64"));
}
