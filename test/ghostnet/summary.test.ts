import { describe, expect, it } from "vitest";
import { ghostNetConfig, makeDivisible, parameterLayers } from "../../src/ghostnet/config.js";
import { formatSummary, summarizeGhostNet } from "../../src/ghostnet/summary.js";

describe("makeDivisible (PaddleClas make_divisible, divisor 4)", () => {
  it("rounds to the nearest multiple of 4, at least 4, adding 4 when rounding lost more than 10%", () => {
    // Hand-computed: max(4, int(v + 2) // 4 * 4), + 4 if below 0.9 v.
    expect(makeDivisible(8)).toBe(8); // 16 · 0.5
    expect(makeDivisible(93.6)).toBe(92); // 72 · 1.3: int(95.6) = 95 → 92 ≥ 84.24
    expect(makeDivisible(20.8)).toBe(20); // 16 · 1.3: int(22.8) = 22 → 20 ≥ 18.72
    expect(makeDivisible(1248)).toBe(1248); // 960 · 1.3
    expect(makeDivisible(2)).toBe(4); // the minimum
    expect(makeDivisible(5.4)).toBe(8); // int(7.4) = 7 → 4 < 4.86, so 8
  });
});

describe("ghostNetConfig", () => {
  it("gives x1.0 the paper's widths", () => {
    const c = ghostNetConfig(1.0);
    expect(c.stem).toBe(16);
    expect(c.bottlenecks.map((b) => b.out)).toEqual([16, 24, 24, 40, 40, 80, 80, 80, 80, 112, 112, 160, 160, 160, 160, 160]);
    expect(c.bottlenecks.map((b) => b.hidden)).toEqual([16, 48, 72, 72, 120, 240, 200, 184, 184, 480, 672, 672, 960, 960, 960, 960]);
    expect(c.lastConv).toBe(960);
    expect(c.bottlenecks.filter((b) => b.identityShortcut).map((b) => b.name)).toEqual([
      "_ghostbottleneck_0", "_ghostbottleneck_2", "_ghostbottleneck_4", "_ghostbottleneck_6", "_ghostbottleneck_7",
      "_ghostbottleneck_8", "_ghostbottleneck_10", "_ghostbottleneck_12", "_ghostbottleneck_13", "_ghostbottleneck_14",
      "_ghostbottleneck_15",
    ]);
  });

  it("names parameter layers as PaddleClas does, in execution order", () => {
    const names = parameterLayers(ghostNetConfig(1.0)).map((s) => s.name);
    expect(names.slice(0, 4)).toEqual([
      "conv1",
      "_ghostbottleneck_0_ghost_module_1_primary_conv",
      "_ghostbottleneck_0_ghost_module_1_cheap_operation",
      "_ghostbottleneck_0_ghost_module_2_primary_conv",
    ]);
    expect(names).toContain("_ghostbottleneck_3_se_1");
    expect(names).toContain("_ghostbottleneck_1_shortcut_depthwise_depthwise");
    expect(names.slice(-3)).toEqual(["conv_last", "fc_0", "fc_1"]);
  });

  it("rejects a bad scale or class count", () => {
    expect(() => ghostNetConfig(0)).toThrow(/scale/);
    expect(() => ghostNetConfig(1, 0)).toThrow(/class count/);
  });
});

describe("summarizeGhostNet", () => {
  // DESIGN.md §2: params (BN statistics included) and MACs at 224×224, 1000 classes.
  const figures = [
    { scale: 0.5, params: 2.6e6, macs: 42e6 },
    { scale: 1.0, params: 5.21e6, macs: 141e6 },
    { scale: 1.3, params: 7.38e6, macs: 227e6 },
  ];
  for (const f of figures) {
    it(`reproduces x${f.scale}: ${f.params / 1e6} M params within 0.5%, ${f.macs / 1e6} M MACs within 1%`, () => {
      const s = summarizeGhostNet(f.scale);
      expect(Math.abs(s.params / f.params - 1)).toBeLessThan(0.005);
      expect(Math.abs(s.macs / f.macs - 1)).toBeLessThan(0.01);
    });
  }

  it("lists every layer with its output shape, and totals that are the sum of the rows", () => {
    const s = summarizeGhostNet(1.0);
    const row = (name: string) => s.layers.find((r) => r.name === name)!;
    expect(row("conv1").outputShape).toEqual([1, 16, 112, 112]);
    expect(row("conv1").params).toBe(3 * 3 * 3 * 16 + 4 * 16);
    expect(row("_ghostbottleneck_3_se").outputShape).toEqual([1, 72, 28, 28]);
    expect(row("_ghostbottleneck_15").outputShape).toEqual([1, 160, 7, 7]);
    expect(row("conv_last").outputShape).toEqual([1, 960, 7, 7]);
    expect(row("fc_0").outputShape).toEqual([1, 1280, 1, 1]);
    expect(row("fc_1").params).toBe(1280 * 1000 + 1000);
    expect(s.params).toBe(s.layers.reduce((a, r) => a + r.params, 0));
    expect(s.macs).toBe(s.layers.reduce((a, r) => a + r.macs, 0));
    const json = JSON.parse(JSON.stringify(s));
    expect(Object.keys(json)).toEqual(expect.arrayContaining(["params", "macs", "layers"]));
  });

  it("formats a table with totals", () => {
    const text = formatSummary(summarizeGhostNet(0.5));
    expect(text).toMatch(/_ghostbottleneck_11_se/);
    expect(text).toMatch(/total: 2\.60 M parameters/);
    expect(text).toMatch(/42\.33 M MACs/);
  });
});
