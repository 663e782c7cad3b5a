/**
 * `ghostnet trace` and `ghostnet compare` end to end through the built CLI. The references
 * are dumped by onnxruntime from the same GhostNet written with its intermediates as extra
 * graph outputs: every value name the graph executor traces, and the PaddleClas layer
 * names the typed GhostNet traces. One reference is perturbed on purpose: compare must
 * name it as the first divergence and exit with code 3.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tensorFileName } from "../../src/cli/intermediates.js";
import { ghostNetLayerNames } from "../../src/ghostnet/ghostnet.js";
import { imageLikeBatch } from "../../src/ghostnet/fixture.js";
import { exportGhostNetOnnx } from "../../src/ghostnet/onnx-export.js";
import { ghostNetFromCheckpoint, readPaddleCheckpoint } from "../../src/loader/paddle/checkpoint.js";
import { readNpy, writeNpy } from "../../src/tensor/npy.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { runOrt } from "../helpers/ort.js";
import { assertBuilt, lines, packageRoot, runCli } from "./run-cli.js";

const checkpoint = join(packageRoot, "test/fixtures/paddle/checkpoints/ghostnet_x0_1_c10_p4_np1.pdparams");
let work: string;
let inputPath: string;
/** Reference folders: by graph value names, and by PaddleClas layer names. */
let byValue: string;
let byLayer: string;
/** The value names in the order the exporter wrote their nodes. */
let valueOrder: string[];

beforeAll(async () => {
  assertBuilt();
  work = await mkdtemp(join(tmpdir(), "ghostnet-trace-test-"));
  const x = imageLikeBatch(1, 11, 224);
  inputPath = join(work, "x.npy");
  await writeFile(inputPath, writeNpy(x));

  // The checkpoint's GhostNet as Paddle2ONNX would write it (the graph the CLI builds from
  // the checkpoint), with every PaddleClas layer's value as an extra output.
  const { config, weights } = ghostNetFromCheckpoint(readPaddleCheckpoint(new Uint8Array(await readFile(checkpoint))));
  const layers = ghostNetLayerNames(config).filter((n) => n !== "softmax");
  const { bytes, layerOutputs } = exportGhostNetOnnx(config, weights, { style: "modern", inputSize: "dynamic", extraOutputs: layers });
  const outputs = await runOrt(bytes, { x: { shape: x.shape, data: x.data } });

  byValue = join(work, "ref-values");
  byLayer = join(work, "ref-layers");
  await Promise.all([byValue, byLayer].map((d) => import("node:fs/promises").then((fs) => fs.mkdir(d))));
  valueOrder = [];
  for (const [name, t] of Object.entries(outputs)) {
    valueOrder.push(name);
    await writeFile(join(byValue, tensorFileName(name)), writeNpy(new Tensor(t.shape, t.data as Float32Array)));
  }
  for (const layer of layers) {
    // The exporter's SE linears are the MatMul+Add values, before relu / clip; the typed
    // GhostNet observes them after. Those two names get no reference.
    if (/_se_[12]$/.test(layer)) continue;
    const value = layerOutputs.get(layer)!;
    const t = outputs[value]!;
    await writeFile(join(byLayer, tensorFileName(layer)), writeNpy(new Tensor(t.shape, t.data as Float32Array)));
  }
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("tensor file names", () => {
  it("percent-encode bytes outside [A-Za-z0-9_.~-], a leading dot, and shorten long names with a hash", () => {
    expect(tensorFileName("conv2d_0.tmp_0")).toBe("conv2d_0.tmp_0.npy");
    expect(tensorFileName("save_infer_model/scale_0.tmp_1")).toBe("save_infer_model%2Fscale_0.tmp_1.npy");
    expect(tensorFileName("..")).toBe("%2E..npy");
    expect(tensorFileName("a b%é")).toBe("a%20b%25%C3%A9.npy");
    const long = tensorFileName("x".repeat(300));
    expect(long).toMatch(/^x{180}~[0-9a-f]{8}\.npy$/);
  });
});

describe("ghostnet trace", () => {
  it("writes every intermediate with an index in execution order (typed GhostNet: PaddleClas names)", async () => {
    const out = join(work, "trace-typed");
    const r = await runCli(["trace", checkpoint, "--input", inputPath, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, "index.json"), "utf8")) as { engine: string; tensors: { name: string; file: string; shape: number[] }[] };
    expect(index.engine).toBe("ghostnet");
    const names = index.tensors.map((t) => t.name);
    expect(names[0]).toBe("conv1");
    expect(names.at(-1)).toBe("softmax");
    expect(names.indexOf("_ghostbottleneck_0")).toBeLessThan(names.indexOf("_ghostbottleneck_1_ghost_module_1_primary_conv"));
    expect(names.indexOf("conv_last")).toBeLessThan(names.indexOf("pool2d_gap"));
    const files = await readdir(out);
    for (const t of index.tensors) expect(files).toContain(t.file);
    const conv1 = readNpy(new Uint8Array(await readFile(join(out, "conv1.npy"))));
    expect(conv1.shape).toEqual([1, 4, 112, 112]);
  });

  it("graph engine: the graph's tensor names", async () => {
    const out = join(work, "trace-graph");
    const r = await runCli(["trace", checkpoint, "--input", inputPath, "--out", out, "--engine", "graph"]);
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, "index.json"), "utf8")) as { engine: string; tensors: { name: string; op: string }[] };
    expect(index.engine).toBe("graph");
    expect(index.tensors[0]).toMatchObject({ name: "conv2d_0.tmp_0", op: "Conv" });
    expect(index.tensors.at(-1)).toMatchObject({ name: "softmax_0.tmp_0", op: "Softmax" });
  });
});

describe("ghostnet compare against onnxruntime's intermediates", () => {
  it("graph engine, value names: every layer within the default 1e-4 (long reductions: DESIGN §6)", async () => {
    const r = await runCli(["compare", checkpoint, "--input", inputPath, "--reference", byValue, "--engine", "graph", "--json"]);
    expect(r.code, r.stdout.split("\n").filter((l) => /diverges/.test(l)).slice(0, 6).join("\n")).toBe(0);
    const report = JSON.parse(r.stdout) as { compared: number; firstDivergence: string | null; layers: { name: string; status: string }[] };
    expect(report.firstDivergence).toBeNull();
    expect(report.compared).toBe(valueOrder.length);
  });

  it("typed GhostNet, PaddleClas names: every layer with a reference within 1e-4", async () => {
    const r = await runCli(["compare", checkpoint, "--input", inputPath, "--reference", byLayer]);
    expect(r.code, r.stdout.split("\n").filter((l) => /DIVERGES|first/.test(l)).slice(0, 6).join("\n")).toBe(0);
    expect(lines(r.stdout).at(-1)).toMatch(/^all \d+ compared layers within tolerance 0.0001 \(\d+ without a reference\)$/);
    expect(r.stdout).toMatch(/_ghostbottleneck_3_se +\[1, 8, 28, 28\] .* ok/);
  });

  it("a perturbed reference: compare names it as the first divergence and exits 3", async () => {
    const perturbed = join(work, "ref-perturbed");
    await import("node:fs/promises").then((fs) => fs.cp(byValue, perturbed, { recursive: true }));
    // Perturb a mid-network value, and a later one too: the earlier must be named.
    const victim = valueOrder[Math.floor(valueOrder.length / 2)]!;
    const later = valueOrder[valueOrder.length - 3]!;
    for (const [name, delta] of [[victim, 0.05], [later, 1]] as const) {
      const file = join(perturbed, tensorFileName(name));
      const t = readNpy(new Uint8Array(await readFile(file))) as Tensor;
      t.data[t.data.length >> 1] += delta;
      await writeFile(file, writeNpy(t));
    }
    const r = await runCli(["compare", checkpoint, "--input", inputPath, "--reference", perturbed, "--engine", "graph"]);
    expect(r.code, r.stderr).toBe(3);
    expect(lines(r.stdout).at(-1)).toMatch(new RegExp(`^first divergence: ${victim.replace(/[.]/g, "\\.")} \\(max abs 5\\.\\d+e-2`));
    expect(r.stdout).toMatch(new RegExp(`${later.replace(/[.]/g, "\\.")} .*DIVERGES`));
  });

  it("a reference folder with nothing matching is an error; a wrong shape is a divergence", async () => {
    const empty = join(work, "ref-empty");
    await import("node:fs/promises").then((fs) => fs.mkdir(empty));
    const none = await runCli(["compare", checkpoint, "--input", inputPath, "--reference", empty]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no reference in .* matches any of the \d+ tensors/);
    const shaped = join(work, "ref-shape");
    await import("node:fs/promises").then((fs) => fs.mkdir(shaped));
    await writeFile(join(shaped, "conv1.npy"), writeNpy(new Tensor([1, 4, 2, 2])));
    const r = await runCli(["compare", checkpoint, "--input", inputPath, "--reference", shaped]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/first divergence: conv1 \(shape \[1, 4, 112, 112\] vs reference \[1, 4, 2, 2\]/);
  });

  it("a reference folder with an index.json (a trace, or the Python dump) is read by its name → file list; paths in it are ignored", async () => {
    const traced = join(work, "trace-for-index");
    expect((await runCli(["trace", checkpoint, "--input", inputPath, "--out", traced])).code).toBe(0);
    // Rename one file and say so in the index: compare must follow the index, not the name mapping.
    const index = JSON.parse(await readFile(join(traced, "index.json"), "utf8")) as { tensors: { name: string; file: string }[] };
    const fs = await import("node:fs/promises");
    await fs.rename(join(traced, "conv1.npy"), join(traced, "renamed.npy"));
    index.tensors[0]!.file = "renamed.npy";
    index.tensors[1]!.file = "../x.npy";
    await writeFile(join(traced, "index.json"), JSON.stringify(index));
    const r = await runCli(["compare", checkpoint, "--input", inputPath, "--reference", traced, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { layers: { name: string; status: string; maxAbs: number }[] };
    expect(report.layers[0]).toMatchObject({ name: "conv1", status: "ok", maxAbs: 0 });
    expect(report.layers[1]!.status).toBe("missing");
  });
});
