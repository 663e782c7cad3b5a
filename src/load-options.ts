/**
 * Checking `loadModel`'s options before anything is decoded: each wrong option is refused
 * with one InputError that names it, so a typo or a NaN never silently turns a limit off
 * or a switch to its default.
 *
 * Every option loadModel knows is listed here (KNOWN_OPTIONS). A key that is not listed is
 * refused too ("unknown option 'thread'"): an option that means nothing is almost always
 * a misspelled one. Whoever adds an option to LoadOptions, DecodeOptions or
 * ExecutorOptions adds it here as well (tsc says so).
 */
import { InputError } from "./errors.js";
import type { LoadModelOptions } from "./load-model.js";

/** Most threads a model may ask for (each is a worker started at load). */
export const MAX_THREADS = 256;

type OptionKind = "engine" | "backend" | "threads" | "limit" | "switch";

/**
 * Every option loadModel takes, and what kind of value it must have. The type makes an
 * option added to LoadModelOptions's interfaces but missing here a compile error.
 */
export const KNOWN_OPTIONS: Readonly<{ [K in keyof Required<LoadModelOptions>]: OptionKind } & Record<string, OptionKind>> = {
  engine: "engine",
  backend: "backend",
  threads: "threads",
  packWeights: "switch",
  // Limits: positive integers (a count of elements, bytes or plans).
  maxTensorElements: "limit",
  maxCachedPlans: "limit",
  maxRunBytes: "limit",
  // The graph executor's rewrites (and packWeights, above): booleans.
  foldConstants: "switch",
  foldBatchNorm: "switch",
  fuseActivations: "switch",
};

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  return typeof value;
}

/** Throws InputError naming the first wrong option; `undefined` values mean "the default". */
export function checkLoadOptions(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InputError(`loadModel's options must be an object, got ${describe(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    const kind = KNOWN_OPTIONS[key];
    if (kind === undefined) {
      throw new InputError(`unknown option '${key}' for loadModel; known options: ${Object.keys(KNOWN_OPTIONS).join(", ")}`);
    }
    if (value === undefined) continue;
    switch (kind) {
      case "engine":
        if (value !== "auto" && value !== "graph" && value !== "ghostnet") {
          throw new InputError(`unknown engine '${String(value)}'; use "auto", "graph" or "ghostnet"`);
        }
        break;
      case "backend":
        if (value !== "auto" && value !== "wasm" && value !== "js") {
          throw new InputError(`unknown backend '${String(value)}'; use "auto", "wasm" or "js"`);
        }
        break;
      case "threads":
        if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
          throw new InputError(`option threads must be an integer from 1 to ${MAX_THREADS}, got ${describe(value)}`);
        }
        break;
      case "limit":
        if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
          throw new InputError(`option ${key} must be a positive integer, got ${describe(value)}`);
        }
        break;
      case "switch":
        if (typeof value !== "boolean") throw new InputError(`option ${key} must be true or false, got ${describe(value)}`);
        break;
    }
  }
}
