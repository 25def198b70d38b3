/**
 * cty values on the wire (Terraform docs/plugin-protocol/object-wire-format.md): msgpack for every
 * DynamicValue (null = nil, unknown = an extension: type 0, or 12 for the refined unknowns newer
 * Terraform sends, any other code just as unknown; objects and maps = maps; lists, sets and tuples =
 * arrays; "dynamic" = [JSON type bytes, value]) and JSON for RawState.json and DynamicValue.json.
 * Decoding gives the {@link Value} tree of types.ts; encoding follows the schema's {@link CtyType}
 * when given, so objects carry every attribute and numbers are numbers.
 */
import { Decoder, Encoder, ExtData, ExtensionCodec } from "@msgpack/msgpack";
import { CtyType, ObjectValue, UNKNOWN, Value } from "./types";

/** msgpack extension code of an unrefined unknown value. */
const UNKNOWN_EXT = 0;
/** msgpack extension code of a refined unknown value (payload: a map of refinements, ignored here). */
const REFINED_UNKNOWN_EXT = 12;

const codec = new ExtensionCodec();
codec.register({
  type: UNKNOWN_EXT,
  // cty writes a one-byte payload; Terraform ignores it.
  encode: (input: unknown) => (input === UNKNOWN ? new Uint8Array([0]) : null),
  decode: () => UNKNOWN,
});
codec.register({ type: REFINED_UNKNOWN_EXT, encode: () => null, decode: () => UNKNOWN });
// msgpack's one predefined extension (-1, timestamp) would otherwise decode as a Date: to cty it is an
// extension like any other, so unknown. Codes nobody registered decode as ExtData, also unknown.
codec.register({ type: -1, encode: () => null, decode: () => UNKNOWN });

const encoder = new Encoder({ extensionCodec: codec, ignoreUndefined: false });
// 64-bit integers as bigint, so that one beyond 2^53 stays exact (as a string) instead of rounding.
const decoder = new Decoder({ extensionCodec: codec, useBigInt64: true });

/** An error in a value's shape, naming where it is (`path`) and what was expected. */
export class CtyError extends Error {
  constructor(path: string, rule: string) {
    super(`${path || "value"}: ${rule}`);
    this.name = "CtyError";
  }
}

/**
 * A value from msgpack bytes; empty bytes are null (an absent DynamicValue). With `type` (the
 * schema's), "dynamic" wrappers are unwrapped and numbers sent as strings become numbers when a
 * double holds them exactly; without it, any [binary, value] pair is taken as a dynamic wrapper. Every
 * extension code counts as unknown (the protocol's rule), its payload (refinements) ignored.
 */
export function decodeValue(bytes: Uint8Array | undefined, type?: CtyType): Value {
  if (!bytes || bytes.length === 0) return null;
  return fromWire(decoder.decode(bytes), type, "");
}

/** A value from JSON text or bytes (DynamicValue.json, RawState.json); no unknowns in JSON. */
export function decodeJson(bytes: Uint8Array | string, type?: CtyType): Value {
  const text = typeof bytes === "string" ? bytes : Buffer.from(bytes).toString("utf8");
  if (text.trim() === "") return null;
  return fromWire(JSON.parse(text) as unknown, type, "", true);
}

/**
 * msgpack bytes of a value (undefined is written as null). With `type`, objects carry every attribute
 * of the type (null when absent), an attribute the type lacks is an error, and "dynamic" values get
 * their [type, value] wrapper.
 */
export function encodeValue(value: Value | undefined, type?: CtyType): Buffer {
  const v = value === undefined ? null : value;
  const out = encoder.encode(type === undefined ? toWireUntyped(v, "") : toWire(v, type, ""));
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** An object (or null) from a DynamicValue's msgpack or json field, following `type` when given. */
export function decodeDynamic(dv: { msgpack?: Uint8Array; json?: Uint8Array } | undefined, type?: CtyType): ObjectValue | null {
  if (!dv) return null;
  const value = dv.msgpack && dv.msgpack.length ? decodeValue(dv.msgpack, type) : dv.json && dv.json.length ? decodeJson(dv.json, type) : null;
  if (value === UNKNOWN) throw new CtyError("", "expected an object value, got an unknown value");
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) throw new CtyError("", "expected an object value");
  return value as ObjectValue | null;
}

/** A DynamicValue carrying `value` as msgpack, following `type` when given. */
export function dynamic(value: ObjectValue | null, type?: CtyType): { msgpack: Buffer } {
  return { msgpack: encodeValue(value, type) };
}

/** The cty type of a value, for a "dynamic" attribute (objects become objects, arrays tuples). */
export function inferType(value: Value): unknown {
  if (value === null || value === UNKNOWN) return "dynamic";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return ["tuple", value.map(inferType)];
  const obj = value as { readonly [key: string]: Value };
  return ["object", Object.fromEntries(Object.keys(obj).map((k) => [k, inferType(obj[k])]))];
}

/** A number in cty's string form (decimal, optional fraction and exponent), as encoding accepts it. */
const NUMBER_TEXT = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** A number from its cty string form: a number when a double holds it (an integer exactly), else the exact string. */
function numberFromString(s: string, path: string): number | string {
  if (!NUMBER_TEXT.test(s)) throw new CtyError(path, "expected a number");
  const n = Number(s);
  if (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n))) return s;
  return n;
}

/** Sets a key on a decoded object; a key named __proto__ becomes an own key, never the prototype. */
function put<T>(out: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

const article = (kind: string) => (/^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof ExtData);
}

function fromWire(raw: unknown, type: CtyType | undefined, path: string, json = false): Value {
  if (raw === null || raw === undefined) return null;
  if (raw === UNKNOWN || raw instanceof ExtData) return UNKNOWN;
  if (type === undefined || type === "dynamic") {
    if (type === "dynamic") return fromDynamic(raw, path, json);
    if (!json && Array.isArray(raw) && raw.length === 2 && raw[0] instanceof Uint8Array) return fromDynamic(raw, path, json);
    return fromUntyped(raw, path, json);
  }
  if (type === "string") {
    if (typeof raw === "string") return raw;
    throw new CtyError(path, "expected a string");
  }
  if (type === "number") {
    if (typeof raw === "number") return raw;
    if (typeof raw === "bigint") return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString();
    if (typeof raw === "string") return numberFromString(raw, path);
    throw new CtyError(path, "expected a number");
  }
  if (type === "bool") {
    if (typeof raw === "boolean") return raw;
    throw new CtyError(path, "expected a bool");
  }
  const [kind, arg] = type;
  if (kind === "list" || kind === "set") {
    if (!Array.isArray(raw)) throw new CtyError(path, `expected a ${kind}`);
    return raw.map((e, i) => fromWire(e, arg as CtyType, `${path}[${i}]`, json));
  }
  if (!isPlainObject(raw)) throw new CtyError(path, `expected ${article(kind)}`);
  const out: Record<string, Value> = {};
  if (kind === "map") {
    for (const k of Object.keys(raw)) put(out, k, fromWire(raw[k], arg as CtyType, `${path}[${JSON.stringify(k)}]`, json));
    return out;
  }
  const attrs = arg as { readonly [name: string]: CtyType };
  for (const k of Object.keys(attrs)) out[k] = fromWire(raw[k], attrs[k], path ? `${path}.${k}` : k, json);
  return out;
}

function fromDynamic(raw: unknown, path: string, json: boolean): Value {
  if (json) {
    if (isPlainObject(raw) && "type" in raw && "value" in raw) return fromWire(raw.value, undefined, path, json);
    return fromUntyped(raw, path, json);
  }
  if (!Array.isArray(raw) || raw.length !== 2 || !(raw[0] instanceof Uint8Array)) throw new CtyError(path, "expected a dynamic value [type, value]");
  const inner = JSON.parse(Buffer.from(raw[0]).toString("utf8")) as unknown;
  return fromWire(raw[1], isSchemaType(inner) ? inner : undefined, path, json);
}

/** Whether a decoded JSON type is one types.ts can name (tuples and others decode untyped). */
function isSchemaType(t: unknown): t is CtyType {
  if (t === "string" || t === "number" || t === "bool" || t === "dynamic") return true;
  if (!Array.isArray(t) || t.length !== 2) return false;
  if (t[0] === "list" || t[0] === "set" || t[0] === "map") return isSchemaType(t[1]);
  return t[0] === "object" && isPlainObject(t[1]) && Object.values(t[1]).every(isSchemaType);
}

function fromUntyped(raw: unknown, path: string, json: boolean): Value {
  if (raw === null || raw === undefined) return null;
  if (raw === UNKNOWN || raw instanceof ExtData) return UNKNOWN;
  if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") return raw;
  if (typeof raw === "bigint") return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString();
  if (Array.isArray(raw)) return raw.map((e, i) => fromWire(e, undefined, `${path}[${i}]`, json));
  if (isPlainObject(raw)) {
    const out: Record<string, Value> = {};
    for (const k of Object.keys(raw)) put(out, k, fromWire(raw[k], undefined, path ? `${path}.${k}` : k, json));
    return out;
  }
  throw new CtyError(path, "unsupported msgpack value");
}

function toWire(value: Value, type: CtyType, path: string): unknown {
  if (value === null || value === undefined || value === UNKNOWN) return value ?? null;
  if (type === "dynamic") return [Buffer.from(JSON.stringify(inferType(value))), toWireUntyped(value, path)];
  if (type === "string") {
    if (typeof value === "string") return value;
    throw new CtyError(path, "expected a string");
  }
  if (type === "number") {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string" && NUMBER_TEXT.test(value)) return value;
    throw new CtyError(path, "expected a finite number");
  }
  if (type === "bool") {
    if (typeof value === "boolean") return value;
    throw new CtyError(path, "expected a bool");
  }
  const [kind, arg] = type;
  if (kind === "list" || kind === "set") {
    if (!Array.isArray(value)) throw new CtyError(path, `expected a ${kind}`);
    return (value as readonly Value[]).map((e, i) => toWire(e, arg as CtyType, `${path}[${i}]`));
  }
  if (typeof value !== "object" || Array.isArray(value)) throw new CtyError(path, `expected ${article(kind)}`);
  const obj = value as { readonly [key: string]: Value };
  const out: Record<string, unknown> = {};
  if (kind === "map") {
    for (const k of Object.keys(obj)) put(out, k, toWire(obj[k], arg as CtyType, `${path}[${JSON.stringify(k)}]`));
    return out;
  }
  const attrs = arg as { readonly [name: string]: CtyType };
  for (const k of Object.keys(obj)) if (!(k in attrs)) throw new CtyError(path ? `${path}.${k}` : k, "is not an attribute of the schema");
  for (const k of Object.keys(attrs)) out[k] = toWire(obj[k] ?? null, attrs[k], path ? `${path}.${k}` : k);
  return out;
}

function toWireUntyped(value: Value, path: string): unknown {
  if (value === null || value === undefined || value === UNKNOWN) return value ?? null;
  if (typeof value === "number" && !Number.isFinite(value)) throw new CtyError(path, "expected a finite number");
  if (typeof value !== "object") return value;
  if (Array.isArray(value)) return (value as readonly Value[]).map((e, i) => toWireUntyped(e, `${path}[${i}]`));
  const obj = value as { readonly [key: string]: Value };
  return Object.fromEntries(Object.keys(obj).map((k) => [k, toWireUntyped(obj[k], path ? `${path}.${k}` : k)]));
}
