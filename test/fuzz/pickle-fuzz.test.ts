/**
 * Pickle fuzzing: mutated paddle.save checkpoints and small numpy pickles through the
 * restricted unpickler, the checkpoint reader and (for a share) loadModel and one run.
 * Every case must end in a result or a GhostnetError (ModelFormatError, LimitError,
 * ShapeError, …) within the harness's time and memory bounds (harness.ts).
 *
 * Mutations: byte level (mutate.ts), and pickle level from a walk of the opcodes:
 * lengths that lie (string/bytes/frame lengths made huge, negative or off by some),
 * integers (shapes, versions) made huge/negative/zero, GLOBAL/STACK_GLOBAL names replaced
 * by forbidden ones (os.system, builtins.eval, posix.system, subprocess.Popen, …), memo
 * bombs (thousands of GETs of one array's bytes rebuilt), nesting bombs (deep MARKs,
 * lists nested ten thousand deep), and truncations at opcode boundaries.
 */
import { concatBytes } from "../helpers/bytes.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/load-model.js";
import { registerModelReader } from "../../src/loader/formats.js";
import { checkpointReader, ghostNetFromCheckpoint, readPaddleCheckpoint } from "../../src/loader/paddle/checkpoint.js";
import { unpickle } from "../../src/loader/paddle/pickle.js";
import { FuzzLog } from "./harness.js";
import { type Mutant, Rng, mutateAnyBytes, splice } from "./mutate.js";

const SCALE = Number(process.env.GHOSTNET_FUZZ_SCALE ?? 1);
const SEED = Number(process.env.GHOSTNET_FUZZ_SEED ?? 20261206);
const count = (n: number): number => Math.max(1, Math.round(n * SCALE));
const BUDGET = { caseMs: 5_000, arrayBufferBytes: 512 * 2 ** 20 };

registerModelReader(checkpointReader);

const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
const CHECKPOINT = read("test/fixtures/paddle/checkpoints/ghostnet_x0_1_c10_p4_np1.pdparams");
const CHECKPOINT_P2 = read("test/fixtures/paddle/checkpoints/ghostnet_x0_1_c10_p2_np2_split.pdparams");
const SMALL = ["p5_types.pkl", "p3_big_endian.pkl", "p2_fortran_ordered.pkl", "p4_nested.pkl"].map((n) => ({
  name: n,
  bytes: read(`test/fixtures/paddle/pickles/${n}`),
}));

// ── A walk of the opcodes: where lengths, integers and globals sit ─────────────────────

interface Site {
  kind: "length" | "int" | "string" | "global" | "opcode";
  /** Offset of the opcode. */
  op: number;
  /** Offset and width of the argument. */
  at: number;
  width: number;
}

/** Argument widths of the opcodes in our files (0 for none; -1 for "up to newline", twice). */
const FIXED: Record<number, number> = {
  0x80: 1, 0x95: 8, 0x4a: 4, 0x4b: 1, 0x4d: 2, 0x47: 8, 0x71: 1, 0x72: 4, 0x68: 1, 0x6a: 4,
};
const LENGTHS: Record<number, number> = { 0x8c: 1, 0x58: 4, 0x8d: 8, 0x43: 1, 0x42: 4, 0x8e: 8, 0x96: 8, 0x8a: 1, 0x8b: 4 };

function walkPickle(bytes: Uint8Array): Site[] {
  const sites: Site[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  while (i < bytes.length) {
    const op = bytes[i]!;
    sites.push({ kind: "opcode", op: i, at: i, width: 1 });
    if (op === 0x2e) break;
    if (op === 0x63) {
      let end = i + 1;
      for (let lines = 0; lines < 2; lines++) while (end < bytes.length && bytes[end++] !== 0x0a);
      sites.push({ kind: "global", op: i, at: i + 1, width: end - i - 1 });
      i = end;
    } else if (LENGTHS[op] !== undefined) {
      const w = LENGTHS[op]!;
      const n = w === 1 ? bytes[i + 1]! : w === 4 ? view.getUint32(i + 1, true) : Number(view.getBigUint64(i + 1, true));
      sites.push({ kind: "length", op: i, at: i + 1, width: w });
      if (op === 0x8c || op === 0x58) sites.push({ kind: "string", op: i, at: i + 1 + w, width: n });
      i += 1 + w + n;
    } else {
      const w = FIXED[op] ?? 0;
      if (op === 0x4a || op === 0x4b || op === 0x4d) sites.push({ kind: "int", op: i, at: i + 1, width: w });
      i += 1 + w;
    }
  }
  return sites;
}

const FORBIDDEN = [
  ["os", "system"],
  ["posix", "system"],
  ["builtins", "eval"],
  ["__builtin__", "exec"],
  ["subprocess", "Popen"],
  ["numpy", "load"],
  ["numpy.core.multiarray", "scalar"],
  ["torch._utils", "_rebuild_tensor_v2"],
];

const enc = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));


function mutatePickle(bytes: Uint8Array, sites: readonly Site[], rng: Rng): Mutant {
  const of = (kind: Site["kind"]): Site[] => sites.filter((s) => s.kind === kind);
  switch (rng.int(7)) {
    case 0: {
      // A length that lies: huge, zero, or off by a little.
      const s = rng.pick(of("length"));
      const out = bytes.slice();
      const value = rng.pick([0, 1, 0xff, 0x7fffffff, 0xffffffff, 2 ** 40]);
      for (let k = 0; k < s.width; k++) out[s.at + k] = Math.floor(value / 2 ** (8 * k)) & 0xff;
      return { bytes: out, what: `length at ${s.at} set to ${value}` };
    }
    case 1: {
      // An integer (a shape, a version) made huge, negative or zero.
      const s = rng.pick(of("int"));
      const out = bytes.slice();
      for (let k = 0; k < s.width; k++) out[s.at + k] = rng.pick([0x00, 0xff, 0x7f, 0x80]);
      return { bytes: out, what: `int at ${s.at} changed` };
    }
    case 2: {
      // A forbidden global in place of a GLOBAL or STACK_GLOBAL's strings.
      const [module, name] = rng.pick(FORBIDDEN);
      const globals = of("global");
      if (globals.length > 0 && rng.chance(0.5)) {
        const s = rng.pick(globals);
        return { bytes: splice(bytes, s.at, s.width, enc(`${module}\n${name}\n`)), what: `GLOBAL → ${module}.${name}` };
      }
      const strings = of("string").filter((s) => s.width > 0 && s.width < 64);
      const s = rng.pick(strings);
      const text = rng.chance(0.5) ? module! : name!;
      const replaced = concatBytes([Uint8Array.of(0x8c, text.length), enc(text)]);
      return { bytes: splice(bytes, s.op, 1 + (bytes[s.op] === 0x8c ? 1 : 4) + s.width, replaced), what: `string at ${s.op} → ${text}` };
    }
    case 3: {
      // A memo bomb: fetch memo entries and rebuild, thousands of times, before STOP.
      const stop = bytes.lastIndexOf(0x2e);
      const n = 1000 + rng.int(20000);
      const index = rng.int(32);
      const unit = rng.pick([Uint8Array.of(0x68, index, 0x30), Uint8Array.of(0x68, index, 0x68, index, 0x62), Uint8Array.of(0x68, index, 0x29, 0x52)]);
      const bomb = new Uint8Array(unit.length * n);
      for (let k = 0; k < n; k++) bomb.set(unit, k * unit.length);
      return { bytes: splice(bytes, stop, 0, bomb), what: `memo bomb ×${n} at ${stop}` };
    }
    case 4: {
      // A nesting bomb: deep MARKs, or lists nested ten thousand deep.
      const stop = bytes.lastIndexOf(0x2e);
      const n = 100 + rng.int(10000);
      const bomb = rng.chance(0.5)
        ? new Uint8Array(n).fill(0x28)
        : concatBytes([new Uint8Array(n).fill(0x5d), new Uint8Array(n - 1).fill(0x61), Uint8Array.of(0x30)]);
      return { bytes: splice(bytes, stop, 0, bomb), what: `nesting bomb ${n} at ${stop}` };
    }
    case 5: {
      // Truncated at an opcode boundary.
      const s = rng.pick(of("opcode"));
      return { bytes: bytes.slice(0, s.op), what: `truncated at opcode ${s.op}` };
    }
    default: {
      // An opcode replaced by another byte (an unknown or refused opcode, or a valid one out of place).
      const s = rng.pick(of("opcode"));
      const out = bytes.slice();
      out[s.at] = rng.int(256);
      return { bytes: out, what: `opcode at ${s.at} → 0x${out[s.at]!.toString(16)}` };
    }
  }
}

/** One case: unpickle; when it reads as a checkpoint, bind the GhostNet; sometimes load and run it. */
async function pickleCase(bytes: Uint8Array, stage: { name: string }, full: boolean, log: FuzzLog): Promise<void> {
  stage.name = "unpickle";
  unpickle(bytes);
  stage.name = "checkpoint";
  const checkpoint = readPaddleCheckpoint(bytes);
  stage.name = "ghostnet";
  ghostNetFromCheckpoint(checkpoint);
  if (!full) return;
  stage.name = "load";
  const model = await loadModel(bytes);
  try {
    stage.name = "run";
    const out = await model.run([{ shape: [1, 3, 64, 64], data: new Float32Array(3 * 64 * 64).fill(0.5) }]);
    const t = out[model.outputNames[0]!]!;
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new Error("malformed output");
    log.ran++;
  } finally {
    model.dispose();
  }
}

function expectNoFailures(log: FuzzLog, title: string): void {
  console.log(log.summary(title));
  expect(log.distinctFailures(), log.summary(title)).toEqual([]);
}

describe("pickle fuzzing (seeded)", () => {
  it("mutated GhostNet checkpoints (protocol 4 and protocol 2 with split parameters)", async () => {
    const log = new FuzzLog(BUDGET);
    for (const [i, [name, bytes]] of ([["p4", CHECKPOINT], ["p2-split", CHECKPOINT_P2]] as const).entries()) {
      const sites = walkPickle(bytes);
      const rng = new Rng(SEED + i);
      for (let k = 0; k < count(120); k++) {
        const m = rng.chance(0.7) ? mutatePickle(bytes, sites, rng) : mutateAnyBytes(bytes, rng);
        const full = rng.chance(0.04);
        await log.run(name, `#${k} ${m.what}`, m.bytes, (stage) => pickleCase(m.bytes, stage, full, log));
      }
    }
    expect(log.rejectedByCode.get("MODEL_FORMAT") ?? 0).toBeGreaterThan(0);
    expectNoFailures(log, "checkpoints");
  }, 120_000);

  it("mutated small numpy pickles (protocols 2–5, every dtype, Fortran order, OrderedDict)", async () => {
    const log = new FuzzLog(BUDGET);
    for (const [i, { name, bytes }] of SMALL.entries()) {
      const sites = walkPickle(bytes);
      const rng = new Rng(SEED + 10 + i);
      for (let k = 0; k < count(300); k++) {
        const m = rng.chance(0.6) ? mutatePickle(bytes, sites, rng) : mutateAnyBytes(bytes, rng);
        await log.run(name, `#${k} ${m.what}`, m.bytes, (stage) => pickleCase(m.bytes, stage, false, log));
      }
    }
    expectNoFailures(log, "small pickles");
  }, 60_000);

  it("every forbidden global is refused by name, never looked up", async () => {
    for (const [module, name] of FORBIDDEN) {
      const bytes = concatBytes([Uint8Array.of(0x80, 2), enc(`c${module}\n${name}\n`), enc(")R.")]);
      await expect(loadModel(bytes)).rejects.toThrow(new RegExp(`refused global '${module}\\.${name}'`));
    }
  });
});
