// A strict TypeScript consumer of the runtime-neutral entries (ghostnet-ts, ghostnet-ts/ndarray,
// ghostnet-ts/web-threads), compiled without @types/node or the DOM lib (skipLibCheck false,
// so every declaration the package ships is checked too).
import {
  createClassifier,
  GhostnetError,
  loadModel,
  makeGhostNetFixture,
  ModelFormatError,
  type Classifier,
  type Model,
  type Prediction,
  type TensorLike,
} from "ghostnet-ts";
import { createWebPoolOrSerial, threadProviderName } from "ghostnet-ts/web-threads";
import { fromNdarray, toNdarray } from "ghostnet-ts/ndarray";

/** The fixture GhostNet, loaded, classified, refused on bad bytes; returns what a test can check. */
export async function coreJob(): Promise<{ engine: string; top: Prediction[]; refusedCode: string; ndarrayRoundTrip: boolean; webPool: string }> {
  const bytes: Uint8Array = makeGhostNetFixture({ scale: 0.5, style: "modern", seed: 5, classCount: 10, calibrationBatch: 1, calibrationSize: 64, inputSize: "dynamic" });
  const model: Model = await loadModel(bytes);
  const labels = Array.from({ length: 10 }, (_, i) => `class ${i}`);
  const classifier: Classifier = createClassifier(model, { labels, topk: 3 });
  const input: TensorLike = { shape: [1, 3, 64, 64], data: new Float32Array(3 * 64 * 64).fill(0.25) };
  const top = await classifier.classify(input);
  const view = toNdarray({ shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) });
  const back = fromNdarray(view);
  const ndarrayRoundTrip = view.get(1, 2) === 6 && back.shape.join() === "2,3" && back.data[4] === 5;
  let refusedCode = "";
  try {
    await loadModel(new Uint8Array([1, 2, 3]));
  } catch (error) {
    if (error instanceof ModelFormatError && error instanceof GhostnetError) refusedCode = error.code;
  }
  model.dispose();
  return { engine: model.engine, top, refusedCode, ndarrayRoundTrip, webPool: `${typeof createWebPoolOrSerial}/${threadProviderName() ?? "none"}` };
}
