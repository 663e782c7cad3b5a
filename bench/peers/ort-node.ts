/**
 * The native peer, onnxruntime-node, driven in a child process (see ort-node-child.mjs for
 * why it may not share our process with onnxruntime-web). Times are measured in the child
 * around `session.run`, so IPC costs are not charged to it.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchEngine } from "./engine.js";

interface Reply {
  type: string;
  ms?: number;
  rss?: number;
  data?: number[];
  message?: string;
}

class Child {
  private readonly process: ChildProcess;
  private pending: ((reply: Reply) => void) | undefined;

  constructor() {
    const script = fileURLToPath(new URL("./ort-node-child.mjs", import.meta.url));
    this.process = fork(script, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], serialization: "advanced", execArgv: [] });
    this.process.on("message", (reply: Reply) => {
      const resolve = this.pending;
      this.pending = undefined;
      resolve?.(reply);
    });
    this.process.on("exit", () => {
      this.pending?.({ type: "error", message: "onnxruntime-node child exited" });
    });
  }

  ask(message: object): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.pending = (reply) => (reply.type === "error" ? reject(new Error(`onnxruntime-node: ${reply.message}`)) : resolve(reply));
      this.process.send(message);
    });
  }

  kill(): void {
    if (this.process.connected) this.process.send({ type: "exit" });
  }
}

export async function createOrtNode(file: string, threads: number): Promise<BenchEngine> {
  const child = new Child();
  const loaded = await child.ask({ type: "load", file, threads });
  let peakRss = loaded.rss ?? 0;
  return {
    name: "ort-node",
    label: "onnxruntime-node (native, own process)",
    threads,
    loadMs: loaded.ms!,
    memoryBytes: () => peakRss,
    async setInput(shape, data) {
      await child.ask({ type: "input", shape, data: data.slice() });
    },
    async run() {
      const reply = await child.ask({ type: "run" });
      peakRss = Math.max(peakRss, reply.rss ?? 0);
      return reply.ms!;
    },
    async output() {
      return Float32Array.from((await child.ask({ type: "output" })).data!);
    },
    async dispose() {
      child.kill();
    },
  };
}
