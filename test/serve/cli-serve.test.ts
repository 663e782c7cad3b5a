/**
 * `ghostnet serve` as a user runs it: the built CLI (`node bin/ghostnet.js serve`) as a
 * child process. It prints `listening on http://HOST:PORT` when ready, answers like the
 * library, and on SIGTERM answers every request already in flight, then exits 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClassifier } from "../../src/classifier.js";
import { loadModel } from "../../src/load-model.js";
import { loadImageNetLabels } from "../../src/node/data.js";
import { assertBuilt } from "../cli/run-cli.js";
import { root, sampleImages, smallGhostNetBytes, smallJpeg } from "./helpers.js";

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];

/** Starts `ghostnet serve ARGS` and resolves once it prints its address. */
function startServe(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [join(root, "bin", "ghostnet.js"), "serve", "--port", "0", ...args], { cwd: root, env: { ...process.env, GHOSTNET_DEBUG: "" } });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ghostnet serve did not start within 60 s; stderr: ${stderr}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, stderr: () => stderr, exit });
      }
    });
    void exit.then((code) => reject(new Error(`ghostnet serve exited (${code}) before listening; stderr: ${stderr}`)));
  });
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

describe("ghostnet serve", () => {
  let modelPath: string;
  const bytes = smallGhostNetBytes();

  beforeAll(async () => {
    assertBuilt();
    modelPath = join(await mkdtemp(join(tmpdir(), "ghostnet-serve-")), "ghostnet-x0.5.onnx");
    await writeFile(modelPath, bytes);
  });

  it("serves a model file: ImageNet labels, the same answers as the library, /v1/models from the file", async () => {
    const served = await startServe(["--model", modelPath, "--max-batch", "4", "--topk", "3", "--backend", "js"]);
    const classifier = createClassifier(await loadModel(bytes, { backend: "js" }), { labels: await loadImageNetLabels(), topk: 3 });
    const image = sampleImages()[1]!;
    const response = await fetch(`${served.url}/v1/classify`, { method: "POST", body: image.bytes, headers: { "content-type": "image/jpeg" } });
    expect(await response.json()).toEqual({ top: await classifier.classify(image.bytes) });
    const { models } = (await (await fetch(`${served.url}/v1/models`)).json()) as { models: Record<string, unknown>[] };
    expect(models[0]).toMatchObject({ name: modelPath, engine: "ghostnet", backend: "js", threads: 1, maxBatch: 4 });
    const [input] = models[0]!.inputs as { name: string; shape: unknown[] }[];
    expect(input!.name).toBe("x");
    expect(input!.shape).toHaveLength(4);
    expect(input!.shape[1]).toBe(3);
    expect(served.stderr()).not.toMatch(/synthetic/);
    served.child.kill("SIGINT");
    expect(await served.exit).toBe(0);
  }, 90_000);

  it("on SIGTERM answers every request in flight, then exits 0", async () => {
    const served = await startServe(["--model", modelPath, "--max-batch", "1"]);
    const jpegs = Array.from({ length: 8 }, (_, i) => smallJpeg(i));
    let answered = 0;
    const requests = jpegs.map((body) =>
      fetch(`${served.url}/v1/classify`, { method: "POST", body, headers: { "content-type": "image/jpeg" } }).then(async (r) => {
        answered++;
        return { status: r.status, body: (await r.json()) as { top?: unknown[] } };
      }),
    );
    // SIGTERM as the first answer arrives: by then the server has read all eight requests
    // (they reached it together), and seven are still to run, one image per run (~25 ms each).
    while (answered === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    served.child.kill("SIGTERM");
    expect(answered, "requests answered before SIGTERM").toBeLessThan(8);
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.status)).toEqual(new Array(8).fill(200));
    for (const answer of answers) expect(answer.body.top).toHaveLength(5);
    expect(await served.exit).toBe(0);
    expect(served.stderr()).toMatch(/SIGTERM/);
    // Nothing listens any more.
    await expect(fetch(`${served.url}/healthz`)).rejects.toThrow();
  }, 90_000);

  it("without --model serves the synthetic GhostNet and says so plainly", async () => {
    const served = await startServe([]);
    expect(served.stderr()).toMatch(/synthetic \(seeded random\) weights and its answers mean nothing/);
    expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
    served.child.kill("SIGTERM");
    expect(await served.exit).toBe(0);
  }, 120_000);

  it("refuses bad options with a usage error (exit 2)", async () => {
    const child = spawn(process.execPath, [join(root, "bin", "ghostnet.js"), "serve", "--max-batch", "0"], { cwd: root });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--max-batch must be an integer from 1/);
  });
});
