// rate, increase, delta (extrapolated, anchored, smoothed), irate/idelta,
// changes/resets, deriv/predict_linear: Prometheus 3 numerics on typed arrays.
import { kahanCompensation } from "./kahan.js";
import { isStartTimestampReset, startTimeOverlaps, zeroPointInWindow } from "./start_timestamps.js";
import { DEFAULT_LOOKBACK_DELTA_MS, type RangeWindow } from "./window.js";

/** Linear interpolation at `t` between (t1, v1) and (t2, v2); a counter that dropped restarts at 0. */
export function interpolateLinear(t1: number, v1: number, t2: number, v2: number, t: number, isCounter: boolean): number {
  const y1 = isCounter && v2 < v1 ? 0 : v1;
  return y1 + ((v2 - y1) * (t - t1)) / (t2 - t1);
}

/**
 * rate/increase/delta over a plain window: extrapolate towards the window edges by up to
 * half the average sample interval, never below a counter's zero point. A counter's start
 * timestamps (w.st) mark resets too, and a first sample starting inside the window counts
 * from zero at its start (then one sample is enough).
 */
export function extrapolatedRate(w: RangeWindow, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, start, end, st } = w;
  const last = end - 1;
  if (end <= start) return undefined;
  let result = v[last] - v[start];
  if (isCounter) {
    for (let i = start + 1; i <= last; i++) {
      if (v[i] < v[i - 1]) result += v[i - 1];
      else if (st !== undefined && isStartTimestampReset(st[i - 1], t[i - 1], st[i], t[i])) result += v[i - 1];
      if (st !== undefined && startTimeOverlaps(st[i - 1], t[i - 1], st[i])) w.startTimeOverlap = true;
    }
  }
  const zeroAt = isCounter ? zeroPointInWindow(st, start, t[start], w.rangeStartMs) : 0;
  if (zeroAt !== 0) return (result + v[start]) * extrapolationFactor(w, v[start], result, isCounter, isRate, zeroAt);
  if (end - start < 2) return undefined;
  return extrapolate(w, result, isCounter, isRate);
}

/**
 * The extrapolation step of extrapolatedRate, given the window's (reset-corrected) value
 * change `result`; the window holds at least two samples.
 */
function extrapolate(w: RangeWindow, result: number, isCounter: boolean, isRate: boolean): number {
  return result * extrapolationFactor(w, w.v[w.start], result, isCounter, isRate);
}

/**
 * The factor rate/increase/delta scale a window's change by: the sampled interval extended
 * towards the window edges (a counter never below its zero point, found from the first value
 * `first` and the change `result`), divided by the range for a rate. Histograms use their count.
 * `zeroAtMs` (not 0): the first sample's start timestamp inside the window, where the counter
 * counts from zero instead of being extrapolated left.
 */
export function extrapolationFactor(
  w: Pick<RangeWindow, "t" | "start" | "end" | "rangeStartMs" | "rangeEndMs" | "rawCounts">,
  first: number,
  result: number,
  isCounter: boolean,
  isRate: boolean,
  zeroAtMs = 0,
): number {
  const { t, start, end } = w;
  const points = end - 1 > start ? rawSamplesInWindow(w) : 0;
  return extrapolationFactorOf(t[start], t[end - 1], points, w.rangeStartMs, w.rangeEndMs, first, result, isCounter, isRate, zeroAtMs);
}

/**
 * extrapolationFactor from the window's first and last sample times and the raw samples it holds
 * (`points`; read only when above one), for a caller that has no RangeWindow at hand.
 */
export function extrapolationFactorOf(
  firstT: number,
  lastT: number,
  points: number,
  rangeStartMs: number,
  rangeEndMs: number,
  first: number,
  result: number,
  isCounter: boolean,
  isRate: boolean,
  zeroAtMs = 0,
): number {
  let durationToStart = (firstT - rangeStartMs) / 1000;
  let durationToEnd = (rangeEndMs - lastT) / 1000;
  let sampledInterval = (lastT - firstT) / 1000;
  const averageInterval = points > 1 ? sampledInterval / (points - 1) : 0;
  const threshold = averageInterval * 1.1;
  if (zeroAtMs !== 0) {
    durationToStart = 0;
    sampledInterval = (lastT - zeroAtMs) / 1000;
  } else {
    if (durationToStart >= threshold) durationToStart = averageInterval / 2;
    if (isCounter && result > 0 && first >= 0) {
      // Counters cannot go negative: stop extrapolating at the zero point.
      const durationToZero = sampledInterval * (first / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
  }
  if (durationToEnd >= threshold) durationToEnd = averageInterval / 2;
  let factor = sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1;
  if (isRate) factor /= (rangeEndMs - rangeStartMs) / 1000;
  return factor;
}

/**
 * How many raw samples the window's points stand for: the points themselves, or over a downsampled
 * counter read the windows' raw counts (never fewer than the points, each of which is a raw sample).
 */
function rawSamplesInWindow(w: Pick<RangeWindow, "start" | "end" | "rawCounts">): number {
  return rawSamplesIn(w.rawCounts, w.start, w.end);
}

/** rawSamplesInWindow for samples [start, end) and their cumulative raw counts (undefined: raw samples). */
export function rawSamplesIn(c: Float64Array | undefined, start: number, end: number): number {
  const points = end - start;
  if (c === undefined) return points;
  return Math.max(points, c[end - 1]! - (start > 0 ? c[start - 1]! : 0));
}

/** Index of the anchor (last sample at or before rangeStartMs, within lookback), or `start`. */
export function anchoredFrom(w: RangeWindow): number {
  const i = w.start - 1;
  if (i < 0) return w.start;
  const lookback = w.lookbackDeltaMs ?? DEFAULT_LOOKBACK_DELTA_MS;
  const ti = w.t[i];
  return ti <= w.rangeStartMs && ti > w.rangeStartMs - lookback ? i : w.start;
}

/** One past the first sample after rangeEndMs (within lookback), or `end`. */
export function smoothedTo(w: RangeWindow): number {
  const i = w.end;
  if (i >= w.t.length) return w.end;
  const lookback = w.lookbackDeltaMs ?? DEFAULT_LOOKBACK_DELTA_MS;
  const ti = w.t[i];
  return ti > w.rangeEndMs && ti <= w.rangeEndMs + lookback ? i + 1 : w.end;
}

/**
 * rate/increase/delta with the `anchored` or `smoothed` modifier: the value change between
 * the window's boundaries (the anchor sample, or values interpolated at the boundaries),
 * corrected for counter resets, with no extrapolation.
 */
export function extendedRate(w: RangeWindow, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, smoothed } = w;
  const lo = anchoredFrom(w);
  const hi = smoothed ? smoothedTo(w) : w.end;
  if (hi <= lo) return undefined;
  const rangeStart = w.rangeStartMs;
  const rangeEnd = w.rangeEndMs;
  // first: the last sample at or before rangeStart (searching all but the final sample).
  let i = lo;
  while (i < hi - 1 && t[i] <= rangeStart) i++;
  let first = Math.max(lo, i - 1);
  let last = hi - 1;
  if (smoothed) {
    let j = lo;
    while (j < hi - 1 && t[j] < rangeEnd) j++;
    last = j;
  }
  if (t[last] <= rangeStart) return undefined;
  if (smoothed && t[first] > rangeEnd) return undefined;

  const left =
    smoothed && t[first] < rangeStart
      ? interpolateLinear(t[first], v[first], t[first + 1], v[first + 1], rangeStart, isCounter)
      : v[first];
  const right =
    smoothed && last > lo && t[last] > rangeEnd
      ? interpolateLinear(t[last - 1], v[last - 1], t[last], v[last], rangeEnd, isCounter)
      : v[last];
  let result = right - left;
  if (isCounter) {
    // Resets at the boundaries are already in the interpolation; correct only inside.
    if (t[first] <= rangeStart) first++;
    if (t[last] >= rangeEnd) last--;
    let correction = 0;
    let prev = left;
    for (let k = first; k <= last; k++) {
      if (v[k] < prev) correction += prev;
      prev = v[k];
    }
    if (right < prev) correction += prev;
    result += correction;
  }
  if (isRate) result /= (rangeEnd - rangeStart) / 1000;
  return result;
}

function rateFamily(w: RangeWindow, isCounter: boolean, isRate: boolean): number | undefined {
  return w.anchored || w.smoothed ? extendedRate(w, isCounter, isRate) : extrapolatedRate(w, isCounter, isRate);
}

export const rate = (w: RangeWindow): number | undefined => rateFamily(w, true, true);
export const increase = (w: RangeWindow): number | undefined => rateFamily(w, true, false);
export const delta = (w: RangeWindow): number | undefined => rateFamily(w, false, false);

/** irate/idelta: the last two samples of the window; a counter drop counts the new value as the increase. */
function instantValue(w: RangeWindow, isRate: boolean): number | undefined {
  const { t, v, start, end } = w;
  if (end - start < 2) return undefined;
  const a = end - 2;
  const b = end - 1;
  const interval = t[b] - t[a];
  if (interval === 0) return undefined;
  // `!(x < y)` keeps NaN on the subtraction path, as Prometheus does.
  const reset = isRate && (v[b] < v[a] || (w.st !== undefined && isStartTimestampReset(w.st[a], t[a], w.st[b], t[b])));
  const result = reset ? v[b] : v[b] - v[a];
  return isRate ? result / (interval / 1000) : result;
}

export const irate = (w: RangeWindow): number | undefined => instantValue(w, true);
export const idelta = (w: RangeWindow): number | undefined => instantValue(w, false);

/** First index to compare from for changes/resets: the anchor when anchored. */
function changesFrom(w: RangeWindow): number {
  return w.anchored ? anchoredFrom(w) : w.start;
}

export function changes(w: RangeWindow): number | undefined {
  const { v, end } = w;
  if (w.end <= w.start) return undefined;
  const from = changesFrom(w);
  let n = 0;
  for (let i = from + 1; i < end; i++) {
    const cur = v[i];
    const prev = v[i - 1];
    if (cur !== prev && !(cur !== cur && prev !== prev)) n++;
  }
  return n;
}

export function resets(w: RangeWindow): number | undefined {
  const { t, v, end, st } = w;
  if (w.end <= w.start) return undefined;
  const from = changesFrom(w);
  let n = 0;
  for (let i = from + 1; i < end; i++) {
    if (v[i] < v[i - 1] || (st !== undefined && isStartTimestampReset(st[i - 1], t[i - 1], st[i], t[i]))) n++;
  }
  return n;
}

/**
 * Least-squares fit over [start, end) with x in seconds relative to `interceptTimeMs`, using
 * Kahan sums as Prometheus does. Returns the slope when `slopeOnly`, otherwise the fitted value
 * `secondsAhead` seconds after `interceptTimeMs` (slope * secondsAhead + intercept).
 */
export function linearRegression(
  t: Float64Array,
  v: Float64Array,
  start: number,
  end: number,
  interceptTimeMs: number,
  slopeOnly: boolean,
  secondsAhead: number,
): number {
  let n = 0;
  let sumX = 0, cX = 0;
  let sumY = 0, cY = 0;
  let sumXY = 0, cXY = 0;
  let sumX2 = 0, cX2 = 0;
  const initY = v[start];
  let constY = true;
  for (let i = start; i < end; i++) {
    const y = v[i];
    if (constY && i > start && y !== initY) constY = false;
    n += 1;
    const x = (t[i] - interceptTimeMs) / 1e3;
    cX = kahanCompensation(x, sumX, cX); sumX += x;
    cY = kahanCompensation(y, sumY, cY); sumY += y;
    const xy = x * y;
    cXY = kahanCompensation(xy, sumXY, cXY); sumXY += xy;
    const x2 = x * x;
    cX2 = kahanCompensation(x2, sumX2, cX2); sumX2 += x2;
  }
  let slope: number;
  let intercept: number;
  if (constY) {
    const infinite = initY === Infinity || initY === -Infinity;
    slope = infinite ? NaN : 0;
    intercept = infinite ? NaN : initY;
  } else {
    sumX += cX;
    sumY += cY;
    sumXY += cXY;
    sumX2 += cX2;
    const covXY = sumXY - (sumX * sumY) / n;
    const varX = sumX2 - (sumX * sumX) / n;
    slope = covXY / varX;
    intercept = sumY / n - (slope * sumX) / n;
  }
  return slopeOnly ? slope : slope * secondsAhead + intercept;
}

export function deriv(w: RangeWindow): number | undefined {
  if (w.end - w.start < 2) return undefined;
  // Relative to the first sample, near the values, to avoid precision loss (prometheus#2674).
  return linearRegression(w.t, w.v, w.start, w.end, w.t[w.start], true, 0);
}

/** args[0]: seconds ahead of the evaluation time; the intercept is at evalTimeMs. */
export function predictLinear(w: RangeWindow, args: number[]): number | undefined {
  if (w.end - w.start < 2) return undefined;
  return linearRegression(w.t, w.v, w.start, w.end, w.evalTimeMs, false, args[0]);
}
