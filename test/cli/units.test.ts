/**
 * The CLI's small pure pieces: option parsing, the eval list parser, the progress bar.
 */
import { describe, expect, it } from "vitest";
import { ENGINE_OPTIONS, UsageError, choiceOption, engineOptions, integerOption, numberOption, parseCommandLine } from "../../src/cli/args.js";
import { parseImageList, progressBar } from "../../src/cli/eval.js";
import { errorLine } from "../../src/cli/main.js";
import { InputError } from "../../src/errors.js";

describe("option parsing", () => {
  const options = { topk: { type: "string" }, json: { type: "boolean" } } as const;

  it("parses declared options and positionals", () => {
    const { values, positionals } = parseCommandLine(["a.jpg", "--topk", "3", "b.png", "--json"], options);
    expect(positionals).toEqual(["a.jpg", "b.png"]);
    expect(integerOption(values, "topk", 5)).toBe(3);
    expect(values.json).toBe(true);
    expect(integerOption(parseCommandLine([], options).values, "topk", 5)).toBe(5);
  });

  it("turns bad command lines into UsageErrors", () => {
    expect(() => parseCommandLine(["--nope"], options)).toThrow(UsageError);
    expect(() => parseCommandLine(["--topk"], options)).toThrow(UsageError);
    expect(() => parseCommandLine(["--topk", "-1"], options)).toThrow(/^Option '--topk' argument is ambiguous$/);
    for (const bad of ["0", "-1", "2.5", "five", ""]) {
      expect(() => integerOption(parseCommandLine([`--topk=${bad}`], options).values, "topk", 5), bad).toThrow(/--topk must be an integer/);
    }
    const scale = parseCommandLine(["--topk", "abc"], options).values;
    expect(() => numberOption(scale, "topk")).toThrow(/positive number/);
    expect(() => choiceOption(scale, "topk", ["graph", "auto"], "auto")).toThrow(/one of graph, auto/);
  });
});

describe("engine options", () => {
  it("--low-memory turns loadModel's packWeights off; without it packWeights stays on", () => {
    expect(engineOptions(parseCommandLine(["--low-memory", "--threads", "2"], ENGINE_OPTIONS).values)).toEqual({ engine: "auto", backend: "auto", threads: 2, packWeights: false });
    expect(engineOptions(parseCommandLine(["--engine", "graph"], ENGINE_OPTIONS).values)).toEqual({ engine: "graph", backend: "auto", threads: 1, packWeights: true });
    expect(() => parseCommandLine(["--low-memory=yes"], ENGINE_OPTIONS)).toThrow(UsageError);
  });

  it("--backend auto|wasm|js is loadModel's backend; anything else is a usage error", () => {
    for (const backend of ["auto", "wasm", "js"]) {
      expect(engineOptions(parseCommandLine(["--backend", backend], ENGINE_OPTIONS).values).backend).toBe(backend);
    }
    for (const bad of ["gpu", "WASM", ""]) {
      expect(() => engineOptions(parseCommandLine(["--backend", bad], ENGINE_OPTIONS).values)).toThrow(UsageError);
    }
  });
});

describe("eval list parsing (PaddleClas `path label`)", () => {
  it("resolves paths against the root, keeps spaces in paths, skips blank and # lines", () => {
    const items = parseImageList("val/a.jpeg 65\n\n# comment\nval/my photo.png   7\r\n", "/data", "list");
    expect(items).toEqual([
      { path: "/data/val/a.jpeg", classId: 65, line: 1 },
      { path: "/data/val/my photo.png", classId: 7, line: 4 },
    ]);
  });

  it("names the line that is wrong", () => {
    expect(() => parseImageList("a.jpeg 1\nb.jpeg dog\n", "/", "list 'v.txt'")).toThrow(/list 'v.txt' line 2: expected "path label"/);
    expect(() => parseImageList("\n\n", "/", "list")).toThrow(InputError);
  });
});

describe("progress bar and error lines", () => {
  it("fills in proportion", () => {
    expect(progressBar(0, 4, 0, 8)).toBe("[........] 0/4  0.0 img/s");
    expect(progressBar(3, 4, 2.25, 8)).toBe("[######..] 3/4  2.3 img/s");
    expect(progressBar(10, 10, 12, 4)).toBe("[####] 10/10  12.0 img/s");
  });

  it("folds a multi-line message into one line", () => {
    expect(errorLine(new Error("first\n  second"))).toBe("first second");
    expect(errorLine("plain")).toBe("plain");
  });
});
