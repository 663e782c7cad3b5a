/**
 * WebAssembly's types as the package's declarations name them. TypeScript declares the
 * `WebAssembly` namespace only in its DOM (and web worker) libs, so a public declaration
 * that says `WebAssembly.Memory` fails to compile in a Node project whose `lib` has no
 * "DOM" (TS2503). These aliases read the types off `globalThis` instead: where the namespace
 * is declared they are exactly WebAssembly.Memory, .Module and .Exports; where it is not,
 * `unknown` (and a plain record for exports), which nothing outside the engine touches.
 */

/** The `WebAssembly` namespace's value side where the compiler knows it, else `{}`. */
type WebAssemblyNamespace = typeof globalThis extends { WebAssembly: infer W } ? W : {};

/** `WebAssembly.Memory`. */
export type WasmMemory = WebAssemblyNamespace extends { Memory: { prototype: infer M } } ? M : unknown;

/** `WebAssembly.Module`. */
export type WasmModule = WebAssemblyNamespace extends { Module: { prototype: infer M } } ? M : unknown;

/** `WebAssembly.Exports`: an instance's exports by name. */
export type WasmExports = WebAssemblyNamespace extends { Instance: { prototype: { exports: infer E } } } ? E : Record<string, unknown>;
