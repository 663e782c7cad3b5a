/**
 * The command line's `--backend auto|wasm|js` (src/cli/args.ts, shared by classify, run,
 * eval, demo and serve), through the built CLI as a child process:
 *
 *   run --backend js / wasm    the .npy written is bit for bit what loadModel gives here
 *                              with that backend (and the two differ: the flag arrives)
 *   run without --backend      the same bits as wasm (auto picks wasm in Node)
 *   --backend gpu              a usage error, exit 2, naming the option, in every command
 *   no WebAssembly             (NODE_OPTIONS=--jitless: V8 exposes no WebAssembly) auto
 *                              runs the js kernels; --backend wasm is one line, exit 1
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageLikeBatch, makeGhostNetFixture } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import { readNpy, writeNpy } from "../../src/tensor/npy.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { assertBuilt, lines, packageRoot, runCli } from "../cli/run-cli.js";
import { bitwiseEqual } from "../robustness/models.js";

let dir: string;
let modelPath: string;
let inputPath: string;
/** In-process outputs by "engine/backend". */
const expected = new Map<string, Float32Array>();

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), "ghostnet-cli-backend-"));
  const bytes = makeGhostNetFixture({ scale: 0.25, style: "modern", seed: 17, classCount: 20, calibrationBatch: 1, calibrationSize: 64, inputSize: "dynamic", withoutSoftmax: true });
  modelPath = join(dir, "fixture.onnx");
  inputPath = join(dir, "x.npy");
  await writeFile(modelPath, bytes);
  const x = imageLikeBatch(1, 9, 64);
  await writeFile(inputPath, writeNpy(x));
  for (const engine of ["ghostnet", "graph"] as const) {
    for (const backend of ["js", "wasm"] as const) {
      const model = await loadModel(bytes, { engine, backend });
      expected.set(`${engine}/${backend}`, Object.values(await model.run([x]))[0]!.data.slice());
      model.dispose();
    }
  }
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function runToNpy(name: string, extra: string[], env?: Record<string, string>): Promise<{ code: number; stderr: string; output?: Float32Array }> {
  const outputPath = join(dir, `${name}.npy`);
  const result = await runCli(["run", modelPath, "--input", inputPath, "--output", outputPath, ...extra], { env, timeoutMs: 60_000 });
  if (result.code !== 0) return { code: result.code, stderr: result.stderr };
  return { code: 0, stderr: result.stderr, output: (readNpy(new Uint8Array(await readFile(outputPath))) as Tensor).data };
}

describe("ghostnet --backend", () => {
  for (const engine of ["ghostnet", "graph"] as const) {
    it(`run --engine ${engine}: --backend js and wasm write loadModel's bits for that backend; no flag is wasm`, async () => {
      const js = expected.get(`${engine}/js`)!;
      const wasm = expected.get(`${engine}/wasm`)!;
      // The two backends round differently somewhere, so equal bits below name the backend used.
      expect(bitwiseEqual(js, wasm), "js and wasm give different bits on this fixture").toBe(false);
      const viaJs = await runToNpy(`${engine}-js`, ["--engine", engine, "--backend", "js"]);
      expect(viaJs.code, viaJs.stderr).toBe(0);
      expect(bitwiseEqual(viaJs.output!, js), "--backend js").toBe(true);
      const viaWasm = await runToNpy(`${engine}-wasm`, ["--engine", engine, "--backend", "wasm"]);
      expect(viaWasm.code, viaWasm.stderr).toBe(0);
      expect(bitwiseEqual(viaWasm.output!, wasm), "--backend wasm").toBe(true);
      const viaAuto = await runToNpy(`${engine}-auto`, ["--engine", engine]);
      expect(viaAuto.code, viaAuto.stderr).toBe(0);
      expect(bitwiseEqual(viaAuto.output!, wasm), "no --backend: auto → wasm").toBe(true);
    }, 60_000);
  }

  const commands: { name: string; args: string[] }[] = [
    { name: "run", args: ["run", "model.onnx", "--input", "x.npy", "--output", "y.npy"] },
    { name: "classify", args: ["classify", "photo.jpg"] },
    { name: "eval", args: ["eval", "--list", "list.txt"] },
    { name: "demo", args: ["demo"] },
    { name: "serve", args: ["serve", "--port", "0"] },
  ];
  for (const { name, args } of commands) {
    it(`${name} --backend gpu: usage error (exit 2) naming the option and the choices; --help lists --backend`, async () => {
      const result = await runCli([...args, "--backend", "gpu"], { timeoutMs: 30_000 });
      expect(result.code, result.stderr).toBe(2);
      // The CLI's usage errors: the problem, then where to read the options.
      expect(lines(result.stderr)).toEqual([
        `ghostnet ${name}: usage error: --backend must be one of auto, wasm, js, got 'gpu'`,
        `Run \`ghostnet ${name} --help\` for its options.`,
      ]);
      expect(result.stdout).toBe("");
      const help = await runCli([name, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^ {2}--backend B +kernels: auto .*wasm or js$/m);
    }, 30_000);
  }

  describe("where WebAssembly does not exist (NODE_OPTIONS=--jitless)", () => {
    const noWasm = { NODE_OPTIONS: "--jitless" };

    it("run: auto runs the js kernels (js's bits); --backend wasm fails in one line with exit 1", async () => {
      const auto = await runToNpy("jitless-auto", ["--engine", "ghostnet"], noWasm);
      expect(auto.code, auto.stderr).toBe(0);
      expect(bitwiseEqual(auto.output!, expected.get("ghostnet/js")!), "auto without WebAssembly → js").toBe(true);
      const forced = await runToNpy("jitless-wasm", ["--backend", "wasm"], noWasm);
      expect(forced.code).toBe(1);
      const errorLines = lines(forced.stderr).filter((l) => !/^Warning: disabling flag --expose_wasm/.test(l) && !/^\(Use `node --trace-warnings/.test(l));
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatch(/wasm backend cannot run here \(this runtime has no WebAssembly\)/);
    }, 60_000);

    it("classify and eval pass --backend wasm to loadModel too (exit 1, the same message)", async () => {
      const list = join(dir, "list.txt");
      await writeFile(list, "exif6.jpg 3\n");
      for (const args of [
        ["classify", join(packageRoot, "test", "fixtures", "images", "exif6.jpg"), "--model", modelPath],
        ["eval", "--list", list, "--root", join(packageRoot, "test", "fixtures", "images"), "--model", modelPath],
      ]) {
        const result = await runCli([...args, "--backend", "wasm"], { env: noWasm, timeoutMs: 30_000 });
        expect(result.code, `${args[0]}: ${result.stderr}`).toBe(1);
        expect(result.stderr, args[0]).toMatch(/wasm backend cannot run here/);
      }
    }, 60_000);
  });
});
