// Incremental window functions: per-series state that follows the window as the steps move it
// forward, so a range query costs O(samples + steps) per series instead of re-reading every
// window. Each value equals the direct evaluation (rate.ts, over_time.ts) exactly or to
// rounding; where it could not, the evaluator falls back to the direct function. A series is
// evaluated a run of steps at a time, its state in locals across the run's windows.
//
// Choices, per function:
// - rate/increase (plain windows): each sample is checked for a reset once, and the last reset
//   seen tells whether a window holds one; with none (the usual case) the increase is
//   v[last] - v[first], exactly as Prometheus computes it, and the same extrapolation follows.
//   A window holding a reset is evaluated directly, so the correction sums v[i-1] in
//   Prometheus's order, bit for bit.
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
import { anchoredFrom, extrapolatedRate, extrapolationFactorOf, rawSamplesIn } from "./rate.js";
import { pointAtWindow, type PlacedWindows, type RangeWindow } from "./window.js";

/**
 * A range function evaluated for many series whose windows only move forward, a run of steps at
 * a time. `values` gives series i's result at each window j of the run: out[at + j], with
 * present[at + j] = 1 (0: no output at that step). Runs of one series come in step order; state
 * is kept by absolute sample number (pw.base), so it survives the buffer compacting between runs.
 * `w` is scratch for evaluating one window directly; args[a][pw.step0 + j] is scalar argument a
 * at window j.
 */
export interface SlidingEvaluator {
  values(i: number, pw: PlacedWindows, args: readonly Float64Array[], w: RangeWindow, out: Float64Array, present: Uint8Array, at: number): void;
}

/**
 * The evaluator for a function's windows over many steps, or undefined when it has none (use the
 * direct one). rate/increase and resets/changes take disjoint windows too (`overlapping` false):
 * they read only each window's samples either way, and skip the direct function's per-window call
 * and boxed result (a 1m rate at 1m steps: 0.84 of the CPU). The deque and the sorted window pay
 * only where windows share samples.
 */
export function slidingEvaluator(name: string, series: number, anchored: boolean, smoothed: boolean, overlapping = true): SlidingEvaluator | undefined {
  if (smoothed) return undefined;
  switch (name) {
    case "rate":
    case "increase":
      return anchored ? undefined : new RateEvaluator(series, name === "rate", overlapping);
    case "resets":
      return new PairCountEvaluator(series, false, anchored);
    case "changes":
      return new PairCountEvaluator(series, true, anchored);
    case "quantile_over_time":
      return anchored || !overlapping ? undefined : new QuantileEvaluator(series);
    case "max_over_time":
    case "min_over_time":
      return anchored || !overlapping ? undefined : new ExtremumEvaluator(series, name === "max_over_time");
    default:
      return undefined;
  }
}

/**
 * The window [from, to) of each series as absolute sample numbers, as the last run left it. A
 * window starting at or after the last one's end shares nothing with it: the state starts
 * afresh (the samples in between may be gone from the buffer).
 */
class WindowTrack {
  readonly from: Int32Array;
  readonly to: Int32Array;

  constructor(series: number) {
    this.from = new Int32Array(series);
    this.to = new Int32Array(series);
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

/** A scratch array of at least n, grown by doubling, its first `keep` values kept. */
function atLeast(a: Int32Array, n: number, keep = 0): Int32Array {
  if (a.length >= n) return a;
  const bigger = new Int32Array(Math.max(n, 2 * a.length));
  bigger.set(a.subarray(0, keep));
  return bigger;
}

/**
 * Counts pairs (k-1, k) with k in [start+1, end) that are a reset (or a change): the pair is
 * in the window while its later sample is and its earlier one is too.
 */
class PairCounter {
  private readonly track: WindowTrack;
  private readonly count: Int32Array;
  /** The pairs in each window of the last run. */
  private counts: Int32Array = new Int32Array(16);

  constructor(series: number, private readonly changes: boolean) {
    this.track = new WindowTrack(series);
    this.count = new Int32Array(series);
  }

  /** Moves series i's window through the run's windows, counting each one's pairs into `counts`. */
  countRun(i: number, pw: PlacedWindows): Int32Array {
    const counts = (this.counts = atLeast(this.counts, pw.n));
    const { v, base, starts, ends } = pw;
    const tr = this.track;
    let from = tr.from[i];
    let to = tr.to[i];
    let n = this.count[i];
    for (let j = 0; j < pw.n; j++) {
      const start = starts[j] + base;
      const end = ends[j] + base;
      let addFrom: number;
      if (start < to) {
        // Pairs whose earlier sample left: k in [from+1, start+1), all below the old end.
        for (let k = from + 1; k <= start; k++) if (this.at(v, k - base)) n--;
        addFrom = to > start + 1 ? to : start + 1;
      } else {
        n = 0;
        addFrom = start + 1;
      }
      for (let k = addFrom; k < end; k++) if (this.at(v, k - base)) n++;
      from = start;
      to = end;
      counts[j] = n;
    }
    tr.from[i] = from;
    tr.to[i] = to;
    this.count[i] = n;
    return counts;
  }

  at(v: Float64Array, k: number): boolean {
    return this.changes ? isChangeAt(v, k) : isResetAt(v, k);
  }
}

/**
 * rate/increase: each sample is checked for a reset once, as a run first reaches it, and the last
 * reset seen is kept: a window (s, e) holds one when that reset, or one found in this run, lies in
 * (s, e). A window holding resets all found in this run (a run over a whole series finds every
 * one) adds v[k−1] for each, in order: the additions Prometheus's loop over the window makes, so
 * the same bits; one holding a reset found before the run is evaluated directly.
 */
class RateEvaluator implements SlidingEvaluator {
  /** Per series: pairs (k−1, k) with k below this sample number are checked. */
  private readonly scanned: Int32Array;
  /** Per series: the sample number k of the last reset pair checked (0: none). */
  private readonly lastReset: Int32Array;
  /** The resets found in the current run, ascending. */
  private found: Int32Array = new Int32Array(4);

  constructor(
    series: number,
    private readonly isRate: boolean,
    /** Whether each window shares samples with the next: else the samples between windows are not checked. */
    private readonly overlapping: boolean,
  ) {
    this.scanned = new Int32Array(series);
    this.lastReset = new Int32Array(series);
  }

  /** Records each reset pair (k−1, k) for k in [from, to) into `found`; returns how many. */
  private scanAll(v: Float64Array, base: number, from: number, to: number): number {
    if (from >= to) return 0;
    let n = 0;
    // isResetAt with the previous value kept from the iteration before.
    let prev = v[from - base - 1]!;
    for (let k = from - base, end = to - base; k < end; k++) {
      const cur = v[k]!;
      if (cur < prev) {
        this.found = atLeast(this.found, n + 1, n);
        this.found[n++] = k + base;
      }
      prev = cur;
    }
    return n;
  }

  /** scanAll over each window's pairs only, from `from` on (one loop over the whole span was ~10 % faster where windows overlap). */
  private scanWindows(pw: PlacedWindows, from: number): number {
    const { v, base, starts, ends } = pw;
    let n = 0;
    for (let j = 0, k = from; j < pw.n; j++) {
      if (k < starts[j] + base + 1) k = starts[j] + base + 1;
      for (const e = ends[j] + base; k < e; k++) {
        if (!isResetAt(v, k - base)) continue;
        this.found = atLeast(this.found, n + 1, n);
        this.found[n++] = k;
      }
    }
    return n;
  }

  values(i: number, pw: PlacedWindows, _args: readonly Float64Array[], w: RangeWindow, out: Float64Array, present: Uint8Array, at: number): void {
    const { t, v, base, rawCounts, starts, ends, refs, step0, rangeMs } = pw;
    if (pw.n === 0) return;
    // Pairs before the run's first window never matter again (and their samples may be gone).
    const endAll = ends[pw.n - 1] + base;
    const scanFrom = Math.max(this.scanned[i], starts[0] + base + 1);
    const nFound = this.overlapping ? this.scanAll(v, base, scanFrom, endAll) : this.scanWindows(pw, scanFrom);
    if (endAll > this.scanned[i]) this.scanned[i] = endAll;
    const found = this.found;
    let last = this.lastReset[i];
    // found[next]: the first reset at or past the window's end; found[inside]: the first past its start.
    let next = 0;
    let inside = 0;
    for (let j = 0; j < pw.n; j++) {
      const s = starts[j];
      const e = ends[j];
      while (next < nFound && found[next] < e + base) last = found[next++];
      present[at + j] = 0;
      if (e - s < 2) continue;
      const first = v[s];
      let result = v[e - 1] - first;
      if (last > s + base) {
        if (s + base + 1 < scanFrom) {
          // A reset found before this run may lie in the window: evaluated directly.
          pointAtWindow(w, pw, j);
          const r = extrapolatedRate(w, true, this.isRate);
          if (r === undefined) continue;
          out[at + j] = r;
          present[at + j] = 1;
          continue;
        }
        while (inside < nFound && found[inside] <= s + base) inside++;
        for (let q = inside; q < next; q++) result += v[found[q] - base - 1];
      }
      const ref = refs[step0 + j];
      out[at + j] = result * extrapolationFactorOf(t[s], t[e - 1], rawSamplesIn(rawCounts, s, e), ref - rangeMs, ref, first, result, true, this.isRate);
      present[at + j] = 1;
    }
    this.lastReset[i] = nFound > 0 ? found[nFound - 1] : last;
  }
}

class PairCountEvaluator implements SlidingEvaluator {
  private readonly pairs: PairCounter;

  constructor(series: number, changes: boolean, private readonly anchored: boolean) {
    this.pairs = new PairCounter(series, changes);
  }

  values(i: number, pw: PlacedWindows, _args: readonly Float64Array[], w: RangeWindow, out: Float64Array, present: Uint8Array, at: number): void {
    const counts = this.pairs.countRun(i, pw);
    for (let j = 0; j < pw.n; j++) {
      const s = pw.starts[j];
      present[at + j] = 0;
      if (pw.ends[j] <= s) continue;
      let n = counts[j];
      if (this.anchored) {
        // The anchor adds one pair: (anchor, first sample of the window).
        pointAtWindow(w, pw, j);
        if (anchoredFrom(w) < s && this.pairs.at(pw.v, s)) n++;
      }
      out[at + j] = n;
      present[at + j] = 1;
    }
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

  values(i: number, pw: PlacedWindows, _args: readonly Float64Array[], _w: RangeWindow, out: Float64Array, present: Uint8Array, at: number): void {
    const { v, base, starts, ends } = pw;
    const tr = this.track;
    const max = this.max;
    let q = this.deques[i] ?? (this.deques[i] = new Float64Array(16));
    let h = this.head[i];
    let tl = this.tail[i];
    let to = tr.to[i];
    let start = tr.from[i];
    for (let j = 0; j < pw.n; j++) {
      start = starts[j] + base;
      const end = ends[j] + base;
      let addFrom: number;
      if (start < to) {
        while (h < tl && q[h] < start) h++;
        addFrom = to > start ? to : start;
      } else {
        h = 0;
        tl = 0;
        addFrom = start;
      }
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
      to = end;
      present[at + j] = 0;
      if (end <= start) continue;
      // Only NaN in the window: NaN, as the direct scan gives.
      out[at + j] = h < tl ? v[q[h] - base] : NaN;
      present[at + j] = 1;
    }
    tr.from[i] = start;
    tr.to[i] = to;
    this.head[i] = h;
    this.tail[i] = tl;
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

  values(i: number, pw: PlacedWindows, args: readonly Float64Array[], _w: RangeWindow, out: Float64Array, present: Uint8Array, at: number): void {
    const { v, base, starts, ends } = pw;
    const tr = this.track;
    let sorted = this.sorted[i] ?? (this.sorted[i] = new Float64Array(16));
    let n = this.size[i];
    let nans = this.nans[i];
    let from = tr.from[i];
    let to = tr.to[i];
    for (let j = 0; j < pw.n; j++) {
      const start = starts[j] + base;
      const end = ends[j] + base;
      let addFrom: number;
      if (start < to) {
        for (let k = from; k < start; k++) {
          const x = v[k - base];
          if (x !== x) {
            nans--;
            continue;
          }
          const pos = lowerBound(sorted, n, x);
          sorted.copyWithin(pos, pos + 1, n);
          n--;
        }
        addFrom = to > start ? to : start;
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
        const pos = lowerBound(sorted, n, x);
        sorted.copyWithin(pos + 1, pos, n);
        sorted[pos] = x;
        n++;
      }
      from = start;
      to = end;
      present[at + j] = 0;
      if (end <= start) continue;
      out[at + j] = quantileOfSorted(args[0][pw.step0 + j], sorted, nans, n + nans);
      present[at + j] = 1;
    }
    tr.from[i] = from;
    tr.to[i] = to;
    this.size[i] = n;
    this.nans[i] = nans;
  }
}
