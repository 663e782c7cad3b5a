/**
 * The `ghostnet` command line: picks the subcommand, runs it, and turns every failure
 * into one line on stderr and an exit code (0 ok, 1 runtime error, 2 usage error).
 * Set GHOSTNET_DEBUG=1 to see stack traces.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { packageRoot } from "../node/data.js";
import { setPngDecoder } from "../image/png.js";
import { pngjsDecoder } from "../image/png-node.js";
import { type Command, type CommandIO, UsageError } from "./args.js";
import { benchCommand } from "./bench.js";
import { classifyCommand } from "./classify.js";
import { compareCommand } from "./compare.js";
import { demoCommand } from "./demo.js";
import { evalCommand } from "./eval.js";
import { makeFixtureCommand } from "./make-fixture.js";
import { preprocessCommand } from "./preprocess.js";
import { runCommand } from "./run.js";
import { serveCommand } from "./serve.js";
import { summaryCommand } from "./summary.js";
import { traceCommand } from "./trace.js";

export const commands: readonly Command[] = [
  demoCommand,
  classifyCommand,
  preprocessCommand,
  runCommand,
  evalCommand,
  summaryCommand,
  traceCommand,
  compareCommand,
  makeFixtureCommand,
  benchCommand,
  serveCommand,
];

function mainUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    "Usage: ghostnet <command> [options]",
    "",
    "PaddleClas GhostNet (and other Paddle2ONNX models) in pure TypeScript.",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `ghostnet <command> --help` for a command's options; `ghostnet --version` for the version.",
    "Example: ghostnet classify photo.jpg --model GhostNet_x1_0.onnx",
  ].join("\n");
}

async function packageVersion(): Promise<string> {
  try {
    const json = JSON.parse(await readFile(join(packageRoot, "package.json"), "utf8")) as { version?: string };
    return json.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** stdout/stderr of this process. */
export const processIO: CommandIO = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  progress: (text) => process.stderr.write(text),
  get stderrIsTTY() {
    return process.stderr.isTTY === true;
  },
};

/** One line for an error: its message with any line breaks folded into spaces. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/** Runs the command line `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  // PNG inflation needs zlib, which the core leaves to the runtime: in Node, pngjs.
  setPngDecoder(pngjsDecoder);
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? commands.find((c) => c.name === rest[0]) : undefined;
    if (name === undefined) {
      io.err(mainUsage());
      return 2;
    }
    io.out(topic ? topic.usage : mainUsage());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    io.out(`ghostnet-ts ${await packageVersion()}`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`ghostnet: error: unknown command '${name}'`);
    io.err("Run `ghostnet --help` for the list of commands.");
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (process.env.GHOSTNET_DEBUG === "1" && error instanceof Error) io.err(error.stack ?? error.message);
    if (error instanceof UsageError) {
      io.err(`ghostnet ${name}: usage error: ${error.message}`);
      io.err(`Run \`ghostnet ${name} --help\` for its options.`);
      return 2;
    }
    io.err(`ghostnet: error: ${errorLine(error)}`);
    return 1;
  }
}
