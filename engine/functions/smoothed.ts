// Which functions accept the anchored/smoothed modifiers, and the window searches they use.
// (The `smoothed` instant selector itself lives in engine/scan/vector_selector.ts.)
import { functionsWith, lookupFunction } from "../../promql/index.js";

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
