/**
 * Arithmetic: `elementwise_*` (with Paddle's `axis` rule), `scale`, `matmul`,
 * `matmul_v2`, `mul`.
 *
 * Paddle's `axis` broadcasting: when Y has fewer dims than X, Y's dims line up with X's
 * starting at dim `axis` (−1, the default, means rank(X) − rank(Y): numpy's trailing
 * alignment). So X [N, C, H, W] + Y [C] with axis 1 adds one value per channel. ONNX
 * broadcasts from the trailing dims only, so Y gets rank(X) − axis − rank(Y) trailing
 * ones first (a constant is reshaped right away; a computed Y gets an Unsqueeze). When X
 * is the smaller one the rule applies to X.
 */
import { IntTensor, type Tensor } from "../../../tensor/tensor.js";
import type { OpView } from "../op-view.js";

/** `value` of rank `rank`, given `trailing` more unit dims at the end. */
function withTrailingOnes(o: OpView, value: string, rank: number, trailing: number): string {
  if (trailing <= 0) return value;
  const c = o.g.constantOf(value);
  if (c !== undefined) {
    const shape = [...c.shape, ...new Array<number>(trailing).fill(1)];
    return o.g.constant(`${value}@aligned`, c instanceof IntTensor ? new IntTensor(c.dtype, shape, c.data) : (c as Tensor).reshape(shape));
  }
  const axes = Array.from({ length: trailing }, (_, k) => rank + k);
  const out = o.g.temp("Unsqueeze", [value, o.g.int64s(`${value}@axes`, axes)], `${value}@aligned`);
  const d = o.dims(value);
  if (d !== undefined) o.g.setDims(out, [...d, ...new Array<number>(trailing).fill(1)]);
  return out;
}

/** X and Y lined up by Paddle's `axis` rule, ready for ONNX broadcasting. */
export function alignForAxis(o: OpView, x: string, y: string, axis: number): [string, string] {
  if (axis === -1) return [x, y];
  const rx = o.rank(x, "X");
  const ry = o.rank(y, "Y");
  if (rx === ry) return [x, y];
  if (ry < rx) {
    if (axis < 0 || axis + ry > rx) o.fail(`axis ${axis} does not fit Y of rank ${ry} into X of rank ${rx}`);
    return [x, withTrailingOnes(o, y, ry, rx - axis - ry)];
  }
  if (axis < 0 || axis + rx > ry) o.fail(`axis ${axis} does not fit X of rank ${rx} into Y of rank ${ry}`);
  return [withTrailingOnes(o, x, rx, ry - axis - rx), y];
}

/** elementwise_add/sub/mul/div/pow/max/min → the ONNX op, after the axis alignment. */
export function elementwise(onnxOp: string): (o: OpView) => void {
  return (o) => {
    const [x, y] = alignForAxis(o, o.input("X"), o.input("Y"), o.int("axis", -1));
    o.g.node(onnxOp, [x, y], [o.output("Out")]);
  };
}

/** scale: out = scale·x + bias (bias_after_scale, the default) or scale·(x + bias). */
export function scale(o: OpView): void {
  const g = o.g;
  const x = o.input("X");
  const out = o.output("Out");
  const factor = o.float("scale", 1);
  const bias = o.float("bias", 0);
  const by = o.optionalInput("ScaleTensor") ?? (factor !== 1 ? g.scalar(`${out}@scale`, factor) : undefined);
  const shift = bias !== 0 ? g.scalar(`${out}@bias`, bias) : undefined;
  const steps: [string, string | undefined][] = o.bool("bias_after_scale", true) ? [["Mul", by], ["Add", shift]] : [["Add", shift], ["Mul", by]];
  const todo = steps.filter((step): step is [string, string] => step[1] !== undefined);
  if (todo.length === 0) {
    g.node("Identity", [x], [out]);
    return;
  }
  let value = x;
  todo.forEach(([op, operand], k) => {
    if (k === todo.length - 1) g.node(op, [value, operand], [out]);
    else value = g.temp(op, [value, operand], `${out}@${op}`);
  });
}

/** `value` with its last two dims swapped (a Transpose; constants are folded at load). */
function transposeLastTwo(o: OpView, value: string, what: string): string {
  const rank = o.rank(value, what);
  if (rank < 2) return value;
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return o.g.temp("Transpose", [value], `${value}@T`, { perm });
}

function matmulWith(o: OpView, transX: boolean, transY: boolean, alpha: number): void {
  const x = transX ? transposeLastTwo(o, o.input("X"), "X") : o.input("X");
  const y = transY ? transposeLastTwo(o, o.input("Y"), "Y") : o.input("Y");
  const out = o.output("Out");
  if (alpha === 1) {
    o.g.node("MatMul", [x, y], [out]);
    return;
  }
  const product = o.g.temp("MatMul", [x, y], `${out}@product`);
  o.g.node("Mul", [product, o.g.scalar(`${out}@alpha`, alpha)], [out]);
}

/** matmul (Paddle 1.x): transpose_X, transpose_Y, alpha. */
export function matmul(o: OpView): void {
  matmulWith(o, o.bool("transpose_X", false), o.bool("transpose_Y", false), o.float("alpha", 1));
}

/** matmul_v2: trans_x, trans_y. */
export function matmulV2(o: OpView): void {
  matmulWith(o, o.bool("trans_x", false), o.bool("trans_y", false), 1);
}

/**
 * mul: X flattened to 2-D at x_num_col_dims, Y at y_num_col_dims, multiplied, and the
 * result shaped X.dims[:x_num_col_dims] + Y.dims[y_num_col_dims:].
 */
export function mul(o: OpView): void {
  const xn = o.int("x_num_col_dims", 1);
  const yn = o.int("y_num_col_dims", 1);
  const g = o.g;
  let x = o.input("X");
  let y = o.input("Y");
  const rx = o.rank(x, "X");
  const ry = o.rank(y, "Y");
  if (xn < 1 || xn >= rx || yn < 1 || yn >= ry) o.fail(`x_num_col_dims ${xn} / y_num_col_dims ${yn} do not fit X of rank ${rx} and Y of rank ${ry}`);
  const yDims = o.dims(y)!;
  const out = o.output("Out");
  if (rx !== 2) x = g.temp("Flatten", [x], `${x}@2d`, { axis: xn });
  if (ry !== 2) y = g.temp("Flatten", [y], `${y}@2d`, { axis: yn });
  if (xn === 1 && ry - yn === 1) {
    g.node("MatMul", [x, y], [out]);
    return;
  }
  if (yDims.slice(yn).some((d) => d < 0)) o.fail("Y's trailing dims must be declared in the program");
  const product = g.temp("MatMul", [x, y], `${out}@2d`);
  const xShape = g.temp("Shape", [o.input("X")], `${out}@xshape`);
  const head = g.temp("Slice", [xShape, g.int64s(`${out}@start`, [0]), g.int64s(`${out}@end`, [xn]), g.int64s(`${out}@axis`, [0])], `${out}@head`);
  const shape = g.temp("Concat", [head, g.int64s(`${out}@tail`, yDims.slice(yn))], `${out}@shape`, { axis: 0 });
  g.node("Reshape", [product, shape], [out]);
}

/** clip: min and max from the attributes or the optional Min / Max inputs. */
export function clip(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  const min = o.optionalInput("Min") ?? o.g.scalar(`${out}@min`, o.float("min"));
  const max = o.optionalInput("Max") ?? o.g.scalar(`${out}@max`, o.float("max"));
  o.g.node("Clip", [x, min, max], [out]);
}

/**
 * reduce_mean / reduce_sum / reduce_max / reduce_min: over `dim` (negative counts from the
 * end), all dims when `reduce_all` or `dim` is empty; `keep_dim` keeps them as size 1.
 */
export function reduce(onnxOp: "ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin"): (o: OpView) => void {
  return (o) => {
    const g = o.g;
    const x = o.input("X");
    const out = o.output("Out");
    const dims = o.ints("dim", []);
    const all = o.bool("reduce_all", false) || dims.length === 0;
    const keepdims = o.bool("keep_dim", false) ? 1 : 0;
    if (onnxOp === "ReduceSum") {
      // ReduceSum takes its axes as an input from opset 13.
      g.node(onnxOp, all ? [x] : [x, g.int64s(`${out}@axes`, dims)], [out], { keepdims });
      return;
    }
    g.node(onnxOp, [x], [out], all ? { keepdims } : { axes: dims, keepdims });
  };
}

/** pow: y = x ^ factor (the FactorTensor input, or the `factor` attribute). */
export function pow(o: OpView): void {
  const x = o.input("X");
  const out = o.output("Out");
  const exponent = o.optionalInput("FactorTensor") ?? o.g.scalar(`${out}@factor`, o.float("factor", 1));
  o.g.node("Pow", [x, exponent], [out]);
}
