/**
 * Hostile Paddle files, each built on purpose to hit one trap: every one must end in a
 * GhostnetError (never a RangeError, a hang or a huge allocation).
 */
import { describe, expect, it } from "vitest";
import { GhostnetError, loadModel, readTar } from "../../src/paddle.js";
import { readPaddleFixture, writeTar } from "./helpers.js";

async function expectTyped(source: Parameters<typeof loadModel>[0]): Promise<GhostnetError> {
  const error = await loadModel(source).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GhostnetError);
  expect((error as Error).message).not.toMatch(/\n/);
  return error as GhostnetError;
}

describe("hostile Paddle files", () => {
  it("PIR JSON nested a million levels deep (in an attribute, and as plain JSON)", async () => {
    let attribute = '{"#":"0.a_i32","D":1}';
    for (let i = 0; i < 1_000_000; i++) attribute = `{"#":"0.a_array","D":[${attribute}]}`;
    const json = `{"base_code":{"magic":"pir","version":1},"program":{"regions":[{"blocks":[{"ops":[{"#":"1.data","A":[{"N":"name","AT":${attribute}}],"I":[],"O":[{"%":1}]}]}]}]}}`;
    await expectTyped({ model: new TextEncoder().encode(json) });
    const arrays = `{"base_code":{"magic":"pir"},"program":${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}}`;
    await expectTyped({ model: new TextEncoder().encode(arrays) });
  });

  it("a ProgramDesc of nested protobuf groups, and one whose block claims 2^31 bytes", async () => {
    // 0x0b starts a group (field 1, wire type 3) — nested 100,000 times, never closed.
    const groups = new Uint8Array(200_000).fill(0x0b);
    groups[0] = 0x0a; // looks like a program (field 1, length-delimited) …
    groups[1] = 0x0b; // … of 11 bytes that are groups again
    await expectTyped({ model: groups });
    await expectTyped({ model: Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x1a) });
  });

  it("a parameter file whose LoD level, TensorDesc size or dims claim terabytes", async () => {
    const model = readPaddleFixture("simple_conv_bn", "model.pdmodel");
    const head = (lod: number[], descSize: number[], desc: number[]) => new Uint8Array([0, 0, 0, 0, ...lod, 0, 0, 0, 0, ...descSize, ...desc]);
    await expectTyped({ model, params: head([255, 255, 255, 255, 255, 255, 255, 127], [4, 0, 0, 0], []) });
    // One LoD level whose offsets claim 2^64 − 1 bytes.
    await expectTyped({ model, params: new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]) });
    await expectTyped({ model, params: head([0, 0, 0, 0, 0, 0, 0, 0], [0xff, 0xff, 0xff, 0x7f], [8, 5]) });
    await expectTyped({ model, params: head([0, 0, 0, 0, 0, 0, 0, 0], [7, 0, 0, 0], [8, 5, 0x10, 0x80, 0x80, 0x80, 0x10]) });
  });

  it("a tar whose entry claims 8 GiB, or 2^88 bytes in GNU base-256", () => {
    const tar = writeTar({ "m/model.pdmodel": Uint8Array.of(1, 2, 3) });
    // Entry 1 (after the folder entry at 0) is the file.
    const octal = new Uint8Array(tar);
    octal.set(new TextEncoder().encode("77777777777\0"), 512 + 124);
    fixChecksum(octal.subarray(512, 1024));
    expect(() => readTar(octal)).toThrow(/claims 8589934591 bytes/);
    const base256 = new Uint8Array(tar);
    base256.fill(0xff, 512 + 124, 512 + 136);
    fixChecksum(base256.subarray(512, 1024));
    expect(() => readTar(base256)).toThrow(GhostnetError);
  });
});

function fixChecksum(header: Uint8Array): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  header.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
}
