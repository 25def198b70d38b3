/**
 * Small helpers over decoded values (protocol/types.ts `Value`): known-ness, equality, and reading
 * typed attributes out of an object value. Pure functions, no I/O.
 */
import { ObjectValue, UNKNOWN, Value } from "../protocol/types";

/** Whether a value is known all the way down (no UNKNOWN inside). */
export function isKnown(value: Value): boolean {
  if (value === UNKNOWN) return false;
  if (Array.isArray(value)) return value.every(isKnown);
  if (value !== null && typeof value === "object") return Object.values(value as ObjectValue).every(isKnown);
  return true;
}

/** Deep equality of two values; UNKNOWN equals nothing, not even UNKNOWN (an unknown may become anything). */
export function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  if (a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as readonly Value[];
    return a.length === bb.length && a.every((v, i) => sameValue(v, bb[i]));
  }
  const ao = a as ObjectValue;
  const bo = b as ObjectValue;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  return [...keys].every((k) => sameValue(ao[k], bo[k]));
}

/** A string attribute: its value, undefined when null, UNKNOWN when not known yet. */
export function stringOf(obj: ObjectValue | null | undefined, name: string): string | undefined | typeof UNKNOWN {
  const value = obj?.[name];
  if (value === UNKNOWN) return UNKNOWN;
  return typeof value === "string" ? value : undefined;
}

/** A string attribute that must be known here (apply time): its value, or undefined when null. */
export function knownString(obj: ObjectValue | null | undefined, name: string): string | undefined {
  const value = obj?.[name];
  if (value === UNKNOWN) throw new Error(`${name} is still unknown at apply time`);
  return typeof value === "string" ? value : undefined;
}

/** Replaces every UNKNOWN attribute of `planned` by the value `fill` gives for it (apply results). */
export function fillUnknowns(planned: ObjectValue, fill: Readonly<Record<string, Value>>): ObjectValue {
  const out: Record<string, Value> = { ...planned };
  for (const [name, value] of Object.entries(planned)) {
    if (value === UNKNOWN) out[name] = fill[name] ?? null;
  }
  return out;
}
