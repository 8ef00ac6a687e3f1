// The Store interface the engine reads from, and the chunk encoding every store speaks.
export type * from "./types.js";
export { ChunkEncoding } from "./types.js";

// ── XOR chunks (byte-identical to Prometheus's chunkenc) and stale markers ──
export {
  /** An XOR chunk appended to in place; bytes() is a valid Prometheus chunk at all times. */
  XorChunk,
  /** Allocation-free iterator over an XOR chunk: next(), then t and v; seek(t); err on corrupt bytes. */
  XorChunkIterator,
  /** Bulk-decodes an XOR chunk's samples in [mint, maxt] into typed arrays; returns the count. */
  decodeXorChunk,
  /** Sample count of an XOR chunk, from its 2-byte header. */
  xorChunkNumSamples,
  /** Samples per chunk at which stores cut a new chunk (120, as Prometheus's head). */
  XOR_CHUNK_TARGET_SAMPLES,
} from "./chunkenc/index.js";
export {
  /** Prometheus's stale-marker NaN (bits 0x7ff0000000000002). */
  STALE_NAN,
  /** Whether a value is a stale marker (also in the quieted form V8 gives it inside number[]). */
  isStaleNaN,
  /** A float64 scratch with uint32 halves, for bit-level float work without BigInt. */
  FloatBits,
} from "./chunkenc/index.js";

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
} from "./series-iterator.js";
