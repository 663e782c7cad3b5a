/**
 * The decoded model: what the loader hands to the graph executor and to the GhostNet
 * weight binder. Plain data, no protobuf types, no kernels.
 */
import type { AnyTensor, DataType } from "../tensor/tensor.js";

/** A decoded attribute value. INT/FLOAT → number, INTS/FLOATS → number[], STRING → string, TENSOR → tensor. */
export type AttributeValue = number | string | number[] | string[] | AnyTensor;

/** One compute node of a decoded graph: op type, inputs and outputs by name, attributes. */
export interface OnnxNode {
  /** The node's name; the loader makes one up (`OpType_index`) when the file has none. */
  name: string;
  opType: string;
  /** "" (or "ai.onnx") for the default domain. */
  domain: string;
  /** Input value names; "" marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, AttributeValue>;
}

/** A graph input or output: its name, element type and shape (strings are dynamic dims). */
export interface OnnxValueInfo {
  name: string;
  dtype: DataType | "unsupported";
  /** ONNX's name of the element type ("FLOAT", "DOUBLE", …), for messages about unsupported ones. */
  onnxType?: string;
  /** undefined when the file gives no shape. */
  shape?: (number | string)[];
}

/** A decoded graph: its nodes, the constant tensors (initializers and `Constant` nodes), inputs and outputs. */
export interface OnnxGraph {
  name: string;
  /** Compute nodes in file order. `Constant` nodes are not here: their values are in `constants`. */
  nodes: OnnxNode[];
  /**
   * Every tensor known before the run, by value name: graph initializers (Paddle2ONNX 2.x)
   * and the outputs of `Constant` nodes (Paddle2ONNX 1.x).
   */
  constants: Map<string, AnyTensor>;
  /** Graph inputs that are fed at run time (initializers listed as inputs are left out). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** A decoded model: the one internal graph every loader produces and every engine runs. */
export interface OnnxModel {
  irVersion: number;
  /** Opset of the default ("" / "ai.onnx") domain. */
  opset: number;
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  /** Opsets of other domains the file imports (they matter only if a node uses them). */
  otherOpsets?: Map<string, number>;
}
