export * from "./tensor.js";
export * from "./broadcast.js";
export * from "./arena.js";
