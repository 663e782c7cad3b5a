// The browser page: the installed package by its bare name, bundled as is (esbuild or Vite),
// threads on Web Workers. The fixture and input come from the server's /data/ folder.
import * as lib from "ghostnet-ts/web-threads";
import { jobInput, runJob } from "./job.mjs";

try {
  const bytes = new Uint8Array(await (await fetch("/data/fixture.onnx")).arrayBuffer());
  const input = jobInput(new Uint8Array(await (await fetch("/data/input.f32")).arrayBuffer()));
  window.jobResult = { ...(await runJob(lib, bytes, input)), crossOriginIsolated: self.crossOriginIsolated };
} catch (error) {
  window.jobError = String((error && error.stack) || error);
}
