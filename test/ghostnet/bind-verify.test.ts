/**
 * The typed binder refuses every file that does not compute exactly what the typed GhostNet
 * computes (bind.ts DataflowWalk), one edit per class of check, on both Paddle2ONNX
 * vintages: op type, attribute, input order, graph output, opset semantics, an extra node.
 * A refused file must make engine "ghostnet" throw a ModelValidationError naming the first
 * difference, and engine "auto" fall back to the graph executor. Edits that do not change
 * the result (commutative operands, another BatchNorm ε, the logits as output) must still
 * bind, and then both engines must agree (the graph executor follows the file literally).
 */
import { describe, expect, it } from "vitest";
import { ModelValidationError } from "../../src/errors.js";
import { imageLikeBatch, makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import { ModelProtoType } from "../../src/loader/onnx-schema.js";

interface PAttribute {
  name: string;
  type?: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}
interface PNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: (PAttribute & { t?: PTensor })[];
}
interface PTensor {
  name: string;
  dims: number[];
  dataType: number;
  floatData?: number[];
  rawData?: Uint8Array;
}
interface PModel {
  opsetImport: { domain: string; version: number }[];
  graph: { node: PNode[]; input: { type: { tensorType: { elemType: number } } }[]; output: { name: string }[]; initializer: PTensor[] };
}

/** A weight by name: an initializer (modern) or a Constant node's tensor (legacy). */
function tensorNamed(m: PModel, name: string): PTensor {
  const t = m.graph.initializer.find((i) => i.name === name) ?? m.graph.node.find((n) => n.opType === "Constant" && n.output[0] === name)?.attribute[0]?.t;
  if (t === undefined) throw new Error(`no tensor ${name}`);
  return t;
}

/** Writes `value` into element `index` of a float32 tensor (raw_data or float_data). */
function setFloat(t: PTensor, index: number, value: number): void {
  if (t.rawData !== undefined && t.rawData.length > 0) {
    const raw = new Uint8Array(t.rawData);
    new DataView(raw.buffer).setFloat32(index * 4, value, true);
    t.rawData = raw;
  } else t.floatData![index] = value;
}

type Style = "legacy" | "modern";
const fixtures = new Map<Style, Uint8Array>();

function edited(style: Style, edit: (m: PModel) => void): Uint8Array {
  let bytes = fixtures.get(style);
  if (bytes === undefined) {
    bytes = makeGhostNetFixture({ scale: 0.1, style, seed: 11, classCount: 10, calibrationBatch: 2, calibrationSize: 64, inputSize: "dynamic" });
    fixtures.set(style, bytes);
  }
  const model = ModelProtoType.decode(bytes) as unknown as PModel;
  edit(model);
  return new Uint8Array(ModelProtoType.encode(model as never).finish());
}

const nodes = (m: PModel, opType: string): PNode[] => m.graph.node.filter((n) => n.opType === opType);
const first = (m: PModel, opType: string): PNode => nodes(m, opType)[0]!;
const setAttribute = (node: PNode, attribute: PAttribute): void => {
  node.attribute = [...node.attribute.filter((a) => a.name !== attribute.name), attribute];
};
const INT = 2;
const FLOAT = 1;
const STRING = 3;
const INTS = 7;

/** The SE block's Clip and, from opset 11, the name of its `max` input. */
const firstClip = (m: PModel): PNode => first(m, "Clip");

interface Refusal {
  title: string;
  edit: (m: PModel, style: Style) => void;
  /** What the engine "ghostnet" error must mention. */
  message: RegExp;
}

const refusals: Record<string, Refusal[]> = {
  "op type": [
    { title: "the stem's Relu → Identity", edit: (m) => void (first(m, "Relu").opType = "Identity"), message: /conv1.*Relu/ },
    { title: "the first SE Mul → Add", edit: (m) => void (first(m, "Mul").opType = "Add"), message: /SE block.*Mul/ },
    {
      title: "the first SE block's inner Relu → Identity",
      // Relus in file order: conv1's, then ghost module 1's two, then the SE's (blocks without SE come first at x0.1 too).
      edit: (m) => {
        const mul = first(m, "Mul");
        const seRelu = m.graph.node.slice(0, m.graph.node.indexOf(mul)).filter((n) => n.opType === "Relu").pop()!;
        seRelu.opType = "Identity";
      },
      message: /SE block.*Relu/,
    },
  ],
  attribute: [
    { title: "Softmax on axis 0", edit: (m) => setAttribute(first(m, "Softmax"), { name: "axis", type: INT, i: 0 }), message: /Softmax.*axis 0/ },
    { title: "the first Concat on axis 0", edit: (m) => setAttribute(first(m, "Concat"), { name: "axis", type: INT, i: 0 }), message: /Concat.*axis 0/ },
    {
      title: "a Conv with auto_pad SAME_LOWER",
      edit: (m) => setAttribute(first(m, "Conv"), { name: "auto_pad", type: STRING, s: new TextEncoder().encode("SAME_LOWER") }),
      message: /auto_pad/,
    },
    {
      title: "a Conv with an attribute GhostNet's Conv does not have",
      edit: (m) => setAttribute(nodes(m, "Conv")[3]!, { name: "output_padding", type: INTS, ints: [1, 1] }),
      message: /output_padding/,
    },
    {
      title: "the SE Clip's max 6 instead of 1",
      edit: (m, style) => {
        const clip = firstClip(m);
        if (style === "legacy") setAttribute(clip, { name: "max", type: FLOAT, f: 6 });
        else {
          m.graph.initializer.push({ name: "six", dims: [], dataType: 1, floatData: [6] });
          clip.input[2] = "six";
        }
      },
      message: /Clip.*clip\(0, 1\)/,
    },
  ],
  "input order": [
    {
      title: "the first ghost module's Concat inputs swapped",
      edit: (m) => {
        const c = first(m, "Concat");
        c.input = [c.input[1]!, c.input[0]!];
      },
      message: /Concat/,
    },
    {
      title: "a cheap operation reading the block input instead of its primary conv",
      edit: (m) => {
        const convs = nodes(m, "Conv");
        convs[2]!.input[0] = convs[1]!.input[0]!; // conv1, ghost_module_1 primary, cheap
      },
      message: /cheap_operation.*does not read/,
    },
  ],
  output: [
    {
      title: "the graph output is conv_last's output",
      edit: (m) => {
        const pools = nodes(m, "GlobalAveragePool");
        m.graph.output[0]!.name = pools[pools.length - 1]!.input[0]!;
      },
      message: /graph output/,
    },
  ],
  opset: [
    {
      title: "opset 11 declared for a file written for opset 9 (legacy) / 13 (modern)",
      edit: (m) => void (m.opsetImport = [{ domain: "", version: 11 }]),
      message: /opset 11/,
    },
  ],
  "input type": [
    { title: "the graph input declared float64", edit: (m) => void (m.graph.input[0]!.type.tensorType.elemType = 11), message: /input x is .*float32/i },
  ],
  "parameter values": [
    {
      title: "a BatchNorm mean that is NaN (folding would spread it differently)",
      edit: (m) => setFloat(tensorNamed(m, "conv_last_bn_mean"), 0, Number.NaN),
      message: /NaN or infinite/,
    },
    {
      title: "an SE weight that is +∞",
      edit: (m) => setFloat(tensorNamed(m, "_ghostbottleneck_3_se_1_weights"), 1, Number.POSITIVE_INFINITY),
      message: /NaN or infinite/,
    },
  ],
  "extra node": [
    {
      title: "an extra Relu between the first Concat and its reader",
      edit: (m) => {
        const concat = first(m, "Concat");
        const out = concat.output[0]!;
        for (const n of m.graph.node) n.input = n.input.map((v) => (v === out ? "extra_relu_out" : v));
        m.graph.node.splice(m.graph.node.indexOf(concat) + 1, 0, { name: "extra", opType: "Relu", input: [out], output: ["extra_relu_out"], attribute: [] });
      },
      message: /does not read|expected/,
    },
  ],
};

describe("bind.ts refuses files that compute something else than GhostNet", () => {
  for (const style of ["legacy", "modern"] as const) {
    for (const [kind, cases] of Object.entries(refusals)) {
      for (const { title, edit, message } of cases) {
        it(`${style}, ${kind}: ${title}`, async () => {
          const bytes = edited(style, (m) => edit(m, style));
          const error = await loadModel(bytes, { engine: "ghostnet" }).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(ModelValidationError);
          expect((error as Error).message).toMatch(message);
          expect((error as Error).message).not.toMatch(/\n/);
          // "auto" never answers with the typed engine (it falls back, or validation refuses the file).
          const auto = await loadModel(bytes).catch(() => undefined);
          if (auto !== undefined) expect(auto.engine).toBe("graph");
        });
      }
    }
  }
});

/** Both engines' outputs on one image-like input; the typed one must be the engine chosen by "auto". */
async function expectBothEnginesAgree(bytes: Uint8Array): Promise<void> {
  const x = imageLikeBatch(1, 3, 32);
  const auto = await loadModel(bytes);
  expect(auto.engine).toBe("ghostnet");
  const graph = await loadModel(bytes, { engine: "graph" });
  const a = await auto.run({ x });
  const g = await graph.run({ x });
  expect(Object.keys(a)).toEqual(Object.keys(g));
  for (const [name, t] of Object.entries(g)) {
    let diff = 0;
    for (let i = 0; i < t.data.length; i++) diff = Math.max(diff, Math.abs(a[name]!.data[i]! - t.data[i]!));
    expect(diff, name).toBeLessThanOrEqual(1e-4 * Math.max(1, ...Array.from(t.data, Math.abs)));
  }
}

describe("bind.ts still binds edits that compute the same, and then agrees with the graph executor", () => {
  const sameResult: { title: string; edit: (m: PModel) => void }[] = [
    { title: "unedited", edit: () => {} },
    {
      title: "the residual Adds and SE Muls with their operands swapped (commutative)",
      edit: (m) => {
        for (const n of [...nodes(m, "Mul"), ...nodes(m, "Add").slice(-3)]) n.input = [n.input[1]!, n.input[0]!];
      },
    },
    {
      title: "the first BatchNorm's epsilon 1e-3 (folded with the file's ε)",
      edit: (m) => setAttribute(first(m, "BatchNormalization"), { name: "epsilon", type: FLOAT, f: 1e-3 }),
    },
    {
      title: "the graph output is the logits (the typed engine returns logits)",
      edit: (m) => void (m.graph.output[0]!.name = first(m, "Softmax").input[0]!),
    },
    { title: "the first Concat on axis −3 (= 1 on NCHW)", edit: (m) => setAttribute(first(m, "Concat"), { name: "axis", type: INT, i: -3 }) },
  ];
  for (const style of ["legacy", "modern"] as const) {
    for (const { title, edit } of sameResult) {
      it(`${style}: ${title}`, async () => {
        await expectBothEnginesAgree(edited(style, edit));
      });
    }
  }
});
