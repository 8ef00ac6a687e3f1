// orrery's PromQL function library: pure numeric implementations the engine calls.
// Everything here works on typed arrays and plain numbers; nothing allocates per sample.
//
// ## Range functions
// `rangeFunctions[name](window, args)` evaluates one series at one step; `undefined` means
// "no output sample at this step". Scalar arguments come in `args` in call order, minus the
// range vector: predict_linear → [seconds ahead], quantile_over_time → [φ],
// double_exponential_smoothing → [sf, tf].
//
// ## What the engine must put in the window (anchored / smoothed)
// Plain: `[start, end)` = samples with rangeStartMs < t <= rangeEndMs.
// `anchored` (rate, increase, delta, changes, resets):
//   the engine must ALSO provide the last sample with t <= rangeStartMs at index start-1
//   (simplest: pass the whole series arrays and set start/end as for a plain window). It is
//   used only when t[start-1] > rangeStartMs - lookbackDeltaMs; set `lookbackDeltaMs` on the
//   window when it is not the default 5m.
// `smoothed` (rate, increase, delta):
//   as anchored, and ALSO the first sample with t > rangeEndMs at index `end`, used only when
//   t[end] <= rangeEndMs + lookbackDeltaMs.
// For both, call the function even when start === end (the boundary samples may suffice).
// Any other function with either modifier is a bad_data error: extendedRangeModifierError().
// `smoothed` on an instant selector: engine/scan/vector_selector.ts.
// A bare `metric[5m] anchored|smoothed` (matrix result): extendedRangeSamples(window, outT, outV).
//
// double_exponential_smoothing: Prometheus raises doubleExponentialSmoothingArgsError(sf, tf)
// as an execution error only when the range argument has at least one series at that step.
// quantile_over_time / histogram_quantile: φ outside [0, 1] or NaN gives ±Inf/NaN here; the
// engine adds the warning (engine/annotations.ts's invalidQuantileWarning).
//
// ## Incremental evaluation
// `slidingEvaluator(name, series, anchored, smoothed)` gives, for the functions that have one,
// per-series state that follows forward-moving windows (O(samples + steps)); see sliding.ts.
// The engine calls `values(i, placedWindows, args, w, out, present, at)` for a run of steps in place of
// `rangeFunctions[name]` at each.
//
// ## Summation helpers for the engine
// Prometheus's Kahan–Neumaier step: `c = kahanCompensation(x, sum, c); sum += x;` and the total
// is `sum + c` (just `sum` when it is ±Inf). kahanSumInc does the same through an out array.
//
// ## Instant functions
// `instantFunctions[name](value, args)`; date functions take the value as seconds since the
// epoch (UTC); for `year()` etc. without argument the engine passes the step time in seconds.
// clamp/clamp_min/clamp_max: when max < min Prometheus outputs NOTHING — check
// clampHasOutput(min, max) before calling (clamp returns NaN in that case).
//
// ## Classic histograms
// classicHistogramQuantile / classicHistogramFraction take buckets the CALLER has sorted by
// upper bound; see histogram.ts.
import * as d from "./dates.js";
import * as m from "./math.js";
import * as o from "./over_time.js";
import * as r from "./rate.js";
import type { RangeFunction } from "./window.js";

export type { RangeWindow, RangeFunction, PlacedWindows } from "./window.js";
export { pointAtWindow } from "./window.js";
export { DEFAULT_LOOKBACK_DELTA_MS } from "./window.js";
export { kahanSumInc, kahanCompensation, kahanAddAt, kahanResult } from "./kahan.js";
export { quantileInPlace } from "./quantile.js";
export { interpolateLinear, linearRegression, extrapolatedRate, extendedRate, extrapolationFactor, anchoredFrom } from "./rate.js";
export { isStartTimestampReset, startTimeOverlaps, zeroPointInWindow } from "./start_timestamps.js";
export { doubleExponentialSmoothingArgsError, formatGoF } from "./over_time.js";
export { clampHasOutput } from "./math.js";
export { extendedRangeSamples } from "./extend.js";
export { slidingEvaluator, type SlidingEvaluator } from "./sliding.js";
export {
  firstIndexAtOrAfter,
  firstIndexAfter,
  extendedRangeModifierError,
  mightNotBeCounter,
} from "./smoothed.js";
export {
  classicHistogramQuantile,
  classicHistogramFraction,
  almostEqual,
  SMALL_DELTA_TOLERANCE,
  type ClassicQuantileResult,
} from "./histogram.js";

export const rangeFunctions: Readonly<Record<string, RangeFunction>> = Object.freeze({
  rate: r.rate,
  increase: r.increase,
  delta: r.delta,
  irate: r.irate,
  idelta: r.idelta,
  deriv: r.deriv,
  predict_linear: r.predictLinear,
  changes: r.changes,
  resets: r.resets,
  avg_over_time: o.avgOverTime,
  min_over_time: o.minOverTime,
  max_over_time: o.maxOverTime,
  sum_over_time: o.sumOverTime,
  count_over_time: o.countOverTime,
  stddev_over_time: o.stddevOverTime,
  stdvar_over_time: o.stdvarOverTime,
  last_over_time: o.lastOverTime,
  first_over_time: o.firstOverTime,
  present_over_time: o.presentOverTime,
  quantile_over_time: o.quantileOverTime,
  mad_over_time: o.madOverTime,
  ts_of_min_over_time: o.tsOfMinOverTime,
  ts_of_max_over_time: o.tsOfMaxOverTime,
  ts_of_first_over_time: o.tsOfFirstOverTime,
  ts_of_last_over_time: o.tsOfLastOverTime,
  double_exponential_smoothing: o.doubleExponentialSmoothing,
});

export const instantFunctions: Readonly<Record<string, (v: number, args: number[]) => number>> = Object.freeze({
  abs: m.abs,
  ceil: m.ceil,
  floor: m.floor,
  exp: m.exp,
  ln: m.ln,
  log2: m.log2,
  log10: m.log10,
  sqrt: m.sqrt,
  round: m.round,
  clamp: m.clamp,
  clamp_min: m.clampMin,
  clamp_max: m.clampMax,
  sgn: m.sgn,
  sin: m.sin,
  cos: m.cos,
  tan: m.tan,
  asin: m.asin,
  acos: m.acos,
  atan: m.atan,
  sinh: m.sinh,
  cosh: m.cosh,
  tanh: m.tanh,
  asinh: m.asinh,
  acosh: m.acosh,
  atanh: m.atanh,
  deg: m.deg,
  rad: m.rad,
  day_of_month: d.dayOfMonth,
  day_of_week: d.dayOfWeek,
  day_of_year: d.dayOfYear,
  days_in_month: d.daysInMonth,
  hour: d.hour,
  minute: d.minute,
  month: d.month,
  year: d.year,
});

/** Scalar-only functions of two scalars (min_of, max_of): NaN in either gives NaN. */
export const scalarBinaryFunctions: Readonly<Record<string, (a: number, b: number) => number>> = Object.freeze({
  min_of: (a: number, b: number): number => Math.min(a, b),
  max_of: (a: number, b: number): number => Math.max(a, b),
});
