/**
 * Writes Paddle 3 PIR programs (`inference.json`) for the tests, op by op, in the format
 * Paddle's serializer writes (DESIGN.md §7): value ids from 1, `p` parameter ops first,
 * `1.data` inputs, `1.fetch` outputs named `fetch_name_0`; and their `.pdiparams`.
 */
import type { Tensor } from "../../src/tensor/tensor.js";
import { writeParamsFile } from "./helpers.js";

export type Json = Record<string, unknown>;
export const dense = (dims: number[], element = "0.t_f32"): Json => ({ "#": "0.t_dtensor", D: [{ "#": element }, dims, "NCHW", [], 0] });
export const attr = (name: string, kind: string, data: unknown): Json => ({ N: name, AT: { "#": kind, D: data } });
export const i32s = (name: string, values: number[]): Json => attr(name, "0.a_array", values.map((v) => ({ "#": "0.a_i32", D: v })));
export const i64s = (name: string, values: number[]): Json => attr(name, "0.a_array", values.map((v) => ({ "#": "0.a_i64", D: v })));

/** A one-block PIR program, built op by op; value ids count up from 1. */
export class PirProgram {
  private id = 0;
  readonly ops: Json[] = [];
  readonly params: { name: string; tensor: Tensor }[] = [];

  data(name: string, dims: number[]): number {
    const id = ++this.id;
    this.ops.push({ "#": "1.data", A: [attr("name", "0.a_str", name), attr("shape", "1.a_intarray", dims), attr("dtype", "1.a_dtype", "float32")], I: [], O: [{ "%": id, TT: dense(dims) }] });
    return id;
  }

  param(name: string, tensor: Tensor): number {
    const id = ++this.id;
    this.ops.unshift({ "#": "p", A: [0, 1, 1, name], DA: [], O: { "%": id, TT: dense(tensor.shape.slice()) }, OA: [1, 0, 1], QA: [] });
    this.params.push({ name, tensor });
    return id;
  }

  op(name: string, operands: number[], results: number[][], attrs: Json[] = [], element = "0.t_f32"): number[] {
    const ids = results.map(() => ++this.id);
    this.ops.push({ "#": name, A: attrs, I: operands.map((o) => ({ "%": o })), O: ids.map((id, k) => ({ "%": id, TT: dense(results[k]!, element) })) });
    return ids;
  }

  fetch(value: number, dims: number[]): void {
    this.ops.push({ "#": "1.fetch", A: [attr("name", "0.a_str", "fetch_name_0"), attr("col", "0.a_i32", 0)], I: [{ "%": value }], O: [{ "%": ++this.id, TT: dense(dims) }] });
  }

  json(): Uint8Array {
    const doc = { base_code: { magic: "pir", trainable: true, version: 1 }, program: { regions: [{ "#": "region_0", blocks: [{ "#": "block_0", args: [], ops: this.ops }] }] } };
    return new TextEncoder().encode(JSON.stringify(doc));
  }

  pdiparams(): Uint8Array {
    return writeParamsFile(new Map(this.params.map((p) => [p.name, p.tensor])));
  }
}

