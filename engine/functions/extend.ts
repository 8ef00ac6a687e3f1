// The samples a bare `metric[range] anchored|smoothed` selector returns (a matrix result,
// not inside a function): one synthetic point at each window edge plus the samples between.
import { anchoredFrom, interpolateLinear, smoothedTo } from "./rate.js";
import type { RangeWindow } from "./window.js";

/**
 * Writes the anchored/smoothed matrix samples of window `w` into outT/outV (which need room
 * for `w.end - w.start + 2` points) and returns how many were written; 0 means the series is
 * absent from the result. The window must carry the boundary samples described in
 * window.ts. As in Prometheus: first point (rangeStartMs, value of the anchor, or for smoothed
 * the value interpolated at rangeStartMs), then the samples strictly inside
 * (rangeStartMs, rangeEndMs), then (rangeEndMs, last value, or for smoothed the value
 * interpolated at rangeEndMs). Interpolation is never counter-aware here.
 */
export function extendedRangeSamples(w: RangeWindow, outT: Float64Array, outV: Float64Array): number {
  const { t, v, smoothed } = w;
  const rangeStart = w.rangeStartMs;
  const rangeEnd = w.rangeEndMs;
  const lo = anchoredFrom(w);
  const hi = smoothed ? smoothedTo(w) : w.end;
  if (hi <= lo) return 0;
  let i = lo;
  while (i < hi - 1 && t[i] <= rangeStart) i++;
  let first = Math.max(lo, i - 1);
  let last = hi - 1;
  if (smoothed) {
    let j = lo;
    while (j < hi - 1 && t[j] < rangeEnd) j++;
    last = j;
  }
  if (t[last] <= rangeStart) return 0;
  const left =
    smoothed && t[first] < rangeStart
      ? interpolateLinear(t[first], v[first], t[first + 1], v[first + 1], rangeStart, false)
      : v[first];
  const right =
    smoothed && last > lo && t[last] > rangeEnd
      ? interpolateLinear(t[last - 1], v[last - 1], t[last], v[last], rangeEnd, false)
      : v[last];
  if (t[first] <= rangeStart) first++;
  if (t[last] >= rangeEnd) last--;
  let n = 0;
  outT[n] = rangeStart;
  outV[n++] = left;
  for (let k = first; k <= last; k++) {
    outT[n] = t[k];
    outV[n++] = v[k];
  }
  outT[n] = rangeEnd;
  outV[n++] = right;
  return n;
}
