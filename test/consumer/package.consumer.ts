/**
 * The package as its users install it: `npm pack` makes the tarball, a fresh project
 * outside this checkout installs it (with nothing of ours but the tarball and its declared
 * dependencies, from the npm cache when it can), and every kind of consumer uses it:
 *
 * - strict TypeScript (NodeNext, skipLibCheck false): the runtime-neutral entries without
 *   @types/node, the Node-side entries (node, serve, paddle) with it, also without the DOM
 *   lib; compiled and run;
 * - a plain JavaScript ESM script, CommonJS through import() (and require() where Node has it);
 * - `npx ghostnet demo | classify | summary` from the installed bin;
 * - a page importing the package, bundled by esbuild and by Vite with no configuration, run
 *   in Chromium with threads on Web Workers;
 * - Deno and Bun importing the installed package by name;
 * - publint and arethetypeswrong (ESM-only profile) on the same tarball.
 *
 * Not part of `npm test` (it needs the built package and takes a minute): `npm run
 * test:consumer`, which .ci/run runs after `npm test` (about a minute and a half on two
 * busy cores). The temporary folder is removed at the end unless GHOSTNET_KEEP_CONSUMER=1;
 * GHOSTNET_CONSUMER_PACK_AS_IS=1 packs dist/ without rebuilding it.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build as esbuild } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type Browser } from "../runtimes/browser.js";
// @ts-expect-error plain .mjs build script
import { startStaticServer } from "../../scripts/static-server.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);
const ownPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; exports: Record<string, unknown> };

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for commands run in the consumer project: ours without npm's variables
 * (`npm run` exports npm_config_local_prefix and friends, which would point a nested npm
 * at this checkout).
 */
function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== "INIT_CWD" && key !== "NODE_OPTIONS") env[key] = value;
  }
  return env;
}

/** Runs a command to its end (or `timeoutMs`), never throwing: the caller checks the code. */
function runCommand(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: consumerEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => (stderr += String(error)));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A command that must succeed; its last stdout line parsed as JSON. */
async function runJson<T>(command: string, args: string[], cwd: string, timeoutMs?: number): Promise<T> {
  const result = await runCommand(command, args, cwd, timeoutMs);
  expect(result.code, `${command} ${args.join(" ")}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as T;
}

/** npm's warnings, and any line mentioning our .npmrc-era setting, in a command's stderr. */
function npmWarnings(stderr: string): string[] {
  return stderr.split("\n").filter((line) => /npm warn|Unknown (project|env|user) config|onnxruntime-node-install/i.test(line));
}

/**
 * The packages npm's install-script review (npm 11's `allowScripts` policy) lists after an
 * install, and every other npm warning. The review lists each dependency with an install
 * script until the user approves or denies it; it is npm's notice, not a fault, but the
 * list says which of our dependencies bring one.
 */
function splitInstallWarnings(stderr: string): { reviewed: string[]; other: string[] } {
  const lines = npmWarnings(stderr);
  const review = lines.filter((line) => /npm warn install-scripts/.test(line));
  const reviewed = review.map((line) => /install-scripts\s+(\S+@\S+) \(/.exec(line)?.[1]).filter((name): name is string => name !== undefined);
  return { reviewed, other: lines.filter((line) => !review.includes(line)) };
}

const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

/** The Node-side TypeScript programs in ts/: node.ts always, the optional entries' when exported. */
function nodePrograms(): string[] {
  const programs = ["ts/node.ts"];
  if ("./serve" in ownPackage.exports) programs.push("ts/serve-main.ts");
  if ("./paddle" in ownPackage.exports) programs.push("ts/paddle-main.ts");
  return programs;
}

/**
 * Compiles `files` with tsconfig.node.json's options (plus `options`) in the consumer
 * project; expects no error. One tsc run for several programs: each run checks every
 * declaration of the package again.
 */
async function compileInApp(name: string, files: string[], options: Record<string, unknown> = {}): Promise<void> {
  const config = JSON.parse(await readFile(join(app, "tsconfig.node.json"), "utf8")) as { compilerOptions: Record<string, unknown>; files: string[] };
  config.compilerOptions = { ...config.compilerOptions, ...options };
  config.files = files;
  await writeFile(join(app, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
  const compiled = await runCommand("node", [tsc, "-p", `tsconfig.${name}.json`], app);
  expect(compiled.stdout.split("\n").filter((line) => /error TS/.test(line)), "tsc errors").toEqual([]);
  expect(compiled.code, compiled.stdout).toBe(0);
}

let nodeProgramsCompiled: Promise<void> | undefined;
/** The Node-side programs compiled into ts-out/ (once, by whichever test asks first). */
function compileNodePrograms(): Promise<void> {
  nodeProgramsCompiled ??= compileInApp("programs", nodePrograms());
  return nodeProgramsCompiled;
}

/** web/job.mjs's result: JS kernels on threads 1 and 2, and the default options. */
interface Job {
  engine: string;
  threads: number;
  shape: number[];
  one: number[];
  two: number[];
  auto: { backend: string; data: number[] };
  crossOriginIsolated?: boolean;
}

/** Largest |a − b| over two equally long arrays. */
function maxDifference(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

/** A job's own consistency: threads 2 bitwise equal to 1, the default backend (wasm) within float32 noise of JS. */
function expectGoodJob(job: Job): void {
  expect(job.engine).toBe("ghostnet");
  expect(job.threads, "threads really used").toBe(2);
  expect(job.two).toEqual(job.one);
  expect(Math.max(...job.one), "a softmax that is not saturated (it would hide differences)").toBeLessThan(0.99);
  expect(job.auto.backend, "the default backend where WebAssembly runs").toBe("wasm");
  expect(maxDifference(job.auto.data, job.one), "wasm vs js kernels").toBeLessThanOrEqual(1e-5);
}

let work: string; // the temporary folder: the tarball and the consumer project
let app: string; // the consumer project
let tarball: string;
let packed: { files: { path: string; size: number }[]; size: number; unpackedSize: number };
let nodeJob: Job; // plain.mjs's result: the reference for the other runtimes
let browser: Browser | undefined;
const servers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ghostnet-consumer-"));
  // npm pack runs `prepare` (the build) first, as `npm publish` would.
  // GHOSTNET_CONSUMER_PACK_AS_IS=1 packs dist as it is (a checkout whose build is mid-edit).
  const asIs = process.env.GHOSTNET_CONSUMER_PACK_AS_IS === "1" ? ["--ignore-scripts"] : [];
  const pack = await runCommand("npm", ["pack", "--json", ...asIs, "--pack-destination", work], root, 180_000);
  expect(pack.code, pack.stderr).toBe(0);
  expect(npmWarnings(pack.stderr), "npm pack warnings").toEqual([]);
  const report = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as (typeof packed & { filename: string })[];
  packed = report[0]!;
  tarball = join(work, report[0]!.filename);

  app = join(work, "app");
  await cp(join(root, "test", "consumer", "app"), app, { recursive: true });
  const typesNode = JSON.parse(await readFile(join(root, "node_modules", "@types", "node", "package.json"), "utf8")) as { version: string };
  await writeFile(
    join(app, "package.json"),
    JSON.stringify(
      {
        name: "ghostnet-consumer",
        private: true,
        type: "module",
        dependencies: { "ghostnet-ts": `file:${tarball}` },
        devDependencies: { "@types/node": typesNode.version },
      },
      null,
      2,
    ),
  );
  const install = await runCommand("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], app, 180_000);
  expect(install.code, install.stderr).toBe(0);
  const { reviewed, other } = splitInstallWarnings(install.stderr);
  expect(other, "npm install warnings").toEqual([]);
  // protobufjs's postinstall (a no-op for dependents) is the only install script our
  // dependencies bring; ghostnet-ts's own `prepare` is listed only because this project
  // installs it from a file (npm never lists or runs it for a registry install). An npm
  // without the install-script review lists nothing.
  const withScripts = reviewed.map((name) => name.replace(/@[^@]*$/, ""));
  expect(withScripts.filter((name) => name !== "ghostnet-ts" && name !== "protobufjs"), "packages with install scripts").toEqual([]);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  if (work && process.env.GHOSTNET_KEEP_CONSUMER !== "1") await rm(work, { recursive: true, force: true });
  else if (work) console.log(`consumer project kept in ${work}`);
});

describe("the tarball", () => {
  it("ships the built entries, the bin, the run-time data (with the real model and its notice), README and licence; no tests, benches or fixtures", () => {
    const paths = packed.files.map((f) => f.path);
    for (const needed of ["package.json", "README.md", "CHANGELOG.md", "LICENSE", "NOTICE", "bin/ghostnet.js", "dist/index.js", "dist/index.d.ts", "dist/node.js", "dist/web-threads.js", "dist/threads/web-worker.js", "data/imagenet1k_label_list.txt", "data/images/whl_demo.jpg", "data/models/ch_ppocr_mobile_v2.0_cls_infer.onnx", "data/models/NOTICE.md"]) {
      expect(paths, needed).toContain(needed);
    }
    const unwanted = paths.filter((p) => /^(test|bench|web|scripts|src|docs|\.ci)\//.test(p) || /\.test\.|fixtures?\//.test(p) || p.endsWith(".tsbuildinfo"));
    expect(unwanted).toEqual([]);
    // Every module in dist comes from a source file today (no leftovers of removed ones).
    const stale = paths.filter((p) => p.startsWith("dist/") && p.endsWith(".js") && !existsSync(join(root, "src", p.slice(5).replace(/\.js$/, ".ts"))));
    expect(stale, "dist files without a source").toEqual([]);
    console.log(`tarball: ${paths.length} files, ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`);
  });

  it("publint finds nothing", async () => {
    const result = await runCommand(bin("publint"), ["run", tarball, "--strict"], root);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).not.toMatch(/warning|error|suggestion/i);
  }, 60_000);

  it("arethetypeswrong finds no problem for an ESM-only package", async () => {
    const result = await runCommand(bin("attw"), [tarball, "--profile", "esm-only", "--format", "table-flipped"], root);
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }, 60_000);
});

describe("Node consumers", () => {
  it("a plain JavaScript ESM script (ghostnet-ts/node): fixture GhostNet on worker_threads, threads 2 equal to 1 bit for bit", async () => {
    const job = await runJson<Job & { threadProvider: string }>("node", ["plain.mjs"], app);
    expect(job.threadProvider).toBe("worker_threads");
    nodeJob = job;
    expect(nodeJob.shape).toEqual([1, 10]);
    expectGoodJob(nodeJob);
  });

  it("strict TypeScript without @types/node or the DOM lib compiles against ghostnet-ts, ghostnet-ts/ndarray and ghostnet-ts/web-threads (skipLibCheck false)", async () => {
    const result = await runCommand("node", [tsc, "-p", "tsconfig.core.json", "--listFiles"], app);
    const errors = result.stdout.split("\n").filter((line) => /error TS/.test(line));
    expect(errors, "tsc errors").toEqual([]);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout, "no Node types pulled in").not.toMatch(/@types\/node/);
  }, 60_000);

  it("strict TypeScript with the Node entry compiles and runs: loadModel, createClassifier, labels, images, the shipped real model", async () => {
    await compileNodePrograms();
    const out = await runJson<{
      core: { engine: string; top: { classId: number; label: string; score: number }[]; refusedCode: string; ndarrayRoundTrip: boolean; webPool: string };
      labels: number;
      images: number;
      photo: { classId: number }[];
      threads: number;
      direction: { shape: number[]; sum: number };
    }>("node", ["ts-out/node.js"], app);
    expect(out.core.engine).toBe("ghostnet");
    expect(out.core.top).toHaveLength(3);
    expect(out.core.top[0]!.label).toMatch(/^class \d$/);
    expect(out.core.refusedCode).toBe("MODEL_FORMAT");
    expect(out.core.ndarrayRoundTrip).toBe(true);
    // core.ts imports ghostnet-ts/web-threads after node.ts imported ghostnet-ts/node: in Node
    // (no Web Workers) the worker_threads provider must keep its place.
    expect(out.core.webPool).toBe("function/worker_threads");
    expect(out.labels).toBe(1000);
    expect(out.images).toBe(5);
    expect(out.photo).toHaveLength(1);
    expect(out.threads).toBe(2);
    expect(out.direction.shape).toEqual([1, 2]);
    expect(out.direction.sum).toBeCloseTo(1, 5);
  }, 60_000);

  it("strict TypeScript for Node without the DOM lib (lib ES2022 + @types/node) compiles against every Node-side entry", async () => {
    await compileInApp("node-nodom", nodePrograms(), { lib: ["ES2022"], noEmit: true });
  }, 60_000);

  it("CommonJS loads the ESM-only package with import()", async () => {
    const out = await runJson<{ engine: string; shape: number[]; refused: string }>("node", ["require.cjs"], app);
    expect(out).toEqual({ engine: "ghostnet", shape: [1, 10], refused: "MODEL_FORMAT" });
  });

  it.runIf((process.features as { require_module?: boolean }).require_module === true)("CommonJS require() of the package works where Node has require(esm)", async () => {
    const out = await runJson<{ loadModel: string; MAX_THREADS: number }>("node", ["require-sync.cjs"], app);
    expect(out.loadModel).toBe("function");
  });
});

describe("the installed command", () => {
  it("npx ghostnet demo runs every part, the real model included, and npm prints no warning", async () => {
    const result = await runCommand("npx", ["ghostnet", "demo", "--scale", "0.5"], app, 180_000);
    expect(result.code, result.stderr).toBe(0);
    expect(npmWarnings(result.stderr)).toEqual([]);
    expect(result.stdout).not.toMatch(/skipped/);
    expect(result.stdout).toMatch(/weights are synthetic/);
    expect(result.stdout).toMatch(/upright\s+→ 0°\s+score 0\.9\d+\s+\(right\)/);
    expect(result.stdout).toMatch(/turned 180°\s+→ 180°\s+score 0\.9\d+\s+\(right\)/);
  }, 180_000);

  it("npx ghostnet classify and summary answer in JSON", async () => {
    const photo = join(app, "node_modules", "ghostnet-ts", "data", "images", "whl_demo.jpg");
    const classify = await runCommand("npx", ["ghostnet", "classify", photo, "--json", "--topk", "2"], app, 120_000);
    expect(classify.code, classify.stderr).toBe(0);
    const answers = JSON.parse(classify.stdout) as { image: string; top: { classId: number; label: string }[] }[];
    expect(answers).toHaveLength(1);
    expect(answers[0]!.top).toHaveLength(2);
    const summarized = await runCommand("npx", ["ghostnet", "summary", "--scale", "1", "--json"], app);
    expect(summarized.code, summarized.stderr).toBe(0);
    const summary = JSON.parse(summarized.stdout) as { params: number; macs: number; layers: unknown[] };
    expect(summary.params).toBeGreaterThan(5.1e6);
    expect(summary.params).toBeLessThan(5.3e6);
    expect(summary.layers.length).toBeGreaterThan(16);
  }, 120_000);
});

describe("other runtimes and bundlers", () => {
  function expectSameAsNode(job: Job): void {
    expectGoodJob(job);
    expect(maxDifference(job.one, nodeJob.one), "vs Node").toBeLessThanOrEqual(1e-5);
  }

  it("Deno imports the installed package by name (threads on Web Workers)", async () => {
    expectSameAsNode(await runJson<Job>(bin("deno"), ["run", "--allow-read", "--allow-env", "runtime.mjs"], app, 60_000));
  }, 60_000);

  it("Bun imports the installed package by name (threads on Web Workers)", async () => {
    expectSameAsNode(await runJson<Job>(bin("bun"), ["run", "runtime.mjs"], app, 60_000));
  }, 60_000);

  /**
   * Serves `folder` (and the fixture under /data/) cross-origin isolated and runs its page in
   * Chromium. The servers close after the browser (afterAll): Chromium keeps connections open.
   */
  async function runPage(folder: string): Promise<Job> {
    const server = await startStaticServer({ "/": folder, "/data/": app });
    servers.push(server);
    {
      browser ??= await launchChromium();
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(String(error)));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      await page.goto(server.url);
      await page.waitForFunction(() => "jobResult" in window || "jobError" in window, undefined, { timeout: 30_000 });
      const { jobResult, jobError } = await page.evaluate(() => ({
        jobResult: (window as unknown as { jobResult?: Job }).jobResult,
        jobError: (window as unknown as { jobError?: string }).jobError,
      }));
      await page.close();
      expect(jobError, errors.join("\n")).toBeUndefined();
      expect(errors).toEqual([]);
      expect(jobResult!.crossOriginIsolated).toBe(true);
      return jobResult!;
    }
  }

  it("esbuild: the page and the package's threads/web-worker.js as a second entry, side by side; runs in Chromium", async () => {
    const out = join(app, "out-esbuild");
    await esbuild({
      absWorkingDir: app,
      entryPoints: { main: "web/main.js", "web-worker": "ghostnet-ts/web-worker" },
      outdir: out,
      bundle: true,
      format: "esm",
      platform: "browser",
      logLevel: "error",
    });
    await cp(join(app, "web", "index.html"), join(out, "index.html"));
    expect((await readdir(out)).sort()).toEqual(["index.html", "main.js", "web-worker.js"]);
    expectSameAsNode(await runPage(out));
  }, 90_000);

  it("Vite with no configuration: vite build emits the worker; runs in Chromium", async () => {
    const result = await runCommand("node", [join(root, "node_modules", "vite", "bin", "vite.js"), "build", "--outDir", "../out-vite", "--emptyOutDir"], join(app, "web"), 120_000);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // Vite's own size advice ("chunks larger than 500 kB") is about the app, not the package.
    const warnings = (result.stdout + result.stderr).split("\n").filter((line) => /warn/i.test(line) && !/larger than 500 kB/.test(line));
    expect(warnings).toEqual([]);
    const assets = await readdir(join(app, "out-vite", "assets"));
    expect(assets.some((name) => /web-worker/.test(name)), assets.join(", ")).toBe(true);
    expectSameAsNode(await runPage(join(app, "out-vite")));
  }, 120_000);
});

describe("optional entries (when the package exports them)", () => {
  /** Runs one of the compiled programs of ts/ and returns its JSON. */
  async function compileAndRun<T>(program: string): Promise<T> {
    await compileNodePrograms();
    return runJson<T>("node", [`ts-out/${program}.js`], app);
  }

  it.runIf("./serve" in ownPackage.exports)("ghostnet-ts/serve: strict TypeScript compiles; the handler classifies, refuses a wrong type, and serveNode answers /healthz", async () => {
    const out = await compileAndRun<{ classifyStatus: number; top: { label: string }[]; wrongTypeStatus: number; healthStatus: number }>("serve-main");
    expect(out.classifyStatus).toBe(200);
    expect(out.top).toHaveLength(2);
    expect(out.top[0]!.label).toMatch(/^class \d$/);
    expect(out.wrongTypeStatus).toBe(415);
    expect(out.healthStatus).toBe(200);
  }, 60_000);

  it.runIf("./paddle" in ownPackage.exports)("ghostnet-ts/paddle: strict TypeScript compiles; the Paddle model the package ships runs", async () => {
    const out = await compileAndRun<{ ops: number; shipped: { shape: number[]; sum: number } | null }>("paddle-main");
    expect(out.ops).toBeGreaterThan(10);
    if (packed.files.some((f) => f.path.startsWith("data/models/PP-LCNet_x0_25_textline_ori/"))) {
      expect(out.shipped!.shape).toEqual([1, 2]);
      expect(out.shipped!.sum).toBeCloseTo(1, 5);
    }
  }, 60_000);
});
