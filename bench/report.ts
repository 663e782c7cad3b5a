/**
 * The benchmark's results and how they are shown: a text table in the style of
 * PaddleClas's benchmark tables, JSON for machines, and an SVG bar chart.
 */

/** One engine on one configuration. */
export interface EngineResult {
  engine: string;
  label: string;
  threads: number;
  runs: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  loadMs: number;
  /** Memory attributed to the engine (bytes): heap + external growth in-process, the child's RSS for ort-node. */
  memoryBytes: number;
  /** max |output − ours| over the softmax output (NaN for ours). */
  maxAbsDiff: number;
  /** Our median ÷ this engine's median (< 1: we are faster). */
  oursOverThis: number;
  /** Every timed run in order (ms), one per round: drift and outliers show here, not in the median. */
  samplesMs: number[];
}

export interface ConfigResult {
  scale: number;
  batch: number;
  threads: number;
  inputSize: number;
  engines: EngineResult[];
}

export interface BenchReport {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; loadAverageStart: number; loadAverageEnd: number };
  options: Record<string, unknown>;
  /** Peak resident set of this process over the whole run (bytes). */
  peakRssBytes: number;
  configs: ConfigResult[];
  profile?: { scale: number; batch: number; engine: string; byKind: { kind: string; ms: number; share: number }[]; slowest: { name: string; kind: string; ms: number }[] }[];
  /** With --profile: our graph executor against onnxruntime-web's own profiler, by kind of op (see peers/ort-web-profile.ts). */
  opComparison?: OpComparison[];
  notes: string[];
}

export interface OpComparison {
  scale: number;
  batch: number;
  /** onnxruntime-web's thread count. */
  ortThreads: number;
  rounds: number;
  /** Per kind of op: the sums of the per-node medians, and how many nodes each side ran. */
  rows: { kind: string; oursMs: number; ortWebMs: number; oursNodes: number; ortWebNodes: number }[];
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** The q-quantile by linear interpolation between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = values.slice().sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

const ms = (v: number): string => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : "—");
const mb = (v: number): string => (Number.isFinite(v) && v > 0 ? (v / 2 ** 20).toFixed(0) : "—");
const ratio = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : "—");
const diff = (v: number): string => (Number.isFinite(v) ? v.toExponential(1) : "—");

function pad(cells: string[], widths: number[], right: boolean[]): string {
  return `| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(" | ")} |`;
}

/** A Markdown table: one row per configuration and engine. */
export function formatTable(report: BenchReport): string {
  const header = ["Model", "Batch", "Threads", "Engine", "Median ms", "p10–p90 ms", "Runs", "ours ÷ this", "per round (p10–p90)", "Load ms", "Mem MB", "max abs diff vs ours"];
  const right = [false, true, true, false, true, true, true, true, true, true, true, true];
  const rows: string[][] = [];
  for (const c of report.configs) {
    const ours = c.engines.find((e) => e.engine === "ghostnet-ts");
    for (const e of c.engines) {
      // Round r's run of ours over round r's run of this engine (they ran back to back).
      const rounds = ours === undefined || e === ours ? [] : roundRatios(ours.samplesMs, e.samplesMs);
      rows.push([
        `GhostNet_x${String(c.scale).replace(".", "_")}`,
        String(c.batch),
        String(e.threads),
        e.engine,
        ms(e.medianMs),
        `${ms(e.p10Ms)}–${ms(e.p90Ms)}`,
        String(e.runs),
        e.engine === "ghostnet-ts" ? "1.00×" : ratio(e.oursOverThis),
        rounds.length === 0 ? "—" : `${ratio(quantileOf(rounds, 0.5))} (${quantileOf(rounds, 0.1).toFixed(2)}–${ratio(quantileOf(rounds, 0.9))})`,
        ms(e.loadMs),
        mb(e.memoryBytes),
        e.engine === "ghostnet-ts" ? "—" : diff(e.maxAbsDiff),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const lines = [pad(header, widths, right), `|${widths.map((w, i) => (right[i] ? `${"-".repeat(w + 1)}:` : `:${"-".repeat(w + 1)}`)).join("|")}|`];
  for (const r of rows) lines.push(pad(r, widths, right));
  return lines.join("\n");
}

/** ours[r] ÷ theirs[r] for every round both ran. */
export function roundRatios(ours: readonly number[], theirs: readonly number[]): number[] {
  const n = Math.min(ours.length, theirs.length);
  return Array.from({ length: n }, (_, r) => ours[r]! / theirs[r]!);
}

function quantileOf(values: readonly number[], q: number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The profile as text: time by op kind, then the slowest layers. */
export function formatProfile(report: BenchReport): string {
  const out: string[] = [];
  for (const p of report.profile ?? []) {
    out.push(`Profile: GhostNet_x${p.scale} batch ${p.batch}, ${p.engine} (medians over the profiled runs)`);
    for (const k of p.byKind) out.push(`  ${k.kind.padEnd(22)} ${ms(k.ms).padStart(8)} ms  ${(100 * k.share).toFixed(1).padStart(5)} %`);
    out.push("  slowest:");
    for (const s of p.slowest) out.push(`    ${s.name.padEnd(58)} ${s.kind.padEnd(12)} ${s.ms.toFixed(2).padStart(8)} ms`);
  }
  for (const c of report.opComparison ?? []) {
    out.push(`By kind of op: our graph executor against onnxruntime-web's own profiler (${c.ortThreads} thread), GhostNet_x${c.scale} batch ${c.batch}, ${c.rounds} rounds alternating (per-node medians, summed)`);
    out.push(`  ${"kind".padEnd(26)} ${"ours ms".padStart(9)} ${"ort-web ms".padStart(11)} ${"ours ÷ ort-web".padStart(15)}   nodes (ours / ort-web)`);
    let ours = 0;
    let theirs = 0;
    for (const r of c.rows) {
      ours += r.oursMs;
      theirs += r.ortWebMs;
      const ratio = r.ortWebMs > 0 && r.oursMs > 0 ? `${(r.oursMs / r.ortWebMs).toFixed(2)}×` : "—";
      out.push(`  ${r.kind.padEnd(26)} ${r.oursMs.toFixed(2).padStart(9)} ${r.ortWebMs.toFixed(2).padStart(11)} ${ratio.padStart(15)}   ${r.oursNodes} / ${r.ortWebNodes}`);
    }
    out.push(`  ${"all".padEnd(26)} ${ours.toFixed(2).padStart(9)} ${theirs.toFixed(2).padStart(11)} ${`${(ours / theirs).toFixed(2)}×`.padStart(15)}`);
  }
  return out.join("\n");
}

const COLORS: Record<string, string> = {
  "ghostnet-ts": "#1b9e77",
  "ghostnet-ts-graph": "#66c2a5",
  "ort-node": "#7570b3",
  "ort-web": "#d95f02",
  "tfjs-wasm": "#e7298a",
  "tfjs-cpu": "#a6761d",
};

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Horizontal bars, one group per configuration, one bar per engine, on a log scale
 * (the peers span three orders of magnitude), each labelled with its median.
 */
export function renderSvg(report: BenchReport): string {
  const bar = 16;
  const gap = 4;
  const groupGap = 22;
  const left = 250;
  const plotWidth = 560;
  const top = 74;
  const all = report.configs.flatMap((c) => c.engines.map((e) => e.medianMs)).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 10))));
  const x = (v: number): number => left + (plotWidth * Math.log10(v / lo)) / Math.log10(hi / lo);
  const parts: string[] = [];
  let y = top;
  for (const c of report.configs) {
    parts.push(`<text x="8" y="${y + 12}" font-weight="bold">GhostNet x${c.scale}, batch ${c.batch}, ${c.threads} thread${c.threads > 1 ? "s" : ""}</text>`);
    y += 18;
    for (const e of c.engines) {
      const w = Math.max(1, x(e.medianMs) - left);
      parts.push(`<text x="${left - 6}" y="${y + bar - 4}" text-anchor="end">${escapeXml(e.engine)}${e.threads !== c.threads ? ` (${e.threads}t)` : ""}</text>`);
      parts.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${COLORS[e.engine] ?? "#999"}"><title>${escapeXml(e.label)}: ${ms(e.medianMs)} ms</title></rect>`);
      parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + bar - 4}">${ms(e.medianMs)} ms</text>`);
      y += bar + gap;
    }
    y += groupGap;
  }
  const ticks: string[] = [];
  for (let v = lo; v <= hi * 1.0001; v *= 10) {
    ticks.push(`<line x1="${x(v).toFixed(1)}" y1="${top - 8}" x2="${x(v).toFixed(1)}" y2="${y - groupGap}" stroke="#ddd"/>`);
    ticks.push(`<text x="${x(v).toFixed(1)}" y="${top - 12}" text-anchor="middle" fill="#666">${v >= 1 ? v : v.toPrecision(1)} ms</text>`);
  }
  const width = left + plotWidth + 90;
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">GhostNet inference, median latency (log scale; shorter is faster)</text>`,
    `<text x="8" y="36" fill="#666">${escapeXml(`${report.date} · ${report.machine.cpus}× ${report.machine.cpuModel} · Node ${report.machine.node}`)}</text>`,
    ...ticks,
    ...parts,
    `</svg>`,
  ].join("\n");
}
