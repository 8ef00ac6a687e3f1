// Prometheus's remote protocol messages (prompb: types.proto and remote.proto), as protobufjs types
// parsed once at module load. Field numbers are Prometheus's; gogoproto options are dropped (they
// change only Go code generation, not the wire). Decoded int64 fields come back as a number or a
// Long (protobufjs picks Long when the `long` package is installed): read them with int64ToNumber.
import protobuf from "protobufjs";
import type { CounterResetHint, NativeHistogram } from "../histogram.js";

const PROMPB_PROTO = `
syntax = "proto3";
package prometheus;

message MetricMetadata {
  enum MetricType {
    UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7;
  }
  MetricType type = 1;
  string metric_family_name = 2;
  string help = 4;
  string unit = 5;
}

message Sample { double value = 1; int64 timestamp = 2; }

message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }

message BucketSpan { sint32 offset = 1; uint32 length = 2; }

message Histogram {
  enum ResetHint { UNKNOWN = 0; YES = 1; NO = 2; GAUGE = 3; }
  oneof count { uint64 count_int = 1; double count_float = 2; }
  double sum = 3;
  sint32 schema = 4;
  double zero_threshold = 5;
  oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
  repeated BucketSpan negative_spans = 8;
  repeated sint64 negative_deltas = 9;
  repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11;
  repeated sint64 positive_deltas = 12;
  repeated double positive_counts = 13;
  ResetHint reset_hint = 14;
  int64 timestamp = 15;
  repeated double custom_values = 16;
}

message TimeSeries {
  repeated Label labels = 1;
  repeated Sample samples = 2;
  repeated Exemplar exemplars = 3;
  repeated Histogram histograms = 4;
}

message Label { string name = 1; string value = 2; }

message Labels { repeated Label labels = 1; }

message LabelMatcher {
  enum Type { EQ = 0; NEQ = 1; RE = 2; NRE = 3; }
  Type type = 1;
  string name = 2;
  string value = 3;
}

message ReadHints {
  int64 step_ms = 1;
  string func = 2;
  int64 start_ms = 3;
  int64 end_ms = 4;
  repeated string grouping = 5;
  bool by = 6;
  int64 range_ms = 7;
}

message Chunk {
  int64 min_time_ms = 1;
  int64 max_time_ms = 2;
  enum Encoding { UNKNOWN = 0; XOR = 1; HISTOGRAM = 2; FLOAT_HISTOGRAM = 3; }
  Encoding type = 3;
  bytes data = 4;
}

message ChunkedSeries { repeated Label labels = 1; repeated Chunk chunks = 2; }

message WriteRequest {
  repeated TimeSeries timeseries = 1;
  reserved 2;
  repeated MetricMetadata metadata = 3;
}

message ReadRequest {
  repeated Query queries = 1;
  enum ResponseType { SAMPLES = 0; STREAMED_XOR_CHUNKS = 1; }
  repeated ResponseType accepted_response_types = 2;
}

message ReadResponse { repeated QueryResult results = 1; }

message Query {
  int64 start_timestamp_ms = 1;
  int64 end_timestamp_ms = 2;
  repeated LabelMatcher matchers = 3;
  ReadHints hints = 4;
}

message QueryResult { repeated TimeSeries timeseries = 1; }

message ChunkedReadResponse {
  repeated ChunkedSeries chunked_series = 1;
  int64 query_index = 2;
}
`;

const root = protobuf.parse(PROMPB_PROTO).root;

/** The prompb message types (package `prometheus`), resolved once; treat as read-only. */
export const prompb = Object.freeze({
  root,
  WriteRequest: root.lookupType("prometheus.WriteRequest"),
  TimeSeries: root.lookupType("prometheus.TimeSeries"),
  Label: root.lookupType("prometheus.Label"),
  Sample: root.lookupType("prometheus.Sample"),
  Exemplar: root.lookupType("prometheus.Exemplar"),
  Histogram: root.lookupType("prometheus.Histogram"),
  MetricMetadata: root.lookupType("prometheus.MetricMetadata"),
  ReadRequest: root.lookupType("prometheus.ReadRequest"),
  ReadResponse: root.lookupType("prometheus.ReadResponse"),
  Query: root.lookupType("prometheus.Query"),
  QueryResult: root.lookupType("prometheus.QueryResult"),
  LabelMatcher: root.lookupType("prometheus.LabelMatcher"),
  ReadHints: root.lookupType("prometheus.ReadHints"),
  ChunkedReadResponse: root.lookupType("prometheus.ChunkedReadResponse"),
  ChunkedSeries: root.lookupType("prometheus.ChunkedSeries"),
  Chunk: root.lookupType("prometheus.Chunk"),
});

/** ReadRequest.ResponseType. */
export const PrompbResponseType = Object.freeze({ SAMPLES: 0, STREAMED_XOR_CHUNKS: 1 } as const);
/** LabelMatcher.Type. */
export const PrompbMatcherType = Object.freeze({ EQ: 0, NEQ: 1, RE: 2, NRE: 3 } as const);
/** Chunk.Encoding (equal to orrery's ChunkEncoding where both exist). */
export const PrompbChunkEncoding = Object.freeze({ UNKNOWN: 0, XOR: 1, HISTOGRAM: 2, FLOAT_HISTOGRAM: 3 } as const);

/** An int64 as protobufjs decodes it: a number, or a Long-like when `long` is installed. */
export type ProtoInt64 = number | { toNumber(): number; low: number; high: number };

/** An int64 field as a JS number; throws beyond ±2^53 rather than rounding. */
export function int64ToNumber(v: ProtoInt64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "number") return v;
  const high = v.high | 0;
  if (high >= 0x200000 || high < -0x200000) throw new RangeError(`int64 ${v.toString()} is beyond ±2^53`);
  return high * 4294967296 + (v.low >>> 0);
}

// Decoded shapes of the messages orrery reads (protobufjs camel-cases field names).
export interface PrompbLabel {
  name: string;
  value: string;
}
export interface PrompbSample {
  value: number;
  timestamp: ProtoInt64;
}
export interface PrompbExemplar {
  labels: PrompbLabel[];
  value: number;
  timestamp: ProtoInt64;
}
export interface PrompbMetricMetadata {
  type: number;
  metricFamilyName: string;
  help: string;
  unit: string;
}
export interface PrompbBucketSpan {
  offset: number;
  length: number;
}
/** A decoded prompb.Histogram: `count` names the oneof member set ("countInt" for integer histograms). */
export interface PrompbHistogram {
  count?: "countInt" | "countFloat";
  countInt?: ProtoInt64;
  countFloat?: number;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCountInt?: ProtoInt64;
  zeroCountFloat?: number;
  negativeSpans: PrompbBucketSpan[];
  negativeDeltas: ProtoInt64[];
  negativeCounts: number[];
  positiveSpans: PrompbBucketSpan[];
  positiveDeltas: ProtoInt64[];
  positiveCounts: number[];
  resetHint: number;
  timestamp: ProtoInt64;
  customValues: number[];
}
export interface PrompbTimeSeries {
  labels: PrompbLabel[];
  samples: PrompbSample[];
  exemplars: PrompbExemplar[];
  histograms: PrompbHistogram[];
}
export interface PrompbWriteRequest {
  timeseries: PrompbTimeSeries[];
  metadata: PrompbMetricMetadata[];
}
export interface PrompbReadResponse {
  results: { timeseries: PrompbTimeSeries[] }[];
}
export interface PrompbChunk {
  minTimeMs: ProtoInt64;
  maxTimeMs: ProtoInt64;
  type: number;
  data: Uint8Array;
}
export interface PrompbChunkedSeries {
  labels: PrompbLabel[];
  chunks: PrompbChunk[];
}
export interface PrompbChunkedReadResponse {
  chunkedSeries: PrompbChunkedSeries[];
  queryIndex: ProtoInt64;
}

/** Absolute counts from prompb's delta-encoded integer buckets. */
function absoluteCounts(deltas: readonly ProtoInt64[]): number[] {
  let last = 0;
  return deltas.map((d) => (last += int64ToNumber(d)));
}

/**
 * A prompb.Histogram (remote_write 1.0, remote_read SAMPLES) as the shared NativeHistogram: integer histograms
 * (count_int) have their delta-encoded buckets made absolute; the reset hint numbers are the same.
 */
export function nativeHistogramFromPrompb(h: PrompbHistogram): NativeHistogram {
  const float = h.count === "countFloat";
  return {
    float,
    counterResetHint: h.resetHint as CounterResetHint,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: float ? (h.zeroCountFloat ?? 0) : int64ToNumber(h.zeroCountInt),
    count: float ? (h.countFloat ?? 0) : int64ToNumber(h.countInt),
    sum: h.sum,
    positiveSpans: h.positiveSpans.map((s) => ({ offset: s.offset, length: s.length })),
    positiveBuckets: float ? [...h.positiveCounts] : absoluteCounts(h.positiveDeltas),
    negativeSpans: h.negativeSpans.map((s) => ({ offset: s.offset, length: s.length })),
    negativeBuckets: float ? [...h.negativeCounts] : absoluteCounts(h.negativeDeltas),
    ...(h.customValues.length > 0 ? { customValues: [...h.customValues] } : {}),
  };
}
