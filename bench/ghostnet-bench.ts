/**
 * `ghostnet bench`: GhostNet latency, our engine against its peers, measured in one run.
 *
 *   npx tsx bench/ghostnet-bench.ts [--scales 0.5,1,1.3] [--batches 1,4,8] [--threads 1,2]
 *       [--runs 20] [--warmup 3] [--peers ort-node,ort-web,tfjs-wasm,tfjs-cpu,graph]
 *       [--size 224] [--quick] [--profile] [--json FILE] [--svg FILE]
 *
 * For each scale the seeded Paddle2ONNX-style fixture (src/ghostnet/fixture.ts, cached in
 * $TMPDIR/ghostnet-ts-bench) is loaded by every engine from the same bytes:
 *   ghostnet-ts        loadModel(bytes) → the typed GhostNet (threads > 1: src/threads pool)
 *   ghostnet-ts-graph  loadModel(bytes, { engine: "graph" })
 *   ort-node           onnxruntime-node, native, in its own process (peers/ort-node-child.mjs)
 *   ort-web            onnxruntime-web, executionProviders ['wasm'], same thread count
 *   tfjs-wasm          the same GhostNet from TensorFlow.js ops on tfjs-backend-wasm
 *   tfjs-cpu           … on tfjs-backend-cpu (pure JS; slow, so fewer runs)
 * Every engine gets the same input; each peer's softmax output is compared with ours
 * (max |Δ|) so the comparison is of one function. After warm-up, runs go round-robin over
 * the engines (one run each per round), and the table gives medians and our median ÷ the
 * peer's. Load time is bytes → ready; memory is the engine's heap + external growth over
 * load and its first run (the child's RSS for ort-node). Benchmarks never fail on time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { imageLikeBatch, makeGhostNetFixture } from "../src/ghostnet/fixture.js";
import type { GhostNetEngine } from "../src/ghostnet/engine.js";
import { loadModel } from "../src/load-model.js";
import { collectGarbage } from "./collect-garbage.js";
import type { BenchEngine } from "./peers/engine.js";
import { createOrtNode } from "./peers/ort-node.js";
import { createOrtWeb, ortWebThreads } from "./peers/ort-web.js";
import { type OurEngine, type ProfileEntry, createOurs } from "./peers/ours.js";
import { createTfjs } from "./peers/tfjs-ghostnet.js";
import { type BenchReport, type ConfigResult, type EngineResult, type OpComparison, formatProfile, formatTable, median, quantile, renderSvg } from "./report.js";
import { opKindOf, profileOrtWeb } from "./peers/ort-web-profile.js";

const PEERS = ["graph", "ort-node", "ort-web", "tfjs-wasm", "tfjs-cpu"] as const;
type Peer = (typeof PEERS)[number];

export interface BenchOptions {
  scales: number[];
  batches: number[];
  threads: number[];
  runs: number;
  warmup: number;
  /** Runs for tfjs-backend-cpu (seconds per run at x1.0). */
  cpuRuns: number;
  peers: Peer[];
  size: number;
  profile: boolean;
  json?: string;
  svg?: string;
  seed: number;
  /** Collect garbage before each timed run (default on; --no-gc turns it off). */
  gc: boolean;
}

export interface BenchIo {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `Usage: ghostnet bench [options]   (or: npx tsx bench/ghostnet-bench.ts [options])

  --scales LIST    GhostNet widths (default 0.5,1,1.3)
  --batches LIST   batch sizes (default 1,4,8)
  --threads LIST   thread counts for ours, onnxruntime-node and -web (default 1)
  --runs N         timed runs per engine (default 20)
  --warmup N       untimed runs first (default 3)
  --cpu-runs N     timed runs for tfjs-backend-cpu (default runs/5, at least 2)
  --peers LIST     any of ${PEERS.join(",")} (default all); "none" for ours only
  --size N         input height = width (default 224)
  --quick          x1.0, batch 1, 1 thread, 5 runs, 1 warm-up, 1 tfjs-cpu run
  --profile        also time our engines per layer and per op type, and (with the graph
                   executor and ort-web among the peers) set the graph executor against
                   onnxruntime-web's own profiler, op by op
  --json FILE      write the results as JSON
  --svg FILE       write a bar chart
  --seed N         fixture weights and input seed (default 1)
  --no-gc          do not collect garbage before each timed run`;

function list(value: string, name: string): number[] {
  const values = value.split(",").map(Number);
  if (values.length === 0 || values.some((v) => !(Number.isFinite(v) && v > 0))) throw new Error(`${name} wants positive numbers separated by commas, got "${value}"`);
  return values;
}

function count(value: string, name: string, min: number): number {
  const v = Number(value);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} wants an integer ≥ ${min}, got "${value}"`);
  return v;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = { scales: [0.5, 1, 1.3], batches: [1, 4, 8], threads: [1], runs: 20, warmup: 3, cpuRuns: 0, peers: [...PEERS], size: 224, profile: false, seed: 1, gc: true };
  let cpuRunsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--scales": o.scales = list(value(), flag); break;
      case "--batches": o.batches = list(value(), flag).map((b) => count(String(b), flag, 1)); break;
      case "--threads": o.threads = list(value(), flag).map((t) => count(String(t), flag, 1)); break;
      case "--runs": o.runs = count(value(), flag, 1); break;
      case "--warmup": o.warmup = count(value(), flag, 0); break;
      case "--cpu-runs": o.cpuRuns = count(value(), flag, 1); cpuRunsGiven = true; break;
      case "--size": o.size = count(value(), flag, 32); break;
      case "--seed": o.seed = count(value(), flag, 0); break;
      case "--json": o.json = value(); break;
      case "--svg": o.svg = value(); break;
      case "--profile": o.profile = true; break;
      case "--no-gc": o.gc = false; break;
      case "--peers": {
        const v = value();
        const names = v === "none" ? [] : v.split(",");
        const unknown = names.filter((p) => !(PEERS as readonly string[]).includes(p));
        if (unknown.length > 0) throw new Error(`unknown peer ${unknown.join(", ")}; peers are ${PEERS.join(", ")}`);
        o.peers = names as Peer[];
        break;
      }
      case "--quick":
        Object.assign(o, { scales: [1], batches: [1], threads: [1], runs: 5, warmup: 1, cpuRuns: 1 });
        cpuRunsGiven = true;
        break;
      case "--help": case "-h": throw new HelpRequested();
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  if (!cpuRunsGiven) o.cpuRuns = Math.max(2, Math.ceil(o.runs / 5));
  return o;
}

class HelpRequested extends Error {}

/** The fixture's bytes and a file holding them (onnxruntime-node's child reads the file). */
function fixture(scale: number, seed: number): { bytes: Uint8Array; file: string } {
  const dir = join(tmpdir(), "ghostnet-ts-bench");
  const file = join(dir, `ghostnet-x${scale}-legacy-dynamic-seed${seed}.onnx`);
  if (existsSync(file)) return { bytes: new Uint8Array(readFileSync(file)), file };
  mkdirSync(dir, { recursive: true });
  const bytes = makeGhostNetFixture({ scale, style: "legacy", seed, inputSize: "dynamic" });
  writeFileSync(file, bytes);
  return { bytes, file };
}

function heapAndExternal(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= m)) m = d;
  }
  return m;
}

interface Entry {
  engine: BenchEngine;
  memoryBytes: number;
}

/** Starts the engines of one (scale, thread count); a peer that fails to start is reported and skipped. */
async function startEngines(
  o: BenchOptions,
  bytes: Uint8Array,
  file: string,
  threads: number,
  singleThreadPeers: boolean,
  io: BenchIo,
  notes: Set<string>,
): Promise<{ ours: OurEngine; graph?: OurEngine; entries: Entry[] }> {
  const entries: Entry[] = [];
  const inProcess = async (make: () => Promise<BenchEngine>): Promise<BenchEngine | undefined> => {
    const before = heapAndExternal();
    try {
      const engine = await make();
      entries.push({ engine, memoryBytes: Math.max(0, heapAndExternal() - before) });
      return engine;
    } catch (e) {
      io.err(`bench: skipping a peer that failed to start: ${(e as Error).message}`);
      return undefined;
    }
  };
  const ours = (await inProcess(() => createOurs(bytes, "auto", threads))) as OurEngine | undefined;
  if (ours === undefined) throw new Error("our engine failed to load the fixture");
  if (threads === 1) {
    await inProcess(() => createOurs(bytes, "auto", 1, "js"));
    notes.add("ghostnet-ts-js: the typed GhostNet on the plain TypeScript kernels (backend \"js\"), the reference and fallback for the default wasm kernels.");
  }
  if (threads > 1) {
    // Our engine on one thread as well, in the same rounds, so the speed-up from threads is
    // a ratio measured interleaved (the thread-count blocks run one after the other).
    await inProcess(async () => ({
      ...(await createOurs(bytes, "auto", 1)),
      name: "ghostnet-ts-1t",
      label: "ghostnet-ts, typed GhostNet (1 thread, for the speed-up)",
    }));
    notes.add("ghostnet-ts-1t: our typed engine on one thread, run in the same rounds as the multi-thread rows; its \"ours ÷ this\" is the multi-thread time over the one-thread time (1 ÷ the speed-up).");
  }
  let graph: OurEngine | undefined;
  if (o.peers.includes("graph") && singleThreadPeers) graph = (await inProcess(() => createOurs(bytes, "graph", 1))) as OurEngine | undefined;
  if (o.peers.includes("ort-node")) {
    try {
      const engine = await createOrtNode(file, threads);
      entries.push({ engine, memoryBytes: NaN });
    } catch (e) {
      io.err(`bench: skipping onnxruntime-node: ${(e as Error).message}`);
    }
  }
  if (o.peers.includes("ort-web")) {
    const started = ortWebThreads();
    if (started === undefined || started === threads) await inProcess(() => createOrtWeb(bytes, threads));
    else notes.add(`onnxruntime-web reads its thread count once per process: it ran at ${started} thread(s) only (run the bench again with --threads ${threads} for that row).`);
  }
  if (singleThreadPeers) {
    const needNet = o.peers.includes("tfjs-wasm") || o.peers.includes("tfjs-cpu");
    const net = needNet ? ((await loadModel(bytes, { engine: "ghostnet" })) as GhostNetEngine).ghostnet : undefined;
    if (o.peers.includes("tfjs-wasm")) await inProcess(() => createTfjs(net!, "wasm"));
    if (o.peers.includes("tfjs-cpu")) await inProcess(() => createTfjs(net!, "cpu"));
  }
  return { ours, graph, entries };
}

/** Waits out the time an engine's threads stay busy after a run (BenchEngine.settleMs). */
async function settle(engine: BenchEngine): Promise<void> {
  if ((engine.settleMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, engine.settleMs));
}

/** Warm-up, agreement check, then `runs` interleaved rounds; one result per engine. */
async function measure(o: BenchOptions, entries: Entry[], batch: number, io: BenchIo): Promise<EngineResult[]> {
  const input = imageLikeBatch(batch, o.seed + batch, o.size);
  for (const { engine } of entries) await engine.setInput(input.shape, input.data);
  const runsOf = (e: BenchEngine): number => (e.name === "tfjs-cpu" ? o.cpuRuns : o.runs);
  const warmupOf = (e: BenchEngine): number => (e.name === "tfjs-cpu" ? Math.min(o.warmup, 1) : o.warmup);
  for (const entry of entries) {
    // The first run's growth (buffers planned for this input shape) counts as the engine's memory.
    const before = heapAndExternal();
    await entry.engine.run();
    entry.memoryBytes += Math.max(0, heapAndExternal() - before);
    for (let i = 1; i < warmupOf(entry.engine); i++) await entry.engine.run();
    await settle(entry.engine);
  }
  const ours = await entries[0]!.engine.output();
  const diffs = new Map<BenchEngine, number>();
  for (const { engine } of entries.slice(1)) diffs.set(engine, maxAbsDiff(await engine.output(), ours));

  const times = new Map<BenchEngine, number[]>(entries.map((e) => [e.engine, []]));
  const rounds = Math.max(...entries.map((e) => runsOf(e.engine)));
  const gc = o.gc ? collectGarbage() : () => {};
  for (let r = 0; r < rounds; r++) {
    for (const { engine } of entries) {
      if (times.get(engine)!.length >= runsOf(engine)) continue;
      gc();
      times.get(engine)!.push(await engine.run());
      await settle(engine);
    }
  }
  const oursMedian = median(times.get(entries[0]!.engine)!);
  return entries.map(({ engine, memoryBytes }) => {
    const t = times.get(engine)!;
    const m = median(t);
    const diff = diffs.get(engine) ?? NaN;
    if (diff > 1e-4) io.err(`bench: ${engine.name} disagrees with ours at batch ${batch}: max|Δ| = ${diff.toExponential(2)} on the softmax`);
    return {
      engine: engine.name,
      label: engine.label,
      threads: engine.threads,
      runs: t.length,
      medianMs: m,
      p10Ms: quantile(t, 0.1),
      p90Ms: quantile(t, 0.9),
      loadMs: engine.loadMs,
      memoryBytes: engine.memoryBytes ? engine.memoryBytes() : memoryBytes,
      maxAbsDiff: diff,
      oursOverThis: oursMedian / m,
      samplesMs: t.slice(),
    };
  });
}

/** Medians over `rounds` profiled runs: time by kind and the slowest layers. */
async function profileEngine(engine: OurEngine, rounds: number): Promise<{ byKind: { kind: string; ms: number; share: number }[]; slowest: ProfileEntry[] }> {
  const perLayer = new Map<string, { kind: string; ms: number[] }>();
  for (let r = 0; r < rounds; r++) {
    const seen = new Map<string, number>();
    for (const e of await engine.profile()) seen.set(`${e.name}\u0000${e.kind}`, (seen.get(`${e.name}\u0000${e.kind}`) ?? 0) + e.ms);
    for (const [key, ms] of seen) {
      const [name, kind] = key.split("\u0000") as [string, string];
      if (!perLayer.has(name)) perLayer.set(name, { kind, ms: [] });
      perLayer.get(name)!.ms.push(ms);
    }
  }
  const layers = [...perLayer].map(([name, v]) => ({ name, kind: v.kind, ms: median(v.ms) }));
  const kinds = new Map<string, number>();
  for (const l of layers) kinds.set(l.kind, (kinds.get(l.kind) ?? 0) + l.ms);
  const total = [...kinds.values()].reduce((a, b) => a + b, 0);
  return {
    byKind: [...kinds].map(([kind, ms]) => ({ kind, ms, share: ms / total })).sort((a, b) => b.ms - a.ms),
    slowest: layers.sort((a, b) => b.ms - a.ms).slice(0, 12),
  };
}

/**
 * Our graph executor against onnxruntime-web's own per-node profile on the same file and
 * input, one profiled run of each in turn, per-node medians summed by kind of op (the
 * kinds from onnxruntime's input shapes; peers/ort-web-profile.ts). Undefined when
 * onnxruntime's trace could not be captured.
 */
async function compareOps(graph: OurEngine, bytes: Uint8Array, o: BenchOptions, scale: number, batch: number, rounds: number): Promise<OpComparison | undefined> {
  const input = imageLikeBatch(batch, o.seed + batch, o.size);
  const ours = new Map<string, { opType: string; ms: number[] }>();
  const ort = await profileOrtWeb(bytes, input.shape, input.data, rounds, async () => {
    for (const step of await graph.profile()) {
      const entry = ours.get(step.name) ?? { opType: step.kind, ms: [] };
      entry.ms.push(step.ms);
      ours.set(step.name, entry);
    }
  });
  if (ort.length === 0) return undefined;
  const kindOfNode = new Map(ort.map((n) => [n.node, n.kind]));
  const rows = new Map<string, OpComparison["rows"][number]>();
  const row = (kind: string): OpComparison["rows"][number] => {
    if (!rows.has(kind)) rows.set(kind, { kind, oursMs: 0, ortWebMs: 0, oursNodes: 0, ortWebNodes: 0 });
    return rows.get(kind)!;
  };
  for (const n of ort) {
    row(n.kind).ortWebMs += n.ms;
    row(n.kind).ortWebNodes++;
  }
  for (const [name, step] of ours) {
    // A node onnxruntime ran under its own name has its kind; the rest (nodes it fused
    // away or folded at load) are classed by our op type.
    const kind = kindOfNode.get(name) ?? opKindOf(step.opType, []);
    row(kind).oursMs += median(step.ms);
    row(kind).oursNodes++;
  }
  return { scale, batch, ortThreads: ortWebThreads() ?? 1, rounds, rows: [...rows.values()].sort((a, b) => b.oursMs + b.ortWebMs - (a.oursMs + a.ortWebMs)) };
}

export async function runBench(o: BenchOptions, io: BenchIo): Promise<BenchReport> {
  const notes = new Set<string>();
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "unknown", node: process.versions.node, platform: `${process.platform}-${process.arch}`, loadAverageStart: loadavg()[0]!, loadAverageEnd: NaN },
    options: { ...o },
    peakRssBytes: 0,
    configs: [],
    notes: [],
  };
  const singleThreadRow = o.threads.includes(1) ? 1 : o.threads[0]!;
  for (const scale of o.scales) {
    const { bytes, file } = fixture(scale, o.seed);
    for (const threads of o.threads) {
      io.err(`bench: GhostNet x${scale}, ${threads} thread(s): loading engines…`);
      const { ours, graph, entries } = await startEngines(o, bytes, file, threads, threads === singleThreadRow, io, notes);
      try {
        for (const batch of o.batches) {
          io.err(`bench: GhostNet x${scale}, batch ${batch}, ${threads} thread(s): ${entries.map((e) => e.engine.name).join(", ")}`);
          const config: ConfigResult = { scale, batch, threads, inputSize: o.size, engines: await measure(o, entries, batch, io) };
          report.configs.push(config);
          if (o.profile && threads === singleThreadRow && batch === o.batches[0]) {
            report.profile ??= [];
            for (const engine of [ours, graph]) {
              if (engine === undefined || engine.threads !== 1) continue;
              report.profile.push({ scale, batch, engine: engine.name, ...(await profileEngine(engine, Math.min(o.runs, 10))) });
            }
            if (graph !== undefined && o.peers.includes("ort-web") && ortWebThreads() !== undefined) {
              const comparison = await compareOps(graph, bytes, o, scale, batch, Math.min(o.runs, 10));
              if (comparison !== undefined) (report.opComparison ??= []).push(comparison);
              else notes.add("--profile: onnxruntime-web's profiler trace could not be read back (its runtime printed it where this process does not capture), so there is no op-by-op comparison.");
            }
          }
        }
      } finally {
        for (const { engine } of entries) await engine.dispose();
      }
    }
  }
  report.machine.loadAverageEnd = loadavg()[0]!;
  report.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  notes.add("ours ÷ this: our median over the engine's (below 1: we are faster); per round: the median and p10–p90 of our time over the engine's in each round (the two ran back to back). max abs diff: the largest difference from our softmax output.");
  notes.add("Load: bytes → ready to run (tfjs: weights → tf tensors only; the weights come from our decoded file). Mem: heap + external growth over load and first run; ort-node: its process's RSS.");
  notes.add(`Load average ${report.machine.loadAverageStart.toFixed(2)} → ${report.machine.loadAverageEnd.toFixed(2)} on ${report.machine.cpus} CPUs: a shared machine makes every figure noisy; compare ratios measured in one run.`);
  report.notes = [...notes];
  return report;
}

/** CLI entry: prints the table (and the profile), writes --json / --svg. Returns the exit code. */
export async function main(argv: readonly string[], io: BenchIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.out(USAGE);
      return 0;
    }
    io.err(`ghostnet bench: ${(e as Error).message}`);
    io.err(USAGE);
    return 2;
  }
  const report = await runBench(options, io);
  io.out(`GhostNet ${options.size}×${options.size}, float32 — ${report.date.slice(0, 16).replace("T", " ")} UTC, ${report.machine.cpus}× ${report.machine.cpuModel}, Node ${report.machine.node}`);
  io.out(`runs ${options.runs} (tfjs-cpu ${options.cpuRuns}), warm-up ${options.warmup}, interleaved round-robin${options.gc ? ", garbage collected before each run" : ""}; peak RSS ${(report.peakRssBytes / 2 ** 20).toFixed(0)} MB`);
  io.out("");
  io.out(formatTable(report));
  io.out("");
  for (const n of report.notes) io.out(`- ${n}`);
  if (report.profile) {
    io.out("");
    io.out(formatProfile(report));
  }
  if (options.json) writeFileSync(options.json, JSON.stringify(report, null, 2));
  if (options.svg) writeFileSync(options.svg, renderSvg(report));
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`ghostnet bench: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
}
