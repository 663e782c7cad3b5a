/**
 * The demo page end to end in headless Chromium: build web/dist, serve it on 127.0.0.1,
 * make the x0.5 fixture in the page, click a sample photo, and check that the top-5 the
 * page shows is Node's top-5 for the same fixture and photo (classes in order, scores
 * within 1e-5). Saves a screenshot to test-output/web-demo.png.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createClassifier, loadModel, makeGhostNetFixture, parseLabelList, type Prediction } from "../../src/index.js";
import { launchChromium, type Browser } from "./browser.js";
import { root } from "./harness.js";
// @ts-expect-error plain .mjs build scripts
import { buildWeb, webDist } from "../../scripts/build-web.mjs";
// @ts-expect-error plain .mjs build scripts
import { startStaticServer } from "../../scripts/static-server.mjs";

const SAMPLE = "whl_demo.jpg";
const FIXTURE = { scale: 0.5, style: "modern" as const, seed: 7 };

let server: { url: string; close(): Promise<void> } | undefined;
let browser: Browser | undefined;
let nodeTop: Prediction[];
let labels: string[];

/** Node's top-5 for a fixture's bytes and a sample photo, through the public classifier. */
async function nodeTopFive(modelBytes: Uint8Array, sample: string): Promise<Prediction[]> {
  const model = await loadModel(modelBytes);
  const image = new Uint8Array(await readFile(join(root, "data", "images", sample)));
  const top = await createClassifier(model, { labels, topk: 5 }).classify(image);
  model.dispose();
  return top;
}

/** The top-5 list as the page shows it. */
async function shownTopFive(page: import("playwright-core").Page) {
  return page.$$eval("#top5 li", (items) =>
    items.map((item) => ({ classId: Number(item.getAttribute("data-class-id")), score: Number(item.getAttribute("data-score")), text: item.textContent ?? "" })),
  );
}

function expectSameTopFive(shown: Awaited<ReturnType<typeof shownTopFive>>, expected: Prediction[]): void {
  expect(shown.map((p) => p.classId)).toEqual(expected.map((p) => p.classId));
  shown.forEach((p, i) => {
    expect(Math.abs(p.score - expected[i]!.score)).toBeLessThanOrEqual(1e-5);
    expect(p.text).toContain(expected[i]!.label);
  });
}

beforeAll(async () => {
  await buildWeb();
  server = await startStaticServer({ "/": webDist as string });
  labels = parseLabelList(await readFile(join(root, "data", "imagenet1k_label_list.txt"), "utf8"));
  nodeTop = await nodeTopFive(makeGhostNetFixture(FIXTURE), SAMPLE);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("the web demo", () => {
  it("classifies a sample photo with a fixture made in the page, like Node, without freezing the page", async () => {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    await page.goto(server!.url);
    await page.waitForSelector(`button[data-sample="${SAMPLE}"]`);

    await page.selectOption("#fixture-scale", String(FIXTURE.scale));
    await page.fill("#fixture-seed", String(FIXTURE.seed));
    await page.click("#make-fixture");
    // The model is made in the worker: the page must keep answering meanwhile.
    const responsive = await page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(() => resolve(performance.now()))));
    expect(responsive).toBeGreaterThan(0);
    await page.waitForFunction(() => document.body.dataset.state === "idle" || document.body.dataset.state === "error", undefined, { timeout: 20_000 });
    await page.click(`button[data-sample="${SAMPLE}"]`);
    await page.waitForFunction(() => document.body.dataset.state === "done" || document.body.dataset.state === "error", undefined, { timeout: 20_000 });
    expect(await page.textContent("#status")).toBe(`done: ${SAMPLE}`);

    expectSameTopFive(await shownTopFive(page), nodeTop);

    // The crop is drawn (not a blank canvas) and the layer chart has its legend.
    const cropVariance = await page.$eval("#crop", (canvas) => {
      const { data } = (canvas as HTMLCanvasElement).getContext("2d")!.getImageData(0, 0, 224, 224);
      let sum = 0;
      let squares = 0;
      for (let i = 0; i < data.length; i += 4) {
        sum += data[i]!;
        squares += data[i]! * data[i]!;
      }
      const n = data.length / 4;
      return squares / n - (sum / n) ** 2;
    });
    expect(cropVariance, "variance of the crop's red channel").toBeGreaterThan(100);
    expect(await page.textContent("#layer-summary")).toMatch(/over \d+ layers/);
    expect(errors).toEqual([]);

    await mkdir(join(root, "test-output"), { recursive: true });
    await page.screenshot({ path: join(root, "test-output", "web-demo.png"), fullPage: true });
  }, 45_000);

  it("loads a model file and an image file picked by the user (legacy-style export), like Node", async () => {
    const fixture = makeGhostNetFixture({ scale: 0.5, style: "legacy", seed: 11 });
    const sample = "ILSVRC2012_val_00020010.jpeg";
    const expected = await nodeTopFive(fixture, sample);
    browser ??= await launchChromium();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(server!.url);
    await page.setInputFiles("#image-file", join(root, "data", "images", sample));
    await page.waitForFunction(() => document.body.dataset.state === "idle");
    await page.setInputFiles("#model-file", { name: "ghostnet_x0_5_legacy.onnx", mimeType: "application/octet-stream", buffer: Buffer.from(fixture) });
    // The image waited for the model; loading the model classifies it.
    await page.waitForFunction(() => document.body.dataset.state === "done" || document.body.dataset.state === "error", undefined, { timeout: 20_000 });
    expect(await page.textContent("#status")).toBe(`done: ${sample}`);
    expect(await page.textContent("#model-info")).toContain("ghostnet_x0_5_legacy.onnx");
    expectSameTopFive(await shownTopFive(page), expected);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(root, "test-output", "web-demo-file.png"), fullPage: true });
  }, 45_000);
});
