/**
 * Class-name lists in PaddleClas's format: one `id label` per line, e.g.
 *
 *     0 tench, Tinca tinca
 *     1 goldfish, Carassius auratus
 *
 * (ppcls/utils/imagenet1k_label_list.txt). Parsed from text so that browsers can use it
 * too; the Node entry reads the package's data/imagenet1k_label_list.txt.
 */
import { InputError } from "../errors.js";

/**
 * Parses a label list into `labels[classId] = name`. Blank lines are skipped; every other
 * line must be a non-negative integer id, whitespace, then the name. Ids must be unique
 * and cover 0..n−1 without gaps, so that an index into the model's output is a class id.
 */
export function parseLabelList(text: string, source = "label list"): string[] {
  const labels: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = lines[lineIndex]!.trim();
    if (line === "") continue;
    const match = /^(\d+)\s+(.*)$/.exec(line);
    if (match === null) {
      throw new InputError(`${source} line ${lineIndex + 1}: expected "id label", found "${line.slice(0, 60)}"`);
    }
    const id = Number(match[1]);
    if (id > 1_000_000) throw new InputError(`${source} line ${lineIndex + 1}: class id ${id} is too large`);
    if (labels[id] !== undefined) throw new InputError(`${source} line ${lineIndex + 1}: class id ${id} appears twice`);
    labels[id] = match[2]!;
  }
  for (let id = 0; id < labels.length; id++) {
    if (labels[id] === undefined) throw new InputError(`${source}: class id ${id} is missing (ids must run 0..${labels.length - 1})`);
  }
  return labels;
}
