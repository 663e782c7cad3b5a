/**
 * A legacy Paddle inference model (ProgramDesc + parameters) → the loader's graph.
 *
 *   inference.pdmodel / model.pdmodel / __model__  ──program-desc.ts──▶ vars and ops
 *   inference.pdiparams / __params__ / one file per variable ──params.ts──▶ tensors
 *   ──translate.ts──▶ OnnxModel
 *
 * The parameters are the program's persistable tensor variables other than feed and
 * fetch, read in `sorted(name)` order.
 */
import { ModelFormatError } from "../../errors.js";
import type { AnyTensor } from "../../tensor/tensor.js";
import type { OnnxModel } from "../model.js";
import { DEFAULT_MAX_TENSOR_ELEMENTS } from "../tensor-decode.js";
import { paddleSortedNames, readCombinedParams, readSeparateParams, type ExpectedParam } from "./params.js";
import { decodeProgramDesc, PaddleType, type PaddleProgram } from "./program-desc.js";
import { translateProgram } from "./translate.js";

/** Options the Paddle readers take (the loader's own). */
export interface PaddleReadOptions {
  /** Largest element count accepted for one tensor, checked before allocating (default 2^28). */
  maxTensorElements?: number;
}

/** Parameters as handed over: one combined file, or one file per variable by name. */
export type PaddleParams = Uint8Array | ReadonlyMap<string, Uint8Array>;

/** "2.3.2" from 2003002; "develop" for 0; "fluid" when the program has no version. */
export function paddleVersionName(version: number | undefined): string {
  if (version === undefined) return "fluid";
  if (version === 0) return "develop";
  return `${Math.floor(version / 1e6)}.${Math.floor(version / 1e3) % 1000}.${version % 1000}`;
}

/** The parameters a legacy program expects, in the order the combined file holds them. */
export function legacyParameters(program: PaddleProgram): ExpectedParam[] {
  const params = [...program.vars.values()].filter(
    (v) => v.persistable && v.kind === PaddleType.LOD_TENSOR && v.name !== "feed" && v.name !== "fetch",
  );
  const byName = new Map(params.map((p) => [p.name, p]));
  return paddleSortedNames(byName.keys()).map((name) => ({ name, dims: byName.get(name)!.dims }));
}

/**
 * Reads a legacy program and its parameters into the loader's graph. Throws
 * ModelFormatError when a file cannot be read, ModelValidationError listing every problem
 * (unsupported ops included) otherwise.
 */
export function readLegacyProgram(model: Uint8Array, params: PaddleParams | undefined, options: PaddleReadOptions = {}): OnnxModel {
  const limits = { maxTensorElements: options.maxTensorElements ?? DEFAULT_MAX_TENSOR_ELEMENTS };
  const program = decodeProgramDesc(model);
  const expected = legacyParameters(program);
  let constants = new Map<string, AnyTensor>();
  if (expected.length > 0) {
    if (params === undefined) {
      throw new ModelFormatError(`the program has ${expected.length} parameters but no parameter file was given (inference.pdiparams, __params__ or one file per variable)`);
    }
    constants = params instanceof Uint8Array ? readCombinedParams(params, expected, limits) : readSeparateParams(params, expected, limits);
  }
  const dims = new Map<string, number[]>();
  const dtypes = new Map<string, number>();
  for (const v of program.vars.values()) {
    if (v.dims !== undefined) dims.set(v.name, v.dims);
    if (v.dtype !== undefined) dtypes.set(v.name, v.dtype);
  }
  return translateProgram(
    { ops: program.ops, dims, dtypes, constants, producerVersion: paddleVersionName(program.version) },
    limits.maxTensorElements,
  );
}
