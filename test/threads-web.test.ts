/**
 * `loadModel(bytes, { threads: 2 })` outside Node: the browser bundle of the
 * `ghostnet-ts/web-threads` entry (src/web-threads.ts, which registers the Web Worker pool)
 * plus its worker script beside it, as a bundler emits them, in Deno, Bun and headless
 * Chromium (a cross-origin-isolated page, the model on the main thread). In each, the model
 * must report 2 threads, its outputs must equal threads 1 bit for bit in that runtime, and
 * both must be within 1e-5 of Node's typed GhostNet on the same input; Deno and Bun must end
 * by themselves after dispose (no worker left running).
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeGhostNetFixture } from "../src/ghostnet/fixture.js";
import { loadModel } from "../src/load-model.js";
import { launchChromium, type Browser } from "./runtimes/browser.js";
import { requireBinary, root } from "./runtimes/harness.js";
// @ts-expect-error plain .mjs job shared with the other runtimes
import { JOB_SHAPES, jobInput } from "./threads-web-job.mjs";
// @ts-expect-error plain .mjs build scripts
import { startStaticServer } from "../scripts/static-server.mjs";

const run = promisify(execFile);

interface ThreadsJob {
  threads: number;
  engine: string;
  outputs: { one: number[][]; two: number[][] };
  crossOriginIsolated?: boolean;
}

let folder: string;
let nodeOutputs: Float32Array[];
let server: { url: string; close(): Promise<void> } | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  // Inside the package (Deno finds no package.json for files outside it); test-output/ is git-ignored.
  await mkdir(join(root, "test-output"), { recursive: true });
  folder = await mkdtemp(join(root, "test-output", "threads-web-"));
  // The default entry and the worker script side by side, as a bundler would emit them.
  await build({
    entryPoints: { ghostnet: join(root, "src", "web-threads.ts"), "web-worker": join(root, "src", "threads", "web-worker.ts") },
    outdir: folder,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    logLevel: "error",
  });
  const bytes = makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 5, classCount: 10, calibrationBatch: 1, calibrationSize: 64, inputSize: "dynamic" });
  await writeFile(join(folder, "fixture.onnx"), bytes);
  const model = await loadModel(bytes);
  nodeOutputs = [];
  for (const shape of JOB_SHAPES as number[][]) nodeOutputs.push(Object.values(await model.run([jobInput(shape)]))[0]!.data);
  model.dispose();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (folder) await rm(folder, { recursive: true, force: true });
});

function bitwiseEqualArrays(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function expectGoodJob(job: ThreadsJob): void {
  expect(job.engine).toBe("ghostnet");
  expect(job.threads, "threads really used").toBe(2);
  job.outputs.two.forEach((two, k) => {
    expect(bitwiseEqualArrays(two, job.outputs.one[k]!), `threads 2 vs 1, input ${k}`).toBe(true);
    const ref = nodeOutputs[k]!;
    expect(two.length).toBe(ref.length);
    const worst = two.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i]!)), 0);
    expect(worst, `vs Node, input ${k}`).toBeLessThanOrEqual(1e-5);
  });
}

async function runtimeJob(command: string[]): Promise<ThreadsJob> {
  const [file, ...args] = command;
  const { stdout } = await run(file!, [...args, join(root, "test", "threads-web-run.mjs"), join(folder, "ghostnet.js"), join(folder, "fixture.onnx")], {
    cwd: root,
    timeout: 30_000, // a runtime kept alive by a worker left running fails here
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as ThreadsJob;
}

describe("threads 2 on Web Workers", () => {
  it("Deno: 2 threads, bitwise equal to 1 thread, within 1e-5 of Node; ends by itself after dispose", async () => {
    const deno = requireBinary(join(root, "node_modules", ".bin", "deno"), "npm ci installs the `deno` devDependency");
    expectGoodJob(await runtimeJob([deno, "run", "--allow-read"]));
  }, 40_000);

  it("Bun: 2 threads, bitwise equal to 1 thread, within 1e-5 of Node; ends by itself after dispose", async () => {
    const bun = requireBinary(join(root, "node_modules", ".bin", "bun"), "npm ci installs the `bun` devDependency");
    expectGoodJob(await runtimeJob([bun, "run"]));
  }, 40_000);

  it("Chromium, a cross-origin-isolated page's main thread: 2 threads, bitwise equal to 1 thread, within 1e-5 of Node", async () => {
    server = await startStaticServer({ "/": folder, "/harness/": join(root, "test"), "/fixture/": folder });
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(`${server!.url}harness/threads-web.html`);
    await page.waitForFunction(() => "jobResult" in window || "jobError" in window, undefined, { timeout: 30_000 });
    const { jobResult, jobError } = await page.evaluate(() => ({
      jobResult: (window as unknown as { jobResult?: ThreadsJob }).jobResult,
      jobError: (window as unknown as { jobError?: string }).jobError,
    }));
    expect(jobError, errors.join("\n")).toBeUndefined();
    expect(jobResult!.crossOriginIsolated).toBe(true);
    expectGoodJob(jobResult!);
  }, 60_000);
});
