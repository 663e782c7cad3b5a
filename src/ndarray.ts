/**
 * ghostnet-ts/ndarray: interop with the scijs `ndarray` ecosystem — `toNdarray(tensor)`
 * hands a tensor out as an ndarray view (no copy), `fromNdarray(array)` takes any float
 * ndarray in. An entry of its own so the default entry's browser bundle does not carry
 * the ndarray package; `ghostnet-ts/node` re-exports it.
 */
export { toNdarray, fromNdarray, type NdarrayLike, type NdarrayData, type Float32Ndarray } from "./interop/ndarray.js";
