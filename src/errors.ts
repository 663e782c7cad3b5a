/**
 * Every error ghostnet-ts throws on purpose is a `GhostnetError`, so callers can tell
 * "your input is wrong" from a bug. Each subclass has a `code` for programs and a
 * one-line message for people that names what is wrong and where.
 */
export class GhostnetError extends Error {
  /** Stable machine-readable code, e.g. "ONNX_DECODE". */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The bytes are not a readable ONNX model (truncated, corrupted, not protobuf). */
export class ModelFormatError extends GhostnetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("MODEL_FORMAT", message, options);
  }
}

/** The model is readable but cannot be run: an unknown op, a dangling name, a cycle. */
export class ModelValidationError extends GhostnetError {
  /** Every problem found, one line each; `message` joins them. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super("MODEL_VALIDATION", problems.length === 1 ? problems[0]! : `${problems.length} problems: ${problems.join("; ")}`);
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

/** A model was used after `dispose()`. */
export class DisposedError extends GhostnetError {
  constructor(what = "model") {
    super("DISPOSED", `this ${what} was disposed; load it again to use it`);
  }
}
