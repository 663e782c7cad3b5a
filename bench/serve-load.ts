/**
 * Load test of `ghostnet serve` on loopback with autocannon: images per second and p50/p99
 * latency at several concurrencies, batching on (--max-batch 8) and off (--max-batch 1),
 * for each kernel backend this build has. Bounded in time: `--seconds` per point.
 *
 *   npx tsc -p tsconfig.build.json          # the server is the built CLI
 *   npx tsx bench/serve-load.ts [--seconds 5] [--warmup 3] [--rounds 3] [--concurrency 1,8,32] [--model M]
 *                               [--image data/images/ILSVRC2012_val_00010010.jpeg]
 *                               [--threads 1] [--max-delay-ms 5] [--decode-threads 1]
 *                               [--short-side S] [--backends js,wasm] [--json FILE]
 *
 * Each configuration gets its own server process (`node bin/ghostnet.js serve --port 0`),
 * warmed up with a few requests, so the load generator and the server do not share an
 * event loop. Each point runs `--warmup` seconds of load first and counts only the
 * responses completed in the `--seconds` after (steady state: the queue has filled), and
 * starts once the server has finished the previous point's requests. The two modes'
 * servers run side by side and their points alternate over `--rounds` rounds; the table
 * gives medians, and the per-round ratios on ÷ off are printed below it. Every request POSTs the same JPEG to /v1/classify. Without --model the
 * server uses its default, the synthetic GhostNet x1.0 (same cost as the real weights).
 * `--short-side S` re-encodes the image with its short side S first (JPEG quality 90), as
 * clients that resize before uploading send it: decoding then costs less than the model.
 *
 * A benchmark, not a test: it prints a table and never fails on time. Little's law holds
 * for a closed loop of C connections: mean latency = C ÷ throughput, so at concurrency 32
 * a request waits for the ~31 ahead of it; compare throughputs across rows, and latencies
 * only at equal concurrency.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import jpeg from "jpeg-js";
import { decodeImage } from "../src/image/decode.js";
import { resizeBilinear } from "../src/image/resize.js";
import { KNOWN_OPTIONS } from "../src/load-options.js";

const root = fileURLToPath(new URL("../", import.meta.url));

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "1,8,32" },
    model: { type: "string" },
    image: { type: "string", default: join(root, "data", "images", "ILSVRC2012_val_00010010.jpeg") },
    threads: { type: "string", default: "1" },
    "max-delay-ms": { type: "string", default: "5" },
    "decode-threads": { type: "string", default: "1" },
    "short-side": { type: "string" },
    backends: { type: "string" },
    json: { type: "string" },
  },
});

const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const concurrencies = values.concurrency!.split(",").map(Number);
const image: Buffer = values["short-side"] === undefined ? readFileSync(values.image!) : resized(readFileSync(values.image!), Number(values["short-side"]));
/** The same bytes as a fetch body (the DOM types want an ArrayBuffer-backed view). */
const imageBody = new Uint8Array(image);

/** The JPEG re-encoded with its short side `size` (bilinear), quality 90. */
function resized(bytes: Uint8Array, size: number): Buffer {
  const rgb = decodeImage(bytes);
  const scale = size / Math.min(rgb.width, rgb.height);
  const width = Math.round(rgb.width * scale);
  const height = Math.round(rgb.height * scale);
  const small = resizeBilinear(rgb, width, height);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba.set(small.data.subarray(3 * i, 3 * i + 3), 4 * i);
    rgba[4 * i + 3] = 255;
  }
  return Buffer.from(jpeg.encode({ data: rgba, width, height }, 90).data);
}
/** The backends to load-test: both when loadModel takes a backend option, else the js kernels only. */
const backends = values.backends?.split(",") ?? ("backend" in KNOWN_OPTIONS ? ["js", "wasm"] : ["js"]);
const modes = [
  { name: "batching on", maxBatch: 8 },
  { name: "batching off", maxBatch: 1 },
];

interface Server {
  child: ChildProcess;
  url: string;
}

/** Starts `ghostnet serve` and resolves once it prints its address. */
function startServer(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [join(root, "bin", "ghostnet.js"), "serve", "--port", "0", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve({ child, url: match[1]! });
    });
    child.on("exit", (code) => reject(new Error(`ghostnet serve exited with ${code}: ${stderr.trim()}`)));
  });
}

/** SIGTERM, and wait for the process to end. */
function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.child.removeAllListeners("exit");
    server.child.once("exit", () => resolve());
    server.child.kill("SIGTERM");
  });
}

/** The model runs and images the server has done so far (from /metrics). */
async function batchCounters(url: string): Promise<{ runs: number; images: number }> {
  const text = await metricsText(url);
  const read = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
  return { runs: read(/^ghostnet_batch_size_count (\d+)$/m), images: read(/^ghostnet_batch_size_sum (\d+)$/m) };
}

interface Point {
  backend: string;
  mode: string;
  maxBatch: number;
  concurrency: number;
  requests: number;
  errors: number;
  imagesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanBatch: number;
}

/** Percentile `q` (0–1) of sorted values, nearest rank. */
function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** GET /metrics (once more on a connection error: a keep-alive connection may have just closed). */
async function metricsText(url: string): Promise<string> {
  try {
    return await (await fetch(`${url}/metrics`)).text();
  } catch {
    return await (await fetch(`${url}/metrics`)).text();
  }
}

/** Waits until the server holds no request (the previous point's leftovers are done). */
async function drained(url: string): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    if (/^ghostnet_queue_depth 0$/m.test(await metricsText(url))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One point: `warmup` + `seconds` of closed-loop load at `concurrency`; only the responses
 * that complete inside the last `seconds` count (the queue has filled by then), so
 * images/s and the percentiles are the steady state's.
 */
async function measure(url: string, concurrency: number): Promise<Omit<Point, "backend" | "mode" | "maxBatch">> {
  await drained(url);
  const runStart = performance.now();
  const samples: { at: number; ms: number; ok: boolean }[] = [];
  let windowStart: Promise<{ runs: number; images: number }> | undefined;
  const timer = setTimeout(() => (windowStart = batchCounters(url)), warmup * 1000);
  const instance = autocannon({
    url: `${url}/v1/classify`,
    method: "POST",
    headers: { "content-type": "image/jpeg" },
    body: image,
    connections: concurrency,
    duration: warmup + seconds,
    timeout: 120,
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => samples.push({ at: performance.now() - runStart, ms, ok: status === 200 }));
  const result = await instance;
  clearTimeout(timer);
  const after = await batchCounters(url);
  const before = (await windowStart) ?? { runs: 0, images: 0 };
  const inWindow = samples.filter((s) => s.at >= warmup * 1000);
  const ok = inWindow.filter((s) => s.ok);
  const latencies = ok.map((s) => s.ms).sort((a, b) => a - b);
  return {
    concurrency,
    requests: ok.length,
    errors: inWindow.length - ok.length + result.errors + result.timeouts,
    imagesPerSecond: ok.length / seconds,
    p50Ms: Math.round(percentile(latencies, 0.5)),
    p99Ms: Math.round(percentile(latencies, 0.99)),
    meanBatch: after.runs > before.runs ? (after.images - before.images) / (after.runs - before.runs) : 0,
  };
}

/** The median of some numbers. */
function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The rounds of one (backend, mode, concurrency) as one row: medians over the rounds. */
function summarise(backend: string, mode: { name: string; maxBatch: number }, rounds: Omit<Point, "backend" | "mode" | "maxBatch">[]): Point {
  return {
    backend,
    mode: mode.name,
    maxBatch: mode.maxBatch,
    concurrency: rounds[0]!.concurrency,
    requests: rounds.reduce((n, r) => n + r.requests, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    imagesPerSecond: median(rounds.map((r) => r.imagesPerSecond)),
    p50Ms: Math.round(median(rounds.map((r) => r.p50Ms))),
    p99Ms: Math.round(median(rounds.map((r) => r.p99Ms))),
    meanBatch: median(rounds.map((r) => r.meanBatch)),
  };
}

// Both modes' servers run side by side (an idle one costs nothing) and the rounds alternate
// between them, so a slow phase of the machine hits both modes alike; per-round ratios of
// images/s (on ÷ off) are reported next to the medians.
const points: Point[] = [];
const ratios = new Map<string, number[]>();
const started = new Date();
for (const backend of backends) {
  const servers: Server[] = [];
  try {
    for (const mode of modes) {
      const args = ["--max-batch", String(mode.maxBatch), "--max-delay-ms", values["max-delay-ms"]!, "--threads", values.threads!, "--decode-threads", values["decode-threads"]!];
      if ("backend" in KNOWN_OPTIONS) args.push("--backend", backend);
      if (values.model !== undefined) args.push("--model", values.model);
      const server = await startServer(args);
      servers.push(server);
      // Warm-up: the first runs build plans and caches.
      for (let i = 0; i < 3; i++) await fetch(`${server.url}/v1/classify`, { method: "POST", body: imageBody, headers: { "content-type": "image/jpeg" } });
    }
    for (const concurrency of concurrencies) {
      const byMode: Omit<Point, "backend" | "mode" | "maxBatch">[][] = modes.map(() => []);
      for (let round = 0; round < rounds; round++) {
        // Alternate which mode goes first.
        const order = round % 2 === 0 ? [0, 1] : [1, 0];
        for (const m of order) {
          const point = await measure(servers[m]!.url, concurrency);
          byMode[m]!.push(point);
          console.error(`${backend} ${modes[m]!.name} c=${concurrency} round ${round + 1}: ${point.imagesPerSecond.toFixed(1)} img/s, p50 ${point.p50Ms} ms, p99 ${point.p99Ms} ms, mean batch ${point.meanBatch.toFixed(2)}`);
        }
      }
      modes.forEach((mode, m) => points.push(summarise(backend, mode, byMode[m]!)));
      ratios.set(`${backend} ${concurrency}`, byMode[0]!.map((on, r) => on.imagesPerSecond / byMode[1]![r]!.imagesPerSecond));
    }
  } finally {
    for (const server of servers) await stopServer(server);
  }
}

const rows = points.map((p) =>
  `| ${p.backend} | ${p.mode} | ${p.concurrency} | ${p.imagesPerSecond.toFixed(1)} | ${p.p50Ms} | ${p.p99Ms} | ${p.meanBatch.toFixed(2)} | ${p.requests} | ${p.errors} |`,
);
console.log(
  `ghostnet serve load test, ${started.toISOString().slice(0, 16).replace("T", " ")} UTC: medians of ${rounds} alternating rounds of ${seconds} s (after ${warmup} s of warm-up each), ` +
    `image ${values.image!.split("/").at(-1)}${values["short-side"] === undefined ? "" : ` re-encoded at short side ${values["short-side"]}`} (${image.length} bytes), ` +
    `model ${values.model ?? "synthetic GhostNet x1.0"}, threads ${values.threads}, decode threads ${values["decode-threads"]}, max delay ${values["max-delay-ms"]} ms`,
);
console.log("");
console.log("| backend | mode | concurrency | images/s | p50 ms | p99 ms | mean batch | requests | errors |");
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const row of rows) console.log(row);
console.log("");
for (const backend of backends) {
  const at = (mode: string, c: number): Point | undefined => points.find((p) => p.backend === backend && p.mode === mode && p.concurrency === c);
  for (const concurrency of concurrencies) {
    const perRound = ratios.get(`${backend} ${concurrency}`)!;
    console.log(`${backend}, concurrency ${concurrency}: batching on ÷ off, images/s per round: ${perRound.map((r) => `${r.toFixed(2)}×`).join(", ")} (median ${median(perRound).toFixed(2)}×)`);
  }
  const top = Math.max(...concurrencies);
  const on = at("batching on", top);
  const single = at("batching off", Math.min(...concurrencies));
  if (on && single) {
    console.log(`${backend}: p99 at concurrency ${top} with batching is ${(on.p99Ms / single.p50Ms).toFixed(1)}× the single-request latency (p50 at concurrency ${single.concurrency}, batching off: ${single.p50Ms} ms)`);
  }
}
if (values.json !== undefined) writeFileSync(values.json, JSON.stringify({ started: started.toISOString(), seconds, warmup, rounds, points, ratios: Object.fromEntries(ratios) }, null, 2));
