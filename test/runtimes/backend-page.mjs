// The Chromium side of backend-job.mjs: an external module script (so it runs under
// `script-src 'self'`), served beside the bundle, the job, the fixture and the input. It
// also records every CSP violation the page reports, as evidence of what was refused.
import * as lib from "./ghostnet.js";
import { runBackendJob } from "./backend-job.mjs";

const violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  violations.push({ directive: event.effectiveDirective, blocked: event.blockedURI });
});

try {
  const bytes = new Uint8Array(await (await fetch("./fixture.onnx")).arrayBuffer());
  const inputBytes = new Uint8Array(await (await fetch("./input.f32")).arrayBuffer());
  const result = await runBackendJob(lib, bytes, inputBytes, "chromium");
  // Violation events are dispatched as tasks: let them arrive before reporting.
  await new Promise((resolve) => setTimeout(resolve, 50));
  window.jobResult = { ...result, violations };
} catch (error) {
  window.jobError = String((error && error.stack) || error);
}
