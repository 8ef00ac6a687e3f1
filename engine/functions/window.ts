// The shape a range function sees: one series' samples and the window to use.

/**
 * One series' samples and the selection window of one step.
 *
 * Plain windows: `[start, end)` are exactly the samples with
 * `rangeStartMs < t <= rangeEndMs` (Prometheus 3: left-open, right-closed).
 *
 * `anchored` windows (rate, increase, delta, changes, resets): the engine must ALSO place, at
 * index `start - 1`, the last sample with `t <= rangeStartMs` — the "anchor". It only counts
 * when `t[start-1] > rangeStartMs - lookbackDeltaMs` (the engine's matrix is left-open at
 * `rangeStartMs - lookbackDelta`); this library checks that bound itself, so the engine may
 * simply pass the whole series with `start`/`end` set as for a plain window. Samples before
 * `start - 1` are never read.
 *
 * `smoothed` windows (rate, increase, delta): as anchored, plus the first sample with
 * `t > rangeEndMs`, at index `end`; it only counts when `t[end] <= rangeEndMs + lookbackDeltaMs`.
 * Samples after index `end` are never read.
 *
 * For anchored and smoothed windows the engine must call the function even when
 * `start === end`: the boundary samples alone can produce (or rule out) a result.
 */
export interface RangeWindow {
  /** A series' samples, ascending time, stale markers already removed. */
  t: Float64Array;
  v: Float64Array;
  /** The window is indices [start, end). */
  start: number;
  end: number;
  /** Samples with rangeStartMs < t <= rangeEndMs are in the window (Prometheus 3: left-open). */
  rangeStartMs: number;
  rangeEndMs: number;
  /** The evaluation timestamp (before offset and @). predict_linear's intercept is taken here. */
  evalTimeMs: number;
  /** Experimental modifiers (extended_vectors.test). */
  anchored: boolean;
  smoothed: boolean;
  /** Not read by any function here: rate/increase are always counters, delta never is. */
  isCounter?: boolean;
  /**
   * Start (created) timestamps aligned with t, 0 where none; only when the store gave the series some
   * and the samples come straight from a selector (a subquery's have none). rate, increase, irate and
   * resets read them (start_timestamps.ts).
   */
  st?: Float64Array;
  /**
   * Downsampled counter reads only: the raw samples the points up to each index stand for
   * (cumulative), so rate/increase extrapolate by the raw sample spacing (rawSamplesInWindow).
   */
  rawCounts?: Float64Array;
  /** Set by rate/increase when a sample's start time overlaps the previous sample; the caller warns and clears it. */
  startTimeOverlap?: boolean;
  /** Lookback delta (ms) bounding the anchored/smoothed boundary samples. Default 300000. */
  lookbackDeltaMs?: number;
  /**
   * Optional scratch space for functions that must sort (quantile_over_time, mad_over_time).
   * Used when `scratch.length >= end - start`; otherwise one Float64Array is allocated per call.
   */
  scratch?: Float64Array;
}

/** undefined: no output at this step. */
export type RangeFunction = (w: RangeWindow, args: number[]) => number | undefined;

export const DEFAULT_LOOKBACK_DELTA_MS = 300_000;

/**
 * One series' windows at a run of consecutive steps, placed at once: window j holds samples
 * [starts[j], ends[j]) of t/v and covers (refs[step0 + j] − rangeMs, refs[step0 + j]], evaluated
 * at times[step0 + j]. The arrays stay put for the whole run (the buffer compacts only between runs).
 */
export interface PlacedWindows {
  t: Float64Array;
  v: Float64Array;
  rawCounts: Float64Array | undefined;
  /** The series' sample number of index 0 of t/v, so state kept across runs survives compaction. */
  base: number;
  /** Windows in the run. */
  n: number;
  starts: Int32Array;
  ends: Int32Array;
  step0: number;
  refs: Float64Array;
  times: Float64Array;
  rangeMs: number;
}

/** Points w at window j of a run (for a function that reads one window). */
export function pointAtWindow(w: RangeWindow, pw: PlacedWindows, j: number): void {
  const ref = pw.refs[pw.step0 + j];
  w.t = pw.t;
  w.v = pw.v;
  w.st = undefined;
  w.rawCounts = pw.rawCounts;
  w.start = pw.starts[j];
  w.end = pw.ends[j];
  w.rangeStartMs = ref - pw.rangeMs;
  w.rangeEndMs = ref;
  w.evalTimeMs = pw.times[pw.step0 + j];
}
