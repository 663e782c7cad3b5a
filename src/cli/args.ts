/**
 * Argument helpers shared by the subcommands: a `UsageError` (exit code 2) and parsers for
 * the typed options (`--topk 5`, `--engine graph`, …) on top of node:util's parseArgs.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** The command line itself is wrong (unknown option, missing argument): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What every subcommand module exports. */
export interface Command {
  name: string;
  /** One line for `ghostnet --help`. */
  summary: string;
  /** The full `ghostnet <cmd> --help` text. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[], io: CommandIO): Promise<number>;
}

/** Where a command writes: stdout for results, stderr for notes and progress. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** Writes to stderr as is (no newline added): progress bars redraw with "\r". */
  progress(text: string): void;
  /** True when stderr is a terminal (progress bars only then). */
  readonly stderrIsTTY: boolean;
}

type ParsedOptions = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * parseArgs with every option declared (a `--help` flag is added), strict, positionals
 * allowed; node's parse errors become UsageErrors.
 */
export function parseCommandLine(
  argv: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
): { values: ParsedOptions; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedOptions, positionals };
  } catch (error) {
    // node's messages look like "Unknown option '--foo'. To specify a positional …"; keep the first sentence.
    const message = error instanceof Error ? error.message.split(/\.\s/)[0]!.replace(/\.$/, "") : String(error);
    throw new UsageError(message);
  }
}

/** A string option's value, or undefined when absent. */
export function stringOption(values: ParsedOptions, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** A string option that must be present. */
export function requiredOption(values: ParsedOptions, name: string): string {
  const v = stringOption(values, name);
  if (v === undefined) throw new UsageError(`missing --${name}`);
  return v;
}

/** A positive integer option (`--topk 5`), or `fallback` when absent. */
export function integerOption(values: ParsedOptions, name: string, fallback: number, min = 1, max = 1 << 20): number {
  const v = stringOption(values, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${v}'`);
  }
  return n;
}

/** A positive number option (`--scale 1.3`). */
export function numberOption(values: ParsedOptions, name: string): number | undefined {
  const v = stringOption(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got '${v}'`);
  return n;
}

/** An option restricted to a few words (`--engine auto|graph|ghostnet`). */
export function choiceOption<T extends string>(values: ParsedOptions, name: string, choices: readonly T[], fallback: T): T {
  const v = stringOption(values, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got '${v}'`);
  }
  return v as T;
}

/** Exactly `count` positionals, named for the error message. */
export function expectPositionals(positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing ${names[positionals.length]}`);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument '${positionals[names.length]}'`);
  return positionals;
}

export const ENGINES = ["auto", "graph", "ghostnet"] as const;
export type EngineChoice = (typeof ENGINES)[number];

/** `--backend`'s words: loadModel's `backend` option (DESIGN.md §8). */
export const BACKENDS = ["auto", "wasm", "js"] as const;
/** One of BACKENDS. */
export type BackendChoice = (typeof BACKENDS)[number];

/** The `--engine`, `--backend`, `--threads` and `--low-memory` options several commands accept. */
export const ENGINE_OPTIONS = {
  engine: { type: "string" },
  backend: { type: "string" },
  threads: { type: "string" },
  "low-memory": { type: "boolean" },
} as const;

/** One help line per engine option, aligned at `column` (the commands' help texts differ in indent). */
export function engineOptionsHelp(column: number, engineLine: string): string[] {
  const line = (flag: string, text: string): string => `  ${flag.padEnd(column - 2)}${text}`;
  return [
    line("--engine E", engineLine),
    line("--backend B", "kernels: auto (default: wasm where WebAssembly runs, else js), wasm or js"),
    line("--threads N", "worker threads (default 1)"),
    line("--low-memory", "typed GhostNet: keep only the float32 weights (x1.0: 8 MB of heap instead of 54, runs ~1.1× slower; same results)"),
  ];
}

/** The engine options' values (loadModel's `engine`, `backend`, `threads` and `packWeights`). */
export function engineOptions(values: ParsedOptions): { engine: EngineChoice; backend: BackendChoice; threads: number; packWeights: boolean } {
  return {
    engine: choiceOption(values, "engine", ENGINES, "auto"),
    backend: choiceOption(values, "backend", BACKENDS, "auto"),
    threads: integerOption(values, "threads", 1, 1, 256),
    packWeights: values["low-memory"] !== true,
  };
}
