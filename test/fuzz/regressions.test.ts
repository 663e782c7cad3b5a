/**
 * Crashes the fuzzers found, one test each, so they stay fixed. Inputs that are small are
 * checked in under test/fixtures/fuzz-regressions; those derived from a GhostNet fixture
 * (hundreds of kilobytes) are rebuilt here from the fixture and the recorded mutation.
 *
 * Bugs in files this suite's owner does not own are kept as `it.fails` with the file and
 * line named, until their owner fixes them (then the test must become a plain `it`).
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { GhostnetError, ModelValidationError } from "../../src/errors.js";
import { imageLikeBatch, makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { decodeImage } from "../../src/image/decode.js";
import { setPngDecoder } from "../../src/image/png.js";
import { pngjsDecoder } from "../../src/image/png-node.js";
import { preprocess } from "../../src/image/preprocess.js";
import { loadModel } from "../../src/load-model.js";
import { ModelProtoType } from "../../src/loader/onnx-schema.js";
import { encodeModel } from "../../src/loader/writer.js";

beforeAll(() => setPngDecoder(pngjsDecoder));

// The decoded protobuf, as far as these edits need it.
interface PNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: { name: string; type?: number; i?: number; f?: number }[];
}
interface PModel {
  opsetImport: { domain: string; version: number }[];
  graph: { node: PNode[]; output: { name: string }[] };
}

const fixtures = new Map<string, Uint8Array>();

/** The x0.1 fixture of the ONNX fuzz suite (10 classes, dynamic size), edited by `edit`. */
function editedFixture(style: "legacy" | "modern", edit: (model: PModel) => void): Uint8Array {
  let bytes = fixtures.get(style);
  if (bytes === undefined) {
    bytes = makeGhostNetFixture({ scale: 0.1, style, seed: 7, classCount: 10, calibrationBatch: 2, calibrationSize: 64, inputSize: "dynamic" });
    fixtures.set(style, bytes);
  }
  const model = ModelProtoType.decode(bytes) as unknown as PModel;
  edit(model);
  return new Uint8Array(ModelProtoType.encode(model as never).finish());
}

/** The legacy fixture with one Constant's output renamed, so a weight goes missing. */
function ghostNetWithMissingWeight(weight: string): Uint8Array {
  return editedFixture("legacy", (model) => {
    const constant = model.graph.node.find((n) => n.opType === "Constant" && n.output[0] === weight);
    if (constant === undefined) throw new Error(`the fixture has no Constant '${weight}'`);
    constant.output = ["renamed_weight"];
  });
}

const firstNode = (model: PModel, opType: string): PNode => {
  const node = model.graph.node.find((n) => n.opType === opType);
  if (node === undefined) throw new Error(`no ${opType} node`);
  return node;
};

describe("fuzz regressions", () => {
  // Found by `GHOSTNET_FUZZ_SCALE=6 GHOSTNET_FUZZ_SEED=4242` (case #373 of ghostnet-0.1-legacy):
  // engine "ghostnet" skips graph validation, and the binder dereferences the missing weight.
  // (Was a TypeError from bind.ts observedWeightShape dereferencing the missing constant.)
  it("a GhostNet whose SE weight is missing, loaded with engine 'ghostnet', throws a GhostnetError", async () => {
    const bytes = ghostNetWithMissingWeight("_ghostbottleneck_10_se_2_weights");
    const error = await loadModel(bytes, { engine: "ghostnet" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GhostnetError);
  });

  it("the same file with engine 'auto' is refused by validation, naming the dangling weight", async () => {
    const bytes = ghostNetWithMissingWeight("_ghostbottleneck_10_se_2_weights");
    const error = await loadModel(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as Error).message).toMatch(/_ghostbottleneck_10_se_2_weights/);
  });

  // Found by the image fuzzer's reasoning about preprocess (see test/robustness/limits.test.ts
  // for the byte-exactness of the fix): resize-then-crop allocated the full resized image.
  it("a 65535×1 PNG of 302 bytes preprocesses in bounded memory", () => {
    const image = decodeImage(new Uint8Array(readFileSync("test/fixtures/fuzz-regressions/thin-65535x1.png")));
    const before = process.memoryUsage().arrayBuffers;
    expect(preprocess(image).shape).toEqual([1, 3, 224, 224]);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  // ── Silent wrong answers: engine "auto" binds the typed GhostNet to a file that is not one ──
  //
  // Found by differential fuzzing (typed engine vs the graph executor, which follows the file
  // literally): the binder used to check names, weight shapes and some wiring, but not every
  // node's op type, attributes, input order or the output name, so a file that computed
  // something else was answered with GhostNet's output. Fixed by bind.ts's DataflowWalk
  // (more cases per check class in test/ghostnet/bind-verify.test.ts). The graph executor is
  // right in each case (it does what onnxruntime does).
  const silentlyWrong: { title: string; style: "legacy" | "modern"; edit: (m: PModel) => void }[] = [
    { title: "the stem's Relu replaced by Identity", style: "modern", edit: (m) => void (firstNode(m, "Relu").opType = "Identity") },
    { title: "the first SE Mul replaced by Add", style: "modern", edit: (m) => void (firstNode(m, "Mul").opType = "Add") },
    {
      title: "the first ghost module's Concat inputs swapped (channel order)",
      style: "modern",
      edit: (m) => {
        const c = firstNode(m, "Concat");
        c.input = [c.input[1]!, c.input[0]!];
      },
    },
    {
      title: "Softmax over axis 0 instead of 1",
      style: "modern",
      edit: (m) => void (firstNode(m, "Softmax").attribute = [{ name: "axis", type: 2, i: 0 }]),
    },
    {
      title: "the graph output is the logits (Softmax's input), not the probabilities",
      style: "modern",
      edit: (m) => void (m.graph.output[0]!.name = firstNode(m, "Softmax").input[0]!),
    },
    {
      title: "a legacy (opset 9) file declared opset 11, where Clip's bounds are inputs and the attributes mean nothing",
      style: "legacy",
      edit: (m) => void (m.opsetImport = [{ domain: "", version: 11 }]),
    },
  ];
  for (const { title, style, edit } of silentlyWrong) {
    it(`engine 'auto' answers as the file says when ${title}`, async () => {
      const bytes = editedFixture(style, edit);
      const x = imageLikeBatch(1, 3, 32);
      const graph = await loadModel(bytes, { engine: "graph" });
      const expected = await graph.run({ x });
      const auto = await loadModel(bytes);
      const actual = await auto.run({ x });
      expect(Object.keys(actual)).toEqual(Object.keys(expected));
      for (const [name, t] of Object.entries(expected)) {
        const a = actual[name]!.data;
        let diff = 0;
        for (let i = 0; i < t.data.length; i++) diff = Math.max(diff, Math.abs(a[i]! - t.data[i]!));
        expect(diff, `${name}: engine ${auto.engine}`).toBeLessThanOrEqual(1e-4 * Math.max(1, ...Array.from(t.data, Math.abs)));
      }
    });
  }

  it("control: unedited, engine 'auto' (typed) and the graph executor agree", async () => {
    const bytes = editedFixture("modern", () => {});
    const x = imageLikeBatch(1, 3, 32);
    const auto = await loadModel(bytes);
    expect(auto.engine).toBe("ghostnet");
    const a = Object.values(await auto.run({ x }))[0]!.data;
    const g = Object.values(await (await loadModel(bytes, { engine: "graph" })).run({ x }))[0]!.data;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - g[i]!));
    expect(diff).toBeLessThanOrEqual(1e-5);
  });

  // A 998-byte model (12 Expands of a [1, 1] input to [8192, 8192], each plus a constant,
  // then one Sum) passes every per-tensor limit (2^26 < 2^28 elements) but keeps 12 × 256 MB
  // alive at once: on a machine with less memory the run dies with RangeError "Array buffer
  // allocation failed" instead of a typed error. Needs a per-run memory budget checked when
  // the plan is built (the plan knows every shape and the arena's peak), e.g. an option
  // `maxRunBytes`, and allocation failures turned into LimitError. Owner: src/graph (H3).
  it("a small model whose run needs 3 GB at once is refused before allocating", async () => {
    const k = 12;
    const nodes = [
      ...Array.from({ length: k }, (_, i) => ({ opType: "Expand", inputs: ["x", "shape"], outputs: [`e${i}`] })),
      ...Array.from({ length: k }, (_, i) => ({ opType: "Add", inputs: [`e${i}`, `c${i}`], outputs: [`a${i}`] })),
      { opType: "Sum", inputs: Array.from({ length: k }, (_, i) => `a${i}`), outputs: ["y"] },
    ];
    const bytes = encodeModel({
      opset: 13,
      nodes,
      initializers: [
        { name: "shape", dtype: "int64", dims: [2], data: [8192, 8192] },
        ...Array.from({ length: k }, (_, i) => ({ name: `c${i}`, dtype: "float32" as const, dims: [1], data: [i] })),
      ],
      inputs: [{ name: "x", shape: [1, 1] }],
      outputs: [{ name: "y" }],
    });
    const model = await loadModel(bytes);
    const error = await model.run({ x: { shape: [1, 1], data: new Float32Array([1]) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GhostnetError);
    expect((error as Error).message).toMatch(/maxRunBytes/);
  });

  // Found by the ONNX fuzzer (a byte mutation turned an op type into "\n\u0007epsilon…"):
  // names and op types from the file are put into error messages as they are, so a hostile
  // file can break the one-line promise and write control characters (newlines, ANSI escape
  // sequences) into a server's logs or a terminal. Names should be quoted with control
  // characters escaped (and very long ones shortened). Owner: src/loader (validate.ts,
  // decode.ts) and every message that quotes a file's string (H3).
  it(
    "error messages quote a file's names with control characters escaped",
    async () => {
      const bytes = encodeModel({
        opset: 13,
        nodes: [{ opType: "Relu\n\u001b[31mFAKE LOG LINE", name: "evil\u0007", inputs: ["x"], outputs: ["y"] }],
        inputs: [{ name: "x", shape: [1] }],
        outputs: [{ name: "y" }],
      });
      const error = (await loadModel(bytes).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(GhostnetError);
      // eslint-disable-next-line no-control-regex
      expect(error.message).not.toMatch(/[\u0000-\u001f\u007f]/);
    },
  );

  // Found by comparing the two PNG decoders on mutants (when both decode, their pixels are
  // identical on 1,060 mutants): the built-in decoder accepts an IHDR whose compression or
  // filter method is not 0, which the PNG spec (and pngjs, libpng, OpenCV) refuse.
  it(
    "the built-in PNG decoder refuses an IHDR filter method other than 0",
    () => {
      const bytes = new Uint8Array(readFileSync("test/fixtures/images/palette8.png"));
      bytes[8 + 8 + 11] = 1; // IHDR data starts at 16; byte 11 is the filter method
      const crc = crc32(bytes.subarray(12, 16 + 13));
      new DataView(bytes.buffer).setUint32(16 + 13, crc);
      setPngDecoder(undefined);
      try {
        expect(() => decodeImage(bytes)).toThrow(GhostnetError);
      } finally {
        setPngDecoder(pngjsDecoder);
      }
    },
  );
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
