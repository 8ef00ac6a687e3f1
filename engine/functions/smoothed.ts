// Value of an instant selector with the `smoothed` modifier, and which functions
// accept the anchored/smoothed modifiers.
import { functionsWith, lookupFunction } from "../../promql/index.js";
import { interpolateLinear } from "./rate.js";
import { DEFAULT_LOOKBACK_DELTA_MS } from "./window.js";

/**
 * The value of `metric smoothed` at `refMs` (the step time minus offset), from one series'
 * samples `t/v` (ascending, stale markers removed). Only samples with
 * `refMs - lookbackDeltaMs < t <= refMs + lookbackDeltaMs` are considered:
 * a sample exactly at refMs is taken as is; otherwise the value is linearly interpolated
 * between the last sample before and the first after (never counter-aware for floats);
 * with no sample after, the last one before is carried forward; with none before,
 * undefined (no output). The output sample's timestamp is refMs.
 */
export function smoothedValueAt(
  t: Float64Array,
  v: Float64Array,
  refMs: number,
  lookbackDeltaMs: number = DEFAULT_LOOKBACK_DELTA_MS,
): number | undefined {
  const i = firstIndexAtOrAfter(t, refMs);
  const n = t.length;
  if (i < n && t[i] === refMs) return v[i];
  const hasPrev = i > 0 && t[i - 1] > refMs - lookbackDeltaMs;
  if (!hasPrev) return undefined;
  const hasNext = i < n && t[i] <= refMs + lookbackDeltaMs;
  if (hasNext) return interpolateLinear(t[i - 1], v[i - 1], t[i], v[i], refMs, false);
  return v[i - 1];
}

/** Binary search: the first index with t[i] >= x (t.length if none). */
export function firstIndexAtOrAfter(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Binary search: the first index with t[i] > x (t.length if none). */
export function firstIndexAfter(t: Float64Array, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}


/**
 * The error Prometheus raises (bad_data, at parse/plan time) when `anchored` or `smoothed`
 * is used inside a function that does not support it, or undefined when it is fine.
 */
export function extendedRangeModifierError(functionName: string, anchored: boolean, smoothed: boolean): string | undefined {
  const info = lookupFunction(functionName);
  if (anchored && info?.anchored !== true) {
    return `anchored modifier can only be used with: ${functionsWith("anchored").join(", ")} - not with ${functionName}`;
  }
  if (smoothed && info?.smoothed !== true) {
    return `smoothed modifier can only be used with: ${functionsWith("smoothed").join(", ")} - not with ${functionName}`;
  }
  return undefined;
}

const COUNTER_SUFFIXES = ["_total", "_sum", "_count", "_bucket"];

/**
 * True when rate/increase over a float series of this name should carry Prometheus's info
 * "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: <name>".
 */
export function mightNotBeCounter(metricName: string): boolean {
  if (metricName === "") return false;
  for (const s of COUNTER_SUFFIXES) if (metricName.endsWith(s)) return false;
  return true;
}
