/**
 * Finding the inference model in a set of named files (a tar's entries, or a folder's
 * files that a caller read): the program, and its parameters beside it.
 *
 *   <dir>/inference.json     + <dir>/inference.pdiparams      Paddle 3 (PIR)
 *   <dir>/inference.pdmodel  + <dir>/inference.pdiparams      Paddle 2.x (any stem: model.pdmodel + model.pdiparams)
 *   <dir>/__model__          + <dir>/__params__               fluid, combined parameters
 *   <dir>/__model__          + one file per variable in <dir>  fluid, separate parameters
 *
 * When a folder holds both a `.json` and a `.pdmodel` program, the `.json` (what Paddle 3
 * writes by default) is taken. Other files (`inference.yml`, `.pdiparams.info`) are ignored here.
 */
import { ModelFormatError, quoteName } from "../../errors.js";
import { looksLikePirJson } from "./detect.js";
import type { PaddleParams } from "./legacy-program.js";

/** The program and parameters found among the files. */
export interface FoundPaddleModel {
  /** Path of the program among the files. */
  modelPath: string;
  format: "pir-json" | "program-desc";
  model: Uint8Array;
  params: PaddleParams | undefined;
}

const dirOf = (path: string): string => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
const baseOf = (path: string): string => path.slice(path.lastIndexOf("/") + 1);
const join = (dir: string, name: string): string => (dir === "" ? name : `${dir}/${name}`);

/** Picks the one inference program among `files` (path → bytes) and its parameters. `where` names the set in messages. */
export function findPaddleModel(files: ReadonlyMap<string, Uint8Array>, where: string): FoundPaddleModel {
  const programs: { path: string; format: "pir-json" | "program-desc"; rank: number }[] = [];
  for (const [path, bytes] of files) {
    const base = baseOf(path);
    if (base.endsWith(".json") && looksLikePirJson(bytes)) programs.push({ path, format: "pir-json", rank: 0 });
    else if (base.endsWith(".pdmodel")) programs.push({ path, format: "program-desc", rank: 1 });
    else if (base === "__model__" || base === "model") programs.push({ path, format: "program-desc", rank: 2 });
  }
  if (programs.length === 0) {
    const listed = [...files.keys()].slice(0, 8).map((p) => `'${quoteName(p)}'`).join(", ");
    throw new ModelFormatError(`${where} holds no Paddle inference program (inference.json, *.pdmodel or __model__); it holds ${files.size} files${listed ? `: ${listed}` : ""}`);
  }
  const dirs = new Set(programs.map((p) => dirOf(p.path)));
  if (dirs.size > 1) {
    throw new ModelFormatError(`${where} holds programs in ${dirs.size} folders (${[...dirs].slice(0, 4).map((d) => `'${quoteName(d)}'`).join(", ")}); give one inference folder`);
  }
  programs.sort((a, b) => a.rank - b.rank);
  const chosen = programs[0]!;
  const dir = dirOf(chosen.path);
  const base = baseOf(chosen.path);
  let params: PaddleParams | undefined;
  if (chosen.rank < 2) {
    params = files.get(join(dir, `${base.slice(0, base.lastIndexOf("."))}.pdiparams`));
  } else {
    params = files.get(join(dir, base === "model" ? "params" : "__params__"));
    if (params === undefined) {
      // One file per variable: every other file of the folder, by its name.
      const separate = new Map<string, Uint8Array>();
      for (const [path, bytes] of files) if (dirOf(path) === dir && path !== chosen.path) separate.set(baseOf(path), bytes);
      params = separate;
    }
  }
  return { modelPath: chosen.path, format: chosen.format, model: files.get(chosen.path)!, params };
}
