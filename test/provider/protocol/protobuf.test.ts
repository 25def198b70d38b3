/**
 * The provider's own protobuf codec (lib/provider/protocol/protobuf.ts) against protobufjs, an
 * independent implementation, on every message type of the plugin protocol's descriptors: the same
 * bytes for the same value, and each decodes the other's bytes to the same object.
 */
import * as protobuf from "protobufjs";
import { DESCRIPTORS, PROVIDER_RPCS, messageType } from "../../../lib/provider/protocol/messages";
import { MessageType, NamespaceDescriptor, Protobuf } from "../../../lib/provider/protocol/protobuf";

const reference = protobuf.Root.fromJSON(DESCRIPTORS as unknown as protobuf.INamespace);
reference.resolveAll();

/** Every message type's full name in the descriptors. */
function messageNames(ns: protobuf.NamespaceBase, out: string[] = []): string[] {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) out.push(nested.fullName.slice(1));
    if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) messageNames(nested, out);
  }
  return out;
}
const ALL = messageNames(reference);

/** A value with every field set (non-default values, so that both encoders write every one). */
function sample(type: protobuf.Type, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const one = (i: number): unknown => {
      if (field.resolvedType instanceof protobuf.Enum) return Object.values(field.resolvedType.values).filter((v) => v !== 0)[0] ?? 0;
      if (field.resolvedType instanceof protobuf.Type) return depth < 3 ? sample(field.resolvedType, depth + 1) : {};
      switch (field.type) {
        case "string":
          return `${field.name}-${i}-é✓`;
        case "bytes":
          return Buffer.from([0, 255, i, 128]);
        case "bool":
          return true;
        case "int32":
          return i === 0 ? -5 : 300;
        case "int64":
          return i === 0 ? 2 ** 40 + 3 : -2;
        default:
          throw new Error(`no sample for ${field.type}`);
      }
    };
    if (field.map) out[field.name] = { alpha: one(0), "bé ta": one(1) };
    else if (field.repeated) out[field.name] = [one(0), one(1)];
    else out[field.name] = one(0);
  }
  return out;
}

const referenceEncode = (name: string, value: Record<string, unknown>) => {
  const t = reference.lookupType(name);
  return Buffer.from(t.encode(t.fromObject(value)).finish());
};
const referenceDecode = (name: string, bytes: Uint8Array) => {
  const t = reference.lookupType(name);
  return t.toObject(t.decode(bytes), { longs: Number, bytes: Buffer, enums: Number, defaults: false });
};

describe("protobuf codec against protobufjs, every message type of the descriptors", () => {
  it("covers the request and response of every tfplugin6 RPC the provider answers", () => {
    for (const rpc of PROVIDER_RPCS) {
      expect(ALL).toContain(`tfplugin6.${rpc}.Request`);
      expect(ALL).toContain(`tfplugin6.${rpc}.Response`);
    }
    expect(ALL.length).toBeGreaterThan(40);
  });

  it.each(ALL)("%s: same bytes, and each decodes the other's", (name) => {
    const value = sample(reference.lookupType(name));
    const ours = messageType(name).encode(value);
    const theirs = referenceEncode(name, value);
    expect(ours.toString("hex")).toBe(theirs.toString("hex"));
    expect(messageType(name).decode(theirs)).toEqual(value);
    expect(referenceDecode(name, ours)).toEqual(value);
  });

  it("leaves out null and undefined fields; decodes only what is on the wire", () => {
    const t = messageType("tfplugin6.Diagnostic");
    const bytes = t.encode({ severity: 1, summary: "s", detail: null, attribute: undefined });
    expect(t.decode(bytes)).toEqual({ severity: 1, summary: "s" });
    expect(t.decode(Buffer.alloc(0))).toEqual({});
  });

  it("writes a present default value (false, 0, empty string), as protobufjs does", () => {
    const value = { name: "", required: false, description_kind: 0 };
    const bytes = messageType("tfplugin6.Schema.Attribute").encode(value);
    expect(bytes.toString("hex")).toBe(referenceEncode("tfplugin6.Schema.Attribute", value).toString("hex"));
    expect(messageType("tfplugin6.Schema.Attribute").decode(bytes)).toEqual(value);
  });

  it("accepts an enum by name", () => {
    const t = messageType("tfplugin6.Diagnostic");
    expect(t.decode(t.encode({ severity: "WARNING" }))).toEqual({ severity: 2 });
  });

  it("int64 and int32 at their edges: negatives as 10-byte varints, 2^53 - 1 exactly", () => {
    const t = messageType("tfplugin6.AttributePath.Step");
    for (const n of [0, 1, 127, 128, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -1, -(2 ** 31), -(2 ** 53 - 1)]) {
      const bytes = t.encode({ element_key_int: n });
      expect(bytes.toString("hex")).toBe(referenceEncode("tfplugin6.AttributePath.Step", { element_key_int: n }).toString("hex"));
      expect(t.decode(bytes)).toEqual({ element_key_int: n });
    }
    expect(t.encode({ element_key_int: -1 }).length).toBe(11);
    const attr = messageType("tfplugin6.Schema.Attribute");
    expect(attr.decode(attr.encode({ description_kind: -7 }))).toEqual({ description_kind: -7 });
  });

  it("skips fields it does not know (a newer Terraform's), of every wire type", () => {
    const newer = new Protobuf({
      nested: {
        x: {
          nested: {
            M: { fields: { a: { type: "string", id: 1 }, future: { type: "Extra", id: 7 }, count: { type: "int64", id: 8 }, tags: { type: "string", id: 9, rule: "repeated" } } },
            Extra: { fields: { z: { type: "bool", id: 1 } } },
          },
        },
      },
    } as NamespaceDescriptor);
    const older = new Protobuf({ nested: { x: { nested: { M: { fields: { a: { type: "string", id: 1 } } } } } } });
    const bytes = newer.lookupType("x.M").encode({ a: "kept", future: { z: true }, count: 5, tags: ["p", "q"] });
    // A fixed64 (wire type 1) and a fixed32 (wire type 5) field, numbers 10 and 11, appended by hand.
    const fixed = Buffer.concat([bytes, Buffer.from([0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5d, 1, 2, 3, 4])]);
    expect(older.lookupType("x.M").decode(fixed)).toEqual({ a: "kept" });
  });

  it("reads packed repeated varints as well as unpacked ones", () => {
    const codec = new Protobuf({ nested: { x: { nested: { M: { fields: { n: { type: "int64", id: 1, rule: "repeated" } } } } } } });
    const unpacked = codec.lookupType("x.M").encode({ n: [1, 300, -1] });
    expect(codec.lookupType("x.M").decode(unpacked)).toEqual({ n: [1, 300, -1] });
    // field 1, wire type 2: a packed run of 1, 300.
    expect(codec.lookupType("x.M").decode(Buffer.from([0x0a, 3, 1, 0xac, 0x02]))).toEqual({ n: [1, 300] });
  });

  it("a map entry without its value decodes to the value type's default", () => {
    const raw = messageType("tfplugin6.RawState");
    // field 2 (flatmap), an entry with only its key "k".
    expect(raw.decode(Buffer.from([0x12, 3, 0x0a, 1, 0x6b]))).toEqual({ flatmap: { k: "" } });
    const schema = messageType("tfplugin6.GetProviderSchema.Response");
    expect(schema.decode(Buffer.from([0x12, 3, 0x0a, 1, 0x72]))).toEqual({ resource_schemas: { r: {} } });
  });

  it("refuses malformed input with the reason and where", () => {
    const t = messageType("tfplugin6.Diagnostic");
    expect(() => t.decode(Buffer.from([0x12, 5, 0x61]))).toThrow(/malformed protobuf message: length past the end/);
    expect(() => t.decode(Buffer.from([0x08, 0x80]))).toThrow(/truncated varint/);
    expect(() => t.decode(Buffer.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toThrow(/longer than 10 bytes/);
    // summary (field 2) sent as a varint.
    expect(() => t.decode(Buffer.from([0x10, 1]))).toThrow(/tfplugin6.Diagnostic.summary has wire type 0, expected 2/);
    expect(() => t.decode(Buffer.from([0x0b]))).toThrow(/wire type 3/);
  });

  it("refuses a value of the wrong kind, naming the field", () => {
    const t = messageType("tfplugin6.Diagnostic");
    expect(() => t.encode({ summary: 5 })).toThrow(/field summary: expected a string/);
    expect(() => t.encode({ severity: "LOUD" })).toThrow(/field severity: "LOUD" is not a valid enum/);
    expect(() => messageType("tfplugin6.ReadResource.Request").encode({ private: "text" })).toThrow(/field private: expected bytes/);
    expect(() => messageType("tfplugin6.ReadResource.Response").encode({ diagnostics: { summary: "x" } })).toThrow(/field diagnostics: expected an array/);
  });

  it("resolves type names as protobuf scopes them, and says which one is missing", () => {
    const codec = new Protobuf({ nested: { p: { nested: { A: { fields: { b: { type: "Nope", id: 1 } } } } } } });
    expect(() => codec.lookupType("p.A").encode({ b: {} })).toThrow(/p.A: unknown type Nope/);
    expect(() => codec.lookupType("p.Missing")).toThrow(/no message type p.Missing/);
    expect(messageType("tfplugin6.ImportResourceState.Response")).toBeInstanceOf(MessageType);
  });
});
