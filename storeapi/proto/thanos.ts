// The Thanos StoreAPI wire format (packages thanos and thanos.info), written from the message
// names and field numbers of thanos-io/thanos pkg/store/{storepb,labelpb}/*.proto and
// pkg/info/infopb/rpc.proto. gogoproto options change Go code only: a ZLabel/ZLabelSet is a
// plain repeated Label on the wire. Parsed once at module load into one immutable root.
import protobuf from "protobufjs";
import { ChunkEncoding } from "../types.js";

const ANY_PROTO = `
syntax = "proto3";
package google.protobuf;
message Any {
  string type_url = 1;
  bytes value = 2;
}
`;

const THANOS_PROTO = `
syntax = "proto3";
package thanos;

// Store/Info was deprecated and then removed in Thanos v0.37 (replaced by thanos.info.Info);
// kept here so that older peers can still be asked.
service Store {
  rpc Info(InfoRequest) returns (InfoResponse);
  rpc Series(SeriesRequest) returns (stream SeriesResponse);
  rpc LabelNames(LabelNamesRequest) returns (LabelNamesResponse);
  rpc LabelValues(LabelValuesRequest) returns (LabelValuesResponse);
}

message Label {
  string name = 1;
  string value = 2;
}

message LabelSet {
  repeated Label labels = 1;
}

message ZLabelSet {
  repeated Label labels = 1;
}

message Chunk {
  enum Encoding {
    XOR = 0;
    HISTOGRAM = 1;
    FLOAT_HISTOGRAM = 2;
  }
  Encoding type = 1;
  bytes data = 2;
  uint64 hash = 3;
}

message AggrChunk {
  int64 min_time = 1;
  int64 max_time = 2;
  Chunk raw = 3;
  Chunk count = 4;
  Chunk sum = 5;
  Chunk min = 6;
  Chunk max = 7;
  Chunk counter = 8;
}

message Series {
  repeated Label labels = 1;
  repeated AggrChunk chunks = 2;
}

message SeriesBatch {
  repeated Series series = 1;
}

message LabelMatcher {
  enum Type {
    EQ = 0;
    NEQ = 1;
    RE = 2;
    NRE = 3;
  }
  Type type = 1;
  string name = 2;
  string value = 3;
}

enum PartialResponseStrategy {
  WARN = 0;
  ABORT = 1;
}

enum Aggr {
  RAW = 0;
  COUNT = 1;
  SUM = 2;
  MIN = 3;
  MAX = 4;
  COUNTER = 5;
}

enum StoreType {
  UNKNOWN = 0;
  QUERY = 1;
  RULE = 2;
  SIDECAR = 3;
  STORE = 4;
  RECEIVE = 5;
  DEBUG = 6;
}

message InfoRequest {}

message InfoResponse {
  repeated Label labels = 1;
  int64 min_time = 2;
  int64 max_time = 3;
  StoreType storeType = 4;
  repeated LabelSet label_sets = 5;
  // orrery's extension (Thanos skips unknown fields): the downsampling resolutions held, ms.
  repeated int64 orrery_resolutions = 1001;
}

message Func {
  string name = 1;
}

message Grouping {
  bool by = 1;
  repeated string labels = 3;
}

message Range {
  int64 millis = 1;
}

message QueryHints {
  int64 step_millis = 1;
  Func func = 2;
  Grouping grouping = 4;
  Range range = 5;
  repeated string projection_labels = 6;
  bool projection_include = 7;
  string series_hash_label_name = 8;
}

message ShardInfo {
  int64 shard_index = 1;
  int64 total_shards = 2;
  bool by = 3;
  repeated string labels = 4;
}

message SeriesRequest {
  int64 min_time = 1;
  int64 max_time = 2;
  repeated LabelMatcher matchers = 3;
  int64 max_resolution_window = 4;
  repeated Aggr aggregates = 5;
  bool partial_response_disabled = 6;
  PartialResponseStrategy partial_response_strategy = 7;
  bool skip_chunks = 8;
  google.protobuf.Any hints = 9;
  int64 step = 10;
  int64 range = 11;
  QueryHints query_hints = 12;
  ShardInfo shard_info = 13;
  repeated string without_replica_labels = 14;
  int64 limit = 15;
  int64 response_batch_size = 16;
}

message SeriesResponse {
  oneof result {
    Series series = 1;
    string warning = 2;
    google.protobuf.Any hints = 3;
    SeriesBatch batch = 4;
  }
}

message LabelNamesRequest {
  bool partial_response_disabled = 1;
  PartialResponseStrategy partial_response_strategy = 2;
  int64 start = 3;
  int64 end = 4;
  google.protobuf.Any hints = 5;
  repeated LabelMatcher matchers = 6;
  repeated string without_replica_labels = 7;
  int64 limit = 8;
}

message LabelNamesResponse {
  repeated string names = 1;
  repeated string warnings = 2;
  google.protobuf.Any hints = 3;
}

message LabelValuesRequest {
  string label = 1;
  bool partial_response_disabled = 2;
  PartialResponseStrategy partial_response_strategy = 3;
  int64 start = 4;
  int64 end = 5;
  google.protobuf.Any hints = 6;
  repeated LabelMatcher matchers = 7;
  repeated string without_replica_labels = 8;
  int64 limit = 9;
}

message LabelValuesResponse {
  repeated string values = 1;
  repeated string warnings = 2;
  google.protobuf.Any hints = 3;
}
`;

const THANOS_INFO_PROTO = `
syntax = "proto3";
package thanos.info;

service Info {
  rpc Info(InfoRequest) returns (InfoResponse);
}

message InfoRequest {}

message InfoResponse {
  repeated thanos.ZLabelSet label_sets = 1;
  string ComponentType = 2;
  StoreInfo store = 3;
  RulesInfo rules = 4;
  MetricMetadataInfo metric_metadata = 5;
  TargetsInfo targets = 6;
  ExemplarsInfo exemplars = 7;
  QueryAPIInfo query = 8;
  StatusInfo status = 9;
}

message StoreInfo {
  reserved 4;
  int64 min_time = 1;
  int64 max_time = 2;
  bool supports_sharding = 3;
  bool supports_without_replica_labels = 5;
  repeated TSDBInfo tsdb_infos = 6;
  bool supports_projections = 7;
  // orrery's extension (Thanos skips unknown fields): the downsampling resolutions held, ms.
  repeated int64 orrery_resolutions = 1001;
}

message RulesInfo {}
message MetricMetadataInfo {}
message TargetsInfo {}
message ExemplarsInfo {
  int64 min_time = 1;
  int64 max_time = 2;
}
message QueryAPIInfo {}
message StatusInfo {}

message TSDBInfo {
  thanos.ZLabelSet labels = 1;
  int64 min_time = 2;
  int64 max_time = 3;
}
`;

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const text of [ANY_PROTO, THANOS_PROTO, THANOS_INFO_PROTO]) protobuf.parse(text, root);
  root.resolveAll();
  return root;
}

const root = buildRoot();
const type = (name: string): protobuf.Type => root.lookupType(name);

/** The message types of the Thanos StoreAPI and Info API (field names in lowerCamelCase). */
export const thanosTypes = Object.freeze({
  Label: type("thanos.Label"),
  LabelSet: type("thanos.LabelSet"),
  Chunk: type("thanos.Chunk"),
  AggrChunk: type("thanos.AggrChunk"),
  Series: type("thanos.Series"),
  SeriesBatch: type("thanos.SeriesBatch"),
  LabelMatcher: type("thanos.LabelMatcher"),
  QueryHints: type("thanos.QueryHints"),
  SeriesRequest: type("thanos.SeriesRequest"),
  SeriesResponse: type("thanos.SeriesResponse"),
  LabelNamesRequest: type("thanos.LabelNamesRequest"),
  LabelNamesResponse: type("thanos.LabelNamesResponse"),
  LabelValuesRequest: type("thanos.LabelValuesRequest"),
  LabelValuesResponse: type("thanos.LabelValuesResponse"),
  StoreInfoRequest: type("thanos.InfoRequest"),
  StoreInfoResponse: type("thanos.InfoResponse"),
  InfoRequest: type("thanos.info.InfoRequest"),
  InfoResponse: type("thanos.info.InfoResponse"),
});

/** gRPC method paths. */
export const THANOS_METHODS = Object.freeze({
  storeInfo: "/thanos.Store/Info",
  series: "/thanos.Store/Series",
  labelNames: "/thanos.Store/LabelNames",
  labelValues: "/thanos.Store/LabelValues",
  info: "/thanos.info.Info/Info",
});

/** StoreAPI chunk encodings (thanos.Chunk.Encoding): not chunkenc's numbers. */
export const enum WireChunkEncoding {
  XOR = 0,
  Histogram = 1,
  FloatHistogram = 2,
}

const ENCODING_TO_WIRE: Partial<Record<number, WireChunkEncoding>> = {
  [ChunkEncoding.XOR]: WireChunkEncoding.XOR,
  [ChunkEncoding.Histogram]: WireChunkEncoding.Histogram,
  [ChunkEncoding.FloatHistogram]: WireChunkEncoding.FloatHistogram,
};
const WIRE_TO_ENCODING: readonly ChunkEncoding[] = [ChunkEncoding.XOR, ChunkEncoding.Histogram, ChunkEncoding.FloatHistogram];

/** The wire's number for an in-process chunk encoding, or undefined when the wire has none (Thanos's downsampled 0xff). */
export function wireChunkEncoding(encoding: ChunkEncoding): WireChunkEncoding | undefined {
  return ENCODING_TO_WIRE[encoding];
}

/** A wire int64 as a safe integer (math.MinInt64/MaxInt64 become ∓MAX_SAFE_INTEGER). */
export function fromWireInt64(v: WireInt64 | undefined): number {
  const n = typeof v === "string" ? Number(v) : (v ?? 0);
  if (n >= Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (n <= Number.MIN_SAFE_INTEGER) return Number.MIN_SAFE_INTEGER;
  return n;
}

/** The in-process encoding of a wire chunk encoding, or undefined when unknown. */
export function chunkEncodingFromWire(type: number): ChunkEncoding | undefined {
  return WIRE_TO_ENCODING[type];
}

/** thanos.LabelMatcher.Type. */
export const enum WireMatcherType {
  EQ = 0,
  NEQ = 1,
  RE = 2,
  NRE = 3,
}

/** thanos.Aggr. */
export const enum WireAggr {
  Raw = 0,
  Count = 1,
  Sum = 2,
  Min = 3,
  Max = 4,
  Counter = 5,
}

/** thanos.PartialResponseStrategy. */
export const enum WirePartialResponseStrategy {
  Warn = 0,
  Abort = 1,
}

/** thanos.StoreType (of the deprecated Store/Info). */
export const enum WireStoreType {
  Unknown = 0,
  Query = 1,
  Rule = 2,
  Sidecar = 3,
  Store = 4,
  Receive = 5,
  Debug = 6,
}

/**
 * An int64 on the wire. Decoded values are numbers (exact up to 2^53); for encoding, a decimal
 * string carries values a double cannot hold exactly (math.MinInt64, math.MaxInt64).
 */
export type WireInt64 = number | string;

// Plain-object shapes of the messages, as encode() takes them and decode() returns them.
export interface WireLabel {
  name: string;
  value: string;
}
export interface WireLabelSet {
  labels: WireLabel[];
}
export interface WireChunk {
  type: number;
  data: Uint8Array;
  hash?: WireInt64;
}
export interface WireAggrChunk {
  minTime: WireInt64;
  maxTime: WireInt64;
  raw?: WireChunk | null;
  count?: WireChunk | null;
  sum?: WireChunk | null;
  min?: WireChunk | null;
  max?: WireChunk | null;
  counter?: WireChunk | null;
}
export interface WireSeries {
  labels: readonly WireLabel[];
  chunks: readonly WireAggrChunk[];
}
export interface WireLabelMatcher {
  type: number;
  name: string;
  value: string;
}
export interface WireAny {
  typeUrl: string;
  value: Uint8Array;
}
export interface WireQueryHints {
  stepMillis?: WireInt64;
  func?: { name: string } | null;
  grouping?: { by: boolean; labels: string[] } | null;
  range?: { millis: WireInt64 } | null;
  projectionLabels?: string[];
  projectionInclude?: boolean;
  seriesHashLabelName?: string;
}
export interface WireShardInfo {
  shardIndex: WireInt64;
  totalShards: WireInt64;
  by: boolean;
  labels: string[];
}
export interface WireSeriesRequest {
  minTime: WireInt64;
  maxTime: WireInt64;
  matchers: WireLabelMatcher[];
  maxResolutionWindow?: WireInt64;
  aggregates?: number[];
  partialResponseDisabled?: boolean;
  partialResponseStrategy?: number;
  skipChunks?: boolean;
  hints?: WireAny | null;
  step?: WireInt64;
  range?: WireInt64;
  queryHints?: WireQueryHints | null;
  shardInfo?: WireShardInfo | null;
  withoutReplicaLabels?: string[];
  limit?: WireInt64;
  responseBatchSize?: WireInt64;
}
/** A SeriesResponse: exactly one of series, warning, hints, batch. */
export interface WireSeriesResponse {
  series?: WireSeries | null;
  warning?: string;
  hints?: WireAny | null;
  batch?: { series: WireSeries[] } | null;
  result?: "series" | "warning" | "hints" | "batch";
}
export interface WireLabelNamesRequest {
  partialResponseDisabled?: boolean;
  partialResponseStrategy?: number;
  start: WireInt64;
  end: WireInt64;
  hints?: WireAny | null;
  matchers: WireLabelMatcher[];
  withoutReplicaLabels?: string[];
  limit?: WireInt64;
}
export interface WireLabelValuesRequest extends WireLabelNamesRequest {
  label: string;
}
export interface WireLabelNamesResponse {
  names: string[];
  warnings: string[];
  hints?: WireAny | null;
}
export interface WireLabelValuesResponse {
  values: string[];
  warnings: string[];
  hints?: WireAny | null;
}
export interface WireTsdbInfo {
  labels?: WireLabelSet | null;
  minTime: WireInt64;
  maxTime: WireInt64;
}
export interface WireStoreInfo {
  minTime: WireInt64;
  maxTime: WireInt64;
  supportsSharding?: boolean;
  supportsWithoutReplicaLabels?: boolean;
  tsdbInfos?: WireTsdbInfo[];
  supportsProjections?: boolean;
  /** orrery's extension (field 1001): resolutions held, ms; empty from a Thanos peer. */
  orreryResolutions?: WireInt64[];
}
export interface WireInfoResponse {
  labelSets: WireLabelSet[];
  ComponentType: string;
  store?: WireStoreInfo | null;
}
/** The deprecated thanos.InfoResponse of Store/Info. */
export interface WireStoreInfoResponse {
  labels: WireLabel[];
  minTime: WireInt64;
  maxTime: WireInt64;
  storeType: number;
  labelSets: WireLabelSet[];
  /** orrery's extension (field 1001), as in WireStoreInfo. */
  orreryResolutions?: WireInt64[];
}

const DECODE_OPTIONS: protobuf.IConversionOptions = { longs: Number, defaults: true, arrays: true, oneofs: true };

/** Protobuf decoding failed: names the message type and the reason. */
export class WireDecodeError extends Error {
  override name = "WireDecodeError";
}

/**
 * Decodes a message into its plain-object shape (int64 as numbers; bytes are views into `bytes`,
 * not copies). Throws WireDecodeError naming the message type.
 */
export function decodeWire<T>(messageType: protobuf.Type, bytes: Uint8Array): T {
  let message: protobuf.Message;
  try {
    message = messageType.decode(bytes);
  } catch (err) {
    throw new WireDecodeError(`cannot decode ${messageType.fullName.slice(1)} from ${bytes.length} bytes: ${(err as Error).message}`);
  }
  return messageType.toObject(message, DECODE_OPTIONS) as T;
}

/** Encodes a message from its plain-object shape. */
export function encodeWire<T extends object>(messageType: protobuf.Type, value: T): Uint8Array {
  return messageType.encode(value).finish();
}
