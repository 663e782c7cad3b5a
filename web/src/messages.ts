/**
 * The messages between the demo page and its worker. The page never runs the model: it
 * posts requests, the worker answers, so the page stays responsive during a run.
 */
import type { LayerTiming, Prediction } from "../../src/index.js";

export type Request =
  | { type: "make-fixture"; scale: number; seed: number }
  | { type: "load-model"; bytes: Uint8Array; name: string }
  /** Encoded JPEG/PNG bytes (decoded by the library, as in Node) or RGBA pixels from the browser. */
  | { type: "classify"; image: Uint8Array | { width: number; height: number; data: Uint8ClampedArray }; name: string };

export interface ModelInfo {
  name: string;
  engine: string;
  bytes: number;
  inputNames: readonly string[];
  outputNames: readonly string[];
  loadMs: number;
}

export interface ClassifyResult {
  name: string;
  top: Prediction[];
  /** The preprocessed 224×224 crop, back in RGBA for drawing. */
  crop: { width: number; height: number; data: Uint8ClampedArray<ArrayBuffer> };
  preprocessMs: number;
  runMs: number;
  /** One entry per layer when the typed GhostNet runs; empty for the graph executor. */
  layers: LayerTiming[];
}

export type Reply =
  | { type: "status"; text: string }
  | { type: "model"; info: ModelInfo }
  | { type: "result"; result: ClassifyResult }
  | { type: "error"; message: string };
