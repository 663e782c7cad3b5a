// CommonJS with a plain require(): Node >= 20.19 and >= 22.12 load ES modules this way
// (require(esm); Node 20 prints an ExperimentalWarning). Older Nodes need import().
const { loadModel, MAX_THREADS } = require("ghostnet-ts");
console.log(JSON.stringify({ loadModel: typeof loadModel, MAX_THREADS }));
