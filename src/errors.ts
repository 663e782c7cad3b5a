/**
 * Every error ghostnet-ts throws on purpose is a `GhostnetError`, so callers can tell
 * "your input is wrong" from a bug. Each subclass has a `code` for programs and a
 * one-line message for people that names what is wrong and where.
 */
export class GhostnetError extends Error {
  /** Stable machine-readable code, e.g. "ONNX_DECODE". */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    // Safety net for the one-line promise: a control character that reached a message
    // (a name from a file not passed through quoteName) is escaped here.
    super(escapeControls(message), options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Longest name (in characters) quoteName keeps before shortening it with an ellipsis. */
export const MAX_QUOTED_NAME = 80;

/** C0 controls, DEL and C1 controls (ESC starts ANSI sequences; U+2028/9 break lines too). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` with every control character written as \n, \t or \u001b (so it stays one line). */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * A string from a file (a tensor, node or op name) made safe to put into a one-line
 * message: control characters escaped, and a name longer than MAX_QUOTED_NAME characters
 * cut to its first MAX_QUOTED_NAME − 1 and "…" (with its full length). No quotes are added.
 */
export function quoteName(name: unknown): string {
  const text = typeof name === "string" ? name : String(name);
  const short = text.length > MAX_QUOTED_NAME ? `${text.slice(0, MAX_QUOTED_NAME - 1)}… (${text.length} chars)` : text;
  return escapeControls(short);
}

/** Longest ModelValidationError message: further problems are counted, not listed. */
export const MAX_VALIDATION_MESSAGE = 1000;

/** "N problems: a; b; … and K more", at most MAX_VALIDATION_MESSAGE characters of problems. */
function joinProblems(problems: string[]): string {
  if (problems.length === 1) return shorten(problems[0]!, MAX_VALIDATION_MESSAGE);
  const shown: string[] = [];
  let length = 0;
  for (const problem of problems) {
    const line = shorten(problem, MAX_VALIDATION_MESSAGE);
    if (shown.length > 0 && length + line.length + 2 > MAX_VALIDATION_MESSAGE) break;
    shown.push(line);
    length += line.length + 2;
  }
  const rest = problems.length - shown.length;
  return `${problems.length} problems: ${shown.join("; ")}${rest > 0 ? `; … and ${rest} more` : ""}`;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The bytes are not a readable ONNX model (truncated, corrupted, not protobuf). */
export class ModelFormatError extends GhostnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("MODEL_FORMAT", message, options);
  }
}

/** The model is readable but cannot be run: an unknown op, a dangling name, a cycle. */
export class ModelValidationError extends GhostnetError {
  /** Every problem found, one line each; `message` joins them (the first ~1000 characters, then "… and N more"). */
  readonly problems: string[];
  constructor(problems: string[]) {
    super("MODEL_VALIDATION", joinProblems(problems));
    this.problems = problems;
  }
}

/** The model uses an operator (or an operator feature) this engine does not implement. */
export class UnsupportedOperatorError extends GhostnetError {
  constructor(message: string) {
    super("UNSUPPORTED_OPERATOR", message);
  }
}

/** Shapes that do not fit together: a feed of the wrong shape, weights of the wrong size. */
export class ShapeError extends GhostnetError {
  constructor(message: string) {
    super("SHAPE", message);
  }
}

/** A feed or argument from the caller is wrong (name, type, value). */
export class InputError extends GhostnetError {
  constructor(message: string) {
    super("INPUT", message);
  }
}

/** An image could not be decoded or is outside the limits. */
export class ImageDecodeError extends GhostnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("IMAGE_DECODE", message, options);
  }
}

/** A size from a file or a caller exceeds a configured limit (checked before allocating). */
export class LimitError extends GhostnetError {
  constructor(message: string) {
    super("LIMIT", message);
  }
}

/** A kernel backend was asked for where it cannot run (e.g. `backend: "wasm"` where WebAssembly cannot be compiled). */
export class BackendUnavailableError extends GhostnetError {
  constructor(message: string) {
    super("BACKEND_UNAVAILABLE", message);
  }
}

/** A model was used after `dispose()`. */
export class DisposedError extends GhostnetError {
  constructor(what = "model") {
    super("DISPOSED", `this ${what} was disposed; load it again to use it`);
  }
}
