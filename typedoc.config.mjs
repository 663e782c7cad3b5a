// TypeDoc (`npm run docs`): the API reference of every package entry, written to docs/api/
// (git-ignored). The entries are read from package.json's "exports" (./dist/X.js → src/X.ts),
// so a new entry is documented without touching this file. Warnings are errors: an exported
// symbol without a doc comment, or a broken {@link}, fails the build
// (test/docs/typedoc.test.ts runs it).
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
  // notDocumented: every exported symbol needs a doc comment. notExported (a public
  // signature naming a type the entries do not export, such as a layer's internal plan) is
  // off: those types are internal plumbing, shown by name only.
  validation: { notExported: false, invalidLink: true, notDocumented: true },
  requiredToBeDocumented: ["Enum", "Variable", "Function", "Class", "Interface", "TypeAlias", "Namespace"],
};
