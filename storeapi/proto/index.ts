// The one protobuf layer: wire formats orrery speaks, each defined once (protobufjs, parsed at load).

// ── Thanos StoreAPI (thanos.Store) and Info API (thanos.info.Info) ──
export {
  /** The message types (protobufjs Type) of the StoreAPI and Info API. */
  thanosTypes,
  /** gRPC method paths: /thanos.Store/Series, /thanos.info.Info/Info, … */
  THANOS_METHODS,
  /** thanos.Chunk.Encoding: XOR=0, HISTOGRAM=1, FLOAT_HISTOGRAM=2. */
  WireChunkEncoding,
  /** An in-process chunk encoding's wire number, and back (undefined where there is none). */
  wireChunkEncoding,
  chunkEncodingFromWire,
  /** A wire int64 as a safe integer (math.MinInt64/MaxInt64 become ∓MAX_SAFE_INTEGER). */
  fromWireInt64,
  /** thanos.LabelMatcher.Type. */
  WireMatcherType,
  /** thanos.Aggr. */
  WireAggr,
  /** thanos.PartialResponseStrategy. */
  WirePartialResponseStrategy,
  /** thanos.StoreType. */
  WireStoreType,
  /** Decodes bytes into a message's plain-object shape; throws WireDecodeError. */
  decodeWire,
  /** Encodes a message's plain-object shape. */
  encodeWire,
  /** A message that does not decode, naming its type. */
  WireDecodeError,
} from "./thanos.js";
export {
  /** A SeriesResponse's bytes, written by hand in one pass (the Series stream's hot path). */
  encodeSeriesResponse,
  /** A SeriesResponse from its bytes, chunk data as views; throws WireDecodeError. */
  decodeSeriesResponse,
  /** One stream's encoder: label strings' bytes kept across its messages, label sets' fields in a LabelFieldsCache. */
  SeriesResponseEncoder,
  /** A series' encoded label fields by label set object, shared by a server's streams. */
  type LabelFieldsCache,
  /** One stream's decoder: short label strings shared across its messages; decodeInto reads straight into the store's types. */
  SeriesResponseDecoder,
  /** What decodeInto gives: series, the store's warnings and the chunks it left out, in arrival order. */
  type StoreSeriesRead,
  /** A chunk left out of a series as read, with its series' index in a StoreSeriesRead. */
  type DroppedSeriesChunk,
  type DroppedChunk,
  /** Why a chunk was left out: "unknown_encoding" | "corrupt_chunk". */
  type ChunkDropReason,
} from "./series-response.js";
export type {
  WireInt64,
  WireLabel,
  WireLabelSet,
  WireChunk,
  WireAggrChunk,
  WireSeries,
  WireLabelMatcher,
  WireAny,
  WireQueryHints,
  WireShardInfo,
  WireSeriesRequest,
  WireSeriesResponse,
  WireLabelNamesRequest,
  WireLabelValuesRequest,
  WireLabelNamesResponse,
  WireLabelValuesResponse,
  WireTsdbInfo,
  WireStoreInfo,
  WireInfoResponse,
  WireStoreInfoResponse,
} from "./thanos.js";

// ── Prometheus remote_write / remote_read (prompb) ──
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
  /** A decoded prompb.Histogram as a NativeHistogram (integer deltas made absolute). */
  nativeHistogramFromPrompb,
} from "./prompb.js";
export type {
  ProtoInt64,
  PrompbLabel,
  PrompbSample,
  PrompbExemplar,
  PrompbMetricMetadata,
  PrompbTimeSeries,
  PrompbHistogram,
  PrompbBucketSpan,
  PrompbWriteRequest,
  PrompbReadResponse,
  PrompbChunk,
  PrompbChunkedSeries,
  PrompbChunkedReadResponse,
} from "./prompb.js";

// ── Prometheus remote_write 2.0 (io.prometheus.write.v2) ──
export {
  /** io.prometheus.write.v2 message types (Request, TimeSeries, Histogram), parsed once at load. */
  writeV2,
} from "./writev2.js";

// ── The exposition format's protobuf (io.prometheus.client), for scrape targets in tests ──
export {
  /** io.prometheus.client message types (MetricFamily and what it holds). */
  metricsProto,
  /** MetricType numbers: COUNTER=0 … HISTOGRAM=4, GAUGE_HISTOGRAM=5. */
  ExpositionMetricType,
  /** The Content-Type of a length-delimited protobuf scrape body. */
  PROTOBUF_EXPOSITION_CONTENT_TYPE,
  /** MetricFamily objects → a length-delimited scrape body. */
  encodeDelimitedMetricFamilies,
} from "./metrics.js";
