// Command-line side of fixture-job.mjs for Node, Deno and Bun:
//   <runtime> run-fixture.mjs LIBRARY_MODULE FIXTURE.onnx INPUT.f32 RUNTIME_NAME
// prints the job's result as one line of JSON. The library is imported by URL, so this
// script also runs where the package is not installed under its own name.
import { readFile } from "node:fs/promises";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { runFixtureJob } from "./fixture-job.mjs";

const [libraryPath, fixturePath, inputPath, runtime] = process.argv.slice(2);
const lib = await import(pathToFileURL(libraryPath).href);
const bytes = new Uint8Array(await readFile(fixturePath));
const inputBytes = new Uint8Array(await readFile(inputPath));
console.log(JSON.stringify(await runFixtureJob(lib, bytes, inputBytes, runtime)));
