/**
 * The demo's Paddle part: PP-LCNet_x0_25_textline_ori read from the Paddle 3 files shipped
 * in data/models (inference.json + inference.pdiparams), preprocessed as its own
 * inference.yml says, gets drawn text lines right upright and turned 180°; and
 * `ghostnet classify --model FOLDER` uses that yml's preprocessing and labels.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createClassifier } from "../../src/classifier.js";
import { paddleDemoPart, textlineModelFolder } from "../../src/cli/demo-paddle.js";
import { renderTextLine, rotate180 } from "../../src/cli/text-line.js";
import { runImagePipeline } from "../../src/image/pipeline.js";
import { loadModel } from "../../src/load-model.js";
import { readModelPath } from "../../src/node/model-path.js";
import { readNpy } from "../../src/tensor/npy.js";
import { writePng } from "../image/helpers.js";
import { assertBuilt, runCli } from "../cli/run-cli.js";

describe("PP-LCNet_x0_25_textline_ori from data/models", () => {
  it("reads its inference.yml and gets upright and 180°-turned lines right, for several texts and sizes", async () => {
    const { source, layout, inferenceConfig } = await readModelPath(textlineModelFolder());
    expect(layout).toBe("Paddle inference.json");
    expect(inferenceConfig?.labels).toEqual(["0_degree", "180_degree"]);
    const model = await loadModel(source);
    try {
      const classifier = createClassifier(model, { labels: inferenceConfig!.labels, topk: 1 });
      for (const [text, scale] of [["HELLO WORLD", 8], ["PADDLE 3", 4], ["THE QUICK BROWN FOX", 4]] as const) {
        const line = renderTextLine(text, { scale, margin: scale });
        const inputs = [line, rotate180(line)].map((l) => runImagePipeline(l, inferenceConfig!.preprocess));
        expect(inputs[0]!.shape).toEqual([1, 3, 80, 160]);
        const [upright, turned] = await classifier.classifyBatch(inputs);
        expect(upright![0]!.label, text).toBe("0_degree");
        expect(turned![0]!.label, text).toBe("180_degree");
        expect(upright![0]!.score).toBeGreaterThan(0.9);
        expect(turned![0]!.score).toBeGreaterThan(0.9);
      }
    } finally {
      model.dispose();
    }
  });

  it("the demo part prints both answers as right", async () => {
    const printed: string[] = [];
    const line = renderTextLine("HELLO WORLD", { scale: 8, margin: 8 });
    await paddleDemoPart((t) => printed.push(t), { engine: "auto", threads: 1, packWeights: true }, line, rotate180(line));
    const text = printed.join("\n");
    expect(text).toMatch(/resize to 160×80/);
    expect(text).toMatch(/upright\s+→ 0_degree\s+score 0\.9\d+\s+\(right\)/);
    expect(text).toMatch(/turned 180°\s+→ 180_degree\s+score 0\.9\d+\s+\(right\)/);
  });

  it("ghostnet classify --model FOLDER uses the folder's inference.yml: its size, labels and topk", async () => {
    assertBuilt();
    const work = await mkdtemp(join(tmpdir(), "ghostnet-textline-"));
    try {
      const line = renderTextLine("HELLO WORLD", { scale: 4, margin: 4 });
      const files = [["upright.png", line], ["turned.png", rotate180(line)]] as const;
      for (const [name, image] of files) await writeFile(join(work, name), writePng(image.width, image.height, 8, 2, image.data));
      const r = await runCli(["classify", join(work, "upright.png"), join(work, "turned.png"), "--model", textlineModelFolder(), "--json"]);
      expect(r.code, r.stderr).toBe(0);
      const results = JSON.parse(r.stdout) as { top: { label: string }[] }[];
      expect(results.map((x) => x.top.map((p) => p.label))).toEqual([["0_degree"], ["180_degree"]]);
      // preprocess --model: the folder's inference.yml pipeline, as the library runs it.
      const npy = join(work, "x.npy");
      const p = await runCli(["preprocess", join(work, "upright.png"), "--output", npy, "--model", textlineModelFolder()]);
      expect(p.code, p.stderr).toBe(0);
      const written = readNpy(new Uint8Array(await readFile(npy)));
      const { inferenceConfig } = await readModelPath(textlineModelFolder());
      const expected = runImagePipeline(line, inferenceConfig!.preprocess);
      expect(written.shape).toEqual([1, 3, 80, 160]);
      expect(Array.from(written.data)).toEqual(Array.from(expected.data));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
