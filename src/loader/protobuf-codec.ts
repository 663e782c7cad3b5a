/**
 * A small protobuf codec driven by a JSON descriptor (the `{ fields: { name: { type, id,
 * rule?, options? } } }` form protobufjs's `Root.fromJSON` takes), over protobufjs's
 * minimal Reader and Writer. It replaces protobufjs's reflection (Type, Field, Namespace,
 * the converter), which is most of protobufjs's weight in a browser bundle, for the one
 * thing the loader needs: ONNX messages in, plain objects out, and back.
 *
 * It decodes and encodes as protobufjs's generated code does, so files read and write the
 * same bytes and values:
 *   - a decoded message is an object whose prototype holds every singular field's default
 *     (0, "", empty bytes, null for messages); singular fields present in the data are own
 *     properties, so `Object.hasOwn(message, "f")` tells whether the file set `f`; every
 *     repeated field is an own array (empty when absent), free to be mutated;
 *   - a known field is read by its declared type whatever the wire type says, except
 *     that a repeated scalar arriving as wire type 2 is read packed (protobuf's rule);
 *     unknown fields are skipped by their wire type;
 *   - int64 / uint64 come back as protobufjs gives them (`Long` objects when the `long`
 *     package is present, else numbers); src/loader/int64.ts reads both;
 *   - encoding writes the own, non-null fields in declaration order, repeated fields when
 *     non-empty, packed only where the descriptor says `packed: true` (proto2 default).
 * Bad data fails inside the Reader with its own errors ("index out of range", "invalid
 * wire type"), which decode.ts turns into a ModelFormatError.
 */
import protobuf from "protobufjs/minimal.js";

export interface FieldDescriptor {
  type: string;
  id: number;
  rule?: "repeated";
  options?: { packed?: boolean };
}

export interface MessageDescriptor {
  fields: Record<string, FieldDescriptor>;
}

/** Scalar kinds, as small numbers so the read and write switches stay cheap. */
const enum Kind {
  Int32,
  Int64,
  Uint64,
  Float,
  Double,
  String,
  Bytes,
  Message,
}

const SCALAR_KINDS: Record<string, Kind> = {
  int32: Kind.Int32,
  int64: Kind.Int64,
  uint64: Kind.Uint64,
  float: Kind.Float,
  double: Kind.Double,
  string: Kind.String,
  bytes: Kind.Bytes,
};

/** Wire type of one value of each kind (varint 0, 64-bit 1, length-delimited 2, 32-bit 5). */
const WIRE_TYPE: Record<Kind, number> = {
  [Kind.Int32]: 0,
  [Kind.Int64]: 0,
  [Kind.Uint64]: 0,
  [Kind.Float]: 5,
  [Kind.Double]: 1,
  [Kind.String]: 2,
  [Kind.Bytes]: 2,
  [Kind.Message]: 2,
};

interface CompiledField {
  name: string;
  id: number;
  kind: Kind;
  repeated: boolean;
  /** Written packed (repeated scalars with `packed: true`). */
  packed: boolean;
  /** The message codec of a message-typed field. */
  message: MessageCodec | undefined;
}

type DecodedMessage = Record<string, unknown>;

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

export class MessageCodec {
  /** Fields in declaration order (the order they are written). */
  readonly fields: CompiledField[] = [];
  private readonly byId = new Map<number, CompiledField>();
  private readonly repeatedNames: string[] = [];
  /** The prototype of decoded messages: every field's default value. */
  private readonly defaults: DecodedMessage = {};

  constructor(readonly name: string) {}

  /** Fills in the fields once every message of the schema exists (fields may refer to any). */
  link(descriptor: MessageDescriptor, codecs: ReadonlyMap<string, MessageCodec>): void {
    for (const [name, field] of Object.entries(descriptor.fields)) {
      const message = codecs.get(field.type);
      const kind = message !== undefined ? Kind.Message : SCALAR_KINDS[field.type];
      if (kind === undefined) throw new Error(`${this.name}.${name}: unknown type ${field.type}`);
      const repeated = field.rule === "repeated";
      const compiled: CompiledField = {
        name,
        id: field.id,
        kind,
        repeated,
        packed: repeated && kind !== Kind.Message && kind !== Kind.String && kind !== Kind.Bytes && field.options?.packed === true,
        message,
      };
      this.fields.push(compiled);
      this.byId.set(field.id, compiled);
      if (repeated) this.repeatedNames.push(name);
      else this.defaults[name] = defaultOf(kind);
    }
    // Not frozen: assigning a field on a decoded message would throw in strict mode when
    // its prototype's property is read-only.
  }

  /** Decodes one message from `reader`, up to byte `end`. */
  decodeFrom(reader: protobuf.Reader, end: number): DecodedMessage {
    const message = Object.create(this.defaults) as DecodedMessage;
    for (const name of this.repeatedNames) message[name] = [];
    while (reader.pos < end) {
      const tag = reader.uint32();
      const field = this.byId.get(tag >>> 3);
      if (field === undefined) {
        reader.skipType(tag & 7);
        continue;
      }
      if (!field.repeated) {
        message[field.name] = readValue(reader, field);
        continue;
      }
      const list = message[field.name] as unknown[];
      if ((tag & 7) === 2 && WIRE_TYPE[field.kind] !== 2) {
        // A packed run of scalars: one length, then the values back to back.
        const stop = reader.uint32() + reader.pos;
        while (reader.pos < stop) list.push(readValue(reader, field));
      } else {
        list.push(readValue(reader, field));
      }
    }
    return message;
  }

  /** Decodes a whole buffer as one message. */
  decode(bytes: Uint8Array): DecodedMessage {
    const reader = protobuf.Reader.create(bytes);
    return this.decodeFrom(reader, reader.len);
  }

  /** Writes `message` (a plain object or a decoded message) into `writer`. */
  encodeInto(message: DecodedMessage, writer: protobuf.Writer): protobuf.Writer {
    for (const field of this.fields) {
      const value = message[field.name];
      if (value === null || value === undefined) continue;
      if (field.repeated) {
        const list = value as unknown[];
        if (list.length === 0) continue;
        if (field.packed) {
          writer.uint32(((field.id << 3) | 2) >>> 0).fork();
          for (const item of list) writeValue(writer, field, item);
          writer.ldelim();
        } else {
          const tag = ((field.id << 3) | WIRE_TYPE[field.kind]) >>> 0;
          for (const item of list) writeValue(writer.uint32(tag), field, item);
        }
      } else if (hasOwn(message, field.name)) {
        writeValue(writer.uint32(((field.id << 3) | WIRE_TYPE[field.kind]) >>> 0), field, value);
      }
    }
    return writer;
  }

  /** Encodes `message`; `.finish()` gives the bytes (as protobufjs's `Type.encode`). */
  encode(message: object): protobuf.Writer {
    return this.encodeInto(message as DecodedMessage, protobuf.Writer.create());
  }
}

function defaultOf(kind: Kind): unknown {
  switch (kind) {
    case Kind.String:
      return "";
    case Kind.Bytes:
      return new Uint8Array(0);
    case Kind.Message:
      return null;
    default:
      return 0;
  }
}

function readValue(reader: protobuf.Reader, field: CompiledField): unknown {
  switch (field.kind) {
    case Kind.Int32:
      return reader.int32();
    case Kind.Int64:
      return reader.int64();
    case Kind.Uint64:
      return reader.uint64();
    case Kind.Float:
      return reader.float();
    case Kind.Double:
      return reader.double();
    case Kind.String:
      return reader.string();
    case Kind.Bytes:
      return reader.bytes();
    case Kind.Message: {
      const length = reader.uint32();
      return field.message!.decodeFrom(reader, reader.pos + length);
    }
  }
}

function writeValue(writer: protobuf.Writer, field: CompiledField, value: unknown): void {
  switch (field.kind) {
    case Kind.Int32:
      writer.int32(value as number);
      return;
    case Kind.Int64:
      writer.int64(value as number);
      return;
    case Kind.Uint64:
      writer.uint64(value as number);
      return;
    case Kind.Float:
      writer.float(value as number);
      return;
    case Kind.Double:
      writer.double(value as number);
      return;
    case Kind.String:
      writer.string(value as string);
      return;
    case Kind.Bytes:
      writer.bytes(value as Uint8Array);
      return;
    case Kind.Message:
      field.message!.encodeInto(value as DecodedMessage, writer.fork()).ldelim();
      return;
  }
}

/** Codecs for every message of `messages` (a descriptor's `nested` map), by name. */
export function compileMessages(messages: Record<string, MessageDescriptor>): Map<string, MessageCodec> {
  const codecs = new Map<string, MessageCodec>();
  for (const name of Object.keys(messages)) codecs.set(name, new MessageCodec(name));
  for (const [name, descriptor] of Object.entries(messages)) codecs.get(name)!.link(descriptor, codecs);
  return codecs;
}
