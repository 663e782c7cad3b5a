/**
 * Set-up of the kernel-backend runtime tests (wasm-backend.test.ts, test/wasm/no-webassembly):
 * the browser bundle of src/index.ts, the fixture and its input written into a folder, and
 * run-backend-job.mjs run in a child runtime.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { imageLikeBatch, makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { root } from "./harness.js";
// @ts-expect-error a plain .mjs module shared with the other runtimes
import { BACKEND_FIXTURE, BACKEND_INPUT_SEED } from "./backend-job.mjs";
// @ts-expect-error plain .mjs build scripts
import { bundleLibrary } from "../../scripts/build-web.mjs";

const run = promisify(execFile);
export const deno = join(root, "node_modules", ".bin", "deno");
export const bun = join(root, "node_modules", ".bin", "bun");
const jobRunner = join(root, "test", "runtimes", "run-backend-job.mjs");

export interface Ran {
  engine: string;
  backend: string;
  shape: number[];
  data: number[];
}
export interface Refused {
  isBackendUnavailable: boolean;
  isGhostnetError: boolean;
  name: string;
  code: string;
  message: string;
}
export type Attempt = { ran: Ran; error?: undefined } | { error: Refused; ran?: undefined };
export interface BackendJob {
  runtime: string;
  hasWebAssembly: boolean;
  runs: Record<string, Attempt>;
  violations?: { directive: string; blocked: string }[];
}

export const ENGINES = ["ghostnet", "graph"] as const;

/**
 * Writes the bundle, the fixture and the input into a fresh folder under test-output/
 * (inside the package: Deno resolves nothing for files outside it) and returns it.
 */
export async function writeBackendFiles(): Promise<string> {
  await mkdir(join(root, "test-output"), { recursive: true });
  const dir = await mkdtemp(join(root, "test-output", "wasm-backend-"));
  await bundleLibrary({ outfile: join(dir, "ghostnet.js") });
  await writeFile(join(dir, "fixture.onnx"), makeGhostNetFixture(BACKEND_FIXTURE));
  const input = imageLikeBatch(1, BACKEND_INPUT_SEED, 64);
  await writeFile(join(dir, "input.f32"), new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength));
  return dir;
}

/** Runs run-backend-job.mjs under `command` on the files in `dir` and parses its JSON. */
export async function runBackendJob(command: string[], dir: string, runtime: string, extra: string[] = []): Promise<BackendJob> {
  const [file, ...args] = command;
  const { stdout } = await run(
    file!,
    [...args, jobRunner, join(dir, "ghostnet.js"), join(dir, "fixture.onnx"), join(dir, "input.f32"), runtime, ...extra],
    { cwd: root, maxBuffer: 64 << 20, timeout: 60_000, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" } },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as BackendJob;
}
