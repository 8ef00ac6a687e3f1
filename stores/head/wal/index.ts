// The head's write-ahead log.
//
// Layout of a WAL directory (names as in Prometheus): segment files 00000000, 00000001, … of at most
// `segmentSize` bytes, and at most one checkpoint.NNNNNNNN directory holding the compacted records
// of every segment up to NNNNNNNN. Records are framed with a CRC32C (see records.ts).
//
// Use: `const wal = await Wal.open(dir)`; `await wal.replay(onSeries, onSamples)` once, before
// logging; then `await wal.log(newSeries, samples)` (or the columnar `logSamples(refs, ts, vs, n,
// newSeries)`, which avoids per-sample objects) before acknowledging a write;
// `await wal.checkpoint(isLive, minTimeMs)` when the head drops old data; `await wal.close()`.
// `replayColumns` is the columnar replay. Metrics: `createWalMetrics(registry)` → `opts.metrics`.
export { Wal, DEFAULT_SEGMENT_SIZE, segmentName } from "./wal.js";
export type { FsyncPolicy, WalOptions, ReplayReport, WalCorruption, SampleColumnsCallback, HistogramColumnsCallback } from "./wal.js";
export type { WalSeriesRecord, WalSampleRecord } from "./records.js";
export { createWalMetrics } from "./metrics.js";
export type { WalMetrics } from "./metrics.js";
