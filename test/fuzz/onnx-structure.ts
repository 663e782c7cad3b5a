/**
 * Structure-level ONNX mutations: the model is decoded with our own protobuf schema, one
 * field of the graph is changed the way a corrupted or hostile file would change it, and
 * the message is encoded again. Each mutant is still valid protobuf, so it reaches the
 * loader's validation, the engines' binding and the executor's planning instead of
 * stopping at the protobuf reader.
 *
 *   op types scrambled, attributes retyped / emptied / made huge or NaN, inputs made
 *   dangling, edges rewired into self-loops and cycles, outputs produced twice, nodes
 *   dropped or duplicated, tensor dims made negative / zero / enormous, data types and
 *   payloads changed, graph input shapes and element types changed, opsets changed
 */
import { ModelProtoType } from "../../src/loader/onnx-schema.js";
import { type Mutant, Rng } from "./mutate.js";

// The decoded message as protobufjs builds it (int64 fields are Long objects or numbers).
interface PTensor {
  dims?: unknown[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int64Data?: unknown[];
  name?: string;
}
interface PAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: unknown;
  s?: Uint8Array;
  t?: PTensor;
  floats?: number[];
  ints?: unknown[];
  strings?: Uint8Array[];
}
interface PNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: PAttribute[];
}
interface PValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: unknown; dimParam?: string }[] } } };
}
interface PModel {
  opsetImport?: { domain?: string; version?: unknown }[];
  graph?: { node?: PNode[]; initializer?: PTensor[]; input?: PValueInfo[]; output?: PValueInfo[] };
}

const OP_TYPES = [
  "Conv", "BatchNormalization", "Relu", "Clip", "HardSwish", "HardSigmoid", "Add", "Mul", "Div", "Concat",
  "GlobalAveragePool", "MaxPool", "AveragePool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "MatMul", "Gemm",
  "Softmax", "Shape", "Gather", "Slice", "Transpose", "Resize", "Pad", "Split", "Expand", "Cast", "Constant",
  "ConvTranspose", "ReduceMean", "Identity", "Where", "Range", "ConstantOfShape", "Tile", "LSTM", "NoSuchOp", "",
];
const ATTRIBUTE_NAMES = ["axis", "axes", "group", "kernel_shape", "strides", "pads", "dilations", "perm", "epsilon", "min", "max", "to", "value", "mode", "transB"];
const ODD_INTS = [0, 1, -1, 2, 3, 7, -7, 100, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, 2 ** 53];
const ODD_FLOATS = [0, -1, 1e-30, 1e30, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
const ODD_INT64: readonly bigint[] = [0n, -1n, -2n, 2n ** 31n, 2n ** 40n, 2n ** 62n, -(2n ** 63n), 1_000_000n];
const ODD_DIMS = [-1, -2, 0, 1, 3, 65_536, 2 ** 31, 2 ** 40, -(2 ** 40), 2 ** 62];

type StructureMutation = (model: PModel, rng: Rng) => string | undefined;

const nodesOf = (m: PModel): PNode[] => m.graph?.node ?? [];

/** Every tensor the file holds: initializers and Constant/attribute tensors. */
function tensorsOf(m: PModel): PTensor[] {
  const out = [...(m.graph?.initializer ?? [])];
  for (const n of nodesOf(m)) for (const a of n.attribute ?? []) if (a.t) out.push(a.t);
  return out;
}

function pickNode(m: PModel, rng: Rng, where: (n: PNode) => boolean = () => true): PNode | undefined {
  const candidates = nodesOf(m).filter(where);
  return candidates.length > 0 ? rng.pick(candidates) : undefined;
}

const mutations: Record<string, StructureMutation> = {
  opType(m, rng) {
    const n = pickNode(m, rng, (x) => x.opType !== "Constant");
    if (!n) return undefined;
    const before = n.opType;
    n.opType = rng.chance(0.1) ? (n.opType ?? "").toLowerCase() : rng.pick(OP_TYPES);
    return `node '${n.name}' op ${before} → ${n.opType}`;
  },
  domain(m, rng) {
    const n = pickNode(m, rng);
    if (!n) return undefined;
    n.domain = rng.pick(["com.microsoft", "ai.onnx.ml", "x"]);
    return `node '${n.name}' domain → ${n.domain}`;
  },
  attribute(m, rng) {
    const n = pickNode(m, rng, (x) => (x.attribute ?? []).length > 0 && x.opType !== "Constant");
    if (!n) return undefined;
    const attrs = n.attribute!;
    const a = rng.pick(attrs);
    const change = rng.int(6);
    if (change === 0) {
      n.attribute = attrs.filter((x) => x !== a);
      return `node '${n.name}' attribute '${a.name}' removed`;
    }
    if (change === 1) {
      a.type = rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 99]);
      return `node '${n.name}' attribute '${a.name}' type → ${a.type}`;
    }
    if (change === 2) {
      a.ints = rng.chance(0.3) ? [] : Array.from({ length: rng.int(6) }, () => rng.pick(ODD_INTS));
      a.i = rng.pick(ODD_INTS);
      return `node '${n.name}' attribute '${a.name}' ints → [${a.ints.join(",")}], i → ${a.i}`;
    }
    if (change === 3) {
      a.f = rng.pick(ODD_FLOATS);
      a.floats = Array.from({ length: rng.int(4) }, () => rng.pick(ODD_FLOATS));
      return `node '${n.name}' attribute '${a.name}' f → ${a.f}`;
    }
    if (change === 4) {
      a.s = new TextEncoder().encode(rng.pick(["", "nearest", "linear", "cubic", "SAME_UPPER", "constant", "\u0000\uffff"]));
      return `node '${n.name}' attribute '${a.name}' s → (string)`;
    }
    const name = rng.pick(ATTRIBUTE_NAMES);
    const type = rng.pick([1, 2, 3, 6, 7]);
    n.attribute = [...attrs, { name, type, i: rng.pick(ODD_INTS), f: rng.pick(ODD_FLOATS), ints: [rng.pick(ODD_INTS)], floats: [rng.pick(ODD_FLOATS)] }];
    return `node '${n.name}' attribute '${name}' (type ${type}) added`;
  },
  dangling(m, rng) {
    const n = pickNode(m, rng, (x) => (x.input ?? []).length > 0);
    if (!n) return undefined;
    const k = rng.int(n.input!.length);
    n.input = n.input!.map((v, i) => (i === k ? rng.pick(["no_such_value", "", "x ", "Ω"]) : v));
    return `node '${n.name}' input ${k} → dangling`;
  },
  selfLoop(m, rng) {
    const n = pickNode(m, rng, (x) => (x.input ?? []).length > 0 && (x.output ?? []).length > 0);
    if (!n) return undefined;
    n.input = n.input!.map((v, i) => (i === 0 ? n.output![0]! : v));
    return `node '${n.name}' reads its own output`;
  },
  cycle(m, rng) {
    // An earlier node reads a later node's output: a cycle whenever the later one depends on it.
    const nodes = nodesOf(m).filter((x) => x.opType !== "Constant");
    if (nodes.length < 2) return undefined;
    const i = rng.int(nodes.length - 1);
    const j = i + 1 + rng.int(nodes.length - i - 1);
    const early = nodes[i]!;
    const late = nodes[j]!;
    if ((early.input ?? []).length === 0 || (late.output ?? []).length === 0) return undefined;
    const k = rng.int(early.input!.length);
    early.input = early.input!.map((v, idx) => (idx === k ? late.output![0]! : v));
    return `node '${early.name}' input ${k} ← output of later node '${late.name}'`;
  },
  rewire(m, rng) {
    // Any input re-pointed at any value the graph makes (shapes and ranks stop fitting).
    const values = nodesOf(m).flatMap((x) => x.output ?? []);
    const n = pickNode(m, rng, (x) => (x.input ?? []).length > 0);
    if (!n || values.length === 0) return undefined;
    const k = rng.int(n.input!.length);
    const v = rng.pick(values);
    n.input = n.input!.map((old, idx) => (idx === k ? v : old));
    return `node '${n.name}' input ${k} → '${v}'`;
  },
  duplicateOutput(m, rng) {
    const a = pickNode(m, rng, (x) => (x.output ?? []).length > 0);
    const b = pickNode(m, rng, (x) => x !== a && (x.output ?? []).length > 0);
    if (!a || !b) return undefined;
    b.output = [a.output![0]!, ...b.output!.slice(1)];
    return `node '${b.name}' also writes '${a.output![0]}'`;
  },
  arity(m, rng) {
    const n = pickNode(m, rng);
    if (!n) return undefined;
    const change = rng.int(4);
    if (change === 0) n.input = [];
    else if (change === 1) n.input = [...(n.input ?? []), ...(n.input ?? [])];
    else if (change === 2) n.output = [];
    else n.output = [...(n.output ?? []), "extra_output"];
    return `node '${n.name}' ${["inputs emptied", "inputs doubled", "outputs emptied", "output added"][change]}`;
  },
  dropNode(m, rng) {
    const g = m.graph;
    if (!g || !g.node || g.node.length === 0) return undefined;
    const k = rng.int(g.node.length);
    const name = g.node[k]!.name;
    g.node = g.node.filter((_, i) => i !== k);
    return `node '${name}' removed`;
  },
  duplicateNode(m, rng) {
    const g = m.graph;
    const n = pickNode(m, rng);
    if (!g || !n) return undefined;
    g.node = [...g.node!, { ...n, name: `${n.name}_copy` }];
    return `node '${n.name}' duplicated`;
  },
  tensorDims(m, rng) {
    const tensors = tensorsOf(m);
    if (tensors.length === 0) return undefined;
    const t = rng.pick(tensors);
    const dims = (t.dims ?? []).slice();
    const change = rng.int(3);
    if (change === 0 && dims.length > 0) dims[rng.int(dims.length)] = rng.pick(ODD_DIMS);
    else if (change === 1) dims.push(rng.pick(ODD_DIMS));
    else dims.pop();
    t.dims = dims;
    return `tensor '${t.name}' dims → [${dims.map(String).join(",")}]`;
  },
  tensorType(m, rng) {
    const tensors = tensorsOf(m);
    if (tensors.length === 0) return undefined;
    const t = rng.pick(tensors);
    t.dataType = rng.pick([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 16, 17, 99]);
    return `tensor '${t.name}' data type → ${t.dataType}`;
  },
  tensorPayload(m, rng) {
    const tensors = tensorsOf(m).filter((t) => t.rawData !== undefined && t.rawData.length > 0);
    if (tensors.length === 0) return undefined;
    const t = rng.pick(tensors);
    const change = rng.int(4);
    if (change === 0) t.rawData = t.rawData!.slice(0, rng.int(t.rawData!.length));
    else if (change === 3 || (change === 1 && t.dataType === 7)) {
      // int64 values (shapes, axes, pads, repeats, slice bounds) made huge, negative or zero.
      const copy = new Uint8Array(t.rawData!);
      const view = new DataView(copy.buffer);
      for (let k = 0; k + 8 <= copy.length; k += 8) if (rng.chance(0.5)) view.setBigInt64(k, rng.pick(ODD_INT64), true);
      t.rawData = copy;
      return `tensor '${t.name}' payload changed (int64 values made odd)`;
    } else if (change === 1) {
      // Non-finite and denormal weights: the engines must carry them, not crash.
      const copy = new Uint8Array(t.rawData!); // a copy (Buffer.slice would be a view)
      const view = new DataView(copy.buffer);
      for (let k = 0; k + 4 <= copy.length; k += 4) if (rng.chance(0.3)) view.setFloat32(k, rng.pick(ODD_FLOATS), true);
      t.rawData = copy;
    } else {
      t.rawData = undefined;
      t.floatData = Array.from({ length: rng.int(5) }, () => rng.next());
    }
    return `tensor '${t.name}' payload changed (${["truncated", "odd floats", "moved to float_data"][change]})`;
  },
  graphInput(m, rng) {
    const inputs = m.graph?.input ?? [];
    if (inputs.length === 0) return undefined;
    const v = rng.pick(inputs);
    const tt = v.type?.tensorType;
    if (!tt) return undefined;
    const change = rng.int(4);
    if (change === 0) tt.elemType = rng.pick([0, 2, 6, 7, 9, 10, 11, 99]);
    else if (change === 1 && tt.shape?.dim && tt.shape.dim.length > 0) {
      const dims = tt.shape.dim.slice();
      dims[rng.int(dims.length)] = rng.chance(0.5) ? { dimValue: rng.pick(ODD_DIMS) } : { dimParam: rng.pick(["", "N", "?"]) };
      tt.shape = { dim: dims };
    } else if (change === 2) tt.shape = { dim: [] };
    else v.name = rng.pick(["", "renamed", "softmax_0.tmp_0"]);
    return `graph input '${v.name}' ${["element type", "dim", "rank 0", "renamed"][change]} changed`;
  },
  graphOutput(m, rng) {
    const g = m.graph;
    if (!g || !g.output || g.output.length === 0) return undefined;
    const change = rng.int(3);
    if (change === 0) g.output = [];
    else if (change === 1) g.output = [{ ...g.output[0]!, name: rng.pick(["missing", "x", "", "conv1.tmp"]) }];
    else g.output = [...g.output, ...g.output];
    return `graph outputs ${["removed", "renamed", "doubled"][change]}`;
  },
  opset(m, rng) {
    const version = rng.pick([0, 1, 6, 7, 11, 13, 18, 22, 1000, -1]);
    m.opsetImport = [{ domain: rng.chance(0.8) ? "" : "com.example", version }];
    return `opset → ${version}`;
  },
};

const MUTATION_NAMES = Object.keys(mutations);

/**
 * One structural mutant of `bytes` (which must decode), chosen by `rng`; one to three
 * mutations applied. Undefined when the chosen mutation found nothing to change.
 */
export function mutateStructure(bytes: Uint8Array, rng: Rng): Mutant | undefined {
  const model = ModelProtoType.decode(bytes) as unknown as PModel;
  const steps: string[] = [];
  const count = 1 + (rng.chance(0.25) ? rng.int(3) : 0);
  for (let k = 0; k < count; k++) {
    const name = rng.pick(MUTATION_NAMES);
    const what = mutations[name]!(model, rng);
    if (what !== undefined) steps.push(what);
  }
  if (steps.length === 0) return undefined;
  let out: Uint8Array;
  try {
    out = ModelProtoType.encode(model as never).finish();
  } catch {
    return undefined; // a value protobufjs itself cannot write: not a file anyone can hand us
  }
  return { bytes: out, what: steps.join("; ") };
}
