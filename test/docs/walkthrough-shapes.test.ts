/**
 * Every shape docs/how-ghostnet-runs.md states is GhostNet x1.0's: the table under "The
 * shapes, step by step" is parsed row by row and each layer's output shape compared with
 * `summarizeGhostNet(ghostNetConfig(1, 1000))` (what `ghostnet summary --scale 1 --json`
 * prints), and every other `[1, …]` shape written anywhere in the page must be the input's
 * or some layer's. The shares of time and multiply-adds its text quotes are those of the
 * chart's data (docs/images/layer-profile.json) and of the summary.
 */
import { describe, expect, it } from "vitest";
import { ghostNetConfig, summarizeGhostNet } from "../../src/index.js";
import { readDoc, withoutBlocks } from "./markdown.js";

interface SavedProfile {
  layers: { name: string; kind: string; ms: number }[];
}

const DOC = "docs/how-ghostnet-runs.md";
const summary = summarizeGhostNet(ghostNetConfig(1, 1000));
const byName = new Map(summary.layers.map((row) => [row.name, row.outputShape]));
byName.set("input", summary.inputShape);

interface TableRow {
  line: number;
  layer: string;
  shape: number[];
}

/** The rows of the table that follows the heading `## The shapes, step by step`. */
function shapeTable(text: string): TableRow[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^##\s+The shapes, step by step\s*$/.test(l));
  if (start < 0) throw new Error(`${DOC} has no "## The shapes, step by step" section`);
  const rows: TableRow[] = [];
  let header: string[] | undefined;
  for (let i = start + 1; i < lines.length && !/^##\s/.test(lines[i]!); i++) {
    const line = lines[i]!.trim();
    if (!line.startsWith("|")) {
      if (header !== undefined && rows.length > 0) break; // the table has ended
      continue;
    }
    const cells = line.slice(1, line.endsWith("|") ? -1 : undefined).split("|").map((c) => c.trim());
    if (header === undefined) {
      header = cells.map((c) => c.toLowerCase());
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    const layerCell = cells[header.indexOf("layer")] ?? "";
    const shapeCell = cells[header.indexOf("output shape")] ?? "";
    const layer = /^`([^`]+)`$/.exec(layerCell)?.[1];
    const shape = /^\[([\d, ]+)\]$/.exec(shapeCell)?.[1];
    if (layer === undefined || shape === undefined) throw new Error(`${DOC}:${i + 1}: cannot read the layer or the shape of "${line}"`);
    rows.push({ line: i + 1, layer, shape: shape.split(",").map((d) => Number(d.trim())) });
  }
  if (header === undefined || !header.includes("layer") || !header.includes("output shape")) {
    throw new Error(`${DOC}: the shapes table needs "layer" and "output shape" columns`);
  }
  return rows;
}

describe("the walkthrough's shapes are GhostNet x1.0's", () => {
  const text = readDoc(DOC);
  const rows = shapeTable(text);

  it("the table walks the whole network: input, stem, all 16 blocks, the head", () => {
    const layers = rows.map((r) => r.layer);
    expect(layers[0]).toBe("input");
    expect(layers).toContain("conv1");
    for (let i = 0; i < 16; i++) expect(layers).toContain(`_ghostbottleneck_${i}`);
    expect(layers.slice(-5)).toEqual(["pool2d_gap", "fc_0", "flatten", "fc_1", "softmax"]);
  });

  it("every row's shape is the summary's for that layer", () => {
    const wrong = rows
      .filter((r) => JSON.stringify(byName.get(r.layer)) !== JSON.stringify(r.shape))
      .map((r) => `${DOC}:${r.line}: ${r.layer} says [${r.shape.join(", ")}], summary says ${byName.has(r.layer) ? `[${byName.get(r.layer)!.join(", ")}]` : "no such layer"}`);
    expect(wrong).toEqual([]);
  });

  it("rows follow the order the network runs in", () => {
    const order = ["input", ...summary.layers.map((r) => r.name)];
    const positions = rows.map((r) => order.indexOf(r.layer));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it("every [1, …] shape in the text is the input's or some layer's", () => {
    const known = new Set([...byName.values()].map((s) => s.join(",")));
    const prose = withoutBlocks(text);
    const stray: string[] = [];
    for (const m of prose.matchAll(/\[1(?:, ?\d+)+\]/g)) {
      const dims = m[0].slice(1, -1).split(/, ?/).join(",");
      if (!known.has(dims)) stray.push(m[0]);
    }
    expect(stray).toEqual([]);
  });

  it("the parser itself rejects a wrong shape (the check can fail)", () => {
    const broken = text.replace("| `conv_last` | ConvBN 1×1 160 → 960, relu | [1, 960, 7, 7] |", "| `conv_last` | ConvBN 1×1 160 → 960, relu | [1, 960, 14, 14] |");
    expect(broken).not.toBe(text);
    const row = shapeTable(broken).find((r) => r.layer === "conv_last")!;
    expect(row.shape).toEqual([1, 960, 14, 14]);
    expect(byName.get("conv_last")).not.toEqual(row.shape);
  });

  it("the time and MAC shares the text quotes are the chart's data and the summary's", () => {
    const profile = JSON.parse(readDoc("docs/images/layer-profile.json")) as SavedProfile;
    const totalMs = profile.layers.reduce((sum, l) => sum + l.ms, 0);
    const timeShare = (kind: string): number => (100 * profile.layers.filter((l) => l.kind === kind).reduce((sum, l) => sum + l.ms, 0)) / totalMs;
    const macShare = (test: (name: string, type: string) => boolean): number =>
      (100 * summary.layers.filter((r) => test(r.name, r.type)).reduce((sum, r) => sum + r.macs, 0)) / summary.macs;
    const pointwiseMacs = macShare((name, type) => type.startsWith("ConvBN 1×1") && name !== "fc_0");
    const depthwiseMacs = macShare((_, type) => type.startsWith("DepthwiseConvBN"));
    const prose = withoutBlocks(text).replace(/\s+/g, " ");
    const m = /In the run drawn here \(([\d.]+) ms\) the 1×1 convs do ([\d.]+) % of the multiply-adds and take ([\d.]+) % of the time; the depthwise convs \(orange\) do ([\d.]+) % of the multiply-adds but take ([\d.]+) % of the time/.exec(prose);
    expect(m, "the sentence quoting the chart's shares").not.toBeNull();
    const [, ms, pwMacs, pwTime, dwMacs, dwTime] = m!.map(Number);
    expect(Math.abs(ms! - totalMs)).toBeLessThan(0.05);
    expect(Math.abs(pwMacs! - pointwiseMacs)).toBeLessThan(0.5);
    expect(Math.abs(pwTime! - timeShare("pointwise"))).toBeLessThan(0.5);
    expect(Math.abs(dwMacs! - depthwiseMacs)).toBeLessThan(0.5);
    expect(Math.abs(dwTime! - timeShare("depthwise"))).toBeLessThan(0.5);

    const wasm = JSON.parse(readDoc("docs/images/layer-profile-wasm.json")) as SavedProfile;
    const wasmTotal = wasm.layers.reduce((sum, l) => sum + l.ms, 0);
    const wasmShare = (kind: string): number => (100 * wasm.layers.filter((l) => l.kind === kind).reduce((sum, l) => sum + l.ms, 0)) / wasmTotal;
    const w = /the 1×1 convs' share of the time falls from ([\d.]+) % to ([\d.]+) % and the depthwise convs' rises from ([\d.]+) % to ([\d.]+) %/.exec(prose);
    expect(w, "the sentence comparing the js and wasm shares").not.toBeNull();
    const [, pwJs, pwWasm, dwJs, dwWasm] = w!.map(Number);
    expect(Math.abs(pwJs! - timeShare("pointwise"))).toBeLessThan(0.5);
    expect(Math.abs(pwWasm! - wasmShare("pointwise"))).toBeLessThan(0.5);
    expect(Math.abs(dwJs! - timeShare("depthwise"))).toBeLessThan(0.5);
    expect(Math.abs(dwWasm! - wasmShare("depthwise"))).toBeLessThan(0.5);
  });
});
