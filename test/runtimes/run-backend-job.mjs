// Command-line side of backend-job.mjs for Node, Deno and Bun:
//   <runtime> run-backend-job.mjs LIBRARY_MODULE FIXTURE.onnx INPUT.f32 RUNTIME_NAME [--no-webassembly]
// prints the job's result as one line of JSON. With --no-webassembly, `globalThis.WebAssembly`
// is deleted before the library is imported (a runtime without WebAssembly at all).
import { readFile } from "node:fs/promises";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { runBackendJob } from "./backend-job.mjs";

const [libraryPath, fixturePath, inputPath, runtime, flag] = process.argv.slice(2);
if (flag === "--no-webassembly") delete globalThis.WebAssembly;
const lib = await import(pathToFileURL(libraryPath).href);
const bytes = new Uint8Array(await readFile(fixturePath));
const inputBytes = new Uint8Array(await readFile(inputPath));
console.log(JSON.stringify(await runBackendJob(lib, bytes, inputBytes, runtime)));
