/**
 * The elementwise kernels (kernels/elementwise.ts) on views of a backend's memory: the
 * residual add, the SE block's plane means and channel scale. Each returns false when a
 * view is not in the backend's memory (the caller runs the JS twin).
 */
import type { WasmBackend } from "./backend.js";
import { elementwiseModule } from "./kernels/elementwise.js";

type Add = (a: number, b: number, out: number, count: number) => void;
type ScalePlanes = (x: number, scale: number, out: number, planeSize: number, channels: number) => void;
type PlaneMeans = (x: number, out: number, planeSize: number, channels: number) => void;

export class WasmElementwise {
  private readonly addKernel: Add;
  private readonly scaleKernel: ScalePlanes;
  private readonly meansKernel: PlaneMeans;

  constructor(private readonly backend: WasmBackend) {
    const exports = backend.kernel("elementwise", (memory) => elementwiseModule(memory));
    this.addKernel = exports.add as Add;
    this.scaleKernel = exports.scalePlanes as ScalePlanes;
    this.meansKernel = exports.planeMeans as PlaneMeans;
  }

  /** a[aOffset + i] += b[bOffset + i] for i < count. */
  addInPlace(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, count: number): boolean {
    if (!this.backend.holds(a) || !this.backend.holds(b)) return false;
    const at = a.byteOffset + aOffset * 4;
    this.addKernel(at, b.byteOffset + bOffset * 4, at, count);
    return true;
  }

  /** out[o + c·P + i] = x[x0 + c·P + i] · scale[s0 + c] for c < channels, i < P (out may be x, same offset). */
  scalePlanes(out: Float32Array, x: Float32Array, offset: number, planeSize: number, channels: number, scale: Float32Array, scaleOffset: number): boolean {
    if (!this.backend.holds(out) || !this.backend.holds(x) || !this.backend.holds(scale)) return false;
    this.scaleKernel(x.byteOffset + offset * 4, scale.byteOffset + scaleOffset * 4, out.byteOffset + offset * 4, planeSize, channels);
    return true;
  }

  /** out[o + c] = mean of plane c of x (from x0) for c < channels. */
  planeMeans(out: Float32Array, outOffset: number, x: Float32Array, xOffset: number, planeSize: number, channels: number): boolean {
    if (!this.backend.holds(out) || !this.backend.holds(x)) return false;
    this.meansKernel(x.byteOffset + xOffset * 4, out.byteOffset + outOffset * 4, planeSize, channels);
    return true;
  }
}
