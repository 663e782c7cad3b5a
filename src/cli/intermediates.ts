/**
 * Every intermediate tensor of one run, in execution order: what `ghostnet trace` writes
 * and `ghostnet compare` checks against a reference (Paddle's, dumped by
 * scripts/paddle_dump_intermediates.py, or another engine's).
 *
 *   typed GhostNet   PaddleClas layer names (conv1, _ghostbottleneck_3_ghost_module_1,
 *                    _ghostbottleneck_3_se, _ghostbottleneck_3, conv_last, pool2d_gap,
 *                    fc_0, fc_1, softmax, …), from GhostNet.forward's observer
 *   graph executor   the graph's tensor names (for Paddle programs, Paddle's variable
 *                    names such as conv2d_0.tmp_0), every node output, rewrites off so
 *                    that each one exists
 *
 * File names: a tensor name becomes a file name by percent-encoding every byte of its
 * UTF-8 outside [A-Za-z0-9_.~-] as %XX (upper-case hex), a leading "." as %2E, then
 * ".npy"; a name whose encoding is over 200 characters keeps its first 180 and adds "~"
 * and the FNV-1a 32-bit hash of the name's UTF-8 (8 hex digits). The Python script uses
 * the same mapping. `conv2d_0.tmp_0` → `conv2d_0.tmp_0.npy`,
 * `save_infer_model/scale_0.tmp_1` → `save_infer_model%2Fscale_0.tmp_1.npy`.
 */
import { InputError } from "../errors.js";
import { tryGhostNetEngine } from "../ghostnet/engine.js";
import { GraphExecutor } from "../graph/executor.js";
import { OP_TABLE } from "../graph/op-table.js";
import type { OnnxModel } from "../loader/model.js";
import { type AnyTensor, Tensor } from "../tensor/tensor.js";
import type { EngineChoice } from "./args.js";

/** One intermediate: its name, the op that made it (graph executor), its value. */
export interface Intermediate {
  name: string;
  op?: string;
  tensor: AnyTensor;
}

/** Longest encoded name kept whole. */
const MAX_ENCODED = 200;

/** FNV-1a 32-bit over bytes, 8 hex digits. */
function fnv1a(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

/** The `.npy` file name a tensor name is written under (see the file comment). */
export function tensorFileName(name: string): string {
  const bytes = new TextEncoder().encode(name);
  let encoded = "";
  for (const b of bytes) {
    const safe = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x2e || b === 0x7e || b === 0x2d;
    encoded += safe ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (encoded.startsWith(".")) encoded = `%2E${encoded.slice(1)}`;
  if (encoded.length > MAX_ENCODED) encoded = `${encoded.slice(0, 180)}~${fnv1a(bytes)}`;
  return `${encoded}.npy`;
}

/** A model with every node output (float32 or integer) listed as a graph output, in node order. */
function withEveryOutput(model: OnnxModel): OnnxModel {
  const listed = new Set(model.graph.outputs.map((o) => o.name));
  const outputs = [...model.graph.outputs];
  for (const node of model.graph.nodes) {
    for (const name of node.outputs) {
      if (name !== "" && !listed.has(name)) {
        listed.add(name);
        outputs.push({ name, dtype: "float32" }); // (the executor reads only the names of outputs)
      }
    }
  }
  return { ...model, graph: { ...model.graph, outputs } };
}

/**
 * Runs `model` once on `input` and returns every intermediate in execution order, and
 * which engine gave them. "auto" uses the typed GhostNet when the model is one.
 */
export function traceIntermediates(model: OnnxModel, input: Tensor, engine: EngineChoice): { engine: "ghostnet" | "graph"; intermediates: Intermediate[] } {
  if (engine !== "graph") {
    const typed = tryGhostNetEngine(model);
    if (typed.engine !== null) {
      const net = typed.engine.ghostnet;
      const intermediates: Intermediate[] = [];
      net.forward(typed.engine.checkFeed([input]), {
        hooks: { observe: (name, output) => intermediates.push({ name, tensor: new Tensor(output.shape, output.data.slice()) }) },
      });
      typed.engine.dispose();
      return { engine: "ghostnet", intermediates };
    }
    if (engine === "ghostnet") throw new InputError(`the model is not a PaddleClas GhostNet (${typed.reason}); use --engine graph`);
  }
  // Rewrites off: a folded BatchNorm or fused activation would leave no tensor under its name.
  const executor = new GraphExecutor(withEveryOutput(model), OP_TABLE, { foldConstants: false, foldBatchNorm: false, fuseActivations: false });
  try {
    const outputs = executor.run([input]);
    const intermediates: Intermediate[] = [];
    for (const node of executor.nodes) {
      for (const name of node.outputs) {
        const tensor = outputs[name];
        if (tensor !== undefined) intermediates.push({ name, op: node.opType, tensor });
      }
    }
    return { engine: "graph", intermediates };
  } finally {
    executor.dispose();
  }
}

/** Largest |x| of a tensor's values. */
export function maxAbsValue(tensor: AnyTensor): number {
  let m = 0;
  for (const v of tensor.data) {
    const a = Math.abs(v);
    if (!(a <= m)) m = a;
  }
  return m;
}

/** How one intermediate compares with its reference. */
export interface LayerDifference {
  name: string;
  shape: readonly number[];
  /** max |ours − reference| (NaN when a NaN appears on one side only). */
  maxAbs: number;
  /** maxAbs / max |reference| (maxAbs itself when the reference is all zeros). */
  relative: number;
  /** "ok", "diverges" (over the tolerance, or shapes differ), "missing" (no reference file). */
  status: "ok" | "diverges" | "missing";
  /** Why it diverges, for shapes. */
  note?: string;
}

/**
 * Compares one tensor with its reference: it diverges when the shapes differ or
 * max|a − b| > tolerance · max(1, max|reference|) (DESIGN.md §6's rule).
 */
export function compareTensors(name: string, ours: AnyTensor, reference: AnyTensor, tolerance: number): LayerDifference {
  const shape = ours.shape;
  const sameShape = ours.shape.length === reference.shape.length && ours.shape.every((d, i) => d === reference.shape[i]);
  if (!sameShape) {
    return { name, shape, maxAbs: NaN, relative: NaN, status: "diverges", note: `shape [${ours.shape.join(", ")}] vs reference [${reference.shape.join(", ")}]` };
  }
  let maxAbs = 0;
  const a = ours.data;
  const b = reference.data;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue; // equal infinities too
    const d = Math.abs(x - y);
    if (!(d <= maxAbs)) maxAbs = d; // NaN sticks
  }
  const scale = maxAbsValue(reference);
  const relative = scale > 0 ? maxAbs / scale : maxAbs;
  const ok = maxAbs <= tolerance * Math.max(1, scale);
  return { name, shape, maxAbs, relative, status: ok ? "ok" : "diverges" };
}
