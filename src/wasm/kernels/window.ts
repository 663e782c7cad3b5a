/**
 * A sliding window over one image's planes, as the depthwise and im2col kernels are
 * specialised for it: plane sizes, window, strides and pads (ONNX's: [top, left] before,
 * [bottom, right] after), dilation 1.
 */
import type { Conv2dGeometry } from "../../ops/conv2d.js";

export interface PlaneWindow {
  /** Input plane height and width. */
  H: number;
  W: number;
  /** Output plane height and width (as the geometry computed them). */
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

/** The window of a conv geometry. */
export function planeWindowOf(g: Conv2dGeometry): PlaneWindow {
  return {
    H: g.inH, W: g.inW, outH: g.outH, outW: g.outW, kH: g.kH, kW: g.kW, strideH: g.strideH, strideW: g.strideW,
    padTop: g.padTop, padLeft: g.padLeft, padBottom: g.padBottom, padRight: g.padRight,
  };
}

/** The window as part of a cache key: "56x56→28x28 k3x3 s2x2 p1,1,1,1". */
export function windowKey(s: PlaneWindow): string {
  return `${s.H}x${s.W}→${s.outH}x${s.outW} k${s.kH}x${s.kW} s${s.strideH}x${s.strideW} p${s.padTop},${s.padLeft},${s.padBottom},${s.padRight}`;
}
