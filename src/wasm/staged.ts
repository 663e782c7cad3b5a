/**
 * The wasm kernels for tensors that live outside the backend's memory: the graph
 * executor's, whose buffers come from its own arena. Each call stages its operands — the
 * input copied into the backend's memory, the kernel run there, the output copied back —
 * which costs two memcpys (`TypedArray.set`, ≈ 10 GB/s) against a conv's K multiply-adds
 * per output. Weights are packed into the backend's memory once, when the op is prepared.
 *
 * Each `run` returns false when the kernels do not take the call (the caller runs JS).
 */
import { type Conv2dAttributes, conv2dGeometry, fullConvRange } from "../ops/conv2d.js";
import type { FusedActivation } from "../ops/fused-activation.js";
import type { Tensor } from "../tensor/tensor.js";
import type { WasmBackend } from "./backend.js";
import { MAX_OPERAND_BYTES, WasmConv2d, WasmLinear } from "./conv.js";

/**
 * One staged call: a plan of `input`'s copy, room for `out` and `scratchFloats` of scratch
 * in the backend's memory (all reserved before any view is made), `run(x, y)` there, then
 * y copied out. False (out untouched) when `run` does not take the call.
 */
function staged(backend: WasmBackend, input: Tensor, out: Tensor, scratchFloats: number, run: (x: Float32Array, y: Float32Array) => boolean): boolean {
  backend.beginPlan();
  backend.reserve(input.data.length + out.data.length + scratchFloats + 16);
  backend.allocateScratch(scratchFloats);
  const x = backend.view(backend.allocatePlan(input.data.length), input.data.length);
  const y = backend.view(backend.allocatePlan(out.data.length), out.data.length);
  x.set(input.data);
  if (!run(x, y)) return false;
  out.data.set(y);
  return true;
}

/** A Conv node with a constant weight (and bias), 2-D NCHW. */
export class StagedConv2d {
  private readonly conv: WasmConv2d;

  constructor(
    private readonly backend: WasmBackend,
    private readonly weightShape: readonly number[],
    weight: Float32Array,
    bias: Float32Array | null,
    private readonly attributes: Conv2dAttributes,
    activation: FusedActivation,
  ) {
    this.conv = new WasmConv2d(backend, weight, weightShape, bias, attributes.group ?? 1, activation);
  }

  run(out: Tensor, input: Tensor): boolean {
    if ((input.data.length + out.data.length) * 4 > MAX_OPERAND_BYTES) return false;
    const g = conv2dGeometry(input.shape, this.weightShape, this.attributes);
    return staged(this.backend, input, out, WasmConv2d.scratchFloats(g), (x, y) => this.conv.run(y, x, g, fullConvRange(g)));
  }
}

/** C = A·B (+ bias per column) with a constant 2-D B: MatMul, or Gemm with alpha = beta = 1. */
export class StagedLinear {
  private readonly linear: WasmLinear;

  /** `b` is B [K, N], or [N, K] when `transposed` (Gemm's transB); `bias` has N values or is null. */
  constructor(
    private readonly backend: WasmBackend,
    b: Float32Array,
    bias: Float32Array | null,
    private readonly K: number,
    private readonly N: number,
    transposed: boolean,
  ) {
    this.linear = new WasmLinear(backend, b, bias, K, N, { kind: "none" }, transposed);
  }

  /** out [rows, N] = a [rows, K] · B (+ bias). */
  run(out: Tensor, a: Tensor): boolean {
    const rows = a.data.length / this.K;
    if (!Number.isInteger(rows) || out.data.length !== rows * this.N || (a.data.length + out.data.length) * 4 > MAX_OPERAND_BYTES) return false;
    return staged(this.backend, a, out, this.linear.scratchFloats(rows), (x, y) => this.linear.apply(rows, x, 0, y, 0));
  }
}
