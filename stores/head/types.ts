// The head's public types: what appends take and return, the WAL it writes
// through, the replay sink, its options and truncation report.
import type { Registry } from "prom-client";
import type { ChunkEncoding, Labels, NativeHistogram } from "../../storeapi/index.js";
import type { RejectReason } from "./metrics.js";
import type { WalSeriesRecord } from "./wal/index.js";

/** One series' samples in an append batch: columns, no per-sample objects. */
export interface SeriesSamples {
  readonly labels: Labels;
  /** Timestamps in ms, ascending for an in-order series. */
  readonly t: ArrayLike<number>;
  /** Values; a Float64Array keeps stale-marker bits exactly (plain arrays quiet NaNs, which the head undoes). */
  readonly v: ArrayLike<number>;
  /** Samples to take from t/v (default t.length), so a decoder can reuse bigger buffers. */
  readonly n?: number;
  /** Index of the first sample in t, v and st (default 0), so series can share a decoder's columns. */
  readonly from?: number;
  /** Native histogram samples of the series, validated and appended after its floats. */
  readonly histograms?: SeriesHistograms;
  /** Start (created) timestamps beside t, 0 where none (remote_write 2.0); absent when none is given. */
  readonly st?: ArrayLike<number>;
  /**
   * The series as an earlier append of this head gave it (appendBatch's `handles`), with `labels` its
   * very label set (handle.labels): then its labels are neither checked, hashed nor looked up again.
   * Any other labels, a series since removed or another head's handle go the usual way.
   */
  readonly series?: SeriesHandle;
}

/** A head series as appendBatch hands it out: its label set; opaque otherwise. */
export interface SeriesHandle {
  readonly labels: Labels;
}

/** One series' native histograms: times ascending, one histogram each. */
export interface SeriesHistograms {
  readonly t: ArrayLike<number>;
  readonly h: readonly NativeHistogram[];
  /** Start timestamps beside t, 0 where none; absent when none is given. */
  readonly st?: ArrayLike<number>;
}

export type AppendBatch = readonly SeriesSamples[];

/** What a rejected sample was: a float sample or a native histogram sample. */
export type SampleKind = "sample" | "histogram";

export interface Rejection {
  readonly reason: RejectReason;
  readonly kind: SampleKind;
  readonly count: number;
  /** A description of the first sample rejected for this reason. */
  readonly firstError?: string;
}

export interface AppendResult {
  /** Samples accepted, counting exact duplicates of stored samples (accepted silently, not stored twice). */
  readonly accepted: number;
  readonly rejected: readonly Rejection[];
}

/** The part of the WAL (./wal) the head writes through. */
export interface HeadWal {
  logSamples(
    refs: ArrayLike<number>,
    ts: ArrayLike<number>,
    vs: Float64Array,
    n: number,
    series?: readonly WalSeriesRecord[],
    /** Row k is a histogram sample when hs[k] is set (its vs[k] is then unused). */
    hs?: readonly (NativeHistogram | undefined)[],
    /** Row k's start timestamp (0: none); absent when no row has one. */
    sts?: Float64Array,
  ): Promise<void>;
  checkpoint(isLive: (ref: number) => boolean, minTimeMs: number): Promise<void>;
  close(): Promise<void>;
}

/** What the WAL replays: series records, then sample columns (valid only during the call). */
export interface ReplaySink {
  onSeries(recs: readonly WalSeriesRecord[]): void;
  /** sts: the rows' start timestamps (0: none), absent when the record had none. */
  onSamples(refs: ArrayLike<number>, ts: ArrayLike<number>, vs: Float64Array, n: number, sts?: Float64Array): void;
  onHistograms(refs: ArrayLike<number>, ts: ArrayLike<number>, hs: readonly NativeHistogram[], n: number, sts?: Float64Array): void;
}

export interface HeadOptions {
  /** Where accepted samples are logged before they are committed; none for an in-memory head. */
  readonly wal?: HeadWal;
  /** Registry for the head's metrics; a private one when absent (never the global default). */
  readonly registry?: Registry;
  /** How much data the head keeps behind its newest sample (default 2h); older chunks are truncated. */
  readonly windowMs?: number;
  /** Chunks are cut at multiples of this (default 2h), as well as at 120 samples. */
  readonly chunkRangeMs?: number;
  /**
   * Samples before this are rejected as too_old, instead of the default rule
   * (before newest sample - windowMs). -Infinity accepts samples of any age (import).
   */
  readonly minValidTime?: number;
  /**
   * Samples more than this ahead of the wall clock are rejected as
   * too_far_in_future (Thanos receive's --tsdb.too-far-in-future.time-window).
   * Off by default, as in Prometheus; without it one far-future sample moves the
   * head's window forward and the next truncation drops everything else.
   */
  readonly tooFarInFutureMs?: number;
  /**
   * The store's external labels: reported by info(), added to every series
   * series() returns (overriding a series' own label of the same name, as Thanos
   * stores do), and matched by matchers on those names.
   */
  readonly externalLabels?: Labels;
  /**
   * Truncation never drops samples at or after the time this returns (a shipper's first
   * time not yet safe in the bucket), whatever the window says. No limit when absent.
   */
  readonly truncationLimit?: () => number;
  /**
   * Samples before the time this returns are refused as too_old, whatever the window
   * says: a shipper's end of the last block cut, whose range is final (Prometheus
   * refuses samples before its last block's end the same way).
   */
  readonly appendFloor?: () => number;
  /** Interval of the truncation timer started by start() (default 1 minute). */
  readonly truncateIntervalMs?: number;
  /**
   * How far the truncation point must have moved since the last WAL checkpoint for
   * a truncation to write a new one (default windowMs / 2, at most 6h). A checkpoint rewrites
   * the window's samples, so it runs far less often than memory truncation; the WAL
   * holds up to windowMs + this much data.
   */
  readonly checkpointIntervalMs?: number;
  /** The wall clock, in ms (tests replace it). */
  readonly now?: () => number;
}

/** One series of a block cut from the head: its own labels (no external ones) and its chunks. */
export interface HeadBlockSeries {
  readonly labels: Labels;
  readonly chunks: readonly { readonly minTime: number; readonly maxTime: number; readonly encoding: ChunkEncoding; readonly data: Uint8Array }[];
}

export interface TruncateReport {
  readonly mint: number;
  readonly chunksRemoved: number;
  readonly seriesRemoved: number;
  /** Whether the WAL was checkpointed. */
  readonly checkpointed: boolean;
}
