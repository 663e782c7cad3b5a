// A strict TypeScript consumer of ghostnet-ts/paddle (compiled only when the package exports
// it): Paddle's own inference files, read without Python. Runs the Paddle model the package
// ships in data/models when there is one. Prints one line of JSON.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { packageDataPath } from "ghostnet-ts/node";
import { loadModel, supportedPaddleOps, type Model } from "ghostnet-ts/paddle";

const ops: string[] = supportedPaddleOps();
const folder = packageDataPath("models", "PP-LCNet_x0_25_textline_ori");
let shipped: { shape: number[]; sum: number } | null = null;
if (existsSync(join(folder, "inference.json"))) {
  const model: Model = await loadModel({ model: await readFile(join(folder, "inference.json")), params: await readFile(join(folder, "inference.pdiparams")) });
  const input = { shape: [1, 3, 80, 160], data: new Float32Array(3 * 80 * 160) };
  const output = Object.values(await model.run([input]))[0]!;
  shipped = { shape: [...output.shape], sum: output.data.reduce((a, b) => a + b, 0) };
  model.dispose();
}
console.log(JSON.stringify({ ops: ops.length, shipped }));
