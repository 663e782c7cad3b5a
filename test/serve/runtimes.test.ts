/**
 * The fetch handler served by Deno's and Bun's own servers (Deno.serve, Bun.serve), from
 * the built package: the same answers as Node's classifier (class ids and labels equal,
 * scores within 1e-5: the runtimes' Math.exp may differ in the last bits), multipart,
 * batching and the error statuses. The runtimes are the `deno` and `bun` devDependencies.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { type Prediction, createClassifier } from "../../src/classifier.js";
import { loadModel } from "../../src/load-model.js";
import { requireBinary, requireDist } from "../runtimes/harness.js";
import { root, sampleImages, smallGhostNetBytes } from "./helpers.js";

const run = promisify(execFile);
const job = join(root, "test", "serve", "serve-job.mjs");

interface JobOutput {
  runtime: string;
  single: { top: Prediction[] }[];
  multipart: { image: string; top: Prediction[] }[];
  concurrent: { top: Prediction[] }[];
  statuses: Record<string, number>;
  batchedRuns: number;
}

/**
 * Same classes, scores within 1e-4: Deno (like Chromium and Node 22+) has relaxed SIMD, so
 * its wasm GEMM kernels fuse multiply-adds (one rounding instead of two) where Node 20's do
 * not — DESIGN §6's tolerance for long reductions, not the 1e-5 of short ones.
 */
function expectClose(actual: Prediction[], expected: Prediction[], where: string): void {
  expect(actual.map((p) => [p.classId, p.label]), where).toEqual(expected.map((p) => [p.classId, p.label]));
  actual.forEach((p, i) => expect(Math.abs(p.score - expected[i]!.score), `${where}, rank ${i}`).toBeLessThanOrEqual(1e-4));
}

describe("the fetch handler under Deno.serve and Bun.serve", () => {
  const images = sampleImages();
  let modelPath: string;
  let imagePaths: string[];
  let expected: Prediction[][];

  beforeAll(async () => {
    const folder = await mkdtemp(join(tmpdir(), "ghostnet-serve-runtimes-"));
    const bytes = smallGhostNetBytes();
    modelPath = join(folder, "model.onnx");
    await writeFile(modelPath, bytes);
    imagePaths = images.map((image) => join(root, "data", "images", image.name));
    const classifier = createClassifier(await loadModel(bytes), { topk: 5 });
    expected = [];
    for (const image of images) expected.push(await classifier.classify(image.bytes));
  }, 30_000);

  async function runIn(command: string[]): Promise<JobOutput> {
    const [file, ...args] = command;
    const { stdout } = await run(file!, [...args, job, join(root, "dist"), modelPath, ...imagePaths], {
      cwd: root,
      timeout: 60_000,
      maxBuffer: 16 << 20,
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    });
    return JSON.parse(stdout.trim().split("\n").at(-1)!) as JobOutput;
  }

  function check(output: JobOutput): void {
    output.single.forEach((answer, i) => expectClose(answer.top, expected[i]!, `${output.runtime}: ${images[i]!.name}`));
    expect(output.multipart.map((m) => m.image)).toEqual(images.map((_, i) => `image-${i}.jpg`));
    output.multipart.forEach((answer, i) => expectClose(answer.top, expected[i]!.slice(0, 3), `${output.runtime}: multipart part ${i}`));
    output.concurrent.forEach((answer, i) => expectClose(answer.top, expected[i % images.length]!, `${output.runtime}: concurrent ${i}`));
    expect(output.batchedRuns, `${output.runtime}: model runs with more than one image`).toBeGreaterThan(0);
    expect(output.statuses).toEqual({ garbage: 400, wrongType: 415, tooBig: 413, unknown: 404, wrongMethod: 405, healthz: 200 });
  }

  it("Deno.serve", async () => {
    requireDist();
    const deno = requireBinary(join(root, "node_modules", ".bin", "deno"), "npm ci installs the `deno` devDependency");
    const output = await runIn([deno, "run", "--allow-read", "--allow-net=127.0.0.1", "--allow-env"]);
    expect(output.runtime).toBe("deno");
    check(output);
  }, 60_000);

  it("Bun.serve", async () => {
    requireDist();
    const bun = requireBinary(join(root, "node_modules", ".bin", "bun"), "npm ci installs the `bun` devDependency");
    const output = await runIn([bun, "run"]);
    expect(output.runtime).toBe("bun");
    check(output);
  }, 60_000);
});
