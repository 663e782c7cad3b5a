import { defineConfig } from "vitest/config";

/**
 * The consumer suite (test/consumer): packs the package and uses it from fresh projects.
 * Run by `npm run test:consumer` (and .ci/run after `npm test`), not by `npm test`.
 */
export default defineConfig({
  test: {
    include: ["test/consumer/**/*.consumer.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
