#!/usr/bin/env node
// The `ghostnet` command: runs the CLI built to dist/ (`npm run build`, run by `npm install`).
// Exit codes: 0 ok, 1 runtime error, 2 usage error.
let cli;
try {
  cli = await import("../dist/cli/main.js");
} catch (error) {
  if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("dist/cli/main.js")) {
    process.stderr.write("ghostnet: error: the CLI is not built yet; run `npm run build` in the package folder\n");
    process.exit(1);
  }
  throw error;
}
process.exitCode = await cli.main(process.argv.slice(2));
