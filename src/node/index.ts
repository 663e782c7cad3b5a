/**
 * Node-only helpers (files, package data), re-exported by the `ghostnet-ts/node` entry.
 */
export { readModelFile, readFileBytes, writeFileBytes, listImages, expandImageArguments, isImageFileName, IMAGE_EXTENSIONS } from "./files.js";
export { packageRoot, packageDataPath, loadImageNetLabels, readLabelFile } from "./data.js";
export { loadModelFromPath, readModelPath, decodeModelFromPath, type ModelPathContents } from "./model-path.js";
export { createNodePool, setPoolProvider, type PoolProvider, type ThreadPool, ThreadedGhostNetEngine } from "./threads.js";
export { serveNode, type ServeNodeOptions, type NodeServer } from "./serve-node.js";
export { createPreprocessPool, type PreprocessPool } from "./preprocess-pool.js";
