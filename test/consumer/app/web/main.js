// The browser page: the installed package by its bare name, bundled as is (esbuild or Vite),
// threads on Web Workers. The fixture comes from the server's /data/ folder.
import * as lib from "ghostnet-ts/web-threads";
import { runJob } from "./job.mjs";

try {
  const bytes = new Uint8Array(await (await fetch("/data/fixture.onnx")).arrayBuffer());
  window.jobResult = { ...(await runJob(lib, bytes)), crossOriginIsolated: self.crossOriginIsolated };
} catch (error) {
  window.jobError = String((error && error.stack) || error);
}
