// Prometheus chunk encodings: the XOR (Gorilla) float chunk and the stale-marker NaN.
export {
  XorChunk,
  XorChunkIterator,
  decodeXorChunk,
  xorChunkNumSamples,
  xorChunkHeaderError,
  XOR_CHUNK_TARGET_SAMPLES,
} from "./xor.js";
export { FloatBits, STALE_NAN, isStaleNaN } from "./float-bits.js";
export { encodeAggrChunk, decodeAggrChunk, AGGREGATE_ORDER, type AggrParts } from "./aggr.js";
