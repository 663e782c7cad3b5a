// TypeDoc (`npm run docs`): the API reference of every package entry, written to docs/api/
// (git-ignored). The entries are read from package.json's "exports" (./dist/X.js → src/X.ts),
// so a new entry is documented without touching this file. Warnings are errors: an exported
// symbol without a doc comment, or a public signature naming a type that is not exported,
// fails the build (test/docs/typedoc.test.ts runs it).
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const entryPoints = Object.values(pkg.exports)
  .map((target) => (typeof target === "string" ? target : target.default))
  .filter((file) => /^\.\/dist\/.+\.js$/.test(file))
  .map((file) => file.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));

/** @type {Partial<import("typedoc").TypeDocOptions>} */
export default {
  entryPoints,
  tsconfig: "tsconfig.build.json",
  out: "docs/api",
  name: "ghostnet-ts",
  readme: "none",
  excludePrivate: true,
  excludeInternal: true,
  disableSources: true,
  treatWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  requiredToBeDocumented: ["Enum", "Variable", "Function", "Class", "Interface", "TypeAlias", "Namespace"],
  // Types that public signatures mention but the entries do not export. Most are internal
  // plumbing (a layer's plan, the executor's node records, the thread pool's buffers); the
  // last three are types a user may want to name and could be exported by their modules.
  intentionallyNotExported: [
    "OptionKind",
    "OpDefinition",
    "ExecNode",
    "ExecutorFeeds",
    "ReduceKernel",
    "SupportedOps",
    "TensorLimits",
    "PlannedConv",
    "BottleneckScratchShapes",
    "Stopwatch",
    "SharedFloats",
    "WasmBackend",
    "BackendName",
    "WriterDataType",
    "InferenceConfig",
  ],
};
