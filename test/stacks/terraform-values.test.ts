/** Decoding cdk.tf.json strings: literals, the construct's base64decode-protected literals, expressions. */
import { DataResource, Fn, Testing } from "cdktf";
import { tfLiteral } from "../../lib/construct/terraform-strings";
import { decodeConfigString, decodeNullable, unwrapDynamic } from "../../lib/stacks/terraform-values";

describe("decodeConfigString", () => {
  test.each([
    ["plain text", "Octopus for production"],
    ["empty", ""],
    ["a lone dollar or percent", "costs $5 or 5%"],
    ["braces without a template", "{x} $ {y}"],
  ])("a literal is itself: %s", (_, text) => {
    expect(decodeConfigString(text)).toEqual({ known: true, value: text });
  });

  test.each(["cost ${x}", "%{ if a }b%{ endif }", "${base64decode(\"x\")}", "é ${var.x} 🐙", "line\nbreak ${x}"])(
    "what the construct protects with base64decode decodes to the original: %j",
    (original) => {
      const json = JSON.parse(Testing.synthScope((scope) => new DataResource(scope, "d", { input: { text: tfLiteral(original) } })));
      const synthesized: string = json.resource.terraform_data.d.input.text;
      expect(synthesized.startsWith("${base64decode(")).toBe(true);
      expect(decodeConfigString(synthesized)).toEqual({ known: true, value: original });
    },
  );

  test.each(["${var.project}", "${terraform_data.p.output}", "prefix-${var.x}", "%{ if true }x%{ endif }", '${base64decode(var.x)}', '${base64decode("YQ==")}-suffix'])(
    "an expression stays unknown: %s",
    (expression) => {
      expect(decodeConfigString(expression)).toEqual({ known: false, expression });
    },
  );

  test("Terraform's $${ and %%{ escapes are literals", () => {
    expect(decodeConfigString("a $${b} %%{c}")).toEqual({ known: true, value: "a ${b} %{c}" });
  });

  test("a cdktf token rendered as Terraform is an expression", () => {
    // what a synthesized Fn call looks like
    expect(decodeConfigString("${upper(var.x)}").known).toBe(false);
    expect(typeof Fn.upper).toBe("function");
  });
});

test("decodeNullable: null and undefined are null, other scalars their text", () => {
  expect(decodeNullable(null)).toBeNull();
  expect(decodeNullable(undefined)).toBeNull();
  expect(decodeNullable(1)).toEqual({ known: true, value: "1" });
  expect(decodeNullable("${var.x}")).toEqual({ known: false, expression: "${var.x}" });
});

test("unwrapDynamic: the state's {value, type} of a dynamic attribute becomes the value", () => {
  expect(unwrapDynamic({ value: { a: 1 }, type: ["object", { a: "number" }] })).toEqual({ a: 1 });
  expect(unwrapDynamic({ a: 1 })).toEqual({ a: 1 });
  expect(unwrapDynamic({ value: 1, type: "number", other: 2 })).toEqual({ value: 1, type: "number", other: 2 });
  expect(unwrapDynamic(null)).toBeNull();
});
