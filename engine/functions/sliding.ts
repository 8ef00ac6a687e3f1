// Incremental window functions: per-series state that follows the window as the steps move it
// forward, so a range query costs O(samples + steps) per series instead of re-reading every
// window. Each value equals the direct evaluation (rate.ts, over_time.ts) exactly or to
// rounding; where it could not, the evaluator falls back to the direct function.
//
// Choices, per function:
// - rate/increase (plain windows): the number of reset pairs in the window is counted
//   incrementally; with none (the usual case) the increase is v[last] - v[first], exactly as
//   Prometheus computes it, and the same extrapolation follows. A window holding a reset is
//   evaluated directly, so the correction sums v[i-1] in Prometheus's order, bit for bit.
// - resets/changes (plain and anchored): integer counts of the qualifying pairs; exact.
// - min/max_over_time: a monotone deque of sample numbers per series (NaN tracked apart).
// - quantile_over_time: the window's values kept sorted per series (binary search, then one
//   native copyWithin per insertion or removal), NaNs counted apart as sorting first; the
//   quantile reads the two ranks it interpolates between, exactly as the direct sort does.
// - sum/avg_over_time, stddev/stdvar_over_time, mad_over_time and the rest stay direct: a
//   running sum (or Welford with removal) is not bit-exact, and its last digits would depend on
//   where the range starts, so a split range (the query frontend) would answer differently.
//   irate/idelta and count/last/first_over_time are O(1) per window already.
import { quantileOfSorted } from "./quantile.js";
import { anchoredFrom, extrapolate, extrapolatedRate } from "./rate.js";
import type { RangeWindow } from "./window.js";

/**
 * A range function evaluated for many series whose windows only move forward. `value` is
 * called with the window of series `i` at one step; `base` is the series' sample number of
 * index 0 in `w.t`/`w.v` (the buffer's offset), so state survives buffer compaction. Indices
 * from the previous call's window start on must still be in the arrays.
 */
export interface SlidingEvaluator {
  value(i: number, w: RangeWindow, base: number, args: number[]): number | undefined;
}

/** The incremental evaluator for a function, or undefined when it has none (use the direct one). */
export function slidingEvaluator(name: string, series: number, anchored: boolean, smoothed: boolean): SlidingEvaluator | undefined {
  if (smoothed) return undefined;
  switch (name) {
    case "rate":
    case "increase":
      return anchored ? undefined : new RateEvaluator(series, name === "rate");
    case "resets":
      return new PairCountEvaluator(series, false, anchored);
    case "changes":
      return new PairCountEvaluator(series, true, anchored);
    case "quantile_over_time":
      return anchored ? undefined : new QuantileEvaluator(series);
    case "max_over_time":
    case "min_over_time":
      return anchored ? undefined : new ExtremumEvaluator(series, name === "max_over_time");
    default:
      return undefined;
  }
}

/**
 * The window [from, to) of each series as absolute sample numbers, and the transition to a
 * new one: which samples leave and which enter. Shared by every evaluator.
 */
class WindowTrack {
  readonly from: Float64Array;
  readonly to: Float64Array;

  constructor(series: number) {
    this.from = new Float64Array(series);
    this.to = new Float64Array(series);
  }

  /**
   * Whether series i's new window starting at `from` overlaps its last one; when not, the
   * state starts afresh (the samples in between may be gone from the buffer).
   */
  overlaps(i: number, from: number): boolean {
    return from < this.to[i];
  }
}

function isResetAt(v: Float64Array, k: number): boolean {
  return v[k] < v[k - 1];
}

function isChangeAt(v: Float64Array, k: number): boolean {
  const cur = v[k];
  const prev = v[k - 1];
  return cur !== prev && !(cur !== cur && prev !== prev);
}

/**
 * Counts pairs (k-1, k) with k in [start+1, end) that are a reset (or a change): the pair is
 * in the window while its later sample is and its earlier one is too.
 */
class PairCounter {
  private readonly track: WindowTrack;
  readonly count: Int32Array;

  constructor(series: number, private readonly changes: boolean) {
    this.track = new WindowTrack(series);
    this.count = new Int32Array(series);
  }

  /** Moves series i's window to w's [start, end) and returns the pairs counted in it. */
  advance(i: number, w: RangeWindow, base: number): number {
    const v = w.v;
    const tr = this.track;
    const start = w.start + base;
    const end = w.end + base;
    let n = this.count[i];
    let addFrom: number;
    if (tr.overlaps(i, start)) {
      // Pairs whose earlier sample left: k in [oldStart+1, start+1), all below the old end.
      const oldFrom = tr.from[i];
      for (let k = oldFrom + 1; k <= start; k++) if (this.at(v, k - base)) n--;
      addFrom = Math.max(tr.to[i], start + 1);
    } else {
      n = 0;
      addFrom = start + 1;
    }
    for (let k = addFrom; k < end; k++) if (this.at(v, k - base)) n++;
    tr.from[i] = start;
    tr.to[i] = end;
    this.count[i] = n;
    return n;
  }

  at(v: Float64Array, k: number): boolean {
    return this.changes ? isChangeAt(v, k) : isResetAt(v, k);
  }
}

class RateEvaluator implements SlidingEvaluator {
  private readonly pairs: PairCounter;

  constructor(series: number, private readonly isRate: boolean) {
    this.pairs = new PairCounter(series, false);
  }

  value(i: number, w: RangeWindow, base: number): number | undefined {
    const resets = this.pairs.advance(i, w, base);
    if (w.end - w.start < 2) return undefined;
    if (resets > 0) return extrapolatedRate(w, true, this.isRate);
    return extrapolate(w, w.v[w.end - 1] - w.v[w.start], true, this.isRate);
  }
}

class PairCountEvaluator implements SlidingEvaluator {
  private readonly pairs: PairCounter;

  constructor(series: number, changes: boolean, private readonly anchored: boolean) {
    this.pairs = new PairCounter(series, changes);
  }

  value(i: number, w: RangeWindow, base: number): number | undefined {
    let n = this.pairs.advance(i, w, base);
    if (w.end <= w.start) return undefined;
    // The anchor adds one pair: (anchor, first sample of the window).
    if (this.anchored && anchoredFrom(w) < w.start && this.pairs.at(w.v, w.start)) n++;
    return n;
  }
}

/** min/max_over_time: per series, a deque of sample numbers whose values only fall (max) or rise (min). */
class ExtremumEvaluator implements SlidingEvaluator {
  private readonly track: WindowTrack;
  private readonly deques: Float64Array[];
  private readonly head: Int32Array;
  private readonly tail: Int32Array;

  constructor(series: number, private readonly max: boolean) {
    this.track = new WindowTrack(series);
    this.deques = new Array<Float64Array>(series);
    this.head = new Int32Array(series);
    this.tail = new Int32Array(series);
  }

  value(i: number, w: RangeWindow, base: number): number | undefined {
    const v = w.v;
    const tr = this.track;
    const start = w.start + base;
    const end = w.end + base;
    let q = this.deques[i] ?? (this.deques[i] = new Float64Array(16));
    let h = this.head[i];
    let tl = this.tail[i];
    let addFrom: number;
    if (tr.overlaps(i, start)) {
      while (h < tl && q[h] < start) h++;
      addFrom = Math.max(tr.to[i], start);
    } else {
      h = 0;
      tl = 0;
      addFrom = start;
    }
    const max = this.max;
    for (let k = addFrom; k < end; k++) {
      const x = v[k - base];
      if (x !== x) continue;
      // Equal values stay: the earliest of equal extremes is the one the direct scan keeps.
      while (tl > h && (max ? v[q[tl - 1] - base] < x : v[q[tl - 1] - base] > x)) tl--;
      if (tl === q.length) {
        if (h > 0) {
          q.copyWithin(0, h, tl);
          tl -= h;
          h = 0;
        } else {
          const bigger = new Float64Array(2 * q.length);
          bigger.set(q);
          q = this.deques[i] = bigger;
        }
      }
      q[tl++] = k;
    }
    tr.from[i] = start;
    tr.to[i] = end;
    this.head[i] = h;
    this.tail[i] = tl;
    if (end <= start) return undefined;
    // Only NaN in the window: NaN, as the direct scan gives.
    return h < tl ? v[q[h] - base] : NaN;
  }
}

/** Typed-array sort's order: numeric, -0 before +0 (NaN is kept out of the sorted values). */
function before(a: number, b: number): boolean {
  return a < b || (a === 0 && b === 0 && 1 / a < 1 / b);
}

/** The first index in sorted[0, n) whose value is not before x. */
function lowerBound(sorted: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(sorted[mid], x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** quantile_over_time: per series, the window's non-NaN values in sorted order. */
class QuantileEvaluator implements SlidingEvaluator {
  private readonly track: WindowTrack;
  private readonly sorted: Float64Array[];
  private readonly size: Int32Array;
  private readonly nans: Int32Array;

  constructor(series: number) {
    this.track = new WindowTrack(series);
    this.sorted = new Array<Float64Array>(series);
    this.size = new Int32Array(series);
    this.nans = new Int32Array(series);
  }

  value(i: number, w: RangeWindow, base: number, args: number[]): number | undefined {
    const v = w.v;
    const tr = this.track;
    const start = w.start + base;
    const end = w.end + base;
    let sorted = this.sorted[i] ?? (this.sorted[i] = new Float64Array(16));
    let n = this.size[i];
    let nans = this.nans[i];
    let addFrom: number;
    if (tr.overlaps(i, start)) {
      const leaveTo = Math.min(start, tr.to[i]);
      for (let k = tr.from[i]; k < leaveTo; k++) {
        const x = v[k - base];
        if (x !== x) {
          nans--;
          continue;
        }
        const at = lowerBound(sorted, n, x);
        sorted.copyWithin(at, at + 1, n);
        n--;
      }
      addFrom = Math.max(tr.to[i], start);
    } else {
      n = 0;
      nans = 0;
      addFrom = start;
    }
    for (let k = addFrom; k < end; k++) {
      const x = v[k - base];
      if (x !== x) {
        nans++;
        continue;
      }
      if (n === sorted.length) {
        const bigger = new Float64Array(2 * n);
        bigger.set(sorted);
        sorted = this.sorted[i] = bigger;
      }
      const at = lowerBound(sorted, n, x);
      sorted.copyWithin(at + 1, at, n);
      sorted[at] = x;
      n++;
    }
    tr.from[i] = start;
    tr.to[i] = end;
    this.size[i] = n;
    this.nans[i] = nans;
    if (end <= start) return undefined;
    return quantileOfSorted(args[0], sorted, nans, n + nans);
  }
}
