/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by
 * playwright-core, with a new empty profile each time. CI installs the browser in .ci/run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { requireBinary } from "./harness.js";

export const CHROMIUM = "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-quic",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh --user-data-dir; fails with a clear message when it is missing. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = requireBinary(CHROMIUM, "install it with `apt-get update && apt-get install -y chromium` (.ci/run does)");
  const profile = await mkdtemp(join(tmpdir(), "ghostnet-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: { width: 1200, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
