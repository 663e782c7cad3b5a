/**
 * ghostnet-ts for Node: everything of the core, plus file and package-data helpers,
 * and PNG decoding through pngjs (which needs Node's zlib) switched on.
 */
import { setPngDecoder } from "./image/png.js";
import { pngjsDecoder } from "./image/png-node.js";

setPngDecoder(pngjsDecoder);

export * from "./index.js";
export { pngjsDecoder } from "./image/png-node.js";
export * from "./node/index.js";
