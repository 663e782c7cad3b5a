/**
 * Where GhostNet's time goes (not a test): `npx tsx bench/profile-ghostnet.ts [scale] [rounds]`.
 *
 *   1. Whole-run medians of the typed engine, the graph executor and onnxruntime-web (wasm,
 *      one thread) on the same file, interleaved (one run of each in turn) after warm-up.
 *   2. The typed engine per layer kind (stem, pointwise convs, depthwise convs, SE, residual
 *      add, head), from `GhostNet.forward(x, { profile })` timings, medians over rounds.
 *   3. The graph executor per op type and the slowest nodes, from its step timings.
 *
 * The fixture (seeded, calibrated, Paddle2ONNX "legacy" style, 224×224) is cached in
 * $TMPDIR/ghostnet-ts. The machine is shared: the load average is printed with the results.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { makeGhostNetFixture } from "../src/ghostnet/fixture.js";
import type { GhostNetEngine } from "../src/ghostnet/engine.js";
import type { LayerTiming } from "../src/ghostnet/profile.js";
import { GraphModel, loadModel } from "../src/load-model.js";
import type { StepTiming } from "../src/graph/executor.js";
import { Tensor } from "../src/tensor/tensor.js";
import * as ort from "onnxruntime-web";
import { collectGarbage, timeAfterCollecting } from "./collect-garbage.js";

const scale = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 25);

function fixtureBytes(s: number): Uint8Array {
  const dir = join(tmpdir(), "ghostnet-ts");
  const file = join(dir, `profile-x${s}-legacy-seed1.onnx`);
  if (existsSync(file)) return new Uint8Array(readFileSync(file));
  mkdirSync(dir, { recursive: true });
  const bytes = makeGhostNetFixture({ scale: s, style: "legacy", seed: 1 });
  writeFileSync(file, bytes);
  return bytes;
}

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function quantile(values: number[], q: number): number {
  const s = values.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const bytes = fixtureBytes(scale);
const input = new Tensor([1, 3, 224, 224]);
for (let i = 0; i < input.size; i++) input.data[i] = Math.sin(i * 0.001) * 1.5;
const typed = (await loadModel(bytes, { engine: "ghostnet" })) as GhostNetEngine;
const graph = (await loadModel(bytes, { engine: "graph" })) as GraphModel;
// onnxruntime-web on its wasm backend only (onnxruntime-node, if loaded, would register "cpu").
ort.env.wasm.numThreads = 1;
const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
const ortFeeds = { [session.inputNames[0]!]: new ort.Tensor("float32", input.data, [1, 3, 224, 224]) };

// Warm-up, then interleaved whole runs.
for (let i = 0; i < 5; i++) {
  await typed.run([input]);
  await graph.run([input]);
  await session.run(ortFeeds);
}
const typedMs: number[] = [];
const graphMs: number[] = [];
const ortMs: number[] = [];
const load0 = loadavg()[0]!;
// Garbage collected before each timed run: left to run in the background, the collector
// shares the CPU with the next engine (onnxruntime-web's median went from 37 to 65 ms).
const gc = collectGarbage();
for (let r = 0; r < rounds; r++) {
  typedMs.push(await timeAfterCollecting(gc, () => typed.run([input])));
  graphMs.push(await timeAfterCollecting(gc, () => graph.run([input])));
  ortMs.push(await timeAfterCollecting(gc, () => session.run(ortFeeds)));
}
const fmt = (v: number): string => v.toFixed(1).padStart(7);
console.log(`GhostNet x${scale}, batch 1, 224×224, ${rounds} interleaved rounds (load average ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)})`);
console.log(`  engine      median      p10      p90   (ms)`);
console.log(`  typed     ${fmt(median(typedMs))}  ${fmt(quantile(typedMs, 0.1))}  ${fmt(quantile(typedMs, 0.9))}`);
console.log(`  graph     ${fmt(median(graphMs))}  ${fmt(quantile(graphMs, 0.1))}  ${fmt(quantile(graphMs, 0.9))}`);
console.log(`  ort-web   ${fmt(median(ortMs))}  ${fmt(quantile(ortMs, 0.1))}  ${fmt(quantile(ortMs, 0.9))}`);
console.log(`  typed / ort-web: ${(median(typedMs) / median(ortMs)).toFixed(2)} (medians), ${(quantile(typedMs, 0.1) / quantile(ortMs, 0.1)).toFixed(2)} (p10s)`);

// Per layer kind (typed) and per op type (graph), medians over rounds of the per-run sums.
const typedKinds = new Map<string, number[]>();
const graphKinds = new Map<string, number[]>();
const graphNodes = new Map<string, number[]>();
const typedLayers = new Map<string, number[]>();
for (let r = 0; r < Math.min(rounds, 15); r++) {
  const layers: LayerTiming[] = [];
  typed.ghostnet.forward(input, { profile: layers });
  const sums = new Map<string, number>();
  for (const l of layers) {
    sums.set(l.kind, (sums.get(l.kind) ?? 0) + l.ms);
    const list = typedLayers.get(l.name) ?? [];
    list.push(l.ms);
    typedLayers.set(l.name, list);
  }
  for (const [k, v] of sums) typedKinds.set(k, [...(typedKinds.get(k) ?? []), v]);

  const steps: StepTiming[] = [];
  graph.executor.run([input], { timings: steps });
  const gsums = new Map<string, number>();
  for (const s of steps) {
    gsums.set(s.opType, (gsums.get(s.opType) ?? 0) + s.ms);
    const list = graphNodes.get(s.name) ?? [];
    list.push(s.ms);
    graphNodes.set(s.name, list);
  }
  for (const [k, v] of gsums) graphKinds.set(k, [...(graphKinds.get(k) ?? []), v]);
}
const table = (title: string, m: Map<string, number[]>): void => {
  console.log(`\n${title}`);
  const rows = [...m].map(([k, v]) => [k, median(v)] as const).sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((s, [, v]) => s + v, 0);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(28)} ${fmt(v)} ms  ${((100 * v) / total).toFixed(0).padStart(3)}%`);
  console.log(`  ${"sum".padEnd(28)} ${fmt(total)} ms`);
};
table("typed engine, by layer kind (median ms per run)", typedKinds);
table("graph executor, by op type (median ms per run)", graphKinds);
const top = (title: string, m: Map<string, number[]>, n: number): void => {
  console.log(`\n${title}`);
  const rows = [...m].map(([k, v]) => [k, median(v)] as const).sort((a, b) => b[1] - a[1]).slice(0, n);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(56)} ${fmt(v)} ms`);
};
top("typed engine, slowest layers", typedLayers, 15);
top("graph executor, slowest nodes", graphNodes, 15);
