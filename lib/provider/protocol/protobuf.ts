/**
 * A protobuf codec driven by descriptors (the protobufjs JSON descriptor format: namespaces, messages
 * with fields, nested types and enums), for the wire types the plugin protocol's messages use: varint
 * (bool, enum, int32, int64), length-delimited (string, bytes, messages, map entries); other wire types
 * are skipped when read, as unknown fields are. Values are plain objects keyed by the descriptor's
 * field names: int64 as number, bytes as Buffer, enums as numbers, fields missing from the wire left
 * out (the shape protobufjs's toObject gives with longs: Number, bytes: Buffer, enums: Number).
 *
 * Written here instead of taken from protobufjs because protobufjs (100 KB bundled, with reflection
 * and per-type code generation by `new Function` on first use) was a fifth of what remained of the
 * provider's start-up once gRPC was its own; the messages are few and fixed, and the tests check every
 * message type of the protocol against protobufjs encoding the same values.
 */

/** A field: its type (a scalar or a type name, resolved like protobuf does), number, and whether repeated or a map. */
export interface FieldDescriptor {
  readonly type: string;
  readonly id: number;
  readonly rule?: "repeated";
  /** A map field's key type (only "string" here). */
  readonly keyType?: string;
}
/** A message type. */
export interface MessageDescriptor {
  readonly fields: Readonly<Record<string, FieldDescriptor>>;
  readonly nested?: Readonly<Record<string, Descriptor>>;
  /** Accepted for compatibility with protobufjs descriptors; a oneof's fields are plain fields here. */
  readonly oneofs?: unknown;
}
/** An enum type. */
export interface EnumDescriptor {
  readonly values: Readonly<Record<string, number>>;
}
/** A package: only nested types. */
export interface NamespaceDescriptor {
  readonly nested: Readonly<Record<string, Descriptor>>;
}
export type Descriptor = MessageDescriptor | EnumDescriptor | NamespaceDescriptor;

type Plain = Record<string, unknown>;
type Scalar = "string" | "bytes" | "bool" | "int32" | "int64" | "enum";
const SCALARS: ReadonlySet<string> = new Set(["string", "bytes", "bool", "int32", "int64"]);

interface Field {
  readonly name: string;
  readonly id: number;
  readonly repeated: boolean;
  readonly map: boolean;
  /** A scalar kind, or "message" with its type. */
  readonly kind: Scalar | "message";
  readonly message?: MessageType;
  readonly enumValues?: Readonly<Record<string, number>>;
}

const isMessage = (d: Descriptor): d is MessageDescriptor => "fields" in d;
const isEnum = (d: Descriptor): d is EnumDescriptor => "values" in d;

/** A message type of a {@link Protobuf} root; fields are resolved on first use. */
export class MessageType {
  private resolved?: { readonly byNumber: readonly Field[]; readonly byId: ReadonlyMap<number, Field> };

  constructor(
    readonly fullName: string,
    private readonly descriptor: MessageDescriptor,
    private readonly resolveField: (owner: string, field: string, f: FieldDescriptor) => Field,
  ) {}

  /** The resolved fields (type names looked up once). */
  get fields(): { readonly byNumber: readonly Field[]; readonly byId: ReadonlyMap<number, Field> } {
    if (!this.resolved) {
      // Written in field-number order, as protobuf encoders do.
      const byNumber = Object.entries(this.descriptor.fields)
        .map(([name, f]) => this.resolveField(this.fullName, name, f))
        .sort((a, b) => a.id - b.id);
      this.resolved = { byNumber, byId: new Map(byNumber.map((f) => [f.id, f])) };
    }
    return this.resolved;
  }

  /** Encodes a plain object; null and undefined fields are left out. */
  encode(value: Plain): Buffer {
    const w = new Writer();
    writeMessage(w, this, value);
    return w.finish();
  }

  /** Decodes bytes into a plain object. */
  decode(bytes: Uint8Array): Plain {
    return readMessage(new Reader(bytes), this, bytes.length);
  }
}

/** The types of a descriptor root, looked up by full name ("tfplugin6.ReadResource.Request"). */
export class Protobuf {
  private readonly types = new Map<string, MessageType>();

  constructor(private readonly root: NamespaceDescriptor) {}

  /** A message type by full name; throws when there is none. */
  lookupType(fullName: string): MessageType {
    let t = this.types.get(fullName);
    if (!t) {
      const d = this.find(fullName);
      if (!d || !isMessage(d)) throw new Error(`no message type ${fullName}`);
      t = new MessageType(fullName, d, (owner, name, f) => this.field(owner, name, f));
      this.types.set(fullName, t);
    }
    return t;
  }

  private find(fullName: string): Descriptor | undefined {
    let d: Descriptor | undefined = this.root;
    for (const part of fullName.split(".")) {
      const nested: Readonly<Record<string, Descriptor>> | undefined = d && "nested" in d ? d.nested : undefined;
      d = nested?.[part];
      if (!d) return undefined;
    }
    return d;
  }

  /** A type name resolved as protobuf scopes it: the owner's nested types, then each enclosing scope outwards. */
  private resolve(owner: string, name: string): string {
    const scope = owner.split(".");
    for (let i = scope.length; i >= 0; i--) {
      const candidate = [...scope.slice(0, i), name].join(".");
      if (this.find(candidate)) return candidate;
    }
    throw new Error(`${owner}: unknown type ${name}`);
  }

  private field(owner: string, name: string, f: FieldDescriptor): Field {
    const map = f.keyType !== undefined;
    if (map && f.keyType !== "string") throw new Error(`${owner}.${name}: map keys of type ${f.keyType} are not supported`);
    const base = { name, id: f.id, repeated: f.rule === "repeated" || map, map };
    if (SCALARS.has(f.type)) return { ...base, kind: f.type as Scalar };
    const full = this.resolve(owner, f.type);
    const d = this.find(full)!;
    if (isEnum(d)) return { ...base, kind: "enum", enumValues: d.values };
    if (isMessage(d)) return { ...base, kind: "message", message: this.lookupType(full) };
    throw new Error(`${owner}.${name}: ${f.type} is a package, not a type`);
  }
}

// --- writing -------------------------------------------------------------------------------------

const TWO_32 = 4294967296;

class Writer {
  private chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(256, n));
    this.pos = 0;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** A varint of a non-negative integer below 2^64 (numbers above 2^53 lose precision, as in JavaScript). */
  varint(n: number): void {
    if (n < 0) {
      // Two's complement in 64 bits: 10 bytes.
      let v = BigInt.asUintN(64, BigInt(n));
      while (v >= 0x80n) {
        this.byte(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      this.byte(Number(v));
      return;
    }
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }

  tag(id: number, wireType: number): void {
    this.varint(id * 8 + wireType);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  finish(): Buffer {
    this.chunks.push(this.buf.subarray(0, this.pos));
    const out = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    return out;
  }
}

function integer(field: Field, v: unknown): number {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "boolean" && field.kind === "bool") return v ? 1 : 0;
  if (typeof v === "string" && field.kind === "enum" && field.enumValues && v in field.enumValues) return field.enumValues[v]!;
  throw new TypeError(`field ${field.name}: ${JSON.stringify(v)} is not a valid ${field.kind}`);
}

function writeValue(w: Writer, field: Field, id: number, v: unknown): void {
  switch (field.kind) {
    case "string":
      if (typeof v !== "string") throw new TypeError(`field ${field.name}: expected a string`);
      w.tag(id, 2);
      w.bytes(Buffer.from(v, "utf8"));
      return;
    case "bytes":
      if (!(v instanceof Uint8Array)) throw new TypeError(`field ${field.name}: expected bytes`);
      w.tag(id, 2);
      w.bytes(v);
      return;
    case "message": {
      if (typeof v !== "object" || v === null) throw new TypeError(`field ${field.name}: expected a message`);
      const inner = new Writer();
      writeMessage(inner, field.message!, v as Plain);
      w.tag(id, 2);
      w.bytes(inner.finish());
      return;
    }
    case "int32": {
      const n = integer(field, v);
      w.tag(id, 0);
      w.varint(n | 0);
      return;
    }
    default:
      w.tag(id, 0);
      w.varint(integer(field, v));
  }
}

function writeMessage(w: Writer, type: MessageType, value: Plain): void {
  for (const field of type.fields.byNumber) {
    const v = value[field.name];
    if (v === undefined || v === null) continue;
    if (field.map) {
      for (const [key, entry] of Object.entries(v as Plain)) {
        if (entry === undefined || entry === null) continue;
        const inner = new Writer();
        inner.tag(1, 2);
        inner.bytes(Buffer.from(key, "utf8"));
        writeValue(inner, field, 2, entry);
        w.tag(field.id, 2);
        w.bytes(inner.finish());
      }
    } else if (field.repeated) {
      if (!Array.isArray(v)) throw new TypeError(`field ${field.name}: expected an array`);
      for (const item of v) writeValue(w, field, field.id, item);
    } else {
      writeValue(w, field, field.id, v);
    }
  }
}

// --- reading -------------------------------------------------------------------------------------

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  private fail(what: string): never {
    throw new Error(`malformed protobuf message: ${what} at byte ${this.pos}`);
  }

  /** A varint as a number: exact up to 2^53; 64-bit negatives (two's complement) as negative numbers. */
  varint(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail("truncated varint");
      const b = this.buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if ((b & 0x80) === 0) {
        lo >>>= 0;
        if (hi & 0x80000000) return -((~hi >>> 0) * TWO_32 + ((~lo >>> 0) + 1));
        return (hi >>> 0) * TWO_32 + lo;
      }
      shift += 7;
    }
    return this.fail("varint longer than 10 bytes");
  }

  bytes(): Uint8Array {
    const n = this.varint();
    const end = this.pos + n;
    if (n < 0 || end > this.buf.length) this.fail("length past the end");
    const b = this.buf.subarray(this.pos, end);
    this.pos = end;
    return b;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else this.fail(`wire type ${wireType}`);
    if (this.pos > this.buf.length) this.fail("field past the end");
  }
}

const toBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length);

function readScalar(r: Reader, field: Field): unknown {
  switch (field.kind) {
    case "string":
      return toBuffer(r.bytes()).toString("utf8");
    case "bytes":
      return Buffer.from(r.bytes());
    case "message": {
      const b = r.bytes();
      return readMessage(new Reader(b), field.message!, b.length);
    }
    case "bool":
      return r.varint() !== 0;
    case "int32":
    case "enum":
      return r.varint() | 0;
    default:
      return r.varint();
  }
}

/** The value of a map entry whose value is missing from the wire (protobuf's default for the type). */
function defaultValue(field: Field): unknown {
  switch (field.kind) {
    case "message":
      return {};
    case "string":
      return "";
    case "bytes":
      return Buffer.alloc(0);
    case "bool":
      return false;
    default:
      return 0;
  }
}

function readMessage(r: Reader, type: MessageType, end: number): Plain {
  const out: Plain = {};
  const { byId } = type.fields;
  while (r.pos < end) {
    const tag = r.varint();
    const id = Math.floor(tag / 8);
    const wireType = tag & 7;
    const field = byId.get(id);
    if (!field) {
      r.skip(wireType);
      continue;
    }
    if (field.map) {
      const entry = r.bytes();
      const er = new Reader(entry);
      let key = "";
      let value: unknown;
      while (er.pos < entry.length) {
        const t = er.varint();
        if (t === (1 << 3) + 2) key = toBuffer(er.bytes()).toString("utf8");
        else if (t >>> 3 === 2) value = readScalar(er, field);
        else er.skip(t & 7);
      }
      const m = (out[field.name] ??= {}) as Plain;
      m[key] = value ?? defaultValue(field);
    } else if (field.repeated) {
      const list = (out[field.name] ??= []) as unknown[];
      if (wireType === 2 && field.kind !== "string" && field.kind !== "bytes" && field.kind !== "message") {
        // A packed run of varints.
        const packed = r.bytes();
        const pr = new Reader(packed);
        while (pr.pos < packed.length) list.push(readScalar(pr, field));
      } else list.push(readScalar(r, field));
    } else {
      const expected = field.kind === "string" || field.kind === "bytes" || field.kind === "message" ? 2 : 0;
      if (wireType !== expected) throw new Error(`malformed protobuf message: ${type.fullName}.${field.name} has wire type ${wireType}, expected ${expected}`);
      out[field.name] = readScalar(r, field);
    }
  }
  return out;
}
