/**
 * The `ghostnet` command line end to end, on a small GhostNet fixture (x0.5, made by the
 * CLI's own make-fixture) and the package's sample photos.
 */
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareImage } from "../../src/classifier.js";
import { loadModel } from "../../src/load-model.js";
import { readNpy } from "../../src/tensor/npy.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { expectClose } from "../helpers/compare.js";
import { runOrt } from "../helpers/ort.js";
import { assertBuilt, lines, packageRoot, runCli } from "./run-cli.js";

const imagesDir = join(packageRoot, "data", "images");
let work: string;
let fixture: string;
let sampleImages: string[];
/** The label list, parsed here independently of the code under test. */
let labelList: string[];

interface JsonResult {
  image: string;
  top: { classId: number; label: string; score: number }[];
}

beforeAll(async () => {
  assertBuilt();
  work = await mkdtemp(join(tmpdir(), "ghostnet-cli-test-"));
  fixture = join(work, "ghostnet_x0_5.onnx");
  const made = await runCli(["make-fixture", "--scale", "0.5", "--style", "modern", "--seed", "3", "--output", fixture]);
  expect(made.code, made.stderr).toBe(0);
  sampleImages = (await readdir(imagesDir)).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
  labelList = (await readFile(join(packageRoot, "data", "imagenet1k_label_list.txt"), "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.slice(l.indexOf(" ") + 1).trim());
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function classifyJson(args: string[]): Promise<JsonResult[]> {
  const result = await runCli(["classify", ...args, "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as JsonResult[];
}

/** The fixture's answers on the sample images (set by the first classify test). */
let results: JsonResult[];

describe("ghostnet classify", () => {
  it("gives well-formed top-5 JSON for every sample image, labels from the ImageNet list", async () => {
    results = await classifyJson([imagesDir, "--model", fixture]);
    expect(results.map((r) => r.image.split(/[\\/]/).pop())).toEqual(sampleImages);
    expect(labelList).toHaveLength(1000);
    for (const { top } of results) {
      expect(top).toHaveLength(5);
      for (const p of top) {
        expect(Number.isInteger(p.classId) && p.classId >= 0 && p.classId < 1000).toBe(true);
        expect(p.label).toBe(labelList[p.classId]);
        expect(p.score).toBeGreaterThan(0);
        expect(p.score).toBeLessThanOrEqual(1);
      }
      for (let i = 1; i < 5; i++) expect(top[i]!.score).toBeLessThanOrEqual(top[i - 1]!.score);
      expect(new Set(top.map((p) => p.classId)).size).toBe(5);
    }
  });

  it("answers the same in batches as one by one", async () => {
    const batched = await classifyJson([imagesDir, "--model", fixture, "--batch", "3", "--topk", "3"]);
    expect(batched).toHaveLength(results.length);
    batched.forEach((r, i) => {
      // Ranks 2+ may swap between near-equal tiny scores; the scores rank by rank may not differ.
      expect(r.top[0]!.classId).toBe(results[i]!.top[0]!.classId);
      r.top.forEach((p, k) => expect(Math.abs(p.score - results[i]!.top[k]!.score)).toBeLessThan(1e-5));
    });
  });

  it("--low-memory (float32 weights only) gives exactly the same answers", async () => {
    const lean = await classifyJson([imagesDir, "--model", fixture, "--engine", "ghostnet", "--low-memory"]);
    expect(lean).toEqual(results);
    const usage = await runCli(["classify", "--help"]);
    expect(usage.stdout + usage.stderr).toMatch(/--low-memory\s+typed GhostNet: keep only the float32 weights/);
  });

  it("the typed GhostNet and the graph executor give the same answers; --labels renames the classes", async () => {
    const one = join(imagesDir, sampleImages[1]!);
    const labelsPath = join(work, "labels.txt");
    await writeFile(labelsPath, Array.from({ length: 1000 }, (_, id) => `${id} thing number ${id}`).join("\n"));
    const [typed, graph] = await Promise.all(
      ["ghostnet", "graph"].map((engine) => classifyJson([one, "--model", fixture, "--engine", engine, "--labels", labelsPath])),
    );
    expect(typed[0]!.top[0]!.classId).toBe(graph[0]!.top[0]!.classId);
    typed[0]!.top.forEach((p, k) => {
      expect(Math.abs(p.score - graph[0]!.top[k]!.score)).toBeLessThan(5e-5);
      expect(p.label).toBe(`thing number ${p.classId}`);
    });
  });

  it("prints a readable table without --json", async () => {
    const one = join(imagesDir, sampleImages[0]!);
    const result = await runCli(["classify", one, "--model", fixture, "--topk", "2"]);
    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe(one);
    expect(out[1]).toMatch(/^rank\s+class\s+score\s+label$/);
    expect(out).toHaveLength(5); // path, header, rule, 2 rows
    expect(out[3]).toContain(results[0]!.top[0]!.label);
  });
});

describe("ghostnet eval", () => {
  it("counts top-1 and top-5 hits on a list whose answers the model's own predictions define", async () => {
    const predictions = results ?? (await classifyJson([imagesDir, "--model", fixture]));
    expect(predictions.length).toBeGreaterThanOrEqual(5);
    const name = (r: JsonResult): string => r.image.split(/[\\/]/).pop()!;
    const notInTop5 = (r: JsonResult): number => {
      const ids = r.top.map((p) => p.classId);
      let id = (ids[0]! + 500) % 1000;
      while (ids.includes(id)) id = (id + 1) % 1000;
      return id;
    };
    // Images 0, 1: their top-1 (a top-1 and top-5 hit); image 2: its 3rd guess (top-5 only);
    // images 3, 4: a class outside their top-5 (a miss).
    const p = predictions.slice(0, 5);
    const list = [
      `${name(p[0]!)} ${p[0]!.top[0]!.classId}`,
      `${name(p[1]!)} ${p[1]!.top[0]!.classId}`,
      `${name(p[2]!)} ${p[2]!.top[2]!.classId}`,
      `${name(p[3]!)} ${notInTop5(p[3]!)}`,
      `${name(p[4]!)} ${notInTop5(p[4]!)}`,
    ].join("\n");
    const listPath = join(work, "val_list.txt");
    await writeFile(listPath, `${list}\n`);

    const json = await runCli(["eval", "--model", fixture, "--list", listPath, "--root", imagesDir, "--batch", "2", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout) as { images: number; top1: number; top5: number; imagesPerSecond: number };
    expect(summary).toMatchObject({ images: 5, top1: 0.4, top5: 0.6 });
    expect(summary.imagesPerSecond).toBeGreaterThan(0);

    // Paths relative to the list's own folder when there is no --root; human output.
    const folder = join(work, "listed");
    await rm(folder, { recursive: true, force: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(join(folder, "val"), { recursive: true }));
    await copyFile(join(imagesDir, name(p[0]!)), join(folder, "val", "a.jpeg"));
    await copyFile(join(imagesDir, name(p[3]!)), join(folder, "val", "b.jpeg"));
    await writeFile(join(folder, "list.txt"), `val/a.jpeg ${p[0]!.top[0]!.classId}\nval/b.jpeg ${notInTop5(p[3]!)}\n`);
    const human = await runCli(["eval", "--model", fixture, "--list", join(folder, "list.txt")]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/top-1:\s+50\.00% \(1\/2\)/);
    expect(human.stdout).toMatch(/top-5:\s+50\.00% \(1\/2\)/);
    expect(human.stdout).toMatch(/images\/s/);
  });
});

describe("ghostnet preprocess and run", () => {
  it("preprocess writes the [1, 3, 224, 224] float32 tensor the library computes", async () => {
    const image = join(imagesDir, sampleImages[0]!);
    const out = join(work, "x.npy");
    const result = await runCli(["preprocess", image, "--output", out]);
    expect(result.code, result.stderr).toBe(0);
    const tensor = readNpy(new Uint8Array(await readFile(out)));
    expect(Array.from(tensor.shape)).toEqual([1, 3, 224, 224]);
    expect(tensor.dtype).toBe("float32");
    expectClose(tensor, await prepareImage(new Uint8Array(await readFile(image))), 0, "preprocessed");
  });

  it("run feeds the .npy to the model and writes what the library and onnxruntime compute", async () => {
    const input = join(work, "x.npy");
    const output = join(work, "y.npy");
    const result = await runCli(["run", fixture, "--input", input, "--output", output, "--engine", "graph"]);
    expect(result.code, result.stderr).toBe(0);
    const x = readNpy(new Uint8Array(await readFile(input))) as Tensor;
    const y = readNpy(new Uint8Array(await readFile(output)));
    expect(Array.from(y.shape)).toEqual([1, 1000]);
    const bytes = new Uint8Array(await readFile(fixture));
    const model = await loadModel(bytes, { engine: "graph" });
    const library = (await model.run([x]))[model.outputNames[0]!]!;
    model.dispose();
    expectClose(y, library, 1e-6, "CLI vs library");
    const ort = await runOrt(bytes, { [model.inputNames[0]!]: x });
    expectClose(y, Object.values(ort)[0]! as { shape: number[]; data: Float32Array }, 5e-5, "CLI vs onnxruntime");
  });
});

describe("ghostnet summary and make-fixture", () => {
  it("summary --scale 1.0 --json has params, MACs and layers (DESIGN.md §2 totals)", async () => {
    const result = await runCli(["summary", "--scale", "1.0", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { params: number; macs: number; layers: { name: string }[] };
    expect(Math.abs(summary.params / 5.21e6 - 1)).toBeLessThan(0.005);
    expect(Math.abs(summary.macs / 141e6 - 1)).toBeLessThan(0.01);
    expect(summary.layers.map((l) => l.name)).toContain("_ghostbottleneck_15");
  });

  it("summary MODEL reads the scale off the file", async () => {
    const result = await runCli(["summary", fixture, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { scale: number; params: number };
    expect(summary.scale).toBe(0.5);
    expect(Math.abs(summary.params / 2.6e6 - 1)).toBeLessThan(0.005);
    const table = await runCli(["summary", "--scale", "0.5"]);
    expect(table.stdout).toMatch(/conv1\s+ConvBN 3×3\/2 relu/);
  });
});

describe("errors", () => {
  it("usage errors exit 2", async () => {
    const cases = [
      [],
      ["frobnicate"],
      ["classify"],
      ["classify", "x.jpg", "--topk", "many"],
      ["classify", "x.jpg", "--bogus"],
      ["run", "model.onnx", "--input", "x.npy"],
      ["summary"],
      ["make-fixture", "--scale", "1", "--style", "ancient", "--output", "f.onnx"],
      ["classify", "x.jpg", "--engine", "turbo"],
    ];
    const outcomes = await Promise.all(cases.map((args) => runCli(args)));
    outcomes.forEach((result, i) => {
      expect(result.code, `ghostnet ${cases[i]!.join(" ")}`).toBe(2);
      expect(result.stdout, `ghostnet ${cases[i]!.join(" ")}`).toBe("");
    });
  });

  it("help exits 0 and shows every command's usage", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    const names = ["demo", "classify", "preprocess", "run", "eval", "summary", "make-fixture", "bench"];
    const own = await Promise.all(names.map((command) => runCli([command, "--help"])));
    names.forEach((command, i) => {
      expect(help.stdout).toContain(`  ${command}`);
      expect(own[i]!.code).toBe(0);
      expect(own[i]!.stdout).toMatch(new RegExp(`^Usage: ghostnet ${command}`));
    });
  });

  it("a bad image, a missing file and a bad model exit 1 with one line naming the problem", async () => {
    const notAnImage = join(work, "notes.jpg");
    await writeFile(notAnImage, "these are not pixels\n");
    const truncated = join(work, "truncated.jpeg");
    await writeFile(truncated, (await readFile(join(imagesDir, sampleImages[0]!))).subarray(0, 2000));
    const badModel = join(work, "bad.onnx");
    await writeFile(badModel, new Uint8Array(4096).map((_, i) => (i * 7919) % 251));
    const cases: [string[], RegExp][] = [
      [["classify", notAnImage, "--model", fixture], /notes\.jpg/],
      [["classify", truncated, "--model", fixture], /truncated\.jpeg/],
      [["classify", join(work, "missing.jpg"), "--model", fixture], /missing\.jpg.*no such file/],
      [["classify", join(imagesDir, sampleImages[0]!), "--model", join(work, "missing.onnx")], /missing\.onnx.*no such file/],
      [["classify", join(imagesDir, sampleImages[0]!), "--model", badModel], /./],
      [["run", badModel, "--input", join(work, "x.npy"), "--output", join(work, "z.npy")], /./],
      [["run", fixture, "--input", notAnImage, "--output", join(work, "z.npy")], /npy/],
      [["summary", badModel], /./],
    ];
    const outcomes = await Promise.all(cases.map(([args]) => runCli(args)));
    for (const [i, [args, pattern]] of cases.entries()) {
      const result = outcomes[i]!;
      const label = `ghostnet ${args.join(" ")}`;
      expect(result.code, `${label}: ${result.stderr}`).toBe(1);
      const errLines = lines(result.stderr);
      expect(errLines, label).toHaveLength(1);
      expect(errLines[0], label).toMatch(/^ghostnet: error: /);
      expect(errLines[0], label).toMatch(pattern);
      expect(errLines[0], label).not.toMatch(/\bat .*\(.*:\d+:\d+\)/); // no stack frames
    }
  });

  it("bench explains itself (the suite itself is exercised by test/bench-smoke.test.ts)", async () => {
    const result = await runCli(["bench", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: ghostnet bench/);
  });
});
