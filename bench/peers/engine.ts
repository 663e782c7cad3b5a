/** What the benchmark needs of every engine, ours and the peers. */
export interface BenchEngine {
  /** Short key: "ghostnet-ts", "ghostnet-ts-graph", "ort-node", "ort-web", "tfjs-wasm", "tfjs-cpu". */
  readonly name: string;
  /** What it is, for the table. */
  readonly label: string;
  /** Threads it computes with. */
  readonly threads: number;
  /** Bytes → ready to run, in milliseconds. */
  readonly loadMs: number;
  /**
   * Milliseconds its threads stay busy after a run returns (spinning for more work), which
   * the bench waits out before the next engine's run so that one does not share its cores.
   */
  readonly settleMs?: number;
  /** Memory held by an engine in its own process (bytes); in-process engines are measured by the caller. */
  memoryBytes?(): number;
  /** The input [N, 3, H, W] for the following runs. */
  setInput(shape: readonly number[], data: Float32Array): Promise<void>;
  /** One inference; returns its wall time in milliseconds. */
  run(): Promise<number>;
  /** The softmax output [N, classes] of the last run. */
  output(): Promise<Float32Array>;
  dispose(): Promise<void>;
}
