/**
 * Top-k of a score vector: the k highest scores, best first, with their class ids and
 * (optionally) names. Ties go to the lower class id, so the order never depends on the
 * sort algorithm.
 */
import { InputError } from "../errors.js";

/** One ranked class of a classification. */
export interface Prediction {
  classId: number;
  /** The class name from the label list; `"class <id>"` when no list (or no entry) is given. */
  label: string;
  score: number;
}

/**
 * The `k` best classes of `scores` (probabilities or logits), best first.
 * O(n·k) with a small sorted buffer: k is 1..10 in practice and n = 1000.
 * NaN scores rank below every number.
 */
export function topK(scores: ArrayLike<number>, k = 5, labels?: readonly string[]): Prediction[] {
  if (!Number.isInteger(k) || k < 1) throw new InputError(`topK: k must be a positive integer, got ${k}`);
  const count = Math.min(k, scores.length);
  const bestIds: number[] = [];
  for (let id = 0; id < scores.length; id++) {
    const score = scores[id]!;
    // Position where `id` belongs: after every kept entry that beats or equals it
    // (equal scores keep the earlier, lower id first).
    let position = bestIds.length;
    while (position > 0 && ranksAbove(score, scores[bestIds[position - 1]!]!)) position--;
    if (position >= count) continue;
    bestIds.splice(position, 0, id);
    if (bestIds.length > count) bestIds.pop();
  }
  return bestIds.map((classId) => ({
    classId,
    label: labels?.[classId] ?? `class ${classId}`,
    score: scores[classId]!,
  }));
}

/** Strictly better: a higher number, or any number against NaN. */
function ranksAbove(a: number, b: number): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return a > b;
}
