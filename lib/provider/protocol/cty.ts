/**
 * cty values on the wire (docs/plugin-protocol/object-wire-format.md): msgpack, with an unknown value
 * as a msgpack extension (type 0; newer Terraform sends refined unknowns as type 12, which are just as
 * unknown here), null as nil, objects and maps as msgpack maps, lists and sets as arrays. Also the
 * JSON form Terraform uses for stored states (RawState.json).
 */
import { Decoder, Encoder, ExtensionCodec } from "@msgpack/msgpack";
import { ObjectValue, UNKNOWN, Value } from "./types";

/** The extension type cty uses for an unknown value. */
const UNKNOWN_EXT = 0;
/** The extension type of a refined unknown (cty 1.13+). */
const REFINED_UNKNOWN_EXT = 12;

const codec = new ExtensionCodec();
codec.register({
  type: UNKNOWN_EXT,
  encode: (value: unknown) => (value === UNKNOWN ? new Uint8Array([0]) : null),
  decode: () => UNKNOWN,
});
codec.register({ type: REFINED_UNKNOWN_EXT, encode: () => null, decode: () => UNKNOWN });

const encoder = new Encoder({ extensionCodec: codec, ignoreUndefined: false });
const decoder = new Decoder({ extensionCodec: codec, useBigInt64: false });

/** msgpack bytes of a value (undefined is written as null). */
export function encodeValue(value: Value | undefined): Buffer {
  return Buffer.from(encoder.encode(value === undefined ? null : value));
}

/** A value from msgpack bytes; empty bytes are null (an absent DynamicValue). */
export function decodeValue(bytes: Uint8Array | undefined): Value {
  if (!bytes || bytes.length === 0) return null;
  return normalize(decoder.decode(bytes));
}

/** An object (or null) from a DynamicValue's msgpack or json field. */
export function decodeDynamic(dv: { msgpack?: Uint8Array; json?: Uint8Array } | undefined): ObjectValue | null {
  if (!dv) return null;
  const value = dv.msgpack && dv.msgpack.length ? decodeValue(dv.msgpack) : dv.json && dv.json.length ? (JSON.parse(Buffer.from(dv.json).toString("utf8")) as Value) : null;
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) throw new Error("expected an object value");
  return value as ObjectValue | null;
}

/** A DynamicValue carrying `value` as msgpack. */
export function dynamic(value: ObjectValue | null): { msgpack: Buffer } {
  return { msgpack: encodeValue(value) };
}

/** Numbers beyond a double arrive as strings in cty's msgpack; bigint never (useBigInt64 off). Maps become plain objects. */
function normalize(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (value === UNKNOWN) return UNKNOWN;
  if (Array.isArray(value)) return value.map(normalize);
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), normalize(v)]));
  if (typeof value === "object") return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, normalize(v)]));
  return value as Value;
}
