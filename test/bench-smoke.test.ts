/**
 * The benchmark in its smallest configuration: every engine loads the same fixture, runs,
 * agrees with ours on the output, and the table, JSON and SVG come out well-formed.
 * Nothing here depends on how fast anything is.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, parseBenchArgs } from "../bench/ghostnet-bench.js";
import type { BenchReport } from "../bench/report.js";
import { formatTable, quantile } from "../bench/report.js";

describe("ghostnet bench, smallest run", () => {
  it("prints a table with every engine, writes JSON and SVG, and the peers agree with ours", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
    const json = join(dir, "bench.json");
    const svg = join(dir, "bench.svg");
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ["--scales", "0.5", "--batches", "1", "--size", "64", "--runs", "2", "--warmup", "1", "--cpu-runs", "1", "--profile", "--json", json, "--svg", svg],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect(code).toBe(0);

    const report = JSON.parse(readFileSync(json, "utf8")) as BenchReport;
    expect(report.configs).toHaveLength(1);
    const engines = report.configs[0]!.engines;
    expect(engines.map((e) => e.engine)).toEqual(["ghostnet-ts", "ghostnet-ts-js", "ghostnet-ts-graph", "ort-node", "ort-web", "tfjs-wasm", "tfjs-cpu"]);
    for (const e of engines) {
      expect(e.runs).toBe(e.engine === "tfjs-cpu" ? 1 : 2);
      expect(e.medianMs).toBeGreaterThan(0);
      expect(e.p10Ms).toBeLessThanOrEqual(e.p90Ms);
      expect(e.loadMs).toBeGreaterThan(0);
      if (e.engine !== "ghostnet-ts") expect(e.maxAbsDiff).toBeLessThan(1e-4);
    }
    expect(report.profile?.map((p) => p.engine)).toEqual(["ghostnet-ts", "ghostnet-ts-graph"]);
    expect(report.profile![0]!.byKind.map((k) => k.kind)).toContain("pointwise");
    // onnxruntime-web's own profile against the graph executor's: both ran every pointwise conv.
    const pointwise = report.opComparison?.[0]?.rows.find((r) => r.kind === "Conv 1×1 (pointwise)");
    expect(pointwise?.ortWebNodes).toBeGreaterThan(0);
    expect(pointwise?.oursNodes).toBe(pointwise?.ortWebNodes);
    expect(pointwise?.oursMs).toBeGreaterThan(0);
    expect(pointwise?.ortWebMs).toBeGreaterThan(0);
    expect(out.join("\n")).toContain("By kind of op: our graph executor against onnxruntime-web");

    // The table: a header, a separator and one row per engine, all with the same columns.
    const table = out.join("\n").split("\n").filter((l) => l.startsWith("|"));
    expect(table).toHaveLength(2 + engines.length);
    const columns = table.map((l) => l.split("|").length);
    expect(new Set(columns).size).toBe(1);
    expect(table[0]).toContain("Median ms");
    expect(out.join("\n")).toContain("Profile: GhostNet_x0.5 batch 1, ghostnet-ts");

    const picture = readFileSync(svg, "utf8");
    expect(picture.startsWith("<svg")).toBe(true);
    expect(picture.trimEnd().endsWith("</svg>")).toBe(true);
    expect(picture.match(/<rect x="250"/g)).toHaveLength(engines.length);
  }, 180_000);
});

describe("bench options", () => {
  it("--quick is x1.0, batch 1, 1 thread, few runs", () => {
    const o = parseBenchArgs(["--quick"]);
    expect([o.scales, o.batches, o.threads, o.runs, o.cpuRuns]).toEqual([[1], [1], [1], 5, 1]);
  });

  it("rejects unknown options, peers and bad numbers with exit code 2", async () => {
    for (const argv of [["--frobnicate"], ["--peers", "pytorch"], ["--runs", "0"], ["--batches", "1,x"], ["--scales"]]) {
      const err: string[] = [];
      expect(await main(argv, { out: () => {}, err: (l) => err.push(l) })).toBe(2);
      expect(err[0]).toMatch(/^ghostnet bench: /);
    }
  });

  it("quantile interpolates between order statistics", () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20], 0.1)).toBeCloseTo(11);
  });

  it("an empty report is a header-only table", () => {
    const report: BenchReport = {
      date: "", machine: { cpus: 1, cpuModel: "", node: "", platform: "", loadAverageStart: 0, loadAverageEnd: 0 },
      options: {}, peakRssBytes: 0, configs: [], notes: [],
    };
    expect(formatTable(report).split("\n")).toHaveLength(2);
  });
});
