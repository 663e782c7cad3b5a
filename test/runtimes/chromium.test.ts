/**
 * The browser bundle (src/index.ts through esbuild, platform "browser", no shims) runs the
 * same fixture GhostNet in headless Chromium as in Node: both engines, outputs within 1e-5.
 * The page is served by a node:http server on 127.0.0.1 with COOP/COEP headers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium, type Browser } from "./browser.js";
import { expectSameAsNode, type JobResult, root, runJob, writeFixtureFiles } from "./harness.js";
// @ts-expect-error plain .mjs build scripts
import { bundleLibrary } from "../../scripts/build-web.mjs";
// @ts-expect-error plain .mjs build scripts
import { startStaticServer } from "../../scripts/static-server.mjs";

let folder: string;
let bundleFolder: string;
let node: JobResult;
let server: { url: string; close(): Promise<void> } | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  folder = await writeFixtureFiles();
  bundleFolder = await mkdtemp(join(tmpdir(), "ghostnet-bundle-"));
  await bundleLibrary({ outfile: join(bundleFolder, "ghostnet.js") });
  node = await runJob([process.execPath], folder, "node");
  server = await startStaticServer({
    "/": bundleFolder,
    "/harness/": join(root, "test", "runtimes"),
    "/harness-fixture/": folder,
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rm(bundleFolder, { recursive: true, force: true });
});

describe("the fixture GhostNet x0.5 in headless Chromium", () => {
  it("the browser bundle matches Node within 1e-5, in a cross-origin-isolated page", async () => {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(`${server!.url}harness/runtime.html`);
    await page.waitForFunction(() => "jobResult" in window || "jobError" in window, undefined, { timeout: 25_000 });
    const { jobResult, jobError } = await page.evaluate(() => ({
      jobResult: (window as unknown as { jobResult?: JobResult & { crossOriginIsolated: boolean } }).jobResult,
      jobError: (window as unknown as { jobError?: string }).jobError,
    }));
    expect(jobError, "error thrown in the page").toBeUndefined();
    expect(errors, "uncaught page errors").toEqual([]);
    expect(jobResult!.crossOriginIsolated, "COOP/COEP give the page SharedArrayBuffer").toBe(true);
    expectSameAsNode(jobResult!, node, expect);
  }, 30_000);
});
