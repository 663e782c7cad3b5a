/**
 * A per-layer listing of GhostNet: name (PaddleClas's), type, output shape, parameters
 * and multiply-accumulates, with totals. Parameters include the BatchNorm statistics
 * (4 per channel: scale, offset, mean, variance); MACs count conv and linear
 * multiply-adds only (k·k·in/groups·out·H·W for a conv, in·out for a linear).
 *
 * At 224×224 with 1000 classes: x0.5 2.60 M params / 42 M MACs, x1.0 5.21 M / 141 M,
 * x1.3 7.38 M / 227 M (DESIGN.md §2).
 */
import { type ConvBnSpec, type GhostNetConfig, type LinearSpec, bottleneckSpecs, ghostNetConfig } from "./config.js";

/** One line of the per-layer summary. */
export interface SummaryRow {
  /** PaddleClas layer name (`conv1`, `_ghostbottleneck_3_se`, …). */
  name: string;
  /** What the layer computes, e.g. `ConvBN 3×3/2 relu`, `SEBlock`, `GlobalAvgPool`. */
  type: string;
  /** Output shape for a batch of one, NCHW (or [N, classes] at the end). */
  outputShape: number[];
  params: number;
  macs: number;
  /** The bottleneck this row belongs to (`_ghostbottleneck_{i}`), if any. */
  block?: string;
}

/** Also the JSON the CLI prints: `{ scale, classCount, inputShape, params, macs, layers }`. */
export interface GhostNetSummary {
  scale: number;
  classCount: number;
  inputShape: number[];
  params: number;
  macs: number;
  layers: SummaryRow[];
}

/** Output side of a conv with padding (k−1)/2: floor((h + 2p − k) / s) + 1. */
function convOutputSize(size: number, kernel: number, stride: number): number {
  const pad = (kernel - 1) >> 1;
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

function convRow(spec: ConvBnSpec, h: number, w: number, block?: string): SummaryRow {
  const ho = convOutputSize(h, spec.kernel, spec.stride);
  const wo = convOutputSize(w, spec.kernel, spec.stride);
  const weights = spec.out * (spec.in / spec.groups) * spec.kernel * spec.kernel;
  const kind = spec.groups === 1 ? "ConvBN" : "DepthwiseConvBN";
  const type = `${kind} ${spec.kernel}×${spec.kernel}${spec.stride > 1 ? `/${spec.stride}` : ""}${spec.relu ? " relu" : ""}`;
  return { name: spec.name, type, outputShape: [1, spec.out, ho, wo], params: weights + 4 * spec.out, macs: weights * ho * wo, block };
}

function linearParams(spec: LinearSpec): number {
  return spec.in * spec.out + spec.out;
}

/** The per-layer table for `config` (or a scale) at an input of `height`×`width`. */
export function summarizeGhostNet(config: GhostNetConfig | number, height = 224, width = height): GhostNetSummary {
  const cfg = typeof config === "number" ? ghostNetConfig(config) : config;
  const layers: SummaryRow[] = [];
  let [h, w] = [height, width];
  const addConv = (spec: ConvBnSpec, block?: string): void => {
    const row = convRow(spec, h, w, block);
    layers.push(row);
    [h, w] = [row.outputShape[2]!, row.outputShape[3]!];
  };

  addConv({ kind: "convbn", name: "conv1", in: cfg.inputChannels, out: cfg.stem, kernel: 3, stride: 2, groups: 1, relu: true });
  for (const b of cfg.bottlenecks) {
    const [inH, inW] = [h, w];
    let mainH = h;
    let mainW = w;
    const specs = bottleneckSpecs(b);
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      if (spec.kind === "linear") {
        // The SE block's two linears make one row.
        const second = specs[++i] as LinearSpec;
        layers.push({
          name: `${b.name}_se`,
          type: `SEBlock ${spec.in}→${spec.out}→${second.out} clip`,
          outputShape: [1, b.hidden, h, w],
          params: linearParams(spec) + linearParams(second),
          macs: spec.in * spec.out + second.in * second.out,
          block: b.name,
        });
        continue;
      }
      if (spec.name.startsWith(`${b.name}_shortcut_depthwise`)) {
        [mainH, mainW] = [h, w];
        [h, w] = [inH, inW];
      }
      addConv(spec, b.name);
      if (spec.name.endsWith("_cheap_operation")) {
        layers.push({
          name: spec.name.slice(0, -"_cheap_operation".length),
          type: "GhostModule concat(primary, cheap)",
          outputShape: [1, 2 * spec.out, h, w],
          params: 0,
          macs: 0,
          block: b.name,
        });
      }
    }
    if (b.identityShortcut) [mainH, mainW] = [h, w];
    [h, w] = [mainH, mainW];
    layers.push({
      name: b.name,
      type: `GhostBottleneck add (${b.identityShortcut ? "identity" : "conv"} shortcut)`,
      outputShape: [1, b.out, h, w],
      params: 0,
      macs: 0,
      block: b.name,
    });
  }
  addConv({ kind: "convbn", name: "conv_last", in: cfg.bottlenecks[cfg.bottlenecks.length - 1]!.out, out: cfg.lastConv, kernel: 1, stride: 1, groups: 1, relu: true });
  layers.push({ name: "pool2d_gap", type: "GlobalAvgPool", outputShape: [1, cfg.lastConv, 1, 1], params: 0, macs: 0 });
  [h, w] = [1, 1];
  addConv({ kind: "convbn", name: "fc_0", in: cfg.lastConv, out: cfg.fc0, kernel: 1, stride: 1, groups: 1, relu: true });
  layers.push({ name: "flatten", type: "Reshape (dropout is identity)", outputShape: [1, cfg.fc0], params: 0, macs: 0 });
  const fc1: LinearSpec = { kind: "linear", name: "fc_1", in: cfg.fc0, out: cfg.classCount };
  layers.push({ name: "fc_1", type: `Linear ${fc1.in}→${fc1.out}`, outputShape: [1, cfg.classCount], params: linearParams(fc1), macs: fc1.in * fc1.out });
  layers.push({ name: "softmax", type: "Softmax", outputShape: [1, cfg.classCount], params: 0, macs: 0 });

  let params = 0;
  let macs = 0;
  for (const row of layers) {
    params += row.params;
    macs += row.macs;
  }
  return { scale: cfg.scale, classCount: cfg.classCount, inputShape: [1, cfg.inputChannels, height, width], params, macs, layers };
}

function millions(n: number): string {
  return `${(n / 1e6).toFixed(2)} M`;
}

/** A human-readable table: one line per layer, a rule between bottlenecks, totals at the end. */
export function formatSummary(summary: GhostNetSummary): string {
  const header = ["name", "type", "output", "params", "MACs"];
  const rows = summary.layers.map((r) => [
    r.name,
    r.type,
    `[${r.outputShape.join(", ")}]`,
    r.params.toLocaleString("en-US"),
    r.macs.toLocaleString("en-US"),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const out = [
    `GhostNet x${summary.scale}, ${summary.classCount} classes, input [${summary.inputShape.join(", ")}]`,
    line(header),
    rule,
  ];
  let previousBlock: string | undefined;
  summary.layers.forEach((row, i) => {
    if (row.block !== previousBlock && i > 0) out.push("");
    previousBlock = row.block;
    out.push(line(rows[i]!));
  });
  out.push(rule);
  out.push(`total: ${millions(summary.params)} parameters (${summary.params.toLocaleString("en-US")}), ${millions(summary.macs)} MACs (${summary.macs.toLocaleString("en-US")})`);
  return out.join("\n");
}
