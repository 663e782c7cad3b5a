/**
 * ghostnet-ts, the runtime-neutral entry: nothing here touches Node built-ins.
 */
export * from "./errors.js";
export * from "./tensor/index.js";
