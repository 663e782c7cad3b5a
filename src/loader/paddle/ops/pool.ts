/**
 * `pool2d` → ONNX MaxPool / AveragePool / GlobalMaxPool / GlobalAveragePool, with
 * Paddle's rules (its Pool2dFunctor and UpdatePadding):
 *   - `global_pooling`, or `adaptive` with ksize [1, 1]: one value per channel;
 *   - `adaptive` with another ksize [oh, ow]: output cell (i, j) pools rows
 *     floor(i·H/oh) … ceil((i+1)·H/oh) − 1 and likewise columns. When oh divides H and ow
 *     divides W that is a plain pool with kernel = stride = H/oh; otherwise each cell is a
 *     Slice + ReduceMean/ReduceMax (the input's height and width must be declared);
 *   - `exclusive` (default true): an average divides by the window's elements inside the
 *     input (ONNX count_include_pad 0); false divides by the window clipped to the padded
 *     input (count_include_pad 1; Paddle then uses the top/left paddings on both sides,
 *     so unequal paddings are refused there);
 *   - `ceil_mode`: output size rounds up, ceil((in + pads − k) / s) + 1, keeping a last
 *     window that starts in the end padding (ONNX's ceil_mode drops it; see below). Such a
 *     window holds no input: Paddle fills it with −FLT_MAX (max) or 0/0 = NaN (average),
 *     the kernels with −Infinity or 0. A non-exclusive average keeps ONNX's ceil_mode (its divisor rule
 *     needs the real padding), so there the dropped window is dropped;
 *   - `padding_algorithm` SAME / VALID as for convolutions (no dilation).
 */
import type { AttributeValue } from "../../model.js";
import type { OpView } from "../op-view.js";
import { knownHW, onnxPads, requireNchw, samePads } from "./conv.js";

/** Most output cells an adaptive pool may be decomposed into (each is a few nodes). */
const MAX_ADAPTIVE_CELLS = 1024;

/** pool2d → the ONNX pooling op that computes Paddle's result (see the rules above). */
export function pool2d(o: OpView): void {
  requireNchw(o, "data_format");
  const x = o.input("X");
  const type = o.string("pooling_type", "max");
  if (type !== "max" && type !== "avg") o.fail(`pooling_type '${type}' is not max or avg`);
  const max = type === "max";
  const ksize = o.ints("ksize", []);
  const adaptive = o.bool("adaptive", false);
  if (o.bool("global_pooling", false) || (adaptive && ksize.length === 2 && ksize[0] === 1 && ksize[1] === 1)) {
    o.g.node(max ? "GlobalMaxPool" : "GlobalAveragePool", [x], [o.output("Out")]);
    return;
  }
  if (ksize.length !== 2 || ksize.some((k) => k < 1)) o.fail(`ksize [${ksize.join(", ")}] should be two positive sizes`);
  if (adaptive) {
    adaptivePool(o, x, ksize as [number, number], max);
    return;
  }
  const strides = o.ints("strides", [1, 1]);
  if (strides.length !== 2 || strides.some((s) => s < 1)) o.fail(`strides [${strides.join(", ")}] should be two positive steps`);
  const exclusive = o.bool("exclusive", true);
  const attributes: Record<string, AttributeValue> = { kernel_shape: ksize, strides, ceil_mode: o.bool("ceil_mode", false) ? 1 : 0 };
  const algorithm = o.string("padding_algorithm", "EXPLICIT");
  let pads: number[] | undefined;
  if (algorithm === "VALID") pads = [0, 0, 0, 0];
  else if (algorithm === "SAME") {
    const hw = knownHW(o, x);
    if (hw !== undefined) {
      const [top, bottom] = samePads(hw[0], ksize[0]!, strides[0]!);
      const [left, right] = samePads(hw[1], ksize[1]!, strides[1]!);
      pads = [top, left, bottom, right];
    } else if (!max && !exclusive) {
      o.fail("non-exclusive average pooling with padding_algorithm SAME needs the input's height and width declared in the program");
    } else {
      attributes.auto_pad = "SAME_UPPER";
    }
  } else if (algorithm === "EXPLICIT") pads = onnxPads(o, o.ints("paddings", [0, 0]));
  else o.fail(`padding_algorithm '${algorithm}' is not one of EXPLICIT, SAME, VALID`);
  if (pads !== undefined) {
    if (!max && !exclusive && (pads[0] !== pads[2] || pads[1] !== pads[3])) {
      o.fail(`non-exclusive average pooling with unequal paddings [${pads.join(", ")}] is not supported (Paddle divides by windows padded with the top/left amounts on both sides)`);
    }
    if (attributes.ceil_mode === 1 && (max || exclusive)) {
      // Paddle's ceil mode keeps a last window that starts in the end padding (ONNX drops
      // it). Floor mode over stride − 1 more end padding gives Paddle's count,
      // ceil((in + pads − k) / s) + 1, and the same windows (padding never counts here).
      pads = [pads[0]!, pads[1]!, pads[2]! + strides[0]! - 1, pads[3]! + strides[1]! - 1];
      attributes.ceil_mode = 0;
    }
    attributes.pads = pads;
  }
  if (!max) attributes.count_include_pad = exclusive ? 0 : 1;
  o.g.node(max ? "MaxPool" : "AveragePool", [x], [o.output("Out")], attributes);
}

/** Adaptive pooling to [oh, ow] cells: start = floor(i·H/oh), end = ceil((i+1)·H/oh). */
function adaptivePool(o: OpView, x: string, [oh, ow]: [number, number], max: boolean): void {
  const hw = knownHW(o, x) ?? o.fail(`adaptive pooling to [${oh}, ${ow}] needs the input's height and width declared in the program`);
  const [h, w] = hw;
  const out = o.output("Out");
  if (h % oh === 0 && w % ow === 0) {
    const kernel = [h / oh, w / ow];
    const attributes: Record<string, AttributeValue> = { kernel_shape: kernel, strides: kernel, pads: [0, 0, 0, 0] };
    if (!max) attributes.count_include_pad = 0;
    o.g.node(max ? "MaxPool" : "AveragePool", [x], [out], attributes);
    return;
  }
  if (oh * ow > MAX_ADAPTIVE_CELLS) o.fail(`adaptive pooling to [${oh}, ${ow}] cells is too many to decompose (at most ${MAX_ADAPTIVE_CELLS})`);
  const g = o.g;
  const axes = g.int64s(`${out}@axes`, [2, 3]);
  const rows: string[] = [];
  for (let i = 0; i < oh; i++) {
    const cells: string[] = [];
    for (let j = 0; j < ow; j++) {
      const starts = g.int64s(`${out}@starts`, [Math.floor((i * h) / oh), Math.floor((j * w) / ow)]);
      const ends = g.int64s(`${out}@ends`, [Math.ceil(((i + 1) * h) / oh), Math.ceil(((j + 1) * w) / ow)]);
      const window = g.temp("Slice", [x, starts, ends, axes], `${out}@window`);
      cells.push(g.temp(max ? "ReduceMax" : "ReduceMean", [window], `${out}@cell`, { axes: [2, 3], keepdims: 1 }));
    }
    rows.push(cells.length === 1 ? cells[0]! : g.temp("Concat", cells, `${out}@row`, { axis: 3 }));
  }
  if (rows.length === 1) g.node("Identity", [rows[0]!], [out]);
  else g.node("Concat", rows, [out], { axis: 2 });
}
