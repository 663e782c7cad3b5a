/**
 * `ghostnet compare MODEL --input X.npy --reference DIR [--tolerance T] [--engine E] [--json]`:
 * runs the model, and for each intermediate in execution order compares it with the
 * reference .npy of the same name in DIR (DIR/index.json's name → file list when there is
 * one, else the file name mapping of intermediates.ts), printing max absolute and relative
 * differences and naming the first layer that diverges.
 *
 * A layer diverges when its shape differs or max|ours − ref| > T · max(1, max|ref|)
 * (default T 1e-4). Exit codes: 0 every compared layer within tolerance, 3 a layer
 * diverges (the report is still printed), 1 an error (no reference matched any layer, a
 * bad file), 2 a usage error.
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { readFileBytes } from "../node/files.js";
import { readNpy } from "../tensor/npy.js";
import { formatShape } from "../tensor/tensor.js";
import { type Command, ENGINES, UsageError, choiceOption, expectPositionals, numberOption, parseCommandLine, requiredOption } from "./args.js";
import { formatTable } from "./common.js";
import { type LayerDifference, compareTensors, tensorFileName } from "./intermediates.js";
import { traceModelPath } from "./trace.js";

/** Exit code when a layer diverges. */
export const DIVERGED_EXIT_CODE = 3;

/** The reference folder's name → file map: from its index.json, else by the name mapping. */
async function referenceFiles(dir: string): Promise<{ fileOf: (name: string) => string | undefined; count: number }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new InputError(`cannot read reference folder '${dir}'`);
  }
  const present = new Set(names);
  if (present.has("index.json")) {
    let index: { tensors?: { name?: unknown; file?: unknown }[] };
    try {
      index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as typeof index;
    } catch (error) {
      throw new InputError(`reference '${join(dir, "index.json")}' is not readable JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const map = new Map<string, string>();
    for (const t of index.tensors ?? []) {
      if (typeof t.name === "string" && typeof t.file === "string" && !t.file.includes("/") && !t.file.includes("\\") && present.has(t.file)) map.set(t.name, t.file);
    }
    return { fileOf: (name) => map.get(name), count: map.size };
  }
  return { fileOf: (name) => (present.has(tensorFileName(name)) ? tensorFileName(name) : undefined), count: names.filter((n) => n.endsWith(".npy")).length };
}

function formatNumber(x: number): string {
  return Number.isNaN(x) ? "NaN" : x === 0 ? "0" : x.toExponential(2);
}

export const compareCommand: Command = {
  name: "compare",
  summary: "compare every intermediate with a reference dump (e.g. Paddle's) and name the first divergence",
  usage: [
    "Usage: ghostnet compare MODEL --input X.npy --reference DIR [--tolerance T] [--engine E] [--json]",
    "",
    "Runs MODEL on X.npy and compares each intermediate, in execution order, with DIR/<name>.npy",
    "(written by scripts/paddle_dump_intermediates.py, or by `ghostnet trace`; DIR/index.json maps",
    "names to files when present). Prints max absolute and relative differences per layer and the",
    "first layer that diverges: max|ours − ref| > T · max(1, max|ref|), or a different shape.",
    "",
    "Options:",
    "  --input X.npy     the input tensor (float32 .npy), the same the reference was made from",
    "  --reference DIR   the reference .npy files",
    "  --tolerance T     default 1e-4",
    "  --engine E        auto (default), graph or ghostnet (which names: see `ghostnet trace --help`)",
    "  --json            print { layers: [{ name, shape, maxAbs, relative, status }], compared, firstDivergence }",
    "",
    `Exit code: 0 all compared layers within tolerance, ${DIVERGED_EXIT_CODE} a layer diverges, 1 an error.`,
  ].join("\n"),
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, {
      input: { type: "string" },
      reference: { type: "string" },
      tolerance: { type: "string" },
      engine: { type: "string" },
      json: { type: "boolean" },
    });
    const [modelPath] = expectPositionals(positionals, ["MODEL"]) as [string];
    const inputPath = requiredOption(values, "input");
    const referenceDir = requiredOption(values, "reference");
    const tolerance = numberOption(values, "tolerance") ?? 1e-4;
    if (!(tolerance >= 0)) throw new UsageError(`--tolerance must be a number ≥ 0, got ${String(values.tolerance)}`);
    const engine = choiceOption(values, "engine", ENGINES, "auto");

    const references = await referenceFiles(referenceDir);
    const traced = await traceModelPath(modelPath, inputPath, engine);
    const layers: LayerDifference[] = [];
    const seen = new Set<string>();
    for (const { name, tensor } of traced.intermediates) {
      if (seen.has(name)) continue;
      seen.add(name);
      const file = references.fileOf(name);
      if (file === undefined) {
        layers.push({ name, shape: tensor.shape, maxAbs: NaN, relative: NaN, status: "missing" });
        continue;
      }
      const path = join(referenceDir, file);
      const reference = readNpy(await readFileBytes(path, "reference"), `reference '${path}'`);
      layers.push(compareTensors(name, tensor, reference, tolerance));
    }
    const compared = layers.filter((l) => l.status !== "missing");
    if (compared.length === 0) {
      throw new InputError(
        `no reference in '${referenceDir}' matches any of the ${layers.length} tensors (${traced.engine} engine names, e.g. ${layers
          .slice(0, 2)
          .map((l) => `${l.name} → ${tensorFileName(l.name)}`)
          .join(", ")})`,
      );
    }
    const first = compared.find((l) => l.status === "diverges");
    if (values.json === true) {
      io.out(JSON.stringify({ engine: traced.engine, tolerance, compared: compared.length, firstDivergence: first?.name ?? null, layers }, null, 2));
    } else {
      const rows = layers.map((l) => [
        l.name,
        formatShape(l.shape),
        l.status === "missing" ? "-" : formatNumber(l.maxAbs),
        l.status === "missing" ? "-" : formatNumber(l.relative),
        l.status === "diverges" ? `DIVERGES${l.note ? ` (${l.note})` : ""}` : l.status,
      ]);
      io.out(formatTable(["layer", "shape", "max abs", "relative", "status"], rows, [2, 3]));
      io.out(
        first === undefined
          ? `all ${compared.length} compared layers within tolerance ${tolerance} (${layers.length - compared.length} without a reference)`
          : `first divergence: ${first.name} (${first.note ?? `max abs ${formatNumber(first.maxAbs)}, relative ${formatNumber(first.relative)}`}; tolerance ${tolerance})`,
      );
    }
    return first === undefined ? 0 : DIVERGED_EXIT_CODE;
  },
};
