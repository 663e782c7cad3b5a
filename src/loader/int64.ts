/**
 * protobufjs hands int64 fields over as `Long` objects ({ low, high, unsigned }) when the
 * `long` package is present, and as plain numbers otherwise. These helpers turn either
 * into a JS number: exactly when the value is a safe integer (|v| < 2^53), and to the
 * nearest double beyond that (ONNX's INT64_MAX "to the end" sentinels in Slice).
 */

/** What protobufjs may put in an int64 field. */
export type Int64Like = number | { low: number; high: number; unsigned?: boolean } | null | undefined;

const TWO_POW_32 = 4294967296;

/** The nearest double to an int64 value (exact for |v| < 2^53); 0 for null/undefined. */
export function int64ToNumber(value: Int64Like): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") return value;
  const high = value.unsigned ? value.high >>> 0 : value.high | 0;
  return high * TWO_POW_32 + (value.low >>> 0);
}

/** The value as an exact integer, or undefined when it is not a safe integer. */
export function int64ToSafeInteger(value: Int64Like): number | undefined {
  const n = int64ToNumber(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
