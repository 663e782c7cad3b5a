// onnxruntime-node in its own process (plain JavaScript, started by ort-node.ts with fork()).
//
// onnxruntime-node and onnxruntime-web share onnxruntime-common's backend registry and both
// register a backend named "cpu": loaded in one process, a session of one can silently run
// on the other. So the native peer never shares a process with onnxruntime-web.
//
// Messages (parent → child → parent):
//   { type: "load", file, threads }      → { type: "loaded", ms, rss }
//   { type: "input", shape, data }       → { type: "ok" }
//   { type: "run" }                      → { type: "ran", ms }     (session.run wall time)
//   { type: "output" }                   → { type: "output", data } (the first output of the last run)
//   { type: "exit" }
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";

let session;
let feeds;
let last;

async function handle(message) {
  switch (message.type) {
    case "load": {
      const bytes = readFileSync(message.file);
      const t0 = performance.now();
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: ["cpu"],
        intraOpNumThreads: message.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: "all",
        // onnxruntime's worker threads spin after each run, waiting for the next one; with
        // 2 threads that kept our engine's second core busy through the run that came next
        // in the round (2-thread speed-up 1.07× in the bench against 1.73× alone).
        extra: { session: { intra_op: { allow_spinning: "0" } } },
      });
      return { type: "loaded", ms: performance.now() - t0, rss: process.memoryUsage().rss };
    }
    case "input":
      feeds = { [session.inputNames[0]]: new ort.Tensor("float32", new Float32Array(message.data), message.shape) };
      return { type: "ok" };
    case "run": {
      const t0 = performance.now();
      const out = await session.run(feeds);
      const ms = performance.now() - t0;
      last = out[session.outputNames[0]].data;
      return { type: "ran", ms, rss: process.memoryUsage().rss };
    }
    case "output":
      return { type: "output", data: Array.from(last) };
    case "exit":
      process.exit(0);
  }
  return { type: "error", message: `unknown message ${message.type}` };
}

process.on("message", (message) => {
  handle(message).then(
    (reply) => process.send(reply),
    (e) => process.send({ type: "error", message: String(e?.message ?? e) }),
  );
});
process.on("disconnect", () => process.exit(0));
