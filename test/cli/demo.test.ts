/**
 * `ghostnet demo` runs offline to the end: GhostNet on the sample photos (synthetic weights,
 * said plainly) and PaddleOCR's real direction classifier getting both orientations right.
 */
import { join } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { assertBuilt, packageRoot, runCli } from "./run-cli.js";

beforeAll(() => assertBuilt());

it("ghostnet demo exits 0, says the weights are synthetic, and the direction classifier answers 0° / 180°", async () => {
  const result = await runCli(["demo"], { timeoutMs: 180_000 });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout).toMatch(/weights are synthetic/);
  expect(result.stdout).toContain("ghostnet classify photo.jpg --model GhostNet_x1_0.onnx");
  for (const image of ["whl_demo.jpg", "ILSVRC2012_val_00000010.jpeg"]) expect(result.stdout).toContain(image);
  expect(result.stdout).toMatch(/_ghostbottleneck_15/);
  // The real model ships with the package (data/models), so this part always runs.
  expect(result.stdout).toMatch(/upright\s+→ 0°\s+score 0\.9\d+\s+\(right\)/);
  expect(result.stdout).toMatch(/turned 180°\s+→ 180°\s+score 0\.9\d+\s+\(right\)/);
});

it("ghostnet classify without --model uses the same synthetic GhostNet and says so in one line", async () => {
  const result = await runCli(["classify", join(packageRoot, "data", "images", "whl_demo.jpg"), "--json", "--topk", "1"]);
  expect(result.code, result.stderr).toBe(0);
  const notes = result.stderr.split("\n").filter((l) => l.trim() !== "");
  expect(notes).toHaveLength(1);
  expect(notes[0]).toMatch(/synthetic.*--model/);
  const answers = JSON.parse(result.stdout) as { image: string; top: { classId: number }[] }[];
  expect(answers).toHaveLength(1);
  expect(answers[0]!.top).toHaveLength(1);
});
