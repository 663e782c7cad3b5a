/**
 * Graph checks run before anything executes, each problem one line naming the node or
 * tensor: an opset outside the supported range, op types the engine lacks (every missing
 * type, with a node that uses it), inputs nothing produces, names produced twice, cycles,
 * graph inputs of an unsupported element type, graph outputs nothing produces.
 */
import { quoteName } from "../errors.js";
import type { OnnxModel, OnnxNode } from "./model.js";

/** The opsets whose per-version operator rules the engine implements. */
export const MIN_OPSET = 7;
/** The newest opset whose operator rules are implemented; files declaring a newer one are refused. */
export const MAX_OPSET = 17;

/** Which op types (default ONNX domain) the engine can run. */
export interface SupportedOps {
  has(opType: string): boolean;
}

/**
 * Every problem with the graph, one line each (empty when the graph can run).
 * `brokenConstants` names constants that failed to decode (reported already), so that
 * their readers are not reported again as dangling.
 */
export function validateGraph(model: OnnxModel, supported: SupportedOps, brokenConstants: ReadonlySet<string> = new Set()): string[] {
  const problems: string[] = [];
  const { graph } = model;

  if (model.opset !== 0 && (model.opset < MIN_OPSET || model.opset > MAX_OPSET)) {
    problems.push(`the model uses opset ${model.opset}; opsets ${MIN_OPSET} to ${MAX_OPSET} are supported`);
  }

  // Unsupported op types: one line per type, naming the first node and counting the rest.
  const missing = new Map<string, OnnxNode[]>();
  for (const node of graph.nodes) {
    const key = node.domain === "" ? node.opType : `${node.domain}.${node.opType}`;
    if (node.domain === "" && supported.has(node.opType)) continue;
    const list = missing.get(key) ?? [];
    list.push(node);
    missing.set(key, list);
  }
  for (const [key, nodes] of missing) {
    const more = nodes.length > 1 ? ` and ${nodes.length - 1} more` : "";
    problems.push(`unsupported op type '${quoteName(key)}' (node '${quoteName(nodes[0]!.name)}'${more})`);
  }

  // Every name must be produced once: by a graph input, a constant or one node output.
  const producer = new Map<string, string>();
  for (const input of graph.inputs) {
    if (producer.has(input.name)) problems.push(`graph input '${quoteName(input.name)}' is listed twice`);
    producer.set(input.name, `graph input '${quoteName(input.name)}'`);
    if (input.dtype === "unsupported") {
      problems.push(`graph input '${quoteName(input.name)}' has element type ${input.onnxType ?? "?"}; float32, int64, int32 and bool inputs are supported`);
    }
  }
  for (const name of brokenConstants) producer.set(name, `constant '${quoteName(name)}'`);
  for (const name of graph.constants.keys()) {
    if (producer.has(name)) problems.push(`'${quoteName(name)}' is both a graph input and a constant`);
    producer.set(name, `constant '${quoteName(name)}'`);
  }
  for (const node of graph.nodes) {
    for (const output of node.outputs) {
      if (output === "") continue;
      const earlier = producer.get(output);
      if (earlier !== undefined) {
        problems.push(`node '${quoteName(node.name)}' (${quoteName(node.opType)}) writes '${quoteName(output)}', which ${earlier} already produces`);
      } else {
        producer.set(output, `node '${quoteName(node.name)}'`);
      }
    }
  }

  // Dangling names: read but never produced.
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input !== "" && !producer.has(input)) {
        problems.push(`node '${quoteName(node.name)}' (${quoteName(node.opType)}) reads '${quoteName(input)}', which no node, graph input or initializer produces`);
      }
    }
  }
  for (const output of graph.outputs) {
    if (!producer.has(output.name)) problems.push(`graph output '${quoteName(output.name)}' is not produced by any node, input or initializer`);
  }
  if (graph.outputs.length === 0) problems.push("the graph declares no outputs");

  const order = topologicalOrder(graph.nodes, new Set([...graph.inputs.map((i) => i.name), ...graph.constants.keys(), ...brokenConstants]));
  if (order.stuck.length > 0) {
    const names = order.stuck.slice(0, 5).map((n) => `'${quoteName(n.name)}'`);
    const more = order.stuck.length > 5 ? ` and ${order.stuck.length - 5} more` : "";
    problems.push(`the graph has a cycle: nodes ${names.join(", ")}${more} wait on each other's outputs`);
  }
  return problems;
}

/**
 * Kahn's algorithm: nodes in an order where each runs after the producers of its inputs,
 * ties kept in file order. Names in `available` (inputs, constants) and names nothing
 * produces (reported separately as dangling) count as ready. Nodes that can never run
 * (a cycle, or downstream of one) come back in `stuck`.
 */
export function topologicalOrder<N extends OnnxNode>(nodes: readonly N[], available: ReadonlySet<string>): { order: N[]; stuck: N[] } {
  const producerIndex = new Map<string, number>();
  nodes.forEach((node, i) => {
    for (const output of node.outputs) if (output !== "" && !producerIndex.has(output)) producerIndex.set(output, i);
  });
  const waitingOn = new Array<number>(nodes.length).fill(0);
  const readers: number[][] = nodes.map(() => []);
  nodes.forEach((node, i) => {
    const seen = new Set<number>();
    for (const input of node.inputs) {
      if (input === "" || available.has(input)) continue;
      const p = producerIndex.get(input);
      if (p === undefined || seen.has(p)) continue;
      seen.add(p);
      waitingOn[i]!++;
      readers[p]!.push(i);
    }
  });
  // A min-heap would keep strict file order; a queue in file order is enough for
  // determinism, since ties are broken the same way every time.
  const ready: number[] = [];
  nodes.forEach((_, i) => {
    if (waitingOn[i] === 0) ready.push(i);
  });
  const order: N[] = [];
  for (let head = 0; head < ready.length; head++) {
    const i = ready[head]!;
    order.push(nodes[i]!);
    for (const r of readers[i]!) if (--waitingOn[r]! === 0) ready.push(r);
  }
  const stuck = nodes.filter((_, i) => waitingOn[i]! > 0);
  return { order, stuck };
}
