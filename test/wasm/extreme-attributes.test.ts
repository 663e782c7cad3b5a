/**
 * Conv attributes at the edges of what a file may say (strides and dilations near 2^31,
 * large pads), one Conv per graph, through loadModel on both kernel backends. The wasm
 * kernels bake shapes and strides into their code, so a number that does not fit the
 * code's constants must not become a crash: whatever the js backend does, the wasm backend
 * must do too — the same output (within 1e-5) when js runs it, a GhostnetError when js
 * refuses it.
 *
 * Found by the ONNX fuzzer (test/fuzz/onnx-fuzz.test.ts, tiny-opset13 #344): a 1×1 Conv
 * whose stride became 2^31 ran on js and threw the assembler's "not an i32" on wasm; a
 * depthwise stride of 2^31 over columns asked for 160 GiB of wasm memory. Such layers now
 * stay on the JS kernels.
 */
import { describe, expect, it } from "vitest";
import { GhostnetError } from "../../src/errors.js";
import { imageLikeBatch } from "../../src/ghostnet/fixture.js";
import { loadModel } from "../../src/load-model.js";
import { attr, encodeModel } from "../../src/loader/writer.js";

const C = 4;
const SIDE = 9;

interface ConvCase {
  title: string;
  kernel: [number, number];
  strides?: [number, number];
  pads?: [number, number, number, number];
  dilations?: [number, number];
  group?: number;
}

const cases: ConvCase[] = [
  { title: "1×1, stride 2^31 over rows (the fuzzer's case)", kernel: [1, 1], strides: [2 ** 31, 1] },
  { title: "1×1, stride 2^31 over columns", kernel: [1, 1], strides: [1, 2 ** 31] },
  { title: "1×1, stride 2^31 − 1 both ways", kernel: [1, 1], strides: [2 ** 31 - 1, 2 ** 31 - 1] },
  { title: "3×3 pad 1, stride 2^31 both ways", kernel: [3, 3], strides: [2 ** 31, 2 ** 31], pads: [1, 1, 1, 1] },
  { title: "3×3 pad 1, stride 2^30 over rows", kernel: [3, 3], strides: [2 ** 30, 1], pads: [1, 1, 1, 1] },
  { title: "3×3 depthwise pad 1, stride 2^31 over rows", kernel: [3, 3], strides: [2 ** 31, 1], pads: [1, 1, 1, 1], group: C },
  { title: "5×5 depthwise pad 2, stride 2^31 over columns", kernel: [5, 5], strides: [1, 2 ** 31], pads: [2, 2, 2, 2], group: C },
  { title: "3×3 depthwise, dilation 2^30 (window larger than the image)", kernel: [3, 3], dilations: [2 ** 30, 1], group: C },
  { title: "3×3, dilation 2^30 with pads of 2^30", kernel: [3, 3], dilations: [2 ** 30, 1], pads: [2 ** 30, 0, 2 ** 30, 0] },
  { title: "1×1, pads of 2^20 (a huge output)", kernel: [1, 1], pads: [2 ** 20, 2 ** 20, 2 ** 20, 2 ** 20] },
  { title: "1×1, pads of 2^31 − 1", kernel: [1, 1], pads: [2 ** 31 - 1, 0, 0, 0] },
];

function convModel(c: ConvCase): Uint8Array {
  const group = c.group ?? 1;
  const [kh, kw] = c.kernel;
  const weights = Array.from({ length: C * (C / group) * kh * kw }, (_, i) => Math.sin(i + 1) * 0.5);
  return encodeModel({
    opset: 13,
    nodes: [
      {
        opType: "Conv",
        inputs: ["x", "w", "b"],
        outputs: ["y"],
        attributes: {
          kernel_shape: attr.ints(c.kernel),
          strides: attr.ints(c.strides ?? [1, 1]),
          pads: attr.ints(c.pads ?? [0, 0, 0, 0]),
          dilations: attr.ints(c.dilations ?? [1, 1]),
          group: attr.int(group),
        },
      },
    ],
    initializers: [
      { name: "w", dtype: "float32", dims: [C, C / group, kh, kw], data: weights },
      { name: "b", dtype: "float32", dims: [C], data: [0.1, -0.2, 0.3, -0.4] },
    ],
    inputs: [{ name: "x", shape: [1, C, SIDE, SIDE] }],
    outputs: [{ name: "y" }],
  });
}

type Outcome = { shape: number[]; data: Float32Array } | { error: unknown };

async function outcome(bytes: Uint8Array, backend: "js" | "wasm"): Promise<Outcome> {
  const x = imageLikeBatch(1, 5, SIDE);
  const input = { shape: [1, C, SIDE, SIDE], data: new Float32Array(C * SIDE * SIDE).map((_, i) => x.data[i % x.data.length]!) };
  try {
    const model = await loadModel(bytes, { backend, maxTensorElements: 2 ** 24 });
    expect(model.backend).toBe(backend);
    try {
      const y = (await model.run({ x: input })).y!;
      return { shape: [...y.shape], data: y.data };
    } finally {
      model.dispose();
    }
  } catch (error) {
    return { error };
  }
}

const describeError = (error: unknown): string => (error instanceof Error ? `${error.constructor.name}: ${error.message}${error instanceof GhostnetError ? "" : ` ${error.stack?.split("\n").find((l) => l.includes("/src/"))?.trim() ?? ""}`}` : String(error));

describe("Conv attributes at the edges: the wasm backend does what the js backend does", () => {
  for (const c of cases) {
    it(c.title, async () => {
      const bytes = convModel(c);
      const js = await outcome(bytes, "js");
      const wasm = await outcome(bytes, "wasm");
      if ("error" in js) {
        expect(js.error, `js: ${describeError(js.error)}`).toBeInstanceOf(GhostnetError);
        expect("error" in wasm, "js refused it, so must wasm").toBe(true);
        expect((wasm as { error: unknown }).error, `wasm: ${describeError((wasm as { error: unknown }).error)}`).toBeInstanceOf(GhostnetError);
        return;
      }
      expect("error" in wasm ? describeError(wasm.error) : "ran", "js ran it, so must wasm").toBe("ran");
      const w = wasm as { shape: number[]; data: Float32Array };
      expect(w.shape).toEqual(js.shape);
      const scale = Math.max(1, ...Array.from(js.data, Math.abs));
      const worst = js.data.reduce((m, v, i) => Math.max(m, Math.abs(v - w.data[i]!)), 0);
      expect(worst).toBeLessThanOrEqual(1e-5 * scale);
    });
  }
});
