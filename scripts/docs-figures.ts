/**
 * Draws the figures of docs/how-ghostnet-runs.md as SVG files in docs/images/:
 *
 *   ghost-module.svg       the ghost module: primary 1×1 conv, cheap depthwise op, the
 *                          concat that is one output buffer
 *   ghost-bottleneck.svg   the bottleneck: ghost module 1, optional stride-2 depthwise and
 *                          SE block, ghost module 2, the shortcut and the add
 *   layer-time-macs.svg    per block of GhostNet x1.0: share of the forward pass's time
 *                          against share of the multiply-accumulates, by kind of layer
 *   layer-profile.json     the per-layer times that chart was drawn from (medians)
 *   layer-time-macs-wasm.svg, layer-profile-wasm.json   the same on the wasm backend
 *
 *   npx tsx scripts/docs-figures.ts                 # all, measuring the profiles anew
 *   npx tsx scripts/docs-figures.ts --runs 25       # more timed runs (default 15)
 *   npx tsx scripts/docs-figures.ts --no-profile    # charts from the saved profiles
 *   npx tsx scripts/docs-figures.ts --only wasm     # one backend's profile and chart
 *
 * The MACs come from `summarizeGhostNet` (what `ghostnet summary --scale 1 --json` prints);
 * the times from `GhostNet.forward(x, { profile })` (src/ghostnet/profile.ts) on a seeded
 * x1.0 fixture with calibrated weights, loaded with `backend: "js"` (the plain TypeScript
 * kernels) and with `backend: "wasm"`, one thread, after warm-up runs, median per layer.
 * Times depend on the machine and its load: each chart's header says when and where.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type GhostNetEngine,
  type LayerTiming,
  ghostNetConfig,
  imageLikeBatch,
  loadModel,
  makeGhostNetFixture,
  summarizeGhostNet,
} from "../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const images = join(root, "docs", "images");

// ---------------------------------------------------------------- drawing helpers

const FONT = `font-family="DejaVu Sans, Helvetica, Arial, sans-serif"`;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** One or more centred lines of text; the first may be bold. */
function label(x: number, y: number, lines: string[], options: { size?: number; boldFirst?: boolean; anchor?: string; fill?: string } = {}): string {
  const size = options.size ?? 13;
  const anchor = options.anchor ?? "middle";
  const top = y - ((lines.length - 1) * (size + 3)) / 2 + size / 3;
  return lines
    .map((line, i) => {
      const weight = options.boldFirst && i === 0 ? ` font-weight="bold"` : "";
      return `<text x="${x}" y="${(top + i * (size + 3)).toFixed(1)}" text-anchor="${anchor}" font-size="${i === 0 ? size : size - 1}"${weight} fill="${options.fill ?? "#222"}">${escapeXml(line)}</text>`;
    })
    .join("\n");
}

/** A rounded box with centred lines of text. */
function box(x: number, y: number, w: number, h: number, lines: string[], options: { fill?: string; dashed?: boolean; boldFirst?: boolean } = {}): string {
  const dash = options.dashed ? ` stroke-dasharray="6 4"` : "";
  return [
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="8" fill="${options.fill ?? "#f4f6fb"}" stroke="#44506a" stroke-width="1.5"${dash}/>`,
    label(x + w / 2, y + h / 2, lines, { boldFirst: options.boldFirst ?? true }),
  ].join("\n");
}

/** A straight arrow, optionally labelled beside its middle. */
function arrow(x1: number, y1: number, x2: number, y2: number, text?: string, options: { dx?: number; dy?: number; anchor?: string } = {}): string {
  const line = `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#44506a" stroke-width="1.6" marker-end="url(#head)"/>`;
  if (text === undefined) return line;
  const mx = (x1 + x2) / 2 + (options.dx ?? 0);
  const my = (y1 + y2) / 2 + (options.dy ?? 0);
  return line + "\n" + label(mx, my, [text], { size: 12, anchor: options.anchor ?? "middle", fill: "#44506a" });
}

/** A polyline arrow through points. */
function path(points: [number, number][]): string {
  const d = points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${x},${y}`).join(" ");
  return `<path d="${d}" fill="none" stroke="#44506a" stroke-width="1.6" marker-end="url(#head)"/>`;
}

function svg(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<title>${escapeXml(title)}</title>`,
    `<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#44506a"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}

// ---------------------------------------------------------------- the ghost module

function ghostModuleSvg(): string {
  const body = [
    label(380, 22, ["GhostModule(in → out)"], { size: 15, boldFirst: true }),
    label(380, 40, ["half the output channels from a 1×1 conv, the other half from a cheap depthwise conv of them"], { size: 12, fill: "#555" }),
    box(20, 135, 150, 60, ["input x", "[N, in, H, W]"]),
    box(240, 62, 220, 70, ["primary_conv", "ConvBN 1×1, in → init", "(relu in ghost module 1)"]),
    box(240, 230, 220, 70, ["cheap_operation", "depthwise ConvBN 3×3,", "init → init (relu in module 1)"]),
    // The one output buffer, two halves.
    `<rect x="540" y="56" width="200" height="124" fill="#dbe8fb" stroke="#44506a" stroke-width="1.5"/>`,
    `<rect x="540" y="180" width="200" height="130" fill="#fbe6d3" stroke="#44506a" stroke-width="1.5"/>`,
    label(640, 115, ["channels [0, init)", "written by primary_conv"], { boldFirst: true }),
    label(640, 245, ["channels [init, 2·init)", "written by cheap_operation"], { boldFirst: true }),
    label(640, 332, ["one output buffer [N, 2·init, H, W]:", "concat(primary, cheap) without a copy"], { size: 12 }),
    arrow(170, 155, 238, 102),
    arrow(460, 97, 538, 97, "1×1 GEMM", { dy: -10 }),
    arrow(350, 132, 350, 228),
    label(358, 172, ["reads what primary_conv", "wrote, in place"], { size: 12, anchor: "start", fill: "#44506a" }),
    arrow(460, 265, 538, 265, "k = 3, pad 1", { dy: -10 }),
    label(380, 372, ["init = ⌈out / 2⌉. The cheap half costs 9 multiply-adds per output instead of in (16 to 960 in x1.0)."], { size: 12, fill: "#555" }),
  ];
  return svg(760, 390, "GhostNet's ghost module", body);
}

// ---------------------------------------------------------------- the bottleneck

function bottleneckSvg(): string {
  const cx = 250;
  const w = 300;
  const x = cx - w / 2;
  const body = [
    label(380, 24, ["GhostBottleneck(in, hidden, out, k, s, se)"], { size: 15, boldFirst: true }),
    box(x, 45, w, 46, ["input", "[N, in, H, W]"], { fill: "#ffffff" }),
    box(x, 125, w, 56, ["ghost_module_1 (relu)", "in → hidden, [N, hidden, H, W]"]),
    box(x, 215, w, 56, ["depthwise_conv, only when s = 2", "depthwise ConvBN k×k stride 2, no act"], { dashed: true }),
    box(x, 305, w, 84, ["se_block, only when se", "mean over H×W → [N, hidden]", "Linear hidden → ⌊hidden/4⌋, relu", "Linear ⌊hidden/4⌋ → hidden, clip(0, 1); x · s"], { dashed: true }),
    box(x, 423, w, 56, ["ghost_module_2 (no relu)", "hidden → out, [N, out, H/s, W/s]"]),
    `<circle cx="${cx}" cy="530" r="17" fill="#ffffff" stroke="#44506a" stroke-width="1.5"/>`,
    label(cx, 530, ["+"], { size: 22 }),
    box(x, 580, w, 46, ["output", "[N, out, H/s, W/s]"], { fill: "#ffffff" }),
    arrow(cx, 91, cx, 123),
    arrow(cx, 181, cx, 213),
    arrow(cx, 271, cx, 303),
    arrow(cx, 389, cx, 421),
    arrow(cx, 479, cx, 511),
    arrow(cx, 547, cx, 578),
    // The shortcut.
    box(480, 250, 260, 98, ["shortcut", "identity when s = 1 and in = out;", "else shortcut_depthwise (k×k, stride s)", "then shortcut_conv (1×1, in → out)"], { dashed: true, fill: "#eef6ee" }),
    path([[x + w, 68], [610, 68], [610, 248]]),
    path([[610, 348], [610, 530], [cx + 19, 530]]),
    label(380, 650, ["Dashed steps exist only in some of the 16 blocks (see the table in how-ghostnet-runs.md)."], { size: 12, fill: "#555" }),
  ];
  return svg(760, 670, "GhostNet's bottleneck", body);
}

// ---------------------------------------------------------------- time against MACs

type Kind = LayerTiming["kind"];
const KINDS: Kind[] = ["stem", "pointwise", "depthwise", "se", "residual", "pool", "fc", "softmax"];
const COLORS: Record<Kind, string> = {
  stem: "#7570b3",
  pointwise: "#1b9e77",
  depthwise: "#d95f02",
  se: "#e7298a",
  residual: "#66a61e",
  pool: "#a6761d",
  fc: "#e6ab02",
  softmax: "#666666",
};

interface LayerProfile {
  /** The kernels that ran ("js" when absent: profiles saved before there was a choice). */
  backend?: "js" | "wasm";
  date: string;
  machine: string;
  node: string;
  loadAverage: number;
  runs: number;
  scale: number;
  /** Median wall time per step of the forward pass, in execution order. */
  layers: { name: string; kind: Kind; ms: number }[];
}

/** Median times per layer of `runs` profiled forward passes of a seeded, calibrated x1.0. */
async function measureProfile(runs: number, backend: "js" | "wasm"): Promise<LayerProfile> {
  const model = await loadModel(makeGhostNetFixture({ scale: 1, style: "modern", seed: 7 }), { backend, engine: "ghostnet" });
  if (model.backend !== undefined && model.backend !== backend) throw new Error(`asked for the ${backend} backend, got ${model.backend}`);
  const net = (model as GhostNetEngine).ghostnet;
  const x = imageLikeBatch(1, 11);
  for (let i = 0; i < 3; i++) net.forward(x);
  const samples = new Map<string, { kind: Kind; ms: number[] }>();
  const order: string[] = [];
  for (let r = 0; r < runs; r++) {
    const timings: LayerTiming[] = [];
    net.forward(x, { profile: timings });
    for (const t of timings) {
      let entry = samples.get(t.name);
      if (entry === undefined) {
        entry = { kind: t.kind, ms: [] };
        samples.set(t.name, entry);
        order.push(t.name);
      }
      entry.ms.push(t.ms);
    }
  }
  const median = (values: number[]): number => {
    const s = values.slice().sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  await model.dispose();
  return {
    backend,
    date: new Date().toISOString(),
    machine: `${cpus().length}× ${cpus()[0]?.model ?? "unknown CPU"}`,
    node: process.versions.node,
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
    runs,
    scale: 1,
    layers: order.map((name) => ({ name, kind: samples.get(name)!.kind, ms: Number(median(samples.get(name)!.ms).toFixed(4)) })),
  };
}

/** Which row of the chart a layer belongs to. */
function blockOf(name: string): string {
  const m = /^_ghostbottleneck_(\d+)/.exec(name);
  if (m) return `bottleneck ${m[1]}`;
  if (name === "conv1" || name === "conv_last") return name;
  return "head";
}

/** The kind of a summary row, for its MACs (the same kinds the profile uses). */
function macKind(name: string, type: string): Kind | undefined {
  if (name === "conv1") return "stem";
  if (name === "fc_0" || name === "fc_1") return "fc";
  if (type.startsWith("DepthwiseConvBN")) return "depthwise";
  if (type.startsWith("ConvBN")) return "pointwise";
  if (type.startsWith("SEBlock")) return "se";
  return undefined;
}

function timeMacsSvg(profile: LayerProfile): string {
  const summary = summarizeGhostNet(ghostNetConfig(profile.scale, 1000));
  const rows: string[] = [];
  const time = new Map<string, Map<Kind, number>>();
  const macs = new Map<string, Map<Kind, number>>();
  const add = (into: Map<string, Map<Kind, number>>, block: string, kind: Kind, value: number): void => {
    if (!into.has(block)) into.set(block, new Map());
    if (!rows.includes(block)) rows.push(block);
    const m = into.get(block)!;
    m.set(kind, (m.get(kind) ?? 0) + value);
  };
  for (const layer of summary.layers) {
    const kind = macKind(layer.name, layer.type);
    if (kind !== undefined && layer.macs > 0) add(macs, blockOf(layer.name), kind, layer.macs);
  }
  for (const layer of profile.layers) add(time, blockOf(layer.name), layer.kind, layer.ms);
  const totalMs = [...time.values()].reduce((s, m) => s + [...m.values()].reduce((a, b) => a + b, 0), 0);
  const totalMacs = summary.macs;

  const left = 120;
  const barWidth = 640; // 100 % of the largest share drawn
  const rowHeight = 30;
  const top = 108;
  const shares = rows.flatMap((r) => [
    [...(time.get(r)?.values() ?? [])].reduce((a, b) => a + b, 0) / totalMs,
    [...(macs.get(r)?.values() ?? [])].reduce((a, b) => a + b, 0) / totalMacs,
  ]);
  const maxShare = Math.ceil(Math.max(...shares) * 40) / 40; // round up to 2.5 %
  const scale = barWidth / maxShare;
  const height = top + rows.length * rowHeight + 40;
  const body: string[] = [
    label(8, 20, [`GhostNet x${profile.scale.toFixed(1)}, 224×224, batch 1: where the time goes against where the multiply-accumulates are`], { size: 15, anchor: "start", boldFirst: true }),
    label(8, 40, [`upper bar: share of the forward pass's time (${totalMs.toFixed(1)} ms; medians of ${profile.runs} profiled runs, ${profile.backend ?? "js"} kernels, one thread)`], { size: 11, anchor: "start", fill: "#555" }),
    label(8, 55, [`measured ${profile.date.slice(0, 16).replace("T", " ")} UTC on ${profile.machine}, Node ${profile.node}, load average ${profile.loadAverage}`], { size: 11, anchor: "start", fill: "#555" }),
    label(8, 70, [`lower bar (lighter): share of the ${(totalMacs / 1e6).toFixed(1)} M multiply-accumulates (ghostnet summary --scale 1)`], { size: 11, anchor: "start", fill: "#555" }),
  ];
  // Legend.
  KINDS.forEach((kind, i) => {
    const lx = 8 + i * 105;
    body.push(`<rect x="${lx}" y="80" width="12" height="12" fill="${COLORS[kind]}"/>`);
    body.push(label(lx + 16, 86, [kind], { size: 12, anchor: "start" }));
  });
  // Grid.
  for (let p = 0; p <= maxShare + 1e-9; p += 0.025) {
    const gx = left + p * scale;
    body.push(`<line x1="${gx.toFixed(1)}" y1="${top - 4}" x2="${gx.toFixed(1)}" y2="${top + rows.length * rowHeight}" stroke="#e3e3e3"/>`);
    body.push(label(gx, top + rows.length * rowHeight + 14, [`${(p * 100).toFixed(1).replace(/\.0$/, "")} %`], { size: 11, fill: "#666" }));
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    body.push(label(left - 8, y + 13, [row], { size: 12, anchor: "end" }));
    const bar = (values: Map<Kind, number> | undefined, total: number, by: number, opacity: number, unit: (v: number) => string): void => {
      let bx = left;
      let sum = 0;
      for (const kind of KINDS) {
        const v = values?.get(kind) ?? 0;
        if (v <= 0) continue;
        const w = (v / total) * scale;
        body.push(`<rect x="${bx.toFixed(2)}" y="${by}" width="${Math.max(w, 0.5).toFixed(2)}" height="11" fill="${COLORS[kind]}" fill-opacity="${opacity}"><title>${escapeXml(`${row}, ${kind}: ${unit(v)}`)}</title></rect>`);
        bx += w;
        sum += v;
      }
      body.push(label(bx + 4, by + 6, [unit(sum)], { size: 10, anchor: "start", fill: "#444" }));
    };
    bar(time.get(row), totalMs, y + 2, 1, (v) => `${v.toFixed(2)} ms`);
    bar(macs.get(row), totalMacs, y + 14, 0.45, (v) => `${(v / 1e6).toFixed(1)} M MACs`);
  });
  return svg(900, height, `GhostNet x1.0 on the ${profile.backend ?? "js"} kernels: time and MACs per block`, body);
}

// ---------------------------------------------------------------- main

async function main(argv: string[]): Promise<void> {
  const runsAt = argv.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 15;
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a positive integer");
  mkdirSync(images, { recursive: true });
  writeFileSync(join(images, "ghost-module.svg"), ghostModuleSvg());
  writeFileSync(join(images, "ghost-bottleneck.svg"), bottleneckSvg());
  console.log("wrote docs/images/ghost-module.svg, ghost-bottleneck.svg");
  const onlyAt = argv.indexOf("--only");
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
  if (only !== undefined && only !== "js" && only !== "wasm") throw new Error("--only takes js or wasm");
  for (const backend of (["js", "wasm"] as const).filter((b) => only === undefined || b === only)) {
    const suffix = backend === "js" ? "" : `-${backend}`;
    const profileFile = join(images, `layer-profile${suffix}.json`);
    let profile: LayerProfile;
    if (argv.includes("--no-profile")) {
      profile = JSON.parse(readFileSync(profileFile, "utf8")) as LayerProfile;
    } else {
      profile = await measureProfile(runs, backend);
      writeFileSync(profileFile, JSON.stringify(profile, null, 1) + "\n");
    }
    writeFileSync(join(images, `layer-time-macs${suffix}.svg`), timeMacsSvg(profile));
    console.log(`wrote docs/images/layer-time-macs${suffix}.svg (${backend}: forward ${profile.layers.reduce((s, l) => s + l.ms, 0).toFixed(1)} ms, load ${profile.loadAverage})`);
  }
}

await main(process.argv.slice(2));
