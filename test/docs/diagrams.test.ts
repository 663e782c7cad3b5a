/**
 * The pictures the docs show render: every image a page of README.md or docs/ links to
 * (the diagrams and charts are SVG) is loaded by headless Chromium as an <img>, which fails
 * for malformed SVG, drawn onto a canvas, and must cover its area with enough drawing
 * (non-white pixels) to be a picture, not an empty frame. Screenshots of each go to
 * test-output/docs-<name>.png for a person to look at.
 */
import { mkdir, readFile } from "node:fs/promises";
import { basename, dirname, join, normalize } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type Browser } from "../runtimes/browser.js";
import { docFiles, links, root } from "./markdown.js";

/** Every image linked from the docs, relative to the root, once each. */
function linkedImages(): string[] {
  const images = new Set<string>();
  for (const file of docFiles()) {
    for (const link of links(file)) {
      if (link.image && !/^[a-z]+:/i.test(link.target)) images.add(normalize(join(dirname(file), link.target.split("#")[0]!)));
    }
  }
  return [...images].sort();
}

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  await mkdir(join(root, "test-output"), { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe("the docs' pictures render in Chromium", () => {
  const images = linkedImages();

  it("the docs show the diagrams, the time/MACs chart and the benchmark chart", () => {
    expect(images).toEqual(expect.arrayContaining(["docs/images/ghost-module.svg", "docs/images/ghost-bottleneck.svg", "docs/images/layer-time-macs.svg"]));
    expect(images.some((f) => f.startsWith("bench/results/") && f.endsWith(".svg"))).toBe(true);
  });

  for (const image of images) {
    it(`${image} loads and draws`, async () => {
      const svg = await readFile(join(root, image));
      const page = await browser!.context.newPage();
      try {
        await page.setContent("<!doctype html><body style='margin:0;background:white'></body>");
        const result = await page.evaluate(async (src: string) => {
          const img = new Image();
          const loaded = new Promise<boolean>((resolve) => {
            img.onload = () => resolve(true);
            img.onerror = () => resolve(false);
          });
          img.src = src;
          if (!(await loaded)) return { loaded: false, width: 0, height: 0, inked: 0 };
          document.body.appendChild(img);
          const canvas = document.createElement("canvas");
          canvas.width = img.naturalWidth;
          canvas.height = img.naturalHeight;
          const ctx = canvas.getContext("2d")!;
          ctx.fillStyle = "white";
          ctx.fillRect(0, 0, canvas.width, canvas.height);
          ctx.drawImage(img, 0, 0);
          const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let inked = 0;
          for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 200 || pixels[i + 1]! < 200 || pixels[i + 2]! < 200) inked++;
          return { loaded: true, width: canvas.width, height: canvas.height, inked: inked / (canvas.width * canvas.height) };
        }, `data:image/svg+xml;base64,${svg.toString("base64")}`);
        expect(result.loaded, `${image} did not load as an image (malformed SVG?)`).toBe(true);
        expect(result.width).toBeGreaterThan(200);
        expect(result.height).toBeGreaterThan(150);
        expect(result.inked).toBeGreaterThan(0.02); // text, boxes and bars, not an empty frame
        await page.locator("img").screenshot({ path: join(root, "test-output", `docs-${basename(image, ".svg")}.png`) });
      } finally {
        await page.close();
      }
    });
  }

  it("a malformed SVG is caught (the check can fail)", async () => {
    const page = await browser!.context.newPage();
    try {
      const loaded = await page.evaluate(async (src: string) => {
        const img = new Image();
        const ok = new Promise<boolean>((resolve) => {
          img.onload = () => resolve(true);
          img.onerror = () => resolve(false);
        });
        img.src = src;
        return ok;
      }, `data:image/svg+xml;base64,${Buffer.from("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect></svg>").toString("base64")}`);
      expect(loaded).toBe(false);
    } finally {
      await page.close();
    }
  });
});
