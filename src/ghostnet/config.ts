/**
 * GhostNet's architecture as numbers: PaddleClas's `make_divisible`, the 16-row bottleneck
 * table and, for a width multiplier `scale`, every layer's channel counts
 * (ppcls/arch/backbone/model_zoo/ghostnet.py; DESIGN.md §2).
 */
import { InputError } from "../errors.js";

/**
 * Rounds a channel count to a multiple of `divisor` (nearest, at least `divisor`), adding
 * one more `divisor` when rounding lost more than 10%:
 * `max(d, floor(v + d/2) // d · d)`, `+ d` when that is below `0.9 v`.
 */
export function makeDivisible(v: number, divisor = 4): number {
  let rounded = Math.max(divisor, Math.floor(Math.floor(v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/** One row of the bottleneck table: kernel k, expansion (hidden) t, output c, SE, stride. */
export interface BottleneckRow {
  kernel: number;
  expansion: number;
  out: number;
  se: boolean;
  stride: 1 | 2;
}

/** PaddleClas's `cfgs`: [k, exp_size, c, use_se, s] for the 16 bottlenecks (x1.0 widths). */
export const BOTTLENECK_TABLE: readonly BottleneckRow[] = (
  [
    [3, 16, 16, 0, 1],
    [3, 48, 24, 0, 2],
    [3, 72, 24, 0, 1],
    [5, 72, 40, 1, 2],
    [5, 120, 40, 1, 1],
    [3, 240, 80, 0, 2],
    [3, 200, 80, 0, 1],
    [3, 184, 80, 0, 1],
    [3, 184, 80, 0, 1],
    [3, 480, 112, 1, 1],
    [3, 672, 112, 1, 1],
    [5, 672, 160, 1, 2],
    [5, 960, 160, 0, 1],
    [5, 960, 160, 1, 1],
    [5, 960, 160, 0, 1],
    [5, 960, 160, 1, 1],
  ] as const
).map(([kernel, expansion, out, se, stride]) => ({ kernel, expansion, out, se: se === 1, stride }));

/** Channels of one bottleneck at a given scale. */
export interface BottleneckConfig {
  /** PaddleClas layer name, `_ghostbottleneck_{i}`. */
  name: string;
  in: number;
  hidden: number;
  out: number;
  kernel: number;
  stride: 1 | 2;
  se: boolean;
  /** True when the shortcut is the input itself (stride 1 and in = out). */
  identityShortcut: boolean;
}

export interface GhostNetConfig {
  scale: number;
  classCount: number;
  /** conv1: 3 → stem channels, 3×3 stride 2, relu. */
  stem: number;
  bottlenecks: BottleneckConfig[];
  /** conv_last: last bottleneck's out → md(960·scale), 1×1 relu. */
  lastConv: number;
  /** fc_0: lastConv → 1280, 1×1 relu (after global pooling). */
  fc0: number;
  /** The input's channel count (RGB). */
  inputChannels: number;
}

/** Every layer's channels for a width multiplier `scale` (0.5, 1.0, 1.3, …) and `classCount`. */
export function ghostNetConfig(scale: number, classCount = 1000): GhostNetConfig {
  if (!(Number.isFinite(scale) && scale > 0)) throw new InputError(`GhostNet scale must be a positive number, got ${scale}`);
  if (!(Number.isInteger(classCount) && classCount > 0)) {
    throw new InputError(`GhostNet class count must be a positive integer, got ${classCount}`);
  }
  const stem = makeDivisible(16 * scale);
  const bottlenecks: BottleneckConfig[] = [];
  let channels = stem;
  BOTTLENECK_TABLE.forEach((row, i) => {
    const out = makeDivisible(row.out * scale);
    const hidden = makeDivisible(row.expansion * scale);
    bottlenecks.push({
      name: `_ghostbottleneck_${i}`,
      in: channels,
      hidden,
      out,
      kernel: row.kernel,
      stride: row.stride,
      se: row.se,
      identityShortcut: row.stride === 1 && channels === out,
    });
    channels = out;
  });
  const lastExpansion = BOTTLENECK_TABLE[BOTTLENECK_TABLE.length - 1]!.expansion;
  return {
    scale,
    classCount,
    stem,
    bottlenecks,
    lastConv: makeDivisible(lastExpansion * scale),
    fc0: 1280,
    inputChannels: 3,
  };
}

/** GhostModule channel split: `init = ceil(out / 2)` primary channels, the rest cheap. */
export function ghostModuleChannels(out: number): { init: number; cheap: number } {
  const init = Math.ceil(out / 2);
  return { init, cheap: init };
}

/** SEBlock's squeezed width: `c // 4`. */
export function seChannels(c: number): number {
  return Math.floor(c / 4);
}

/** A ConvBNLayer: Conv2D (no bias, padding (k−1)/2) → BatchNorm (ε 1e-5) → optional relu. */
export interface ConvBnSpec {
  kind: "convbn";
  /** PaddleClas name; parameters are `{name}_weights`, `{name}_bn_scale|offset|mean|variance`. */
  name: string;
  in: number;
  out: number;
  kernel: number;
  stride: number;
  groups: number;
  relu: boolean;
}

/** A Linear layer y = x·W + b, W stored [in, out] as Paddle does; `{name}_weights`, `{name}_offset`. */
export interface LinearSpec {
  kind: "linear";
  name: string;
  in: number;
  out: number;
}

export type ParameterLayerSpec = ConvBnSpec | LinearSpec;

/** BatchNorm epsilon of every ConvBNLayer. */
export const BN_EPSILON = 1e-5;

function convBn(name: string, cin: number, out: number, kernel: number, stride: number, groups: number, relu: boolean): ConvBnSpec {
  return { kind: "convbn", name, in: cin, out, kernel, stride, groups, relu };
}

/** The two ConvBNs of a GhostModule `{name}`: primary 1×1 in→init, cheap depthwise 3×3 init→init. */
export function ghostModuleSpecs(name: string, cin: number, out: number, relu: boolean): [ConvBnSpec, ConvBnSpec] {
  const { init, cheap } = ghostModuleChannels(out);
  return [
    convBn(`${name}_primary_conv`, cin, init, 1, 1, 1, relu),
    convBn(`${name}_cheap_operation`, init, cheap, 3, 1, init, relu),
  ];
}

/** Every parameterised layer of one bottleneck, in the order PaddleClas runs them. */
export function bottleneckSpecs(b: BottleneckConfig): ParameterLayerSpec[] {
  const specs: ParameterLayerSpec[] = [...ghostModuleSpecs(`${b.name}_ghost_module_1`, b.in, b.hidden, true)];
  if (b.stride === 2) specs.push(convBn(`${b.name}_depthwise_depthwise`, b.hidden, b.hidden, b.kernel, 2, b.hidden, false));
  if (b.se) {
    const squeezed = seChannels(b.hidden);
    specs.push({ kind: "linear", name: `${b.name}_se_1`, in: b.hidden, out: squeezed });
    specs.push({ kind: "linear", name: `${b.name}_se_2`, in: squeezed, out: b.hidden });
  }
  specs.push(...ghostModuleSpecs(`${b.name}_ghost_module_2`, b.hidden, b.out, false));
  if (!b.identityShortcut) {
    specs.push(convBn(`${b.name}_shortcut_depthwise_depthwise`, b.in, b.in, b.kernel, b.stride, b.in, false));
    specs.push(convBn(`${b.name}_shortcut_conv`, b.in, b.out, 1, 1, 1, false));
  }
  return specs;
}

/**
 * Every parameterised layer of the network in execution order (the order Paddle2ONNX
 * writes their Conv / BatchNormalization / MatMul nodes): conv1, the bottlenecks,
 * conv_last, fc_0, fc_1.
 */
export function parameterLayers(config: GhostNetConfig): ParameterLayerSpec[] {
  const last = config.bottlenecks[config.bottlenecks.length - 1]!;
  return [
    convBn("conv1", config.inputChannels, config.stem, 3, 2, 1, true),
    ...config.bottlenecks.flatMap(bottleneckSpecs),
    convBn("conv_last", last.out, config.lastConv, 1, 1, 1, true),
    convBn("fc_0", config.lastConv, config.fc0, 1, 1, 1, true),
    { kind: "linear", name: "fc_1", in: config.fc0, out: config.classCount },
  ];
}

/** Weight shapes of a ConvBN's conv ([out, in/groups, k, k]) and of a Linear ([in, out]). */
export function convWeightShape(spec: ConvBnSpec): number[] {
  return [spec.out, spec.in / spec.groups, spec.kernel, spec.kernel];
}
