/** The generic plan (framework/plan.ts) on a made-up schema: create, update, no change, destroy, replace. */
import { Attributes } from "../../../lib/provider/framework/attributes";
import { planChange } from "../../../lib/provider/framework/plan";
import { validateAttributes } from "../../../lib/provider/framework/validate";
import { sameValue } from "../../../lib/provider/framework/values";
import { UNKNOWN } from "../../../lib/provider/protocol/types";

const ATTRS: Attributes = {
  id: { type: "string", computed: true, planModifiers: ["useStateForUnknown"], description: "id" },
  name: { type: "string", required: true, validators: [(v) => (v === "bad" ? "must not be bad" : undefined)], description: "n" },
  scope: { type: "string", optional: true, planModifiers: ["requiresReplace"], description: "s" },
  secret: { type: "string", optional: true, writeOnly: true, sensitive: true, validators: [(v) => (v.length < 3 ? "is too short" : undefined)], description: "k" },
  policy: { type: "string", optional: true, computed: true, default: "destroy", description: "p" },
  stamp: { type: "string", computed: true, description: "t" },
};

const prior = { id: "1", name: "a", scope: null, secret: null, policy: "destroy", stamp: "t1" };

test("create: computed unknown, default applied, write-only null", () => {
  const config = { id: null, name: "a", scope: null, secret: "s3cret", policy: null, stamp: null };
  const { planned, requiresReplace } = planChange(ATTRS, null, { ...config, secret: null }, config);
  expect(planned).toEqual({ id: UNKNOWN, name: "a", scope: null, secret: null, policy: "destroy", stamp: UNKNOWN });
  expect(requiresReplace).toEqual([]);
});

test("no change: planned equals prior, nothing unknown", () => {
  const config = { id: null, name: "a", scope: null, secret: "s3cret", policy: null, stamp: null };
  const { planned } = planChange(ATTRS, prior, { ...prior }, config);
  expect(planned).toEqual(prior);
});

test("update: computed without useStateForUnknown becomes unknown, id kept", () => {
  const config = { id: null, name: "b", scope: null, secret: null, policy: null, stamp: null };
  const { planned } = planChange(ATTRS, prior, { ...prior, name: "b" }, config);
  expect(planned).toMatchObject({ id: "1", name: "b", stamp: UNKNOWN, policy: "destroy" });
});

test("requiresReplace reports the changed attribute's path; destroy plans null", () => {
  const config = { id: null, name: "a", scope: "x", secret: null, policy: null, stamp: null };
  expect(planChange(ATTRS, prior, { ...prior, scope: "x" }, config).requiresReplace).toEqual([["scope"]]);
  expect(planChange(ATTRS, prior, null, null).planned).toBeNull();
});

test("validation: path, rule, a secret's value never quoted; unknown values skipped", () => {
  const d = validateAttributes(ATTRS, { id: null, name: "bad", scope: null, secret: "ab", policy: null, stamp: null });
  expect(d.map((x) => x.attribute)).toEqual([["name"], ["secret"]]);
  expect(d[1].detail).toMatch(/secret is too short \(the value is not shown/);
  expect(d[1].detail).not.toContain('"ab"');
  expect(validateAttributes(ATTRS, { name: UNKNOWN })).toEqual([]);
});

test("sameValue: deep, and an unknown equals nothing", () => {
  expect(sameValue({ a: [1, "x"] }, { a: [1, "x"] })).toBe(true);
  expect(sameValue({ a: [1] }, { a: [2] })).toBe(false);
  expect(sameValue(UNKNOWN, UNKNOWN)).toBe(false);
  expect(sameValue(null, undefined)).toBe(true);
});
