/**
 * Paddle fuzzing: mutated Paddle files through `loadModel` (the readers of
 * ghostnet-ts/paddle) and, when they load, one small `run`. Every case must end in a
 * result or a GhostnetError, within the time bound and memory budget of harness.ts.
 *
 *   .pdmodel     bytes, protobuf varints, and ProgramDesc structure (decode → change → encode:
 *                op types, attribute values, slot arguments, var dims and types, persistable flags)
 *   .pdiparams   bytes, and the tensor stream's own fields made to lie: version, LoD level,
 *                TensorDesc size, TensorDesc dims (varints), data cut short
 *   .json (PIR)  bytes, and JSON structure: op names, operand ids, attribute values,
 *                result types' dims, parameter names
 *   .tar         bytes, and header fields with the checksum fixed afterwards (size, type,
 *                name), so the mutation reaches the reader instead of the checksum check
 *
 * Seeded: a failure names its source and mutation. GHOSTNET_FUZZ_SCALE multiplies the counts.
 */
import { describe, expect, it } from "vitest";
import { decodeAndValidate, loadModel } from "../../src/load-model.js";
import type { ModelSource } from "../../src/loader/formats.js";
import { ProgramDescCodec } from "../../src/loader/paddle/program-desc.js";
import "../../src/paddle.js";
import type { TensorLike } from "../../src/tensor/tensor.js";
import { readPaddleFixture, writeTar } from "../paddle/helpers.js";
import { FuzzLog } from "./harness.js";
import { encodeVarint, mutateAnyBytes, mutateVarint, Rng, splice, walkProtobuf, type Mutant } from "./mutate.js";

const SCALE = Number(process.env.GHOSTNET_FUZZ_SCALE ?? 1);
const SEED = Number(process.env.GHOSTNET_FUZZ_SEED ?? 20261206);
const count = (n: number): number => Math.max(1, Math.round(n * SCALE));
const BUDGET = { caseMs: 5_000, arrayBufferBytes: 512 * 2 ** 20 };
const LOAD = { maxTensorElements: 2 ** 24 };
const MAX_FEED = 3 * 224 * 224;

/** Loads `source`; when it loads, runs it once on a seeded feed built from the declared inputs. */
async function loadAndRun(source: ModelSource, stage: { name: string }, log: FuzzLog): Promise<void> {
  stage.name = "load";
  const model = await loadModel(source, LOAD);
  try {
    stage.name = "feeds";
    const declared = new Map(decodeAndValidate(source, LOAD).graph.inputs.map((i) => [i.name, i]));
    const feeds: Record<string, TensorLike> = {};
    for (const name of model.inputNames) {
      const dims = declared.get(name)?.shape ?? [1, 3, 32, 32];
      const shape = dims.map((d, k) => (typeof d === "number" ? d : k === 0 ? 1 : 32));
      const size = shape.reduce((a, b) => a * b, 1);
      if (!(size >= 0 && size <= MAX_FEED)) return;
      const rng = new Rng(size);
      feeds[name] = { shape, data: Float32Array.from({ length: size }, () => rng.next() * 4 - 2) };
    }
    stage.name = "run";
    const outputs = await model.run(feeds);
    log.ran++;
    for (const [name, t] of Object.entries(outputs)) {
      const size = t.shape.reduce((a, b) => a * b, 1);
      if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || t.data.length !== size) {
        throw new Error(`output '${name}' is malformed: shape [${t.shape.join(", ")}], ${t.data.length} values`);
      }
    }
  } finally {
    model.dispose();
  }
}

function expectNoFailures(log: FuzzLog, title: string): void {
  console.log(log.summary(title));
  expect(log.distinctFailures(), log.summary(title)).toEqual([]);
}

const HUGE = [-1, -(2 ** 31), 2 ** 31 - 1, 2 ** 40, 2 ** 53, 0, 1e30, -1e30];

// ── ProgramDesc structure ───────────────────────────────────────────────────────────────

type Message = Record<string, unknown>;
const OP_TYPES = ["conv2d", "pool2d", "batch_norm", "relu", "elementwise_add", "reshape2", "slice", "fill_constant", "softmax", "feed", "fetch", "no_such_op", "nearest_interp_v2", "mul", "matmul"];

function mutateProgramStructure(bytes: Uint8Array, rng: Rng): Mutant | undefined {
  const program = ProgramDescCodec.decode(bytes) as Message;
  const block = (program.blocks as Message[])[0]!;
  const ops = block.ops as Message[];
  const vars = block.vars as Message[];
  const op = rng.pick(ops);
  let what: string;
  switch (rng.int(6)) {
    case 0:
      op.type = rng.pick(OP_TYPES);
      what = `op type → ${String(op.type)}`;
      break;
    case 1: {
      const attrs = op.attrs as Message[];
      if (attrs.length === 0) return undefined;
      const a = rng.pick(attrs);
      const v = rng.pick(HUGE);
      const choice = rng.int(5);
      if (choice === 0) a.i = Math.trunc(Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v)));
      else if (choice === 1) a.ints = [v, v, v].map((x) => Math.trunc(Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, x))));
      else if (choice === 2) a.f = rng.pick([NaN, Infinity, -1, 1e30]);
      else if (choice === 3) a.s = new TextEncoder().encode(rng.pick(["", "NHWC", "SAME", "VALID", "max", "x".repeat(200)]));
      else a.type = rng.int(20);
      what = `attribute ${String(a.name)} of ${String(op.type)} → case ${choice} (${v})`;
      break;
    }
    case 2: {
      const slots = [...(op.inputs as Message[]), ...(op.outputs as Message[])];
      if (slots.length === 0) return undefined;
      const slot = rng.pick(slots);
      slot.arguments = rng.pick([[], ["dangling"], ["x", "x"], [String(rng.pick(vars).name)]]);
      what = `slot ${String(slot.parameter)} of ${String(op.type)} → ${JSON.stringify(slot.arguments)}`;
      break;
    }
    case 3: {
      const v = rng.pick(vars);
      const tensor = ((v.type as Message | null)?.lodTensor as Message | null)?.tensor as Message | null;
      if (!tensor) return undefined;
      tensor.dims = rng.pick([[], [rng.pick(HUGE)], [2 ** 20, 2 ** 20], [-1, -1, -1, -1], [0]]).map((d: number) => Math.trunc(d));
      what = `dims of ${String(v.name)} → ${JSON.stringify(tensor.dims)}`;
      break;
    }
    case 4: {
      const v = rng.pick(vars);
      v.persistable = (v.persistable as number) ? 0 : 1;
      what = `persistable of ${String(v.name)} flipped`;
      break;
    }
    default: {
      const k = rng.int(ops.length);
      const removed = ops.splice(k, 1)[0]!;
      if (rng.chance(0.5)) ops.splice(rng.int(ops.length + 1), 0, removed, removed);
      what = `op ${k} (${String(removed.type)}) removed or duplicated`;
    }
  }
  return { bytes: ProgramDescCodec.encode(program).finish(), what };
}

// ── Parameter streams ───────────────────────────────────────────────────────────────────

/** Offsets of each tensor's fields in a parameter file without LoD (what inference files hold). */
function paramSites(bytes: Uint8Array): { at: number; descAt: number; descSize: number; dataAt: number }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sites = [];
  let at = 0;
  while (at + 20 <= bytes.length) {
    const descSize = view.getInt32(at + 16, true);
    const descAt = at + 20;
    const walked = walkProtobuf(bytes.subarray(descAt, descAt + descSize));
    let count = 1;
    const dims: number[] = [];
    for (const s of walked) if (!s.isKey && !s.isLength) dims.push(bytes[descAt + s.start]!);
    void dims;
    // Element count from the desc (dims after the data type), to find the next tensor.
    const desc = bytes.subarray(descAt, descAt + descSize);
    let p = 2;
    while (p < desc.length) {
      p++; // key 0x10
      let v = 0;
      let shift = 1;
      while (desc[p]! & 0x80) {
        v += (desc[p]! & 0x7f) * shift;
        shift *= 128;
        p++;
      }
      v += desc[p]! * shift;
      p++;
      count *= v;
    }
    const dataAt = descAt + descSize;
    sites.push({ at, descAt, descSize, dataAt });
    at = dataAt + count * 4;
  }
  return sites;
}

function mutateParams(bytes: Uint8Array, sites: ReturnType<typeof paramSites>, rng: Rng): Mutant {
  const site = rng.pick(sites);
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  switch (rng.int(6)) {
    case 0:
      view.setUint32(site.at, rng.pick([1, 0xffffffff]), true);
      return { bytes: out, what: `version of the tensor at ${site.at}` };
    case 1: {
      const level = rng.pick([1, 2, 9, 2 ** 32, 2 ** 53]);
      view.setUint32(site.at + 4, level % 2 ** 32, true);
      view.setUint32(site.at + 8, Math.floor(level / 2 ** 32), true);
      return { bytes: out, what: `LoD level of the tensor at ${site.at} → ${level}` };
    }
    case 2: {
      const size = rng.pick([-1, -(2 ** 31), 2 ** 31 - 1, site.descSize + 1, site.descSize - 1, 0]);
      view.setInt32(site.at + 16, size, true);
      return { bytes: out, what: `TensorDesc size of the tensor at ${site.at} → ${size}` };
    }
    case 3: {
      const desc = bytes.subarray(site.descAt, site.dataAt);
      const m = mutateVarint(desc, walkProtobuf(desc), rng);
      return { bytes: splice(bytes, site.descAt, desc.length, m.bytes), what: `TensorDesc of the tensor at ${site.at}: ${m.what}` };
    }
    case 4: {
      // A dims entry replaced with a huge one (the data that follows is far too short).
      const dim = encodeVarint(BigInt(rng.pick([2 ** 31 - 1, 2 ** 40, 2 ** 62])));
      const replaced = new Uint8Array([0x08, 0x05, 0x10, ...dim]);
      const withSize = splice(bytes, site.descAt, site.descSize, replaced);
      new DataView(withSize.buffer).setInt32(site.at + 16, replaced.length, true);
      return { bytes: withSize, what: `dims of the tensor at ${site.at} → one huge dim` };
    }
    default:
      return { bytes: bytes.subarray(0, site.dataAt + rng.int(8)), what: `cut inside the data of the tensor at ${site.at}` };
  }
}

// ── PIR JSON structure ──────────────────────────────────────────────────────────────────

function mutatePirStructure(bytes: Uint8Array, rng: Rng): Mutant {
  const doc = JSON.parse(new TextDecoder().decode(bytes)) as Message;
  const ops = (((doc.program as Message).regions as Message[])[0]!.blocks as Message[])[0]!.ops as Message[];
  const op = rng.pick(ops);
  let what = "";
  switch (rng.int(6)) {
    case 0:
      op["#"] = rng.pick(["1.conv2d", "1.pool2d", "1.no_such_op", "p", "0.combine", "1.full", "1.fetch", "1.data", 7]);
      what = `op name → ${String(op["#"])}`;
      break;
    case 1:
      if (Array.isArray(op.I) && op.I.length > 0) {
        (op.I as Message[])[rng.int(op.I.length)] = { "%": rng.pick([0, -1, 999999, 2 ** 53, "x"]) };
        what = "an operand id changed";
      } else op.I = rng.pick([null, 5, [{}]]);
      break;
    case 2: {
      if (!Array.isArray(op.A) || op.A.length === 0) return { bytes, what: "no change" };
      const a = op.A[rng.int(op.A.length)] as Message;
      if (typeof a === "object" && a !== null && typeof a.AT === "object") {
        (a.AT as Message).D = rng.pick([1e308, -1, 2 ** 40, "", [], [2 ** 31, -(2 ** 31)], null, { x: 1 }, [[[[]]]]]);
        what = `attribute ${String(a.N)} data changed`;
      } else {
        op.A[rng.int(op.A.length)] = rng.pick([2 ** 40, "", null, -1]);
        what = "a parameter field changed";
      }
      break;
    }
    case 3: {
      const results = Array.isArray(op.O) ? (op.O as Message[]) : [op.O as Message];
      const r = results[0];
      if (r && typeof r.TT === "object" && r.TT !== null) {
        const d = (r.TT as Message).D as unknown[];
        if (Array.isArray(d)) d[1] = rng.pick([[2 ** 40], [-5], [2 ** 20, 2 ** 20, 2 ** 20], [], "x"]);
        what = "a result's dims changed";
      }
      break;
    }
    case 4: {
      const params = ops.filter((o) => o["#"] === "p");
      const p = rng.pick(params);
      (p.A as unknown[])[3] = rng.pick(["a", "zzz", "", "x".repeat(300)]);
      what = "a parameter renamed";
      break;
    }
    default:
      ops.splice(rng.int(ops.length), 1);
      what = "an op removed";
  }
  return { bytes: new TextEncoder().encode(JSON.stringify(doc)), what };
}

// ── Tar headers ─────────────────────────────────────────────────────────────────────────

function mutateTarHeader(bytes: Uint8Array, rng: Rng): Mutant {
  const headers: number[] = [];
  let at = 0;
  while (at + 512 <= bytes.length && bytes[at] !== 0) {
    headers.push(at);
    const size = parseInt(new TextDecoder().decode(bytes.subarray(at + 124, at + 135)), 8) || 0;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  const out = new Uint8Array(bytes);
  const h = rng.pick(headers);
  const write = (offset: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[h + offset + i] = text.charCodeAt(i);
  };
  const choice = rng.int(4);
  if (choice === 0) write(124, rng.pick(["77777777777\0", "00000000000\0", "99999999999\0", "0000001\0\0\0\0\0"]));
  else if (choice === 1) {
    out[h + 124] = 0xff; // GNU base-256 size, huge
    for (let i = 125; i < 136; i++) out[h + i] = 0xff;
  } else if (choice === 2) write(156, rng.pick(["L", "x", "5", "2", "g", "\0"]));
  else write(0, rng.pick(["../../etc/passwd\0", "/abs\0", "a".repeat(100), "\0"]));
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : out[h + i]!;
  write(148, `${sum.toString(8).padStart(6, "0")}\0 `);
  return { bytes: out, what: `tar header at ${h}: field case ${choice}` };
}

// ── The suites ──────────────────────────────────────────────────────────────────────────

/** simple_conv_bn with its input declared [−1, 3, −1, −1], so that mutants run on a small feed. */
function smallInputProgram(bytes: Uint8Array): Uint8Array {
  const program = ProgramDescCodec.decode(bytes) as Message;
  for (const v of (program.blocks as Message[])[0]!.vars as Message[]) {
    const tensor = ((v.type as Message | null)?.lodTensor as Message | null)?.tensor as Message | null;
    if (v.name === "image" && tensor) tensor.dims = [-1, 3, -1, -1];
  }
  return ProgramDescCodec.encode(program).finish();
}

describe("Paddle fuzzing (seeded)", () => {
  const scbModel = smallInputProgram(readPaddleFixture("simple_conv_bn", "model.pdmodel"));
  const scbParams = readPaddleFixture("simple_conv_bn", "model.pdiparams");

  it("the sources themselves load and run", async () => {
    const log = new FuzzLog(BUDGET);
    const tar = writeTar({ "m/model.pdmodel": scbModel, "m/model.pdiparams": scbParams });
    await log.run("simple_conv_bn", "unmutated", scbModel, (stage) => loadAndRun({ model: scbModel, params: scbParams }, stage, log));
    await log.run("simple_conv_bn.tar", "unmutated", tar, (stage) => loadAndRun(tar, stage, log));
    expect(log.distinctFailures()).toEqual([]);
    expect(log.ran).toBe(2);
  });

  it(".pdmodel: byte, varint and ProgramDesc structure mutants (simple_conv_bn and the PaddleOCR classifier)", async () => {
    const log = new FuzzLog(BUDGET);
    const rng = new Rng(SEED);
    const sites = walkProtobuf(scbModel);
    for (let k = 0; k < count(500); k++) {
      const roll = rng.next();
      const m = roll < 0.4 ? mutateProgramStructure(scbModel, rng) : roll < 0.7 ? mutateVarint(scbModel, sites, rng) : mutateAnyBytes(scbModel, rng);
      if (m === undefined) continue;
      await log.run("simple_conv_bn.pdmodel", `#${k} ${m.what}`, m.bytes, (stage) => loadAndRun({ model: m.bytes, params: scbParams }, stage, log));
    }
    const clsModel = readPaddleFixture("ch_ppocr_mobile_v2.0_cls_infer", "inference.pdmodel");
    const clsParams = readPaddleFixture("ch_ppocr_mobile_v2.0_cls_infer", "inference.pdiparams");
    for (let k = 0; k < count(12); k++) {
      const m = mutateProgramStructure(clsModel, rng);
      if (m === undefined) continue;
      await log.run("ocr-cls.pdmodel", `#${k} ${m.what}`, m.bytes, (stage) => loadAndRun({ model: m.bytes, params: clsParams }, stage, log));
    }
    expect(log.ran).toBeGreaterThan(count(20));
    expect(log.rejectedByCode.size).toBeGreaterThanOrEqual(2);
    expectNoFailures(log, "Paddle programs");
  });

  it(".pdiparams: bytes, and versions, LoD levels, TensorDesc sizes and dims that lie", async () => {
    const log = new FuzzLog(BUDGET);
    const rng = new Rng(SEED + 1);
    const sites = paramSites(scbParams);
    expect(sites.length).toBe(5);
    for (let k = 0; k < count(500); k++) {
      const m = rng.chance(0.6) ? mutateParams(scbParams, sites, rng) : mutateAnyBytes(scbParams, rng);
      await log.run("simple_conv_bn.pdiparams", `#${k} ${m.what}`, m.bytes, (stage) => loadAndRun({ model: scbModel, params: m.bytes }, stage, log));
    }
    expect(log.rejectedByCode.size).toBeGreaterThanOrEqual(2);
    expectNoFailures(log, "Paddle parameters");
  });

  it(".json (PIR): bytes and JSON structure mutants of PP-LCNet", async () => {
    const log = new FuzzLog(BUDGET);
    const rng = new Rng(SEED + 2);
    const json = readPaddleFixture("PP-LCNet_x0_25_textline_ori", "inference.json");
    const params = readPaddleFixture("PP-LCNet_x0_25_textline_ori", "inference.pdiparams");
    for (let k = 0; k < count(60); k++) {
      const m = rng.chance(0.7) ? mutatePirStructure(json, rng) : mutateAnyBytes(json, rng);
      await log.run("lcnet.json", `#${k} ${m.what}`, m.bytes, (stage) => loadAndRun({ model: m.bytes, params }, stage, log));
    }
    for (let k = 0; k < count(12); k++) {
      const m = mutateAnyBytes(params, rng);
      await log.run("lcnet.pdiparams", `#${k} ${m.what}`, m.bytes, (stage) => loadAndRun({ model: json, params: m.bytes }, stage, log));
    }
    expect(log.rejectedByCode.size).toBeGreaterThanOrEqual(2);
    expectNoFailures(log, "Paddle 3 programs");
  });

  it(".tar: bytes and header fields (sizes, types, names) with the checksum fixed", async () => {
    const log = new FuzzLog(BUDGET);
    const rng = new Rng(SEED + 3);
    const tar = writeTar({ "m/model.pdmodel": scbModel, "m/model.pdiparams": scbParams, "m/inference.yml": new TextEncoder().encode("x: 1\n") });
    for (let k = 0; k < count(400); k++) {
      const m = rng.chance(0.5) ? mutateTarHeader(tar, rng) : mutateAnyBytes(tar, rng);
      await log.run("simple_conv_bn.tar", `#${k} ${m.what}`, m.bytes, (stage) => loadAndRun(m.bytes, stage, log));
    }
    expect(log.rejectedByCode.size).toBeGreaterThanOrEqual(1);
    expectNoFailures(log, "Paddle tars");
  });
});
