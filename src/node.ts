/**
 * ghostnet-ts for Node: everything of the core, plus file and package-data helpers.
 * PNG decoding uses the core's built-in inflate; `pngjsDecoder` stays available as an
 * opt-in (`setPngDecoder(pngjsDecoder)`).
 */
export * from "./index.js";
// Paddle's own formats (ghostnet-ts/paddle): importing it registers its readers with loadModel.
export * from "./paddle.js";
export { pngjsDecoder } from "./image/png-node.js";
export * from "./node/index.js";
// The HTTP serving layer (ghostnet-ts/serve); serveNode (in node/index.ts) puts it on node:http.
export * from "./serve.js";
// scijs ndarray interop (ghostnet-ts/ndarray).
export * from "./ndarray.js";
