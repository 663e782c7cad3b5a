/**
 * Per-layer timings of a GhostNet forward pass: `net.forward(x, { profile: timings })`
 * fills `timings` with one entry per executed step, in order. A run without `profile`
 * pays one `undefined` check per layer.
 */

/** What a timed step is, for summing time by kind. */
export type LayerKind = "stem" | "pointwise" | "depthwise" | "se" | "residual" | "pool" | "fc" | "softmax";

/** The wall time of one step of a profiled forward pass. */
export interface LayerTiming {
  /** PaddleClas layer name, e.g. "_ghostbottleneck_3_ghost_module_1_primary_conv". */
  name: string;
  kind: LayerKind;
  ms: number;
}

/** Records the wall time since the previous lap (or since it was made) under a layer name. */
export class Stopwatch {
  private last = performance.now();

  constructor(private readonly into: LayerTiming[]) {}

  lap(name: string, kind: LayerKind): void {
    const now = performance.now();
    this.into.push({ name, kind, ms: now - this.last });
    this.last = now;
  }
}
