// The one protobuf layer: orrery's protobufjs definitions of every wire format it speaks.
export {
  /** prompb (Prometheus remote_write / remote_read) message types, parsed once at load. */
  prompb,
  /** ReadRequest.ResponseType: SAMPLES=0, STREAMED_XOR_CHUNKS=1. */
  PrompbResponseType,
  /** LabelMatcher.Type: EQ=0, NEQ=1, RE=2, NRE=3. */
  PrompbMatcherType,
  /** Chunk.Encoding: UNKNOWN=0, XOR=1, HISTOGRAM=2, FLOAT_HISTOGRAM=3. */
  PrompbChunkEncoding,
  /** A decoded int64 (number or Long) as a number; throws beyond ±2^53. */
  int64ToNumber,
} from "./prompb.js";
export type {
  ProtoInt64,
  PrompbLabel,
  PrompbSample,
  PrompbExemplar,
  PrompbMetricMetadata,
  PrompbTimeSeries,
  PrompbWriteRequest,
  PrompbReadResponse,
  PrompbChunk,
  PrompbChunkedSeries,
  PrompbChunkedReadResponse,
} from "./prompb.js";
