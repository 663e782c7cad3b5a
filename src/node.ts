/**
 * ghostnet-ts for Node: everything of the core, plus file helpers.
 */
export * from "./index.js";
