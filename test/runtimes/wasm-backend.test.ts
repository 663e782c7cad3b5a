/**
 * The wasm kernel backend in every runtime, and where it must not run (DESIGN.md §8):
 *
 *   Node          "auto" picks wasm; wasm and js logits agree within 1e-4 relative
 *                 (DESIGN.md §6, long reductions), on both engines
 *   Deno, Bun     wasm runs (model.backend === "wasm") and equals Node's wasm within 1e-5
 *   Chromium      the same, on a page without a CSP
 *   CSP pages     `script-src 'self'` (no 'wasm-unsafe-eval': the page may not compile
 *                 WebAssembly): "auto" falls back to js with the right answer, a forced
 *                 "wasm" is a BackendUnavailableError; with 'wasm-unsafe-eval' the page
 *                 gets wasm
 *
 * Every runtime runs the same job (backend-job.mjs) on the same esbuild bundle of
 * src/index.ts (platform "browser"), the fixture GhostNet x0.5 at 64×64 with its logits as
 * output, made once in Node and handed over as bytes.
 */
import { readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type Browser } from "./browser.js";
import { maxAbsDiff, requireBinary, root } from "./harness.js";
import { type BackendJob, ENGINES, type Ran, bun, deno, runBackendJob, writeBackendFiles } from "./backend-harness.js";

let folder: string;
let node: BackendJob;

/** The run `key` ("ghostnet/wasm") of `job`, failing with the error it threw when it did not run. */
function ran(job: BackendJob, key: string): Ran {
  const attempt = job.runs[key];
  expect(attempt, `${job.runtime} ${key}: present`).toBeDefined();
  expect(attempt!.error, `${job.runtime} ${key}: load error`).toBeUndefined();
  return attempt!.ran!;
}

/** max|a − b| / max(1, max|b|). */
function relativeDiff(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return maxAbsDiff(a, b) / Math.max(1, ...b.map(Math.abs));
}

/** `job`'s run `key` equals Node's run `nodeKey` within 1e-5 · max(1, max|ref|), on `backend`. */
function expectMatchesNode(job: BackendJob, key: string, nodeKey: string, backend: string): void {
  const mine = ran(job, key);
  const ref = ran(node, nodeKey);
  expect(mine.backend, `${job.runtime} ${key}: model.backend`).toBe(backend);
  expect(mine.engine, `${job.runtime} ${key}: model.engine`).toBe(ref.engine);
  expect(mine.shape, `${job.runtime} ${key}: shape`).toEqual(ref.shape);
  expect(relativeDiff(mine.data, ref.data), `${job.runtime} ${key} vs Node ${nodeKey}`).toBeLessThanOrEqual(1e-5);
}

/** The checks every runtime that can compile WebAssembly passes: auto and wasm give wasm, js gives js, all match Node. */
function expectWasmRuntime(job: BackendJob): void {
  for (const engine of ENGINES) {
    expectMatchesNode(job, `${engine}/wasm`, `${engine}/wasm`, "wasm");
    expectMatchesNode(job, `${engine}/auto`, `${engine}/wasm`, "wasm");
    expectMatchesNode(job, `${engine}/js`, `${engine}/js`, "js");
  }
}

/** An unknown backend is an InputError naming the option, in every runtime. */
function expectUnknownBackendRefused(job: BackendJob): void {
  const refused = job.runs["ghostnet/gpu"]!.error;
  expect(refused, `${job.runtime}: backend "gpu" refused`).toBeDefined();
  expect(refused!.isGhostnetError).toBe(true);
  expect(refused!.code).toBe("INPUT");
  expect(refused!.message).toMatch(/backend/);
  expect(refused!.message).toMatch(/gpu/);
}

beforeAll(async () => {
  folder = await writeBackendFiles();
  node = await runBackendJob([process.execPath], folder, "node");
}, 60_000);

afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe("the wasm backend in Node, Deno and Bun", () => {
  it("Node: auto picks wasm on both engines; wasm and js logits agree within 1e-4 relative; the logits are not degenerate", () => {
    for (const engine of ENGINES) {
      const js = ran(node, `${engine}/js`);
      const wasm = ran(node, `${engine}/wasm`);
      const auto = ran(node, `${engine}/auto`);
      expect(js.backend).toBe("js");
      expect(wasm.backend).toBe("wasm");
      expect(auto.backend, "auto in Node").toBe("wasm");
      expect(auto.data, "auto is the wasm run").toEqual(wasm.data);
      expect(wasm.shape).toEqual([1, 100]);
      expect(relativeDiff(wasm.data, js.data), `${engine}: wasm vs js`).toBeLessThanOrEqual(1e-4);
      // Spread-out logits (a constant or saturated output would hide errors).
      const spread = Math.max(...js.data) - Math.min(...js.data);
      expect(spread).toBeGreaterThan(1);
      expect(new Set(js.data.map((v) => v.toFixed(3))).size).toBeGreaterThan(90);
    }
    // The two engines compute the same network.
    expect(relativeDiff(ran(node, "graph/js").data, ran(node, "ghostnet/js").data)).toBeLessThanOrEqual(1e-4);
    expectUnknownBackendRefused(node);
  });

  it("Deno runs the wasm backend and matches Node within 1e-5", async () => {
    const job = await runBackendJob([requireBinary(deno, "npm ci installs the `deno` devDependency"), "run", "--allow-read"], folder, "deno");
    expectWasmRuntime(job);
    expectUnknownBackendRefused(job);
  }, 30_000);

  it("Bun runs the wasm backend and matches Node within 1e-5", async () => {
    const job = await runBackendJob([requireBinary(bun, "npm ci installs the `bun` devDependency"), "run"], folder, "bun");
    expectWasmRuntime(job);
    expectUnknownBackendRefused(job);
  }, 30_000);
});

// ── Chromium, with and without a Content-Security-Policy ────────────────────────────────

/** The page's CSP by URL prefix ("" = no CSP header at all). */
const POLICIES: Record<string, string> = {
  "/open/": "",
  "/strict/": "script-src 'self'",
  "/wasm-ok/": "script-src 'self' 'wasm-unsafe-eval'",
};

const PAGE = '<!doctype html>\n<meta charset="utf-8">\n<title>ghostnet-ts backends</title>\n<script type="module" src="./backend-page.mjs"></script>\n';

/** Serves the page, its script, the job, the bundle and the fixture under each prefix of POLICIES, with that CSP. */
async function startCspServer(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const files: Record<string, { path: string; type: string }> = {
    "index.html": { path: "", type: "text/html; charset=utf-8" },
    "backend-page.mjs": { path: join(root, "test", "runtimes", "backend-page.mjs"), type: "text/javascript" },
    "backend-job.mjs": { path: join(root, "test", "runtimes", "backend-job.mjs"), type: "text/javascript" },
    "ghostnet.js": { path: join(dir, "ghostnet.js"), type: "text/javascript" },
    "fixture.onnx": { path: join(dir, "fixture.onnx"), type: "application/octet-stream" },
    "input.f32": { path: join(dir, "input.f32"), type: "application/octet-stream" },
  };
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const prefix = Object.keys(POLICIES).find((p) => path.startsWith(p));
    const file = prefix === undefined ? undefined : files[path.slice(prefix.length) || "index.html"];
    if (prefix === undefined || file === undefined) {
      response.writeHead(404, { "Content-Type": "text/plain" });
      response.end("not found\n");
      return;
    }
    const headers: Record<string, string> = { "Content-Type": file.type, "Cache-Control": "no-store" };
    if (POLICIES[prefix]) headers["Content-Security-Policy"] = POLICIES[prefix]!;
    response.writeHead(200, headers);
    response.end(file.path === "" ? PAGE : await readFile(file.path));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("the wasm backend in headless Chromium, and pages whose CSP forbids WebAssembly", () => {
  let browser: Browser | undefined;
  let server: { url: string; close(): Promise<void> } | undefined;

  beforeAll(async () => {
    server = await startCspServer(folder);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens `prefix`'s page and returns the job's result (polled: the strict page allows no eval). */
  async function pageJob(prefix: string): Promise<BackendJob> {
    const page = await browser!.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    try {
      await page.goto(`${server!.url}${prefix}`);
      const deadline = Date.now() + 25_000;
      for (;;) {
        const state = await page.evaluate(() => {
          const w = window as unknown as { jobResult?: BackendJob; jobError?: string };
          return { result: w.jobResult, error: w.jobError };
        });
        if (state.error !== undefined) throw new Error(`${prefix}: the page threw: ${state.error}`);
        if (state.result !== undefined) {
          expect(errors, `${prefix}: uncaught page errors`).toEqual([]);
          return state.result;
        }
        if (Date.now() > deadline) throw new Error(`${prefix}: no result after 25 s (page errors: ${errors.join("; ")})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await page.close();
    }
  }

  it("a page without a CSP runs the wasm backend and matches Node within 1e-5", async () => {
    const job = await pageJob("/open/");
    expectWasmRuntime(job);
    expectUnknownBackendRefused(job);
    expect(job.violations).toEqual([]);
  }, 30_000);

  it("CSP script-src 'self': auto falls back to js with the right answer; a forced wasm is a BackendUnavailableError", async () => {
    const job = await pageJob("/strict/");
    expect(job.hasWebAssembly, "WebAssembly itself is still there").toBe(true);
    for (const engine of ENGINES) {
      expectMatchesNode(job, `${engine}/auto`, `${engine}/js`, "js");
      expectMatchesNode(job, `${engine}/js`, `${engine}/js`, "js");
      const refused = job.runs[`${engine}/wasm`]!.error;
      expect(refused, `${engine}: backend "wasm" must be refused`).toBeDefined();
      expect(refused!.isBackendUnavailable, `${engine}: instanceof BackendUnavailableError (${refused!.name})`).toBe(true);
      expect(refused!.code).toBe("BACKEND_UNAVAILABLE");
      expect(refused!.message).toMatch(/^the wasm backend cannot run here \(.+\); use backend "js" or "auto"$/);
      // The runtime's own reason is in the message: Chromium names the missing CSP source.
      expect(refused!.message).toMatch(/unsafe-eval|Content Security Policy/i);
    }
    // The page saw its policy refuse WebAssembly compilation.
    expect(job.violations!.some((v) => v.blocked === "wasm-eval" || /script-src/.test(v.directive)), JSON.stringify(job.violations)).toBe(true);
  }, 30_000);

  it("CSP script-src 'self' 'wasm-unsafe-eval': the page gets wasm, and Node's answer", async () => {
    const job = await pageJob("/wasm-ok/");
    expectWasmRuntime(job);
    expect(job.violations).toEqual([]);
  }, 30_000);
});
