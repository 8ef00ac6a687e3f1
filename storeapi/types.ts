// The Store contract: what the engine reads from, mirroring the Thanos StoreAPI
// (SeriesRequest/SeriesResponse, LabelNames, LabelValues, Info) so that the
// gRPC server and client are thin adapters. Field meanings follow Thanos.

/** One label. A label set is sorted by name and has unique names. */
export interface Label {
  readonly name: string;
  readonly value: string;
}
export type Labels = readonly Label[];

export type MatcherOp = "=" | "!=" | "=~" | "!~";

/** A label matcher; regexes are fully anchored, as in Prometheus. */
export interface Matcher {
  readonly name: string;
  readonly op: MatcherOp;
  readonly value: string;
}

/** Chunk encodings, numbered as Prometheus's chunkenc does. */
export const enum ChunkEncoding {
  XOR = 1,
  Histogram = 2,
  FloatHistogram = 3,
  /** Thanos's aggregate chunk (count, sum, min, max, counter sub-chunks) in a downsampled block's chunk file. */
  Aggr = 0xff,
}

export interface Chunk {
  readonly encoding: ChunkEncoding;
  /** The chunk's bytes exactly as Prometheus's chunkenc writes them. */
  readonly data: Uint8Array;
  /**
   * Start (created) timestamps of the chunk's samples in sample order, 0 where a sample has none;
   * absent when none has one. Kept beside the bytes so they stay Prometheus's XOR/histogram encoding;
   * in-process only (the Thanos StoreAPI wire has no field for them).
   */
  readonly startTimestamps?: Float64Array;
  /**
   * The chunk's samples with minTime ≤ t ≤ maxTime (the read's range), already decoded: what
   * decoding `data` over that range gives, from a store that keeps them (the head's newest chunks).
   * In-process only, like startTimestamps; a reader may always decode `data` instead.
   */
  readonly decoded?: DecodedChunkSamples;
  /**
   * Where `data` lies when the store keeps it inside a larger buffer (the head's arena slabs):
   * `placedLength` bytes from byte `placedAt` of `placedIn`. A reader that keeps chunks by place
   * takes these and never makes the view. In-process only.
   */
  readonly placedIn?: ArrayBufferLike;
  readonly placedAt?: number;
  readonly placedLength?: number;
  /**
   * The longest time, ms, between two consecutive samples of an XOR chunk and whether a stale marker
   * ends it, as one word (chunk-gap.ts), from a store that tracks it as it appends (the head). With
   * it a reader knows, decoding nothing, at which times the chunk gives a sample within a lookback
   * (count and group read only that). In-process only; absent when not tracked.
   */
  readonly maxGap?: number;
}

/** Decoded float samples of a chunk over [minTime, maxTime]: timestamps and values side by side. */
export interface DecodedChunkSamples {
  readonly minTime: number;
  readonly maxTime: number;
  readonly t: Float64Array;
  readonly v: Float64Array;
}

/**
 * A chunk with its time bounds. Raw data uses `raw`; downsampled data uses the
 * aggregate chunks (count, sum, min, max, counter), as Thanos does.
 */
export interface AggrChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly raw?: Chunk;
  readonly count?: Chunk;
  readonly sum?: Chunk;
  readonly min?: Chunk;
  readonly max?: Chunk;
  readonly counter?: Chunk;
}

export interface Series {
  readonly labels: Labels;
  /** Sorted by minTime, non-overlapping within one store. */
  readonly chunks: readonly AggrChunk[];
}

export type Aggregate = "count" | "sum" | "min" | "max" | "counter";

/** What the engine knows about the selector being fetched (Thanos QueryHints). */
export interface QueryHints {
  /** Query step in ms (0 for an instant query). */
  readonly stepMillis?: number;
  /** The function enclosing the selector, e.g. "rate". */
  readonly func?: string;
  /** The grouping of the enclosing aggregation. */
  readonly grouping?: { readonly by: boolean; readonly labels: readonly string[] };
  /** Range of the enclosing range selector in ms. */
  readonly rangeMillis?: number;
}

/**
 * One shard of a vertically sharded query (Thanos ShardInfo): only series whose xxHash64 over
 * the sharding labels, modulo totalShards, is shardIndex. `by`: hash the listed labels;
 * otherwise hash every label but the listed ones.
 */
export interface ShardInfo {
  readonly shardIndex: number;
  readonly totalShards: number;
  readonly by: boolean;
  readonly labels: readonly string[];
}

export interface SeriesRequest {
  /** Inclusive bounds in ms. */
  readonly minTime: number;
  readonly maxTime: number;
  readonly matchers: readonly Matcher[];
  /** Largest downsampling resolution acceptable, in ms (0: raw only). */
  readonly maxResolutionWindow?: number;
  readonly aggregates?: readonly Aggregate[];
  readonly partialResponseDisabled?: boolean;
  /** Only labels, no chunks (for /api/v1/series). */
  readonly skipChunks?: boolean;
  readonly queryHints?: QueryHints;
  /** Maximum number of series to return (0 or absent: no limit). */
  readonly limit?: number;
  /** Only this shard's series (hashed over the labels as returned, external labels included). */
  readonly shardInfo?: ShardInfo;
  /**
   * Only each series' newest sample in [minTime, maxTime] is read (an instant vector selector's
   * fetch): a store may send a chunk carrying just that sample decoded. Not on the wire.
   */
  readonly latestOnly?: boolean;
}

/**
 * One frame of a series stream: a batch of series (sorted by labels across the
 * whole stream) and any warnings. Batches amortise the per-item cost of an
 * async stream; a gRPC adapter splits them into single SeriesResponses.
 */
export interface SeriesFrame {
  readonly series: readonly Series[];
  readonly warnings: readonly string[];
}

export interface LabelNamesRequest {
  readonly minTime: number;
  readonly maxTime: number;
  readonly matchers: readonly Matcher[];
  readonly limit?: number;
}

export interface LabelValuesRequest extends LabelNamesRequest {
  readonly label: string;
}

export interface StringsResponse {
  readonly values: readonly string[];
  readonly warnings: readonly string[];
}

export interface StoreInfo {
  /** External label sets this store is known by (may be empty). */
  readonly labelSets: readonly Labels[];
  readonly minTime: number;
  readonly maxTime: number;
  /** Resolutions held, in ms; 0 is raw. */
  readonly resolutions: readonly number[];
  /** Whether the store can run pushed-down aggregations. */
  readonly supportsAggregationPushdown: boolean;
}

/**
 * What an estimate's samples rest on, best first: "exact" (counted from chunk headers: the head),
 * "statistics" (chunk refs × mean samples per chunk from meta.json: blocks), "assumed" (series
 * counted with skip_chunks, one sample per assumed scrape interval: stores without an estimate).
 */
export type EstimateBasis = "exact" | "statistics" | "assumed";

/** One store's share of an estimate (how a proxy tells which stores a request reaches). */
export interface StoreEstimate {
  /** The store as the proxy names it (its address, or "head" / "bucket" for a process's own). */
  readonly name: string;
  readonly series: number;
  readonly samples: number;
  readonly basis: EstimateBasis;
}

/**
 * What a Series request would return, counted from postings and chunk statistics without reading a
 * chunk: the series, and the samples of the chunks overlapping [minTime, maxTime] (whole chunks, as
 * a reader holds them).
 */
export interface SeriesEstimate {
  readonly series: number;
  readonly samples: number;
  /** What the samples rest on (the weakest basis of the stores counted). */
  readonly basis: EstimateBasis;
  /** The stores the request reaches, each with its share (a proxy's answer; absent from a single store's). */
  readonly stores?: readonly StoreEstimate[];
}

export interface Store {
  info(): Promise<StoreInfo>;
  /** Streams matching series sorted by labels. Aborting the signal stops the stream. */
  series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame>;
  labelNames(request: LabelNamesRequest, signal?: AbortSignal): Promise<StringsResponse>;
  labelValues(request: LabelValuesRequest, signal?: AbortSignal): Promise<StringsResponse>;
  /**
   * The series and samples `series(request)` would return, from postings and chunk statistics, no
   * chunk read. Optional: storeapi's estimateSeries counts a store without it through `series` with skipChunks.
   */
  estimate?(request: SeriesRequest, signal?: AbortSignal, options?: EstimateOptions): Promise<SeriesEstimate>;
}

/** How an estimate may be made. */
export interface EstimateOptions {
  /**
   * Whether a store without an estimate of its own is counted with a Series(skip_chunks) round trip
   * (default true). False when no check would use its series: it is left uncounted (0 series, 0
   * samples, basis "assumed" — a basis whose samples never refuse a query).
   */
  readonly countSeries?: boolean;
}
