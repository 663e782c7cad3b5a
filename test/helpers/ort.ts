/**
 * onnxruntime-node as the reference engine for tests: run ONNX bytes on feeds and
 * get plain { shape, data } outputs back.
 */
import * as ort from "onnxruntime-node";

export interface RefTensor {
  shape: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Float64Array;
}

export type RefFeed =
  | { shape: readonly number[]; data: Float32Array }
  | { shape: readonly number[]; data: BigInt64Array }
  | { shape: readonly number[]; data: Int32Array };

function toOrtTensor(feed: RefFeed): ort.Tensor {
  if (feed.data instanceof Float32Array) return new ort.Tensor("float32", feed.data, feed.shape.slice());
  if (feed.data instanceof BigInt64Array) return new ort.Tensor("int64", feed.data, feed.shape.slice());
  return new ort.Tensor("int32", feed.data, feed.shape.slice());
}

/** Runs `model` in onnxruntime-node (CPU, one thread, all graph optimisations off). */
export async function runOrt(
  model: Uint8Array,
  feeds: Record<string, RefFeed>,
  options: { optimize?: boolean } = {},
): Promise<Record<string, RefTensor>> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: options.optimize ? "all" : "disabled",
    logSeverityLevel: 3, // errors only: ORT warns about unused initializers our tests leave on purpose
  });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(feed);
    const results = await session.run(ortFeeds);
    const out: Record<string, RefTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      out[name] = { shape: t.dims.slice(), data: t.data as RefTensor["data"] };
    }
    return out;
  } finally {
    await session.release();
  }
}
