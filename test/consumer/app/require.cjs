// A CommonJS consumer. ghostnet-ts is ESM-only; CommonJS code loads it with a dynamic
// import(), which works in every Node version the package supports (>= 20).
const { readFileSync } = require("node:fs");

async function main() {
  const { loadModel, GhostnetError } = await import("ghostnet-ts");
  const bytes = new Uint8Array(readFileSync("fixture.onnx"));
  const model = await loadModel(bytes);
  const input = { shape: [1, 3, 64, 64], data: new Float32Array(3 * 64 * 64) };
  const output = Object.values(await model.run([input]))[0];
  let refused = "";
  try {
    await loadModel(new Uint8Array([1, 2, 3]));
  } catch (error) {
    refused = error instanceof GhostnetError ? error.code : "not a GhostnetError";
  }
  model.dispose();
  console.log(JSON.stringify({ engine: model.engine, shape: Array.from(output.shape), refused }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
