// Deno and Bun: the installed package by its bare name, threads through the Web Worker entry.
// Prints the job's result as one line of JSON, then ends by itself.
import { readFile } from "node:fs/promises";
import * as lib from "ghostnet-ts/web-threads";
import { jobInput, runJob } from "./web/job.mjs";

const bytes = new Uint8Array(await readFile("fixture.onnx"));
const input = jobInput(new Uint8Array(await readFile("input.f32")));
console.log(JSON.stringify(await runJob(lib, bytes, input)));
