/**
 * Depthwise convolution (group = C = M): every channel is filtered by its own kH×kW kernel.
 *
 *   x [N, C, H, W], w [C, 1, kH, kW], b [C] → y [N, C, outH, outW]
 *   y[n, c, oh, ow] = act( b[c] + Σ_{kh, kw} w[c, 0, kh, kw] · x[n, c, oh·sH − padTop + kh·dH, ow·sW − padLeft + kw·dW] )
 *
 * (x is 0 outside the image; geometry as in conv2d.ts.)
 *
 * The fast kernels split each output row in three: left border columns, interior columns
 * whose whole window lies inside the image, right border columns. Output rows whose window
 * leaves the image top or bottom are border rows. The interior runs without bounds checks;
 * 3×3 (dilation 1, any stride) keeps its weights in locals and unrolls the window.
 * Borders take the bounds-checked loop. Both sum the window terms in the same order
 * (kh, kw ascending), so a pixel's value does not depend on which loop computed it, and
 * any split of channels × rows gives bitwise-identical results.
 *
 * 3×3 stride 1 slides its window along the row, loading three new inputs per output;
 * with padding 1 all round (GhostNet's cheap operation) the border pixels slide too, with
 * zeros for the columns and rows outside the image (`planeSame3x3`). For 5×5 a second
 * layout is faster: copy the rows a range needs into a zero-bordered scratch plane and run
 * the unrolled loop on every pixel (the zeros add exactly nothing). `preferPadded` picks
 * between the two.
 *
 * Bias and relu are fused into every kernel's store (`finish`: one rounding, relu without
 * a branch); other activations run as a pass over the plane afterwards. Before, a second
 * pass over each plane added the bias and applied the activation. Old module vs new,
 * interleaved in one process (40 rounds, ms per call and the median of the per-round
 * ratios; 2026-11-29 10:55 UTC, GhostNet x1.0's depthwise shapes):
 *
 *   C × H², kernel, stride, act     pass    fused   speed-up
 *   24 × 112², 3×3 s1, relu         3.982   3.202   1.25
 *   8 × 112², 3×3 s1, none          1.194   1.026   1.15
 *   48 × 112², 3×3 s2, none         2.844   2.699   1.02
 *   36 × 56², 3×3 s1, relu          1.499   1.223   1.23
 *   72 × 56², 5×5 s2, none          2.772   2.660   1.03
 *   60 × 28², 3×3 s1, relu          0.634   0.533   1.20
 *   240 × 28², 3×3 s2, none         1.152   1.130   1.02
 *   100 × 14², 3×3 s1, relu         0.270   0.241   1.13
 *   672 × 14², 5×5 s2, none         1.832   1.754   1.03
 *   480 × 7², 3×3 s1, relu          0.408   0.393   1.03
 *   all ten                        16.59   14.86    1.12
 */
import type { Conv2dGeometry, ConvWorkRange } from "./conv2d.js";
import { applyActivation, type FusedActivation } from "./fused-activation.js";

/**
 * The store every kernel ends a pixel with: sum + bias, then relu when `relu` is set, in
 * float64, rounded once to float32 by the store. Fusing this into the kernels saved the
 * separate bias/activation pass over the output, which cost a third of a relu layer's
 * time (24 × 112² 3×3: 2.30 ms with the pass, 1.44 without it; 2026-11-29).
 *
 * Relu without a data-dependent branch: conv outputs are negative about half the time at
 * random, so `v < 0 ? 0 : v` (or Math.max) mispredicts constantly; (v + |v|)/2 is v for
 * v ≥ 0 and +0 for v < 0 (exact: 2v cannot overflow a double), NaN for NaN. It is also NaN
 * for v = −∞, where ONNX's relu gives 0: `repairReluNaNs` mends those afterwards. (Even a
 * well-predicted branch for −∞ here made V8's loops 1.2–1.3× slower, measured.)
 *
 * The halving is done up front: with relu, a kernel multiplies its weights and bias by
 * h = 1/2 as it loads them, so `sum + bias` is v/2 and the store needs v/2 + |v/2| = relu(v)
 * — one multiply fewer per pixel. Exact, not approximate: scaling by a power of two
 * commutes with every float64 rounding here (a product of two float32 values is at least
 * 2⁻²⁹⁸, far from float64's subnormals, and nothing reaches its overflow), so every sum is
 * exactly half the unscaled one and the stored bits are the same. Measured against the
 * store that halved (old module vs new, interleaved, 40 rounds, 2026-11-29 13:05 UTC):
 * GhostNet x1.0's relu layers 1.03–1.07× (7×7: 0.99×), all ten shapes 1.04×.
 * Without relu, h = 1.
 */
// A `const`, not a function declaration: a declared function is a mutable binding, and V8
// re-checks the binding's value at every inlined call (1.03–1.10× per layer without that).
const finish = (sum: number, bias: number, relu: boolean): number => {
  const v = sum + bias;
  return relu ? v + Math.abs(v) : v;
};

/**
 * Relu's exact answer where `finish` may be wrong: every NaN a relu layer stored in rows
 * [rowStart, rowEnd) of a plane is recomputed with the bounds-checked sum (which also
 * skips the padded copy's 0·∞ terms) and relu(v) = v < 0 ? 0 : v, so −∞ gives 0 and a
 * true NaN stays NaN. Outputs are NaN only when inputs or weights are not finite, so in
 * practice this is a scan: one load and one compare per pixel.
 */
function repairReluNaNs(
  y: Float32Array, yPlane: number, x: Float32Array, plane: number, w: Float32Array, wBase: number,
  g: Conv2dGeometry, rowStart: number, rowEnd: number, bias: number,
): void {
  const outW = g.outW;
  const end = yPlane + rowEnd * outW;
  let i = yPlane + rowStart * outW;
  while (i < end && y[i] === y[i]) i++;
  for (; i < end; i++) {
    if (y[i] === y[i]) continue;
    const oh = Math.floor((i - yPlane) / outW);
    const ow = i - yPlane - oh * outW;
    const v = windowSum(x, plane, g.inH, g.inW, w, wBase, g.kH, g.kW, oh * g.strideH - g.padTop, ow * g.strideW - g.padLeft, g.dilationH, g.dilationW) + bias;
    y[i] = v < 0 ? 0 : v;
  }
}

/**
 * How a range function splits an activation: bias and relu go into the kernels' stores;
 * any other activation (clip, hard-sigmoid, …: the graph executor's fused convs) runs as
 * a pass over the stored values afterwards.
 */
function afterPass(activation: FusedActivation): FusedActivation | null {
  return activation.kind === "none" || activation.kind === "relu" ? null : activation;
}

/** Σ over in-bounds window positions (bounds-checked), for border pixels and the generic kernel. */
function windowSum(
  x: Float32Array, plane: number, inH: number, inW: number,
  w: Float32Array, wBase: number, kH: number, kW: number,
  ih0: number, iw0: number, dH: number, dW: number,
): number {
  let sum = 0;
  for (let kh = 0; kh < kH; kh++) {
    const ih = ih0 + kh * dH;
    if (ih < 0 || ih >= inH) continue;
    const row = plane + ih * inW;
    for (let kw = 0; kw < kW; kw++) {
      const iw = iw0 + kw * dW;
      if (iw < 0 || iw >= inW) continue;
      sum += w[wBase + kh * kW + kw]! * x[row + iw]!;
    }
  }
  return sum;
}

/** Output columns [lo, hi) whose window lies inside the image horizontally. */
function interiorColumns(g: Conv2dGeometry): [number, number] {
  const lo = Math.min(g.outW, Math.ceil(g.padLeft / g.strideW));
  const hi = Math.min(g.outW, Math.floor((g.inW - 1 - (g.kW - 1) * g.dilationW + g.padLeft) / g.strideW) + 1);
  return [lo, Math.max(lo, hi)];
}

/** Border pixels ow ∈ [from, to) of output row oh (bias and relu as `finish`). */
function borderColumns(
  y: Float32Array, yRow: number, x: Float32Array, plane: number, w: Float32Array, wBase: number,
  g: Conv2dGeometry, ih0: number, from: number, to: number, bias: number, relu: boolean,
): void {
  const h = relu ? 0.5 : 1; // see `finish`
  const bh = bias * h;
  for (let ow = from; ow < to; ow++) {
    const iw0 = ow * g.strideW - g.padLeft;
    y[yRow + ow] = finish(windowSum(x, plane, g.inH, g.inW, w, wBase, g.kH, g.kW, ih0, iw0, g.dilationH, g.dilationW) * h, bh, relu);
  }
}

/**
 * Stride-1 3×3 row: y[yRow + ow] for ow ∈ [owFrom, owTo), window columns ow.. ow+2 of the
 * rows starting at r0, r1, r2 (already shifted by −padLeft). Slides the window along the
 * row keeping six inputs in locals, so each output loads three new values instead of
 * nine; the sum is the same expression, in the same order, as the strided loop's.
 */
function slide3x3(
  y: Float32Array, yRow: number, x: Float32Array, r0: number, r1: number, r2: number,
  owFrom: number, owTo: number, w: Float32Array, wBase: number, bias: number, relu: boolean,
): void {
  const h = relu ? 0.5 : 1; // see `finish`
  const bh = bias * h;
  const w00 = w[wBase]! * h, w01 = w[wBase + 1]! * h, w02 = w[wBase + 2]! * h;
  const w10 = w[wBase + 3]! * h, w11 = w[wBase + 4]! * h, w12 = w[wBase + 5]! * h;
  const w20 = w[wBase + 6]! * h, w21 = w[wBase + 7]! * h, w22 = w[wBase + 8]! * h;
  let a0 = x[r0 + owFrom]!, a1 = x[r0 + owFrom + 1]!;
  let b0 = x[r1 + owFrom]!, b1 = x[r1 + owFrom + 1]!;
  let c0 = x[r2 + owFrom]!, c1 = x[r2 + owFrom + 1]!;
  for (let ow = owFrom; ow < owTo; ow++) {
    const a2 = x[r0 + ow + 2]!, b2 = x[r1 + ow + 2]!, c2 = x[r2 + ow + 2]!;
    y[yRow + ow] = finish(w00 * a0 + w01 * a1 + w02 * a2 + w10 * b0 + w11 * b1 + w12 * b2 + w20 * c0 + w21 * c1 + w22 * c2, bh, relu);
    a0 = a1; a1 = a2;
    b0 = b1; b1 = b2;
    c0 = c1; c1 = c2;
  }
}

/** 3×3, dilation 1, any stride: one channel plane, output rows [rowStart, rowEnd). */
function plane3x3(
  y: Float32Array, yPlane: number, x: Float32Array, plane: number, w: Float32Array, wBase: number,
  g: Conv2dGeometry, rowStart: number, rowEnd: number, owLo: number, owHi: number, bias: number, relu: boolean,
): number {
  const { inH, inW, outW, strideH, strideW, padTop, padLeft } = g;
  const h = relu ? 0.5 : 1; // see `finish`
  const bh = bias * h;
  const w00 = w[wBase]! * h, w01 = w[wBase + 1]! * h, w02 = w[wBase + 2]! * h;
  const w10 = w[wBase + 3]! * h, w11 = w[wBase + 4]! * h, w12 = w[wBase + 5]! * h;
  const w20 = w[wBase + 6]! * h, w21 = w[wBase + 7]! * h, w22 = w[wBase + 8]! * h;
  for (let oh = rowStart; oh < rowEnd; oh++) {
    const ih0 = oh * strideH - padTop;
    const yRow = yPlane + oh * outW;
    if (ih0 < 0 || ih0 + 2 >= inH) {
      borderColumns(y, yRow, x, plane, w, wBase, g, ih0, 0, outW, bias, relu);
      continue;
    }
    borderColumns(y, yRow, x, plane, w, wBase, g, ih0, 0, owLo, bias, relu);
    const r0 = plane + ih0 * inW - padLeft;
    const r1 = r0 + inW;
    const r2 = r1 + inW;
    if (strideW === 1) {
      if (owLo < owHi) slide3x3(y, yRow, x, r0, r1, r2, owLo, owHi, w, wBase, bias, relu);
      borderColumns(y, yRow, x, plane, w, wBase, g, ih0, owHi, outW, bias, relu);
      continue;
    }
    if (strideW === 2 && owLo < owHi) {
      // Stride 2: a window's right column is the next window's left one, so each output
      // loads six new values instead of nine (1.08–1.12× at GhostNet's shapes); same sum.
      // (Inline: as a function of its own, like slide3x3, it ran 0.9× on 14-pixel rows.)
      // Indices `| 0`'d, row 1 and 2 as offsets from row 0 (no int32 overflow checks).
      const s1 = inW | 0, s2 = (2 * inW) | 0;
      let i = (r0 + owLo * 2) | 0;
      let a0 = x[i]!, b0 = x[(i + s1) | 0]!, c0 = x[(i + s2) | 0]!;
      for (let o = (yRow + owLo) | 0, end = (yRow + owHi) | 0; o < end; o = (o + 1) | 0, i = (i + 2) | 0) {
        const a1 = x[(i + 1) | 0]!, a2 = x[(i + 2) | 0]!;
        const b1 = x[(i + s1 + 1) | 0]!, b2 = x[(i + s1 + 2) | 0]!;
        const c1 = x[(i + s2 + 1) | 0]!, c2 = x[(i + s2 + 2) | 0]!;
        y[o] = finish(w00 * a0 + w01 * a1 + w02 * a2 + w10 * b0 + w11 * b1 + w12 * b2 + w20 * c0 + w21 * c1 + w22 * c2, bh, relu);
        a0 = a2; b0 = b2; c0 = c2;
      }
      borderColumns(y, yRow, x, plane, w, wBase, g, ih0, owHi, outW, bias, relu);
      continue;
    }
    for (let ow = owLo, i = owLo * strideW; ow < owHi; ow++, i += strideW) {
      y[yRow + ow] = finish(
        w00 * x[r0 + i]! + w01 * x[r0 + i + 1]! + w02 * x[r0 + i + 2]! +
        w10 * x[r1 + i]! + w11 * x[r1 + i + 1]! + w12 * x[r1 + i + 2]! +
        w20 * x[r2 + i]! + w21 * x[r2 + i + 1]! + w22 * x[r2 + i + 2]!,
        bh, relu,
      );
    }
    borderColumns(y, yRow, x, plane, w, wBase, g, ih0, owHi, outW, bias, relu);
  }
  return NaN; // the stored values are not summed (see PlaneKernel)
}

/**
 * 3×3 stride 1 with padding 1 on every side ("same": the output is the input's size),
 * GhostNet's cheap operation. The border pixels take the sliding window too: the column
 * left of the image and the one right of it enter the window as zeros, and the top and
 * bottom rows use the two image rows they have (`sameRow2`). Adding those zero terms
 * changes nothing but the sign of an all-zero sum, so values equal the bounds-checked
 * loop's, while a small plane no longer spends most of its time in `windowSum` (at 14×14,
 * 52 of 196 pixels are on the border).
 */
function sameRow3(
  y: Float32Array, yRow: number, x: Float32Array, r0: number, r1: number, r2: number, width: number,
  w: Float32Array, wBase: number, bias: number, relu: boolean,
): number {
  let probe = 0;
  const h = relu ? 0.5 : 1; // see `finish`
  const bh = bias * h;
  const w00 = w[wBase]! * h, w01 = w[wBase + 1]! * h, w02 = w[wBase + 2]! * h;
  const w10 = w[wBase + 3]! * h, w11 = w[wBase + 4]! * h, w12 = w[wBase + 5]! * h;
  const w20 = w[wBase + 6]! * h, w21 = w[wBase + 7]! * h, w22 = w[wBase + 8]! * h;
  let a0 = 0, a1 = x[r0]!, a2 = 0;
  let b0 = 0, b1 = x[r1]!, b2 = 0;
  let c0 = 0, c1 = x[r2]!, c2 = 0;
  const last = width - 1;
  const s1 = (r1 - r0) | 0, s2 = (r2 - r0) | 0; // `| 0`'d offsets, as in sameRowPair
  for (let i = (r0 + 1) | 0, o = yRow | 0, end = (yRow + last) | 0; o < end; i = (i + 1) | 0, o = (o + 1) | 0) {
    a2 = x[i]!; b2 = x[(i + s1) | 0]!; c2 = x[(i + s2) | 0]!;
    const out = finish(w00 * a0 + w01 * a1 + w02 * a2 + w10 * b0 + w11 * b1 + w12 * b2 + w20 * c0 + w21 * c1 + w22 * c2, bh, relu);
    y[o] = out;
    probe += out;
    a0 = a1; a1 = a2;
    b0 = b1; b1 = b2;
    c0 = c1; c1 = c2;
  }
  // The last column: the window's right column is outside the image.
  a2 = 0; b2 = 0; c2 = 0;
  const out = finish(w00 * a0 + w01 * a1 + w02 * a2 + w10 * b0 + w11 * b1 + w12 * b2 + w20 * c0 + w21 * c1 + w22 * c2, bh, relu);
  y[yRow + last] = out;
  return probe + out;
}

/**
 * sameRow3 for two output rows at once: input rows r0..r3 (already at column 0), outputs at
 * yRow and yRow + width. The middle two input rows feed both outputs, so each pair of
 * outputs loads four new values instead of six (measured 1.38–1.50× over two sameRow3 calls
 * at GhostNet's cheap-operation shapes, 2026-11-29); each sum is the same expression.
 */
function sameRowPair(
  y: Float32Array, yRow: number, x: Float32Array, r0: number, r1: number, r2: number, r3: number, width: number,
  w: Float32Array, wBase: number, bias: number, relu: boolean,
): number {
  let probe = 0;
  const h = relu ? 0.5 : 1; // see `finish`
  const bh = bias * h;
  const w00 = w[wBase]! * h, w01 = w[wBase + 1]! * h, w02 = w[wBase + 2]! * h;
  const w10 = w[wBase + 3]! * h, w11 = w[wBase + 4]! * h, w12 = w[wBase + 5]! * h;
  const w20 = w[wBase + 6]! * h, w21 = w[wBase + 7]! * h, w22 = w[wBase + 8]! * h;
  let a0 = 0, a1 = x[r0]!, a2 = 0;
  let b0 = 0, b1 = x[r1]!, b2 = 0;
  let c0 = 0, c1 = x[r2]!, c2 = 0;
  let d0 = 0, d1 = x[r3]!, d2 = 0;
  const last = width - 1;
  // Indices as offsets from each row's start, `| 0`'d (no int32 overflow checks).
  const s1 = (r1 - r0) | 0, s2 = (r2 - r0) | 0, s3 = (r3 - r0) | 0, next = width | 0;
  for (let i = (r0 + 1) | 0, o = yRow | 0, end = (yRow + last) | 0; o < end; i = (i + 1) | 0, o = (o + 1) | 0) {
    a2 = x[i]!; b2 = x[(i + s1) | 0]!; c2 = x[(i + s2) | 0]!; d2 = x[(i + s3) | 0]!;
    const o0 = finish(w00 * a0 + w01 * a1 + w02 * a2 + w10 * b0 + w11 * b1 + w12 * b2 + w20 * c0 + w21 * c1 + w22 * c2, bh, relu);
    const o1 = finish(w00 * b0 + w01 * b1 + w02 * b2 + w10 * c0 + w11 * c1 + w12 * c2 + w20 * d0 + w21 * d1 + w22 * d2, bh, relu);
    y[o] = o0;
    y[(o + next) | 0] = o1;
    probe += o0 + o1;
    a0 = a1; a1 = a2;
    b0 = b1; b1 = b2;
    c0 = c1; c1 = c2;
    d0 = d1; d1 = d2;
  }
  a2 = 0; b2 = 0; c2 = 0; d2 = 0;
  const o0 = finish(w00 * a0 + w01 * a1 + w02 * a2 + w10 * b0 + w11 * b1 + w12 * b2 + w20 * c0 + w21 * c1 + w22 * c2, bh, relu);
  const o1 = finish(w00 * b0 + w01 * b1 + w02 * b2 + w10 * c0 + w11 * c1 + w12 * c2 + w20 * d0 + w21 * d1 + w22 * d2, bh, relu);
  y[yRow + last] = o0;
  y[yRow + width + last] = o1;
  return probe + o0 + o1;
}

/** As sameRow3 for the first or last output row: two image rows with weight rows at wA, wB. */
function sameRow2(
  y: Float32Array, yRow: number, x: Float32Array, rA: number, rB: number, width: number,
  w: Float32Array, wA: number, wB: number, bias: number, relu: boolean,
): number {
  let probe = 0;
  const h = relu ? 0.5 : 1; // see `finish`
  const bh = bias * h;
  const a0w = w[wA]! * h, a1w = w[wA + 1]! * h, a2w = w[wA + 2]! * h;
  const b0w = w[wB]! * h, b1w = w[wB + 1]! * h, b2w = w[wB + 2]! * h;
  let a0 = 0, a1 = x[rA]!, a2 = 0;
  let b0 = 0, b1 = x[rB]!, b2 = 0;
  const last = width - 1;
  const sB = (rB - rA) | 0; // `| 0`'d offsets, as in sameRowPair
  for (let i = (rA + 1) | 0, o = yRow | 0, end = (yRow + last) | 0; o < end; i = (i + 1) | 0, o = (o + 1) | 0) {
    a2 = x[i]!; b2 = x[(i + sB) | 0]!;
    const out = finish(a0w * a0 + a1w * a1 + a2w * a2 + b0w * b0 + b1w * b1 + b2w * b2, bh, relu);
    y[o] = out;
    probe += out;
    a0 = a1; a1 = a2;
    b0 = b1; b1 = b2;
  }
  a2 = 0; b2 = 0;
  const out = finish(a0w * a0 + a1w * a1 + a2w * a2 + b0w * b0 + b1w * b1 + b2w * b2, bh, relu);
  y[yRow + last] = out;
  return probe + out;
}

/**
 * 3×3 "same" (see sameRow3): one channel plane, output rows [rowStart, rowEnd). Takes the
 * other plane kernels' arguments; it needs no interior columns (every pixel slides), so
 * ignores owLo and owHi.
 */
function planeSame3x3(
  y: Float32Array, yPlane: number, x: Float32Array, plane: number, w: Float32Array, wBase: number,
  g: Conv2dGeometry, rowStart: number, rowEnd: number, _owLo: number, _owHi: number, bias: number, relu: boolean,
): number {
  const { inW: width, inH: height } = g;
  let probe = 0;
  for (let oh = rowStart; oh < rowEnd; oh++) {
    const yRow = yPlane + oh * width;
    const mid = plane + oh * width;
    if (oh === 0) probe += sameRow2(y, yRow, x, mid, mid + width, width, w, wBase + 3, wBase + 6, bias, relu);
    else if (oh === height - 1) probe += sameRow2(y, yRow, x, mid - width, mid, width, w, wBase, wBase + 3, bias, relu);
    else if (oh + 1 < rowEnd && oh + 1 < height - 1) {
      // Two interior rows at once.
      probe += sameRowPair(y, yRow, x, mid - width, mid, mid + width, mid + 2 * width, width, w, wBase, bias, relu);
      oh++;
    } else probe += sameRow3(y, yRow, x, mid - width, mid, mid + width, width, w, wBase, bias, relu);
  }
  return probe;
}

/** Whether planeSame3x3 applies: 3×3, stride 1, no dilation, padding 1 all round, planes ≥ 2×2. */
function isSame3x3(g: Conv2dGeometry): boolean {
  return g.kH === 3 && g.kW === 3 && g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1 &&
    g.padTop === 1 && g.padLeft === 1 && g.padBottom === 1 && g.padRight === 1 && g.inH >= 2 && g.inW >= 2;
}

/**
 * The plane kernels' signature: one channel plane's output rows [rowStart, rowEnd), bias
 * and relu fused into the stores (`finish`). The result is relu's repair probe: the sum of
 * the values stored, NaN exactly when one of them is NaN (relu's outputs are ≥ 0 or NaN, so
 * the sum cannot cancel to NaN otherwise), or NaN from a kernel that does not keep the sum.
 * The caller runs `repairReluNaNs` only on a NaN probe. planeSame3x3, GhostNet's relu
 * layers, keeps the sum (5% of its time; a separate scan cost 20%); the others do not.
 */
type PlaneKernel = (
  y: Float32Array, yPlane: number, x: Float32Array, plane: number, w: Float32Array, wBase: number,
  g: Conv2dGeometry, rowStart: number, rowEnd: number, owLo: number, owHi: number, bias: number, relu: boolean,
) => number;

/** Any kernel size and dilation: interior without bounds checks, borders checked. */
function planeAnyKernel(
  y: Float32Array, yPlane: number, x: Float32Array, plane: number, w: Float32Array, wBase: number,
  g: Conv2dGeometry, rowStart: number, rowEnd: number, owLo: number, owHi: number, bias: number, relu: boolean,
): number {
  const { inH, inW, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft } = g;
  const h = relu ? 0.5 : 1; // see `finish`
  const bh = bias * h;
  for (let oh = rowStart; oh < rowEnd; oh++) {
    const ih0 = oh * strideH - padTop;
    const yRow = yPlane + oh * outW;
    if (ih0 < 0 || ih0 + (kH - 1) * dilationH >= inH) {
      borderColumns(y, yRow, x, plane, w, wBase, g, ih0, 0, outW, bias, relu);
      continue;
    }
    borderColumns(y, yRow, x, plane, w, wBase, g, ih0, 0, owLo, bias, relu);
    const top = plane + ih0 * inW - padLeft;
    for (let ow = owLo; ow < owHi; ow++) {
      let sum = 0;
      for (let kh = 0; kh < kH; kh++) {
        const row = top + kh * dilationH * inW + ow * strideW;
        for (let kw = 0; kw < kW; kw++) sum += w[wBase + kh * kW + kw]! * x[row + kw * dilationW]!;
      }
      y[yRow + ow] = finish(sum * h, bh, relu);
    }
    borderColumns(y, yRow, x, plane, w, wBase, g, ih0, owHi, outW, bias, relu);
  }
  return NaN; // the stored values are not summed (see PlaneKernel)
}

// ---------------------------------------------------------------------------------------
// Padded-copy variant: the rows a range needs are copied into a zero-bordered scratch
// plane, so every output pixel takes the unrolled, unchecked loop (no border code).

let paddedPlane = new Float32Array(0);

/**
 * Copies input rows [ihFirst, ihFirst + rows) of one channel plane into `paddedPlane` with
 * padLeft zeros before and enough zeros after each row (width `paddedW`); rows outside the
 * image become zeros.
 */
function copyPadded(x: Float32Array, plane: number, g: Conv2dGeometry, ihFirst: number, rows: number, paddedW: number): void {
  const dst = paddedPlane;
  const { inH, inW, padLeft } = g;
  // One fill for the whole block, then the image rows over it: a native fill call costs
  // about as much as copying a 14-pixel row, so three per row (left, right, missing rows)
  // made the copy the larger part of a 14×14 plane's time.
  dst.fill(0, 0, rows * paddedW);
  const first = Math.max(0, -ihFirst);
  const end = Math.min(rows, inH - ihFirst);
  for (let r = first; r < end; r++) {
    for (let s = plane + (ihFirst + r) * inW, e = s + inW, o = r * paddedW + padLeft; s < e; s++, o++) dst[o] = x[s]!;
  }
}

/** 3×3 (dilation 1) over a padded plane: rows [rowStart, rowEnd), every column unchecked. */
function padded3x3(
  y: Float32Array, yPlane: number, p: Float32Array, w: Float32Array, wBase: number,
  outW: number, strideH: number, strideW: number, paddedW: number, rowStart: number, rowEnd: number, bias: number, relu: boolean,
): void {
  const h = relu ? 0.5 : 1; // see `finish`
  const bh = bias * h;
  const w00 = w[wBase]! * h, w01 = w[wBase + 1]! * h, w02 = w[wBase + 2]! * h;
  const w10 = w[wBase + 3]! * h, w11 = w[wBase + 4]! * h, w12 = w[wBase + 5]! * h;
  const w20 = w[wBase + 6]! * h, w21 = w[wBase + 7]! * h, w22 = w[wBase + 8]! * h;
  for (let oh = rowStart; oh < rowEnd; oh++) {
    const r0 = (oh - rowStart) * strideH * paddedW;
    const r1 = r0 + paddedW;
    const r2 = r1 + paddedW;
    const yRow = yPlane + oh * outW;
    if (strideW === 1) {
      slide3x3(y, yRow, p, r0, r1, r2, 0, outW, w, wBase, bias, relu);
      continue;
    }
    for (let ow = 0, i = 0; ow < outW; ow++, i += strideW) {
      y[yRow + ow] = finish(
        w00 * p[r0 + i]! + w01 * p[r0 + i + 1]! + w02 * p[r0 + i + 2]! +
        w10 * p[r1 + i]! + w11 * p[r1 + i + 1]! + w12 * p[r1 + i + 2]! +
        w20 * p[r2 + i]! + w21 * p[r2 + i + 1]! + w22 * p[r2 + i + 2]!,
        bh, relu,
      );
    }
  }
}

// Running sums of one output row for padded5x5's stride-1 row passes (float64, so keeping a
// sum here between passes changes nothing), grown on demand.
let rowSums = new Float64Array(0);

/**
 * padded5x5's stride 1, one kernel row at a time: each pass slides a 5-wide window along
 * one padded input row (row offset r) and adds its five products to every pixel's running
 * sum, in the unrolled sum's order (kh, then kw, ascending; the first pass starts the sum
 * as the unrolled expression does), so the values are the same. Only five weights and five
 * inputs are live in a pass; the one-pass loop keeps all 25 weights and 25 inputs in play
 * and spills most of them. The first pass writes sums[0, n); middle passes add to them.
 * Old loop vs passes, interleaved in one process (30 rounds, 2026-11-29 13:37 UTC, same
 * bits): 240 × 12², 480 × 6², 128 × 24² (relu): 1.28×, 1.19×, 1.36× (PaddleOCR's
 * recognizer has four such layers, strides (1, 1) and (2, 1)); GhostNet has none.
 */
const firstRowPass = (
  sums: Float64Array, p: Float32Array, r: number, n: number, w0: number, w1: number, w2: number, w3: number, w4: number,
): void => {
  let a0 = p[r]!, a1 = p[r + 1]!, a2 = p[r + 2]!, a3 = p[r + 3]!;
  for (let ow = 0, i = (r + 4) | 0; ow < n; ow = (ow + 1) | 0, i = (i + 1) | 0) {
    const a4 = p[i]!;
    sums[ow] = w0 * a0 + w1 * a1 + w2 * a2 + w3 * a3 + w4 * a4;
    a0 = a1; a1 = a2; a2 = a3; a3 = a4;
  }
};

const nextRowPass = (
  sums: Float64Array, p: Float32Array, r: number, n: number, w0: number, w1: number, w2: number, w3: number, w4: number,
): void => {
  let a0 = p[r]!, a1 = p[r + 1]!, a2 = p[r + 2]!, a3 = p[r + 3]!;
  for (let ow = 0, i = (r + 4) | 0; ow < n; ow = (ow + 1) | 0, i = (i + 1) | 0) {
    const a4 = p[i]!;
    sums[ow] = sums[ow]! + w0 * a0 + w1 * a1 + w2 * a2 + w3 * a3 + w4 * a4;
    a0 = a1; a1 = a2; a2 = a3; a3 = a4;
  }
};

/** The last kernel row's pass, stored with bias and relu (`finish`) into y[yRow, yRow + n). */
const lastRowPass = (
  y: Float32Array, yRow: number, sums: Float64Array, p: Float32Array, r: number, n: number,
  w0: number, w1: number, w2: number, w3: number, w4: number, bias: number, relu: boolean,
): void => {
  let a0 = p[r]!, a1 = p[r + 1]!, a2 = p[r + 2]!, a3 = p[r + 3]!;
  for (let ow = 0, i = (r + 4) | 0, o = yRow | 0; ow < n; ow = (ow + 1) | 0, i = (i + 1) | 0, o = (o + 1) | 0) {
    const a4 = p[i]!;
    y[o] = finish(sums[ow]! + w0 * a0 + w1 * a1 + w2 * a2 + w3 * a3 + w4 * a4, bias, relu);
    a0 = a1; a1 = a2; a2 = a3; a3 = a4;
  }
};

/** 5×5 (dilation 1) over a padded plane: rows [rowStart, rowEnd), every column unchecked. */
function padded5x5(
  y: Float32Array, yPlane: number, p: Float32Array, w: Float32Array, wBase: number,
  outW: number, strideH: number, strideW: number, paddedW: number, rowStart: number, rowEnd: number, bias: number, relu: boolean,
): void {
  const h = relu ? 0.5 : 1; // see `finish`
  const bh = bias * h;
  const w00 = w[wBase]! * h, w01 = w[wBase + 1]! * h, w02 = w[wBase + 2]! * h, w03 = w[wBase + 3]! * h, w04 = w[wBase + 4]! * h;
  const w10 = w[wBase + 5]! * h, w11 = w[wBase + 6]! * h, w12 = w[wBase + 7]! * h, w13 = w[wBase + 8]! * h, w14 = w[wBase + 9]! * h;
  const w20 = w[wBase + 10]! * h, w21 = w[wBase + 11]! * h, w22 = w[wBase + 12]! * h, w23 = w[wBase + 13]! * h, w24 = w[wBase + 14]! * h;
  const w30 = w[wBase + 15]! * h, w31 = w[wBase + 16]! * h, w32 = w[wBase + 17]! * h, w33 = w[wBase + 18]! * h, w34 = w[wBase + 19]! * h;
  const w40 = w[wBase + 20]! * h, w41 = w[wBase + 21]! * h, w42 = w[wBase + 22]! * h, w43 = w[wBase + 23]! * h, w44 = w[wBase + 24]! * h;
  for (let oh = rowStart; oh < rowEnd; oh++) {
    const r0 = (oh - rowStart) * strideH * paddedW;
    const r1 = r0 + paddedW;
    const r2 = r1 + paddedW;
    const r3 = r2 + paddedW;
    const r4 = r3 + paddedW;
    const yRow = yPlane + oh * outW;
    if (strideW === 2) {
      // Stride 2: a window's last three columns are the next window's first three, so each
      // output loads ten new values instead of 25 (1.18–1.27× per layer, the depthwise
      // layers of GhostNet x1.0 1.04× in the network); same sum.
      let a0 = p[r0]!, a1 = p[r0 + 1]!, a2 = p[r0 + 2]!;
      let b0 = p[r1]!, b1 = p[r1 + 1]!, b2 = p[r1 + 2]!;
      let c0 = p[r2]!, c1 = p[r2 + 1]!, c2 = p[r2 + 2]!;
      let d0 = p[r3]!, d1 = p[r3 + 1]!, d2 = p[r3 + 2]!;
      let e0 = p[r4]!, e1 = p[r4 + 1]!, e2 = p[r4 + 2]!;
      // Indices `| 0`'d (no int32 overflow checks): i walks row 0, the other rows at +k·paddedW.
      const s1 = paddedW | 0, s2 = (2 * paddedW) | 0, s3 = (3 * paddedW) | 0, s4 = (4 * paddedW) | 0;
      for (let o = yRow | 0, end = (yRow + outW) | 0, i = r0 | 0; o < end; o = (o + 1) | 0, i = (i + 2) | 0) {
        const a3 = p[(i + 3) | 0]!, a4 = p[(i + 4) | 0]!, b3 = p[(i + s1 + 3) | 0]!, b4 = p[(i + s1 + 4) | 0]!;
        const c3 = p[(i + s2 + 3) | 0]!, c4 = p[(i + s2 + 4) | 0]!, d3 = p[(i + s3 + 3) | 0]!, d4 = p[(i + s3 + 4) | 0]!;
        const e3 = p[(i + s4 + 3) | 0]!, e4 = p[(i + s4 + 4) | 0]!;
        y[o] = finish(
          w00 * a0 + w01 * a1 + w02 * a2 + w03 * a3 + w04 * a4 +
          w10 * b0 + w11 * b1 + w12 * b2 + w13 * b3 + w14 * b4 +
          w20 * c0 + w21 * c1 + w22 * c2 + w23 * c3 + w24 * c4 +
          w30 * d0 + w31 * d1 + w32 * d2 + w33 * d3 + w34 * d4 +
          w40 * e0 + w41 * e1 + w42 * e2 + w43 * e3 + w44 * e4,
          bh, relu,
        );
        a0 = a2; a1 = a3; a2 = a4;
        b0 = b2; b1 = b3; b2 = b4;
        c0 = c2; c1 = c3; c2 = c4;
        d0 = d2; d1 = d3; d2 = d4;
        e0 = e2; e1 = e3; e2 = e4;
      }
      continue;
    }
    if (strideW === 1) {
      if (rowSums.length < outW) rowSums = new Float64Array(outW);
      const sums = rowSums;
      firstRowPass(sums, p, r0, outW, w00, w01, w02, w03, w04);
      nextRowPass(sums, p, r1, outW, w10, w11, w12, w13, w14);
      nextRowPass(sums, p, r2, outW, w20, w21, w22, w23, w24);
      nextRowPass(sums, p, r3, outW, w30, w31, w32, w33, w34);
      lastRowPass(y, yRow, sums, p, r4, outW, w40, w41, w42, w43, w44, bh, relu);
      continue;
    }
    for (let ow = 0, i = 0; ow < outW; ow++, i += strideW) {
      y[yRow + ow] = finish(
        w00 * p[r0 + i]! + w01 * p[r0 + i + 1]! + w02 * p[r0 + i + 2]! + w03 * p[r0 + i + 3]! + w04 * p[r0 + i + 4]! +
        w10 * p[r1 + i]! + w11 * p[r1 + i + 1]! + w12 * p[r1 + i + 2]! + w13 * p[r1 + i + 3]! + w14 * p[r1 + i + 4]! +
        w20 * p[r2 + i]! + w21 * p[r2 + i + 1]! + w22 * p[r2 + i + 2]! + w23 * p[r2 + i + 3]! + w24 * p[r2 + i + 4]! +
        w30 * p[r3 + i]! + w31 * p[r3 + i + 1]! + w32 * p[r3 + i + 2]! + w33 * p[r3 + i + 3]! + w34 * p[r3 + i + 4]! +
        w40 * p[r4 + i]! + w41 * p[r4 + i + 1]! + w42 * p[r4 + i + 2]! + w43 * p[r4 + i + 3]! + w44 * p[r4 + i + 4]!,
        bh, relu,
      );
    }
  }
}

/**
 * Depthwise 3×3 or 5×5 (dilation 1) through a zero-padded copy of each channel's rows.
 * Adds exact zeros where the border kernels skip terms, so values equal theirs (up to the
 * sign of an all-zero sum).
 */
export function depthwiseConv2dPaddedRange(
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  activation: FusedActivation,
  range: ConvWorkRange,
): void {
  const k = g.kH;
  if (k !== g.kW || (k !== 3 && k !== 5) || g.dilationH !== 1 || g.dilationW !== 1) {
    throw new RangeError(`padded depthwise handles 3×3 and 5×5 without dilation, found ${g.kH}×${g.kW}`);
  }
  const { rowStart, rowEnd } = range;
  if (rowStart >= rowEnd || range.channelStart >= range.channelEnd) return;
  const paddedW = Math.max(g.padLeft + g.inW, (g.outW - 1) * g.strideW + k);
  const ihFirst = rowStart * g.strideH - g.padTop;
  const rows = (rowEnd - rowStart - 1) * g.strideH + k;
  if (paddedPlane.length < rows * paddedW) paddedPlane = new Float32Array(rows * paddedW);
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  const kernel = k === 3 ? padded3x3 : padded5x5;
  const relu = activation.kind === "relu";
  const after = afterPass(activation);
  for (let n = 0; n < g.batch; n++) {
    for (let c = range.channelStart; c < range.channelEnd; c++) {
      copyPadded(x, (n * g.inChannels + c) * inPlane, g, ihFirst, rows, paddedW);
      const yPlane = (n * g.outChannels + c) * outPlane;
      const b = bias === null ? 0 : bias[c]!;
      kernel(y, yPlane, paddedPlane, w, c * k * k, g.outW, g.strideH, g.strideW, paddedW, rowStart, rowEnd, b, relu);
      if (relu) repairReluNaNs(y, yPlane, x, (n * g.inChannels + c) * inPlane, w, c * k * k, g, rowStart, rowEnd, b);
      if (after !== null) applyActivation(y, yPlane + rowStart * g.outW, yPlane + rowEnd * g.outW, after);
    }
  }
}

/**
 * Which of the two fast layouts to use. Measured with bench/kernels-conv.ts (GhostNet
 * shapes, ms per call, medians of interleaved runs on a shared 2-core machine; "interior
 * + border" is planeSame3x3 for the 3×3 stride-1 rows since 2026-11-29):
 *
 *   C × H², kernel, stride      interior+border  padded copy  generic
 *   2026-11-29 06:05 UTC, after the one-fill copy:
 *   8 × 112², 3×3, s1                     0.75         0.95      4.03
 *   48 × 112², 3×3, s2                    1.62         2.66      6.18
 *   36 × 56², 3×3, s1                     0.83         1.06      4.69
 *   72 × 56², 5×5, s2                     1.74         1.73      5.50
 *   60 × 28², 5×5, s1                     1.30         1.24      4.73
 *   240 × 28², 3×3, s2                    0.79         0.89      2.32
 *   100 × 14², 3×3, s1                    0.18         0.25      0.83
 *   672 × 14², 5×5, s2                    1.64         1.08      2.89
 *   480 × 7², 5×5, s1                     0.61         0.60      1.71
 *
 * The padded copy wins or ties for every 5×5 (the border is a large share of small planes,
 * and 5×5 has two border columns a side); 3×3 takes interior + border, where the copy
 * costs more than the borders. Before the copy filled its block once (three `fill` calls
 * per row), 672 × 14² 5×5 s2 took 1.61 ms padded against 1.74 ms. So every 5×5 without
 * dilation takes the copy; its interior + border kernel (the 5×5 column above) was removed
 * once nothing could reach it.
 */
function preferPadded(g: Conv2dGeometry): boolean {
  return g.kH === 5 && g.kW === 5 && g.dilationH === 1 && g.dilationW === 1;
}

/**
 * Depthwise conv on channels [channelStart, channelEnd) × output rows [rowStart, rowEnd)
 * of every image. `g` must have group = inChannels = outChannels.
 */
export function depthwiseConv2dRange(
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  activation: FusedActivation,
  range: ConvWorkRange,
): void {
  if (g.group !== g.inChannels || g.group !== g.outChannels) {
    throw new RangeError(`depthwise conv needs group = C = M, found group ${g.group}, C ${g.inChannels}, M ${g.outChannels}`);
  }
  if (preferPadded(g)) {
    depthwiseConv2dPaddedRange(y, x, w, bias, g, activation, range);
    return;
  }
  const [owLo, owHi] = interiorColumns(g);
  const dilated = g.dilationH !== 1 || g.dilationW !== 1;
  const kernel: PlaneKernel = isSame3x3(g)
    ? planeSame3x3
    : dilated ? planeAnyKernel : g.kH === 3 && g.kW === 3 ? plane3x3 : planeAnyKernel;
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  const kernelSize = g.kH * g.kW;
  const { rowStart, rowEnd } = range;
  const relu = activation.kind === "relu";
  const after = afterPass(activation);
  for (let n = 0; n < g.batch; n++) {
    for (let c = range.channelStart; c < range.channelEnd; c++) {
      const yPlane = (n * g.outChannels + c) * outPlane;
      const b = bias === null ? 0 : bias[c]!;
      const xPlane = (n * g.inChannels + c) * inPlane;
      const probe = kernel(y, yPlane, x, xPlane, w, c * kernelSize, g, rowStart, rowEnd, owLo, owHi, b, relu);
      if (relu && probe !== probe) repairReluNaNs(y, yPlane, x, xPlane, w, c * kernelSize, g, rowStart, rowEnd, b);
      if (after !== null) applyActivation(y, yPlane + rowStart * g.outW, yPlane + rowEnd * g.outW, after);
    }
  }
}

/**
 * The generic bounds-checked depthwise loop (every pixel through `windowSum`): the baseline
 * the specialised kernels are measured against, for channels [channelStart, channelEnd).
 */
export function depthwiseConv2dGeneric(
  y: Float32Array,
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: Conv2dGeometry,
  activation: FusedActivation,
  channelStart: number,
  channelEnd: number,
): void {
  const inPlane = g.inH * g.inW;
  const outPlane = g.outH * g.outW;
  const kernelSize = g.kH * g.kW;
  const relu = activation.kind === "relu";
  const after = afterPass(activation);
  for (let n = 0; n < g.batch; n++) {
    for (let c = channelStart; c < channelEnd; c++) {
      const yPlane = (n * g.outChannels + c) * outPlane;
      const b = bias === null ? 0 : bias[c]!;
      for (let oh = 0; oh < g.outH; oh++) {
        borderColumns(y, yPlane + oh * g.outW, x, (n * g.inChannels + c) * inPlane, w, c * kernelSize, g, oh * g.strideH - g.padTop, 0, g.outW, b, relu);
      }
      if (relu) repairReluNaNs(y, yPlane, x, (n * g.inChannels + c) * inPlane, w, c * kernelSize, g, 0, g.outH, b);
      if (after !== null) applyActivation(y, yPlane, yPlane + outPlane, after);
    }
  }
}
