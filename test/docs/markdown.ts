/**
 * Reading the project's Markdown for the docs tests: which files are the user-facing
 * docs, their text without code, their links and their code-span references to the tree,
 * and GitHub's heading anchors.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));

/** README.md, CONTRIBUTING.md, CHANGELOG.md and docs/*.md, as paths relative to the root. */
export function docFiles(): string[] {
  const top = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md"].filter((f) => existsSync(join(root, f)));
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return [...top, ...docs.sort()];
}

export function readDoc(file: string): string {
  return readFileSync(join(root, file), "utf8");
}

/** The text with fenced code blocks and HTML comments blanked (line count kept). */
export function withoutBlocks(text: string): string {
  const blank = (m: string): string => m.replace(/[^\n]/g, " ");
  return text.replace(/<!--[\s\S]*?-->/g, blank).replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, blank);
}

/** The text with fenced blocks, HTML comments and inline code spans blanked: the prose. */
export function proseOnly(text: string): string {
  return withoutBlocks(text).replace(/`[^`\n]*`/g, (m) => " ".repeat(m.length));
}

export interface Link {
  file: string;
  line: number;
  target: string;
  image: boolean;
}

/** Every Markdown link and image outside code blocks, with its line. */
export function links(file: string): Link[] {
  const text = withoutBlocks(readDoc(file));
  const found: Link[] = [];
  const pattern = /(!?)\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
  for (const m of text.matchAll(pattern)) {
    found.push({ file, line: lineOf(text, m.index!), target: m[2]!, image: m[1] === "!" });
  }
  return found;
}

export interface CodeReference {
  file: string;
  line: number;
  /** The whole code span, e.g. `src/ops/depthwise.ts:120` or `src/ghostnet/layers.ts#GhostModule`. */
  text: string;
  path: string;
  /** A line number (`path:line`) or a symbol (`path#symbol`), if any. */
  lineNumber?: number;
  symbol?: string;
}

/** Top-level folders whose paths, written in code spans, are taken as references to the tree. */
const TREE_ROOTS = ["src/", "docs/", "bench/", "test/", "scripts/", "web/", "data/", "bin/", ".ci/"];

/**
 * Code spans that name a file of the tree from the root: `src/x.ts`, `src/x.ts:12`,
 * `src/x.ts#symbol`, `bench/results/a.{svg,json}` (one brace group is expanded).
 * Generated folders (docs/api/) and glob patterns are left out.
 */
export function codeReferences(file: string): CodeReference[] {
  const text = withoutBlocks(readDoc(file));
  const refs: CodeReference[] = [];
  for (const m of text.matchAll(/`([^`\n]+)`/g)) {
    const span = m[1]!.trim();
    if (!TREE_ROOTS.some((r) => span.startsWith(r))) continue;
    if (/\s|\*|\$|</.test(span) || span.startsWith("docs/api")) continue;
    const ref = /^([^:#]+?)(?::(\d+)|#([A-Za-z_$][\w$]*))?$/.exec(span);
    if (!ref) continue;
    for (const path of expandBraces(ref[1]!)) {
      refs.push({
        file,
        line: lineOf(text, m.index!),
        text: span,
        path: path.replace(/\/$/, ""),
        lineNumber: ref[2] === undefined ? undefined : Number(ref[2]),
        symbol: ref[3],
      });
    }
  }
  return refs;
}

function expandBraces(path: string): string[] {
  const m = /^(.*)\{([^{}]+)\}(.*)$/.exec(path);
  if (!m) return [path];
  return m[2]!.split(",").map((alt) => `${m[1]}${alt}${m[3]}`);
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The anchors of a Markdown file's headings (duplicates get -1, -2, … as on GitHub). */
export function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const m of withoutBlocks(readDoc(file)).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** Whether `symbol` appears in a source file as an identifier (not inside a longer name). */
export function fileHasSymbol(path: string, symbol: string): boolean {
  const text = readFileSync(join(root, path), "utf8");
  const escaped = symbol.replace(/[$]/g, "\\$");
  return new RegExp(`(^|[^\\w$])${escaped}([^\\w$]|$)`, "m").test(text);
}

export function lineCount(path: string): number {
  return readFileSync(join(root, path), "utf8").split("\n").length;
}

export function fromRoot(absolute: string): string {
  return relative(root, absolute).split("\\").join("/");
}
