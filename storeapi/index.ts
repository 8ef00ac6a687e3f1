// The Store interface the engine reads from, and the chunk encoding every store speaks.
export type * from "./types.js";
export { ChunkEncoding } from "./types.js";
export {
  CounterResetHint,
  CUSTOM_BUCKETS_SCHEMA,
  MIN_EXPONENTIAL_SCHEMA,
  MAX_EXPONENTIAL_SCHEMA,
  HISTOGRAM_REJECT_REASONS,
  histogramProblem,
  type NativeHistogram,
  type HistogramSpan,
  type HistogramProblem,
  type HistogramRejectReason,
} from "./histogram.js";
export { SnappyError, snappyDeclaredLength, snappyUncompress } from "./snappy.js";
export { SnappyWorker, snappyUncompressInto, type SnappyBuffers } from "./snappy-worker.js";
export { scratchCapacity } from "./scratch-capacity.js";

// ── XOR chunks (byte-identical to Prometheus's chunkenc) and stale markers ──
export {
  /** An XOR chunk appended to in place; bytes() is a valid Prometheus chunk at all times. */
  XorChunk,
  XorChunkSnapshot,
  /** Doubles an XOR appender's state takes outside its object (XorChunk.saveTo / loadFrom). */
  XOR_SLOT_DOUBLES,
  /** Allocation-free iterator over an XOR chunk: next(), then t and v; seek(t); err on corrupt bytes. */
  XorChunkIterator,
  /** Bulk-decodes an XOR chunk's samples in [mint, maxt] into typed arrays; returns the count. */
  decodeXorChunk,
  /** An XOR chunk's newest sample in [mint, maxt] (the chunk read whole, only that sample kept). */
  decodeNewestXorSample,
  /** Sample count of an XOR chunk, from its 2-byte header. */
  xorChunkNumSamples,
  xorChunkNumSamplesAt,
  /** Why an XOR chunk's bytes cannot hold what its header claims, or undefined (a cheap check for foreign chunks). */
  xorChunkHeaderError,
  /** Samples per chunk at which stores cut a new chunk (120, as Prometheus's head). */
  XOR_CHUNK_TARGET_SAMPLES,
  /** Whether decodeXorChunk can read a chunk in place in its buffer (the bytes it peeks at past the end are there). */
  xorChunkReadableInPlace,
} from "./chunkenc/index.js";
// ── Native histogram chunks (HISTOGRAM and FLOAT_HISTOGRAM, byte-identical to Prometheus's chunkenc) ──
export {
  /**
   * Integer-count histogram chunk: append(t, h) → false when Prometheus would cut a new chunk (cutHeader then says
   * the new chunk's counter-reset header); new buckets recode it in place; bytes(), numSamples(), lastTime(),
   * counterResetHeader()/setCounterResetHeader(), nextChunkHeader(h) for a chunk a head cuts by size or time.
   */
  HistogramChunk,
  /** Float-count histogram chunk, the same interface as HistogramChunk. */
  FloatHistogramChunk,
  /**
   * Iterators: next(), then t, count, zeroCount, sum, positiveBuckets/negativeBuckets (absolute counts in layout
   * order, Float64Arrays reused between samples), isStale(), hint(); at() for a NativeHistogram copy; seek(t); err.
   */
  HistogramChunkIterator,
  FloatHistogramChunkIterator,
  /** The counter-reset header of histogram chunk bytes (as a CounterResetHint). */
  histogramChunkHeader,
  /** Sample count of a histogram chunk, from its header. */
  histogramChunkNumSamples,
  /** Why histogram chunk bytes cannot hold what their header claims, or undefined (a cheap check for foreign chunks). */
  histogramChunkHeaderError,
  /** Why a NativeHistogram is malformed (schema, spans vs buckets, negative or fractional counts), or undefined. */
  histogramShapeError,
  /** Cuts one series' histogram samples into chunks where Prometheus's head does (kind, refusal, ~1 KiB, range end). */
  HistogramChunkCutter,
  type CutHistogramChunk,
  /** Prometheus's default head chunk range, 2h. */
  DEFAULT_CHUNK_RANGE_MS,
  /** Prometheus's head cuts a histogram chunk near 1024 bytes but not below 10 samples. */
  HISTOGRAM_CHUNK_TARGET_BYTES,
  HISTOGRAM_CHUNK_MIN_SAMPLES,
} from "./chunkenc/index.js";
export {
  /** Chunk.maxGap's word after one more appended sample. */
  gapWordWithSample,
  /** The longest gap between samples a Chunk.maxGap word tells. */
  gapOfWord,
  /** Whether a Chunk.maxGap word says its chunk ends in a stale marker. */
  endsWithStaleMarker,
} from "./chunk-gap.js";
export {
  /** A series' floats and histograms as chunks: XOR of 120, histograms cut as the head cuts, a new chunk per kind switch. */
  chunksOfSamples,
} from "./series-chunks.js";
export {
  /** Prometheus's stale-marker NaN (bits 0x7ff0000000000002). */
  STALE_NAN,
  /** Whether a value is a stale marker (also in the quieted form V8 gives it inside number[]). */
  isStaleNaN,
  /** A float64 scratch with uint32 halves, for bit-level float work without BigInt. */
  FloatBits,
} from "./chunkenc/index.js";
export {
  /** Thanos's aggregate chunk data (the bytes after encoding 0xff): five uvarint-length-prefixed sub-chunks. */
  encodeAggrChunk,
  /** The sub-chunks of an aggregate chunk (views); throws naming the sub-chunk on bad bytes. */
  decodeAggrChunk,
  /** count, sum, min, max, counter: the sub-chunks' order (Thanos's AggrType numbers). */
  AGGREGATE_ORDER,
  type AggrParts,
} from "./chunkenc/index.js";
export {
  /** A series' chunks, raw or downsampled, as samples of one aggregate (the one reader of downsampled data). */
  aggregateSamples,
  /** aggregateSamples one chunk at a time (a series decoded as a query reaches it). */
  AggregateReader,
  /** The sub-chunks a read aggregate needs (avg: count and sum). */
  aggregatesFor,
  /** Whether any chunk carries downsampled aggregates rather than raw data. */
  hasAggregateChunks,
  /** What a selector reads from downsampled data: one aggregate, or avg (sum / count). */
  type ReadAggregate,
} from "./downsampled.js";

// ── Labels ──
export {
  /** "__name__". */
  METRIC_NAME,
  /** The empty label set. */
  EMPTY_LABELS,
  /** Go's string order (UTF-8 bytes), for sorting label names and values as Prometheus does. */
  compareUtf8,
  /** Labels from a {name: value} record: sorted, empty values dropped. */
  labelsFromRecord,
  /** Labels from alternating name, value strings. */
  labelsFromPairs,
  /** Labels from an unsorted list: sorted, empty values dropped, last duplicate wins. */
  labelsFromList,
  /** A {name: value} record of a label set. */
  labelsToRecord,
  /** Prometheus's label-set order (labels.Compare). */
  compareLabels,
  /** Whether two label sets are identical. */
  labelsEqual,
  /** A unique string key for a label set (for Maps). */
  labelsKey,
  /** A stable 53-bit hash of a label set (for series ids). */
  labelsHash,
  labelsHash32,
  /** murmur3's round and finaliser, for hashes of other bytes. */
  murmurMix,
  murmurFinalMix,
  /** The value of a label, or "". */
  getLabel,
  /** Whether a label is present. */
  hasLabel,
  /** The label set without __name__ (and __type__/__unit__, which belong to it), as PromQL drops the name. */
  dropMetricName,
  /** Only the named labels. */
  keepLabels,
  /** All but the named labels. */
  removeLabels,
  /** One label set (or deleted with ""), in Go's byte order. */
  setLabel,
  /** Sorts a mutable label list by name in Go's byte order. */
  sortLabelsByName,
  /** Go's strconv.Quote. */
  goQuote,
  /** Prometheus's Labels.String(): {__name__="up", job="x"}. */
  formatLabels,
  /** Selector form: up{job="x"}. */
  formatSeries,
  /** Builds label sets by set/del/keep/drop from a base (for the engine). */
  LabelsBuilder,
} from "./labels.js";

// ── Matchers ──
export {
  /** Compiles a matcher to a value test (RE2, fully anchored, . matches newlines; fast paths). */
  compileMatcher,
  /** Compiles a list of matchers to (name, test) pairs. */
  compileMatchers,
  /** A matcher's text form: name=~"value". */
  formatMatcher,
  /** The error compileMatcher throws for a bad regex. */
  MatcherError,
  /** A compiled matcher's test. */
  type ValueMatcher,
} from "./matchers.js";

export {
  /** Adds a store's external labels to a series' labels; the external value wins on a shared name (as in Thanos). */
  extendLabels,
  /** Tests matchers on external label names against their values; returns whether they pass and the other matchers. */
  matchExternalLabels,
} from "./external-labels.js";

// ── Cost estimates (the planner's check before any chunk is read) ──
export {
  /** A store's estimate of a Series request, or its series counted with skip_chunks when it has no estimate. */
  estimateSeries,
  /** The sample spacing assumed for a store that cannot count its chunks (Prometheus's default scrape_interval). */
  ASSUMED_SCRAPE_INTERVAL_MS,
  /** The weaker of two estimate bases (exact < statistics < assumed). */
  weakerBasis,
} from "./estimate.js";

// ── Vertical sharding (Thanos shard_info) ──
export {
  /** xxHash64 (seed 0) on uint32 halves: hash(bytes, length), then hi / lo or mod(n). */
  XxHash64,
} from "./xxhash.js";
export {
  /** Whether a label set is in one shard (Thanos's ShardMatcher: xxHash64 of name 0xff value 0xff… mod total). */
  ShardMatcher,
  /** A ShardMatcher for a request's shard info, or undefined when it is not sharded. */
  shardMatcher,
  /** Whether shard info asks for sharding (total_shards ≥ 1). */
  isSharded,
  /** What is wrong with a shard info (index out of range, bad total), or undefined. */
  shardInfoError,
  /** A series stream with only one shard's series. */
  shardFrames,
  /** A store seen as one shard: shard info sent down, and the answer filtered again. */
  shardedStore,
  /** The same shard with some labels never hashed (replica labels that deduplication removes). */
  shardIgnoringLabels,
  MAX_TOTAL_SHARDS,
} from "./shard.js";

// ── Stores and reading series ──
export {
  /** An in-memory Store for tests and the conformance runner. */
  MemoryStore,
  /** MemoryStore's options (external labels, frame size). */
  type MemoryStoreOptions,
} from "./memory-store.js";
export {
  /** Iterates a Series's raw chunks as (t, v) in time order within [mint, maxt]. */
  SeriesSampleIterator,
  /** Creates a SeriesSampleIterator. */
  seriesSampleIterator,
  /** Decodes a Series's raw chunks into sorted, de-duplicated typed arrays within [mint, maxt]. */
  mergeSeriesChunks,
  /** The one time-merge of XOR chunks: each timestamp once, the chunk listed first winning ties. */
  mergeXorChunks,
  /** Whether chunks overlap or are out of time order, so must go through mergeXorChunks. */
  chunksNeedMerge,
  /** mergeXorChunks's result. */
  type MergedSamples,
} from "./series-iterator.js";

// ── Wire formats ──
export {
  /** CRC32C (Castagnoli) of buf[start, end), continuing from crc: WAL records and remote_read frames. */
  crc32c,
} from "./crc32c.js";
// prompb (Prometheus remote_write / remote_read) and the Thanos StoreAPI messages: the one protobuf layer.
export * from "./proto/index.js";

// ── The StoreAPI over gRPC (Thanos wire format: thanos.Store, thanos.info.Info) ──
export {
  /** Serves a Store as thanos.Store and thanos.info.Info; resolves once listening. */
  serveStoreApi,
  /** A running server: address, port, close(), forceClose(). */
  type StoreApiServer,
} from "./grpc/server.js";
export {
  /** A Store backed by a remote StoreAPI endpoint; checks order and chunks, names the endpoint. */
  GrpcStoreClient,
} from "./grpc/client.js";
export {
  /** Why the client dropped a chunk: "unknown_encoding" | "corrupt_chunk". */
  type ChunkDropReason,
} from "./proto/index.js";
export {
  /** A failure carrying its gRPC status code; client-side ones name the endpoint. */
  StoreApiError,
} from "./grpc/convert.js";
export {
  /** 127.0.0.1:10901. */
  DEFAULT_GRPC_ADDRESS,
  /** Thanos's gRPC server flags (--grpc-address, --grpc-server-tls-*), in cli/'s flag-spec shape. */
  GRPC_SERVER_FLAGS,
  /** Thanos's gRPC client flags (--grpc-client-tls-*, --grpc-client-server-name). */
  GRPC_CLIENT_FLAGS,
  /** Server options from flag values; throws GrpcFlagError. */
  grpcServerOptionsFromFlags,
  /** Client options from flag values; throws GrpcFlagError. */
  grpcClientOptionsFromFlags,
  /** A bad gRPC flag combination or unreadable TLS file. */
  GrpcFlagError,
  type GrpcFlagSpec,
  type StoreApiServerOptions,
  type GrpcServerTlsOptions,
  type GrpcStoreClientOptions,
  type GrpcClientTlsOptions,
} from "./grpc/options.js";
// YAML for configuration files (every role's config, rule files, the compliance query set).
export { parseYaml, formatYaml, YamlError, type YamlValue, type YamlPositions, type YamlNodePosition, type YamlPosition } from "./yaml.js";
export { YamlKeyReader, YamlKeyError, joinKey, type YamlMapping } from "./yaml-keys.js";
