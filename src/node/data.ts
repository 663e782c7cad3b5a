/**
 * The package's own data files (data/imagenet1k_label_list.txt, data/images/*), found
 * relative to the package root. This file sits two folders below the root both as
 * src/node/data.ts (vitest, tsx) and as dist/node/data.js (the built package), so one
 * relative URL works for both.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseLabelList } from "../image/labels.js";
import { describeFileError } from "./files.js";

/** The package root folder (where package.json is). */
export const packageRoot: string = fileURLToPath(new URL("../../", import.meta.url));

/** An absolute path inside the package's data/ folder: `packageDataPath("images", "whl_demo.jpg")`. */
export function packageDataPath(...parts: string[]): string {
  return join(packageRoot, "data", ...parts);
}

let imageNetLabels: Promise<string[]> | undefined;

/** The 1000 ImageNet-1k class names PaddleClas uses, index = class id (read once, then cached). */
export function loadImageNetLabels(): Promise<string[]> {
  imageNetLabels ??= readLabelFile(packageDataPath("imagenet1k_label_list.txt")).catch((error: unknown) => {
    imageNetLabels = undefined;
    throw error;
  });
  return imageNetLabels;
}

/** Reads a PaddleClas label list (`id label` per line) from a file. */
export async function readLabelFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw describeFileError(error, "label list", path);
  }
  return parseLabelList(text);
}
