/**
 * Runs the built command line (`node bin/ghostnet.js …`, which loads dist/) as a child
 * process. dist/ is rebuilt by `npm test` (pretest) or `npm run build`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const packageRoot = fileURLToPath(new URL("../../", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/ghostnet.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(new URL("../../dist/cli/main.js", import.meta.url))) {
    throw new Error("dist/cli/main.js is missing: run `npm run build` (npm test does it) before the CLI tests");
  }
}

export function runCli(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: packageRoot,
        env: { ...process.env, GHOSTNET_DEBUG: "", ...options.env },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The lines of `text` that are not empty. */
export function lines(text: string): string[] {
  return text.split("\n").filter((l) => l.trim() !== "");
}
