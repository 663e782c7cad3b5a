// Command-line side of threads-web-job.mjs for Deno and Bun:
//   <runtime> threads-web-run.mjs LIBRARY_MODULE FIXTURE.onnx
// prints the job's result as one line of JSON, then ends by itself (the test checks it does).
import { readFile } from "node:fs/promises";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { runThreadsJob } from "./threads-web-job.mjs";

const [libraryPath, fixturePath] = process.argv.slice(2);
const lib = await import(pathToFileURL(libraryPath).href);
const bytes = new Uint8Array(await readFile(fixturePath));
console.log(JSON.stringify(await runThreadsJob(lib, bytes)));
