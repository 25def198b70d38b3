/**
 * cty values on the wire (protocol/cty.ts): msgpack DynamicValues and JSON state, following
 * Terraform's docs/plugin-protocol/object-wire-format.md. Bytes are checked both through the module's
 * own decoder and independently, with @msgpack/msgpack's plain encode/decode (no extension codec) or
 * by hand, so a symmetric mistake in encode and decode cannot pass unnoticed.
 */
import { decode, encode, ExtData } from "@msgpack/msgpack";
import { CtyError, decodeDynamic, decodeJson, decodeValue, dynamic, encodeValue, inferType } from "../../../lib/provider/protocol/cty";
import { CtyType, UNKNOWN, Value } from "../../../lib/provider/protocol/types";

const bytes = (...b: number[]) => Uint8Array.from(b);
/** msgpack fixext1, extension type 0, payload 0x00: what cty writes for an unknown value. */
const UNKNOWN_BYTES = bytes(0xd4, 0x00, 0x00);
/** msgpack ext8, type 12, payload = fixmap {1: true} (a refined unknown: "not null"). */
const REFINED_UNKNOWN_BYTES = bytes(0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3);
/** The independent view of encoded bytes: plain msgpack, extensions as ExtData, binaries as Uint8Array. */
const plain = (b: Uint8Array) => decode(b);
const roundTrip = (v: Value, type?: CtyType) => decodeValue(encodeValue(v, type), type);
/** The error a function throws (fails the test when it throws nothing). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, none was thrown");
}
function int64(n: bigint): Uint8Array {
  const b = Buffer.alloc(9);
  b[0] = 0xd3;
  b.writeBigInt64BE(n, 1);
  return b;
}

const RESOURCE: CtyType = [
  "object",
  {
    id: "string",
    count: "number",
    enabled: "bool",
    tags: ["map", "string"],
    names: ["list", "string"],
    ports: ["set", "number"],
    nested: ["object", { a: "string", b: ["list", ["object", { x: "number" }]] }],
  },
];

describe("round trips encodeValue -> decodeValue", () => {
  it.each<[string, Value]>([
    ["ascii string", "hello"],
    ["empty string", ""],
    ["unicode string (BMP, astral, combining)", "héllo wörld ✓ 日本語 🐙 e\u0301"],
    ["long string (str16/str32 lengths)", "x".repeat(70000)],
    ["zero", 0],
    ["positive int", 42],
    ["negative int", -17],
    ["int beyond 32 bits", 2 ** 40 + 3],
    ["largest safe int", Number.MAX_SAFE_INTEGER],
    ["smallest safe int", Number.MIN_SAFE_INTEGER],
    ["fraction", 3.25],
    ["negative fraction", -0.1],
    ["large non-safe number (float64)", 1e20],
    ["tiny number", 5e-324],
    ["true", true],
    ["false", false],
    ["null", null],
    ["UNKNOWN", UNKNOWN],
    ["empty list", []],
    ["mixed list", ["a", 1, true, null]],
    ["empty object", {}],
    ["object with unknown inside", { a: "x", b: UNKNOWN, c: [1, UNKNOWN], d: { e: UNKNOWN } }],
    ["deeply nested", { a: { b: { c: { d: [{ e: ["f"] }] } } } }],
  ])("untyped: %s", (_name, v) => {
    expect(roundTrip(v)).toEqual(v);
  });

  it("UNKNOWN decodes as the very UNKNOWN symbol, at top level and nested", () => {
    expect(roundTrip(UNKNOWN)).toBe(UNKNOWN);
    const out = roundTrip({ l: [UNKNOWN], m: { k: UNKNOWN } }) as { l: Value[]; m: { k: Value } };
    expect(out.l[0]).toBe(UNKNOWN);
    expect(out.m.k).toBe(UNKNOWN);
  });

  it("typed: a full resource object with every kind of attribute", () => {
    const v = {
      id: "i-1",
      count: -3.5,
      enabled: false,
      tags: { env: "prod", "with space": "ü" },
      names: ["a", "b", "a"],
      ports: [443, 80],
      nested: { a: "z", b: [{ x: 1 }, { x: 2 ** 40 }] },
    };
    expect(roundTrip(v, RESOURCE)).toEqual(v);
  });

  it("typed: unknown and null at every level of the type", () => {
    const v: Value = { id: UNKNOWN, count: null, enabled: UNKNOWN, tags: { k: UNKNOWN }, names: [UNKNOWN, "b"], ports: UNKNOWN, nested: { a: null, b: [{ x: UNKNOWN }] } };
    const out = roundTrip(v, RESOURCE) as Record<string, unknown>;
    expect(out).toEqual(v);
    expect(out.id).toBe(UNKNOWN);
    expect(roundTrip(UNKNOWN, RESOURCE)).toBe(UNKNOWN);
    expect(roundTrip(null, RESOURCE)).toBeNull();
  });

  it("typed primitives, list, set and map", () => {
    expect(roundTrip("日本", "string")).toBe("日本");
    expect(roundTrip(-(2 ** 50), "number")).toBe(-(2 ** 50));
    expect(roundTrip(0.5, "number")).toBe(0.5);
    expect(roundTrip(true, "bool")).toBe(true);
    expect(roundTrip(["a", "b"], ["list", "string"])).toEqual(["a", "b"]);
    expect(roundTrip([1, 2], ["set", "number"])).toEqual([1, 2]);
    expect(roundTrip({ a: 1, b: UNKNOWN }, ["map", "number"])).toEqual({ a: 1, b: UNKNOWN });
    expect(roundTrip({ a: ["x"] }, ["map", ["list", "string"]])).toEqual({ a: ["x"] });
  });

  it("encoding returns independent buffers (the shared encoder's buffer is not reused)", () => {
    const first = encodeValue({ a: "first value" });
    const firstCopy = Buffer.from(first);
    encodeValue({ b: "second, longer value overwriting the first" });
    expect(first.equals(firstCopy)).toBe(true);
    expect(decodeValue(first)).toEqual({ a: "first value" });
  });

  it("undefined is encoded as msgpack nil; empty or missing bytes decode as null", () => {
    expect([...encodeValue(undefined)]).toEqual([0xc0]);
    expect([...encodeValue(null)]).toEqual([0xc0]);
    expect(decodeValue(undefined)).toBeNull();
    expect(decodeValue(new Uint8Array(0))).toBeNull();
    expect(decodeValue(new Uint8Array(0), RESOURCE)).toBeNull();
  });
});

describe("wire format of encoded values (checked with plain msgpack)", () => {
  it("primitives use the natural msgpack types", () => {
    expect([...encodeValue("a")]).toEqual([0xa1, 0x61]);
    expect([...encodeValue(1)]).toEqual([0x01]);
    expect([...encodeValue(-1)]).toEqual([0xff]);
    expect([...encodeValue(true)]).toEqual([0xc3]);
    expect([...encodeValue(false, "bool")]).toEqual([0xc2]);
    expect(plain(encodeValue(1.5, "number"))).toBe(1.5);
  });

  it("UNKNOWN is msgpack extension type 0 with a one-byte payload", () => {
    expect([...encodeValue(UNKNOWN)]).toEqual([...UNKNOWN_BYTES]);
    expect([...encodeValue(UNKNOWN, "string")]).toEqual([...UNKNOWN_BYTES]);
    const nested = plain(encodeValue({ a: UNKNOWN, l: [UNKNOWN] })) as { a: ExtData; l: ExtData[] };
    expect(nested.a).toBeInstanceOf(ExtData);
    expect(nested.a.type).toBe(0);
    expect(nested.l[0]).toBeInstanceOf(ExtData);
    expect(nested.l[0].type).toBe(0);
  });

  it("with an object type, attributes missing from the value are encoded as nil", () => {
    const wire = plain(encodeValue({ id: "x" }, RESOURCE)) as Record<string, unknown>;
    expect(Object.keys(wire).sort()).toEqual(["count", "enabled", "id", "names", "nested", "ports", "tags"]);
    expect(wire).toEqual({ id: "x", count: null, enabled: null, tags: null, names: null, ports: null, nested: null });
    // also inside nested objects, and inside objects in lists
    const deep = plain(encodeValue({ nested: { b: [{}] } }, RESOURCE)) as { nested: unknown };
    expect(deep.nested).toEqual({ a: null, b: [{ x: null }] });
    // decoding the result gives every attribute, null when unset
    expect(decodeValue(encodeValue({ id: "x" }, RESOURCE), RESOURCE)).toEqual({ id: "x", count: null, enabled: null, tags: null, names: null, ports: null, nested: null });
  });

  it("numbers are msgpack numbers; a numeric string for a number attribute is sent as that string", () => {
    const wire = plain(encodeValue({ count: 7 }, RESOURCE)) as { count: unknown };
    expect(wire.count).toBe(7);
    expect(plain(encodeValue(-2.5, "number"))).toBe(-2.5);
    // cty accepts a number as a string (arbitrary precision): kept exact, not rounded through a double
    expect(plain(encodeValue("12345678901234567890", "number"))).toBe("12345678901234567890");
  });

  it("lists, sets and tuples are arrays; maps and objects are maps", () => {
    expect(plain(encodeValue(["b", "a"], ["set", "string"]))).toEqual(["b", "a"]);
    expect(plain(encodeValue([1, 2], ["list", "number"]))).toEqual([1, 2]);
    expect(plain(encodeValue({ k: "v" }, ["map", "string"]))).toEqual({ k: "v" });
    expect(plain(encodeValue([1, "x"]))).toEqual([1, "x"]);
  });

  it('the "dynamic" pseudo-type is a 2-element array [JSON type bytes, value]', () => {
    const wire = plain(encodeValue({ a: 1, b: [1, "x"], c: null }, "dynamic")) as [Uint8Array, unknown];
    expect(Array.isArray(wire)).toBe(true);
    expect(wire).toHaveLength(2);
    expect(wire[0]).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(Buffer.from(wire[0]).toString("utf8"))).toEqual(["object", { a: "number", b: ["tuple", ["number", "string"]], c: "dynamic" }]);
    expect(wire[1]).toEqual({ a: 1, b: [1, "x"], c: null });
  });

  it('"dynamic" attributes of an object are wrapped; null and unknown ones are not', () => {
    const type: CtyType = ["object", { d: "dynamic", n: "dynamic", u: "dynamic" }];
    const wire = plain(encodeValue({ d: "s", n: null, u: UNKNOWN }, type)) as { d: [Uint8Array, unknown]; n: unknown; u: ExtData };
    expect(Buffer.from(wire.d[0]).toString("utf8")).toBe('"string"');
    expect(wire.d[1]).toBe("s");
    expect(wire.n).toBeNull();
    expect(wire.u).toBeInstanceOf(ExtData);
    expect(wire.u.type).toBe(0);
    // and back
    expect(decodeValue(encodeValue({ d: "s", n: null, u: UNKNOWN }, type), type)).toEqual({ d: "s", n: null, u: UNKNOWN });
    expect(roundTrip({ x: [1, { y: true }] }, "dynamic")).toEqual({ x: [1, { y: true }] });
  });
});

describe("decoding bytes produced independently", () => {
  it("extension type 0 with a one-byte payload is UNKNOWN, at top level and nested", () => {
    expect(decodeValue(UNKNOWN_BYTES)).toBe(UNKNOWN);
    expect(decodeValue(UNKNOWN_BYTES, "string")).toBe(UNKNOWN);
    expect(decodeValue(UNKNOWN_BYTES, RESOURCE)).toBe(UNKNOWN);
    // fixmap{ "a": ext0 }, fixarray[ ext0 ]
    expect(decodeValue(bytes(0x81, 0xa1, 0x61, ...UNKNOWN_BYTES))).toEqual({ a: UNKNOWN });
    expect(decodeValue(bytes(0x91, ...UNKNOWN_BYTES), ["list", "string"])).toEqual([UNKNOWN]);
  });

  it("extension type 12 (refined unknown) with a map payload is UNKNOWN; the refinements are ignored", () => {
    expect(decodeValue(REFINED_UNKNOWN_BYTES)).toBe(UNKNOWN);
    expect(decodeValue(REFINED_UNKNOWN_BYTES, "string")).toBe(UNKNOWN);
    // built with the library's own encoder: a refinement map {2: "prefix"} (string prefix) as payload
    const refined = new ExtData(12, encode(new Map<number, unknown>([[2, "prefix"]])));
    const doc = encode({ id: refined, names: [refined], tags: { k: refined } });
    expect(decodeValue(doc, RESOURCE)).toEqual({ id: UNKNOWN, count: null, enabled: null, tags: { k: UNKNOWN }, names: [UNKNOWN], ports: null, nested: null });
    expect(decodeValue(doc)).toEqual({ id: UNKNOWN, names: [UNKNOWN], tags: { k: UNKNOWN } });
  });

  it("an unregistered extension type (5) is also taken as UNKNOWN, as cty does for every extension", () => {
    expect(decodeValue(bytes(0xd4, 0x05, 0x00))).toBe(UNKNOWN);
    expect(decodeValue(bytes(0xd4, 0x05, 0x00), "number")).toBe(UNKNOWN);
    expect(decodeValue(encode({ id: new ExtData(99, bytes(1, 2, 3)) }), ["object", { id: "string" }])).toEqual({ id: UNKNOWN });
  });

  it("extension type -1 (msgpack's timestamp) is an extension like any other: unknown", () => {
    expect(decodeValue(bytes(0xd6, 0xff, 0, 0, 0, 1))).toBe(UNKNOWN);
    expect(decodeValue(bytes(0xd6, 0xff, 0, 0, 0, 1), "string")).toBe(UNKNOWN);
    expect(decodeValue(bytes(0xd4, 0xff, 0x00), ["object", { a: "string" }])).toBe(UNKNOWN);
  });

  it("an object built with the library's encoder decodes against a type", () => {
    const doc = encode({ id: "a", count: 3, enabled: true, tags: { x: "y" }, names: ["n"], ports: [1], nested: { a: "b", b: [{ x: 0.5 }] }, extra: "ignored" });
    expect(decodeValue(doc, RESOURCE)).toEqual({ id: "a", count: 3, enabled: true, tags: { x: "y" }, names: ["n"], ports: [1], nested: { a: "b", b: [{ x: 0.5 }] } });
  });

  it("numbers sent as strings become numbers when a double holds them; big integers stay strings", () => {
    expect(decodeValue(encode("42"), "number")).toBe(42);
    expect(decodeValue(encode("-1.25"), "number")).toBe(-1.25);
    expect(decodeValue(encode("9007199254740991"), "number")).toBe(9007199254740991);
    expect(decodeValue(encode("9007199254740993"), "number")).toBe("9007199254740993");
    expect(decodeValue(encode("12345678901234567890"), "number")).toBe("12345678901234567890");
    // untyped: a string stays a string
    expect(decodeValue(encode("42"))).toBe("42");
  });

  it("msgpack int64/uint64 within the safe range decode exactly (hand-built bytes)", () => {
    expect(decodeValue(int64(2n ** 53n - 1n), "number")).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeValue(int64(-(2n ** 53n) + 1n), "number")).toBe(Number.MIN_SAFE_INTEGER);
    expect(decodeValue(int64(-5n))).toBe(-5);
    expect(decodeValue(bytes(0xcf, 0, 0, 0, 0, 0, 0, 1, 0), "number")).toBe(256); // uint64
  });

  it("an int64 beyond 2^53 stays exact, as the string of its digits", () => {
    expect(decodeValue(int64(2n ** 53n + 1n), "number")).toBe("9007199254740993");
    expect(decodeValue(int64(2n ** 53n + 1n))).toBe("9007199254740993");
    expect(decodeValue(int64(-(2n ** 60n)), "number")).toBe("-1152921504606846976");
  });

  it("a [binary, value] pair is a dynamic wrapper: typed by the JSON type it carries", () => {
    const listOfNumbers = encode([Buffer.from('["list","number"]'), ["1", 2]]);
    expect(decodeValue(listOfNumbers)).toEqual([1, 2]);
    expect(decodeValue(listOfNumbers, "dynamic")).toEqual([1, 2]);
    expect(decodeValue(encode({ d: [Buffer.from('"string"'), "v"] }), ["object", { d: "dynamic" }])).toEqual({ d: "v" });
    // a type types.ts cannot name (tuple) decodes untyped
    expect(decodeValue(encode([Buffer.from('["tuple",["number"]]'), ["1"]]))).toEqual(["1"]);
    // an unknown "dynamic" value is a plain extension, not a wrapper
    expect(decodeValue(UNKNOWN_BYTES, "dynamic")).toBe(UNKNOWN);
    expect(decodeValue(bytes(0xc0), "dynamic")).toBeNull();
  });
});

describe("decodeDynamic and dynamic", () => {
  const T: CtyType = ["object", { a: "string", n: "number" }];

  it("prefers the msgpack field over the json field", () => {
    const dv = { msgpack: encode({ a: "from msgpack", n: 1 }), json: Buffer.from('{"a":"from json","n":2}') };
    expect(decodeDynamic(dv, T)).toEqual({ a: "from msgpack", n: 1 });
    expect(decodeDynamic(dv)).toEqual({ a: "from msgpack", n: 1 });
  });

  it("uses the json field when msgpack is absent or empty", () => {
    const json = Buffer.from('{"a":"from json","n":"2"}');
    expect(decodeDynamic({ json }, T)).toEqual({ a: "from json", n: 2 });
    expect(decodeDynamic({ msgpack: new Uint8Array(0), json }, T)).toEqual({ a: "from json", n: 2 });
  });

  it("undefined, an empty DynamicValue and msgpack nil are null", () => {
    expect(decodeDynamic(undefined)).toBeNull();
    expect(decodeDynamic({})).toBeNull();
    expect(decodeDynamic({ msgpack: new Uint8Array(0), json: new Uint8Array(0) }, T)).toBeNull();
    expect(decodeDynamic({ msgpack: bytes(0xc0) }, T)).toBeNull();
    expect(decodeDynamic({ json: Buffer.from("  \n") }, T)).toBeNull();
  });

  it("fills missing attributes with null when typed", () => {
    expect(decodeDynamic({ msgpack: encode({ a: "x" }) }, T)).toEqual({ a: "x", n: null });
  });

  it("rejects values that are not objects, naming the problem", () => {
    expect(thrown(() => decodeDynamic({ msgpack: UNKNOWN_BYTES }))).toMatchObject({ name: "CtyError", message: "value: expected an object value, got an unknown value" });
    expect(thrown(() => decodeDynamic({ msgpack: encode([1]) }))).toMatchObject({ name: "CtyError", message: "value: expected an object value" });
    expect(thrown(() => decodeDynamic({ msgpack: encode("s") }))).toMatchObject({ name: "CtyError", message: "value: expected an object value" });
    expect(thrown(() => decodeDynamic({ json: Buffer.from("3") }))).toBeInstanceOf(CtyError);
  });

  it("dynamic() carries the value as msgpack following the type, and decodeDynamic reads it back", () => {
    const dv = dynamic({ a: "x" }, T);
    expect(Object.keys(dv)).toEqual(["msgpack"]);
    expect(plain(dv.msgpack)).toEqual({ a: "x", n: null });
    expect(decodeDynamic(dv, T)).toEqual({ a: "x", n: null });
    expect([...dynamic(null).msgpack]).toEqual([0xc0]);
    expect(decodeDynamic(dynamic({ a: UNKNOWN, n: 3 }, T), T)).toEqual({ a: UNKNOWN, n: 3 });
  });
});

describe("decodeJson (RawState.json, DynamicValue.json)", () => {
  const STATE: CtyType = ["object", { id: "string", size: "number", on: "bool", tags: ["map", "string"], l: ["list", "number"], o: ["object", { p: "string" }], d: "dynamic" }];

  it("decodes state JSON with a type: every attribute, numeric strings as numbers, extra keys dropped", () => {
    const text = JSON.stringify({ id: "k-1", size: "128", on: true, tags: { a: "b" }, l: [1, "2.5"], o: { p: "q" }, gone: "removed attribute" });
    expect(decodeJson(text, STATE)).toEqual({ id: "k-1", size: 128, on: true, tags: { a: "b" }, l: [1, 2.5], o: { p: "q" }, d: null });
    expect(decodeJson(Buffer.from(text), STATE)).toEqual(decodeJson(text, STATE));
  });

  it("unwraps a JSON dynamic value {value, type}, and takes an unwrapped one as it is", () => {
    expect(decodeJson('{"d":{"type":"string","value":"v"}}', STATE)).toMatchObject({ d: "v" });
    expect(decodeJson('{"d":{"value":[1,2],"type":["list","number"]}}', STATE)).toMatchObject({ d: [1, 2] });
    expect(decodeJson('{"d":"raw"}', STATE)).toMatchObject({ d: "raw" });
  });

  it("untyped JSON keeps its shape; [string, value] pairs are not dynamic wrappers in JSON", () => {
    expect(decodeJson('{"a":[1,"x",null,{"b":false}]}')).toEqual({ a: [1, "x", null, { b: false }] });
    expect(decodeJson('["string","v"]')).toEqual(["string", "v"]);
  });

  it("empty or blank text is null", () => {
    expect(decodeJson("")).toBeNull();
    expect(decodeJson(" \n\t", STATE)).toBeNull();
    expect(decodeJson(new Uint8Array(0), STATE)).toBeNull();
    expect(decodeJson("null", STATE)).toBeNull();
  });

  it("type mismatches in JSON are CtyErrors with the attribute's path", () => {
    expect(thrown(() => decodeJson('{"id":5}', STATE))).toMatchObject({ name: "CtyError", message: "id: expected a string" });
    expect(thrown(() => decodeJson('{"on":"yes"}', STATE)).message).toBe("on: expected a bool");
    expect(thrown(() => decodeJson('{"o":{"p":[1]}}', STATE)).message).toBe("o.p: expected a string");
    expect(thrown(() => decodeJson('{"l":[1,true]}', STATE)).message).toBe("l[1]: expected a number");
    expect(thrown(() => decodeJson('{"tags":{"k":1}}', STATE)).message).toBe('tags["k"]: expected a string');
  });
});

describe("CtyError cases", () => {
  it("CtyError names where (path, 'value' at top level) and what was expected", () => {
    const e = new CtyError("a.b", "expected a string");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("CtyError");
    expect(e.message).toBe("a.b: expected a string");
    expect(new CtyError("", "x").message).toBe("value: x");
  });

  it("encoding rejects an attribute the object type lacks, naming it (also when nested)", () => {
    expect(thrown(() => encodeValue({ id: "x", bogus: 1 }, RESOURCE))).toMatchObject({ name: "CtyError", message: "bogus: is not an attribute of the schema" });
    expect(thrown(() => encodeValue({ nested: { a: "x", zz: 1 } }, RESOURCE)).message).toBe("nested.zz: is not an attribute of the schema");
  });

  it("encoding rejects values of the wrong primitive type, with the path", () => {
    expect(thrown(() => encodeValue({ id: 5 }, RESOURCE))).toMatchObject({ name: "CtyError", message: "id: expected a string" });
    expect(thrown(() => encodeValue({ enabled: "true" }, RESOURCE)).message).toBe("enabled: expected a bool");
    expect(thrown(() => encodeValue({ count: "many" }, RESOURCE)).message).toBe("count: expected a finite number");
    expect(thrown(() => encodeValue({ count: true }, RESOURCE)).message).toBe("count: expected a finite number");
    expect(thrown(() => encodeValue({ names: ["a", 1] }, RESOURCE)).message).toBe("names[1]: expected a string");
    expect(thrown(() => encodeValue({ tags: { k: false } }, RESOURCE)).message).toBe('tags["k"]: expected a string');
    expect(thrown(() => encodeValue({ nested: { b: [{ x: "NaN" }] } }, RESOURCE)).message).toBe("nested.b[0].x: expected a finite number");
  });

  it("encoding rejects non-finite numbers, typed, untyped and dynamic", () => {
    expect(thrown(() => encodeValue(NaN, "number")).message).toBe("value: expected a finite number");
    expect(thrown(() => encodeValue(Infinity))).toMatchObject({ name: "CtyError", message: "value: expected a finite number" });
    expect(thrown(() => encodeValue({ a: [1, -Infinity] })).message).toBe("a[1]: expected a finite number");
    expect(thrown(() => encodeValue({ a: NaN }, "dynamic")).message).toBe("a: expected a finite number");
  });

  it("encoding rejects the wrong collection shape", () => {
    expect(thrown(() => encodeValue({ names: "a" }, RESOURCE)).message).toBe("names: expected a list");
    expect(thrown(() => encodeValue({ ports: { a: 1 } }, RESOURCE)).message).toBe("ports: expected a set");
    expect(thrown(() => encodeValue({ nested: ["a"] }, RESOURCE)).message).toBe("nested: expected an object");
    expect(thrown(() => encodeValue("s", RESOURCE)).message).toBe("value: expected an object");
    expect(thrown(() => encodeValue([1], ["map", "number"]))).toBeInstanceOf(CtyError);
  });

  it("decoding rejects the wrong msgpack type, with the path", () => {
    expect(thrown(() => decodeValue(encode(1), "string"))).toMatchObject({ name: "CtyError", message: "value: expected a string" });
    expect(thrown(() => decodeValue(encode("true"), "bool")).message).toBe("value: expected a bool");
    expect(thrown(() => decodeValue(encode(true), "number")).message).toBe("value: expected a number");
    expect(thrown(() => decodeValue(encode({ id: 1 }), RESOURCE)).message).toBe("id: expected a string");
    expect(thrown(() => decodeValue(encode({ names: { a: 1 } }), RESOURCE)).message).toBe("names: expected a list");
    expect(thrown(() => decodeValue(encode({ ports: "x" }), RESOURCE)).message).toBe("ports: expected a set");
    expect(thrown(() => decodeValue(encode({ nested: [1] }), RESOURCE)).message).toBe("nested: expected an object");
    expect(thrown(() => decodeValue(encode({ nested: { b: [{ x: false }] } }), RESOURCE)).message).toBe("nested.b[0].x: expected a number");
    expect(thrown(() => decodeValue(encode({ tags: { k: 1 } }), RESOURCE)).message).toBe('tags["k"]: expected a string');
    expect(thrown(() => decodeValue(encode([1]), ["map", "string"]))).toBeInstanceOf(CtyError);
  });

  it('decoding a "dynamic" value that is not a [type, value] pair is an error', () => {
    expect(thrown(() => decodeValue(encode("x"), "dynamic"))).toMatchObject({ name: "CtyError", message: "value: expected a dynamic value [type, value]" });
    expect(thrown(() => decodeValue(encode({ d: [1, 2] }), ["object", { d: "dynamic" }])).message).toBe("d: expected a dynamic value [type, value]");
    expect(thrown(() => decodeValue(encode([Buffer.from('"string"')]), "dynamic"))).toBeInstanceOf(CtyError);
  });

  it("decoding rejects msgpack binaries where no type allows them", () => {
    expect(thrown(() => decodeValue(encode(bytes(1, 2))))).toMatchObject({ name: "CtyError", message: "value: unsupported msgpack value" });
    expect(thrown(() => decodeValue(encode({ a: bytes(1) }))).message).toBe("a: unsupported msgpack value");
    expect(thrown(() => decodeValue(encode(bytes(1)), "string")).message).toBe("value: expected a string");
  });

  it("malformed input surfaces the underlying parser's error (not a CtyError)", () => {
    expect(thrown(() => decodeValue(bytes(0x92, 0x01)))).not.toBeInstanceOf(CtyError); // truncated array
    expect(thrown(() => decodeValue(bytes(0xc0, 0xc0))).message).toMatch(/Extra/); // trailing bytes
    expect(thrown(() => decodeJson("{"))).toBeInstanceOf(SyntaxError);
    expect(thrown(() => decodeValue(encode([Buffer.from("not json"), 1])))).toBeInstanceOf(SyntaxError);
    expect(thrown(() => decodeValue(encode({ ["__proto__"]: 1 }))).message).toMatch(/__proto__/);
  });
});

describe("at the edges of decoding", () => {
  it("a string that is no number, for a number attribute, is an error naming where", () => {
    expect(() => decodeValue(encode("hello"), "number")).toThrow(new CtyError("", "expected a number"));
    expect(() => decodeValue(encode({ l: [1, "x"] }), ["object", { l: ["list", "number"] }])).toThrow("l[1]: expected a number");
    expect(() => decodeJson('{"n":"Infinity"}', ["object", { n: "number" }])).toThrow("n: expected a number");
  });

  it("only cty's decimal number syntax is a number (no hex, binary or octal)", () => {
    for (const text of ["0x10", "0b11", "0o7", " 1", "1.", ".5", ""]) expect(() => decodeJson(JSON.stringify({ n: text }), ["object", { n: "number" }])).toThrow("n: expected a number");
    expect(decodeJson('{"n":"-1.5e3"}', ["object", { n: "number" }])).toEqual({ n: -1500 });
  });

  it('a "__proto__" key is an own key of the decoded object, never its prototype', () => {
    const v = decodeJson('{"__proto__":{"x":"1"},"a":"b"}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(v.x).toBeUndefined();
    const m = decodeJson('{"__proto__":"p"}', ["map", "string"]) as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(m, "__proto__")?.value).toBe("p");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe("inferType", () => {
  it("names primitives, null and unknown as dynamic, arrays as tuples, objects as objects", () => {
    expect(inferType("s")).toBe("string");
    expect(inferType(1.5)).toBe("number");
    expect(inferType(false)).toBe("bool");
    expect(inferType(null)).toBe("dynamic");
    expect(inferType(UNKNOWN)).toBe("dynamic");
    expect(inferType([])).toEqual(["tuple", []]);
    expect(inferType({ a: [1, "x", true, null], b: {} })).toEqual(["object", { a: ["tuple", ["number", "string", "bool", "dynamic"]], b: ["object", {}] }]);
  });
});
