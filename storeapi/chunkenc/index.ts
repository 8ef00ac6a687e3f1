// Prometheus chunk encodings: the XOR (Gorilla) float chunk and the stale-marker NaN.
export {
  XorChunk,
  XorChunkSnapshot,
  XorChunkIterator,
  decodeXorChunk,
  decodeNewestXorSample,
  xorChunkNumSamples,
  xorChunkNumSamplesAt,
  xorChunkHeaderError,
  XOR_CHUNK_TARGET_SAMPLES,
  XOR_SLOT_DOUBLES,
  xorChunkReadableInPlace,
} from "./xor.js";
export { FloatBits, STALE_NAN, isStaleNaN } from "./float-bits.js";
export { encodeAggrChunk, decodeAggrChunk, AGGREGATE_ORDER, type AggrParts } from "./aggr.js";
export {
  HistogramChunk,
  HistogramChunkIterator,
} from "./histogram.js";
export { FloatHistogramChunk, FloatHistogramChunkIterator } from "./float-histogram.js";
export {
  HistogramChunkBase,
  HistogramIteratorBase,
  histogramChunkHeader,
  histogramChunkNumSamples,
  histogramChunkHeaderError,
  HISTOGRAM_CHUNK_TARGET_BYTES,
  HISTOGRAM_CHUNK_MIN_SAMPLES,
} from "./histogram-chunk.js";
export { histogramShapeError } from "./histogram-layout.js";
export { HistogramChunkCutter, DEFAULT_CHUNK_RANGE_MS, type CutHistogramChunk } from "./histogram-cutter.js";
