/**
 * Feeds full of values kernels trip on — NaN, ±Infinity, ±3.4e38 (near float32's largest),
 * 1e30, denormals, −0 — through both engines on both kernel backends, seeded. Each case is
 * a batch of 3 images whose middle one is poisoned (a few pixels, a whole channel, or the
 * whole image): the run must not throw, the output must have the batch's shape, the clean
 * images' rows must be bitwise what they are without the poisoned neighbour, a NaN pixel
 * must reach its image's scores (as onnxruntime does), and afterwards the model must still
 * give the clean answer bit for bit (no state left behind in pooled buffers or the wasm
 * memory).
 */
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/load-model.js";
import type { Model } from "../../src/model.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { Rng } from "../fuzz/mutate.js";
import { bitwiseEqual, images, smallGhostNetBytes, tinyGraphBytes } from "../robustness/models.js";

const SIDE = 32;
const CASES = Number(process.env.GHOSTNET_FUZZ_SCALE ?? 1) * 24;
const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4e38, -3.4e38, 1e30, -1e30, 1e-45, -1e-40, -0];

const setups = (["js", "wasm"] as const).flatMap((backend) => [
  { title: `typed GhostNet x0.25, ${backend}`, bytes: smallGhostNetBytes, engine: "ghostnet" as const, backend },
  { title: `graph executor, GhostNet x0.25, ${backend}`, bytes: smallGhostNetBytes, engine: "graph" as const, backend },
  { title: `graph executor, tiny graph, ${backend}`, bytes: tinyGraphBytes, engine: "graph" as const, backend },
]);

async function output(model: Model, x: Tensor): Promise<Tensor> {
  return Object.values(await model.run({ x }))[0]! as Tensor;
}

/** The middle image of `clean` poisoned by case `k`: a few pixels, one channel, or all of it. */
function poison(image: Float32Array, rng: Rng): { data: Float32Array; hasNaN: boolean; what: string } {
  const data = image.slice();
  const plane = SIDE * SIDE;
  const kind = rng.int(3);
  const pick = (): number => SPECIALS[rng.int(SPECIALS.length)]!;
  let what: string;
  if (kind === 0) {
    const count = 1 + rng.int(6);
    for (let i = 0; i < count; i++) data[rng.int(data.length)] = pick();
    what = `${count} pixels`;
  } else if (kind === 1) {
    const channel = rng.int(3);
    const value = pick();
    data.fill(value, channel * plane, (channel + 1) * plane);
    what = `channel ${channel} = ${value}`;
  } else {
    for (let i = 0; i < data.length; i++) data[i] = rng.chance(0.5) ? pick() : data[i]!;
    what = "half the image";
  }
  return { data, hasNaN: data.some(Number.isNaN), what };
}

for (const { title, bytes, engine, backend } of setups) {
  describe(`feed fuzzing: ${title}`, () => {
    it(`${CASES} batches with NaN, ±Inf, huge and denormal pixels: no throw, clean rows untouched, NaN propagates`, async () => {
      const model = await loadModel(bytes(), { engine, backend });
      expect(model.backend).toBe(backend);
      const [a, b, c] = images(3, SIDE, 40);
      const aloneA = (await output(model, a!)).data.slice();
      const aloneC = (await output(model, c!)).data.slice();
      const classes = aloneA.length;
      const rng = new Rng(engine === "ghostnet" ? 101 : 202);
      const problems: string[] = [];
      for (let k = 0; k < CASES; k++) {
        const poisoned = poison(b!.data, rng);
        const batch = new Tensor([3, 3, SIDE, SIDE]);
        batch.data.set(a!.data, 0);
        batch.data.set(poisoned.data, a!.data.length);
        batch.data.set(c!.data, 2 * a!.data.length);
        let out: Tensor;
        try {
          out = await output(model, batch);
        } catch (error) {
          problems.push(`#${k} (${poisoned.what}): threw ${String(error)}`);
          continue;
        }
        if (out.shape[0] !== 3 || out.data.length !== 3 * classes) problems.push(`#${k}: output shape [${out.shape.join(", ")}]`);
        if (!bitwiseEqual(out.data.subarray(0, classes), aloneA)) problems.push(`#${k} (${poisoned.what}): row 0 changed`);
        if (!bitwiseEqual(out.data.subarray(2 * classes), aloneC)) problems.push(`#${k} (${poisoned.what}): row 2 changed`);
        if (poisoned.hasNaN && !out.data.subarray(classes, 2 * classes).some(Number.isNaN)) problems.push(`#${k} (${poisoned.what}): NaN lost`);
      }
      expect(problems).toEqual([]);
      // Nothing of the poisoned runs stayed behind.
      expect(bitwiseEqual((await output(model, a!)).data, aloneA)).toBe(true);
      model.dispose();
    });
  });
}
