/**
 * Shared set-up of the runtime tests: the fixture model and input written once by Node
 * into a temporary folder, paths to the runtimes, and the comparison of two job results.
 */
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { makeGhostNetFixture, imageLikeBatch } from "../../src/index.js";
// @ts-expect-error a plain .mjs module shared with the other runtimes
import { FIXTURE, INPUT_SEED } from "./fixture-job.mjs";

const run = promisify(execFile);

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const distEntry = join(root, "dist", "index.js");
export const runner = join(root, "test", "runtimes", "run-fixture.mjs");

export interface EngineResult {
  engine: string;
  outputName: string;
  shape: number[];
  data: number[];
  ms: number;
}
export interface JobResult {
  runtime: string;
  results: Record<"ghostnet" | "graph", EngineResult>;
}

/** Writes fixture.onnx and input.f32 into a fresh temporary folder and returns it. */
export async function writeFixtureFiles(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "ghostnet-runtimes-"));
  await writeFile(join(folder, "fixture.onnx"), makeGhostNetFixture(FIXTURE));
  const input = imageLikeBatch(1, INPUT_SEED);
  await writeFile(join(folder, "input.f32"), new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength));
  return folder;
}

/** A binary the test needs; throws a message saying how to get it when it is missing. */
export function requireBinary(path: string, howToGet: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${howToGet}`);
  return path;
}

/** The built package entry (npm test builds it first via "pretest"). */
export function requireDist(): string {
  return requireBinary(distEntry, "run `npm run build` first (npm test does it in pretest)");
}

/** Runs run-fixture.mjs under `command` (e.g. ["deno", "run", "--allow-read"]) and parses its JSON. */
export async function runJob(command: string[], fixtureFolder: string, runtime: string): Promise<JobResult> {
  const [file, ...args] = command;
  const { stdout } = await run(
    file!,
    [...args, runner, requireDist(), join(fixtureFolder, "fixture.onnx"), join(fixtureFolder, "input.f32"), runtime],
    { cwd: root, maxBuffer: 64 << 20, timeout: 60_000, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as JobResult;
}

/** max|a − b| over two equally long outputs (NaN counts as infinitely far). */
export function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = d;
  }
  return m;
}

/**
 * Asserts that `job` (another runtime) matches Node's `reference` for both engines:
 * same output name and shape, values within 1e-5 · max(1, max|ref|) (DESIGN.md §6).
 */
export function expectSameAsNode(job: JobResult, reference: JobResult, expect: (value: unknown, message?: string) => any): void {
  for (const engine of ["ghostnet", "graph"] as const) {
    const mine = job.results[engine];
    const ref = reference.results[engine];
    expect(mine.engine, `${job.runtime} ${engine}: engine used`).toBe(engine);
    expect(mine.outputName, `${job.runtime} ${engine}: output name`).toBe(ref.outputName);
    expect(mine.shape, `${job.runtime} ${engine}: output shape`).toEqual(ref.shape);
    const scale = Math.max(1, ...ref.data.map(Math.abs));
    const diff = maxAbsDiff(mine.data, ref.data);
    expect(diff, `${job.runtime} ${engine}: max |diff| vs Node`).toBeLessThanOrEqual(1e-5 * scale);
  }
}
