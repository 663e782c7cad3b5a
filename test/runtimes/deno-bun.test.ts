/**
 * The package (dist/index.js, as published) runs the same fixture GhostNet in Deno and Bun
 * as in Node: both engines, outputs within 1e-5. The runtimes are the npm packages `deno`
 * and `bun` (devDependencies), so CI gets them from `npm ci`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { expectSameAsNode, type JobResult, requireBinary, root, runJob, writeFixtureFiles } from "./harness.js";

const deno = join(root, "node_modules", ".bin", "deno");
const bun = join(root, "node_modules", ".bin", "bun");

let folder: string;
let node: JobResult;

beforeAll(async () => {
  folder = await writeFixtureFiles();
  node = await runJob([process.execPath], folder, "node");
}, 60_000);

describe("the fixture GhostNet x0.5 in every server-side runtime", () => {
  it("Node's own run is a real, unsaturated softmax (so the comparison means something)", () => {
    for (const engine of ["ghostnet", "graph"] as const) {
      const { data, shape } = node.results[engine];
      expect(shape).toEqual([1, 1000]);
      const sum = data.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-4);
      expect(Math.max(...data), "top score of a saturated softmax").toBeLessThan(0.5);
      expect(data.filter((p) => p > 1e-4).length, "classes with visible probability").toBeGreaterThan(50);
    }
  });

  it("Deno matches Node within 1e-5", async () => {
    const job = await runJob([requireBinary(deno, "npm ci installs the `deno` devDependency"), "run", "--allow-read"], folder, "deno");
    expectSameAsNode(job, node, expect);
  }, 30_000);

  it("Bun matches Node within 1e-5", async () => {
    const job = await runJob([requireBinary(bun, "npm ci installs the `bun` devDependency"), "run"], folder, "bun");
    expectSameAsNode(job, node, expect);
  }, 30_000);
});
