// Start timestamps in rate/increase/irate/resets: the reset and overlap rules, and the zero point
// that replaces left extrapolation. Expectations hand-derived from start_timestamps.test's rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isStartTimestampReset, rangeFunctions, startTimeOverlaps, type RangeWindow } from "./index.js";

const M = 60_000;

/** A plain window (rangeStart, rangeEnd] over samples at times ts (ms) with values vs and start timestamps sts. */
function win(ts: number[], vs: number[], sts: number[] | undefined, rangeStartMs: number, rangeEndMs: number): RangeWindow {
  const t = Float64Array.from(ts);
  let start = 0;
  while (start < ts.length && ts[start]! <= rangeStartMs) start++;
  let end = start;
  while (end < ts.length && ts[end]! <= rangeEndMs) end++;
  return {
    t,
    v: Float64Array.from(vs),
    st: sts === undefined ? undefined : Float64Array.from(sts),
    start,
    end,
    rangeStartMs,
    rangeEndMs,
    evalTimeMs: rangeEndMs,
    anchored: false,
    smoothed: false,
  };
}

test("isStartTimestampReset: later start is a reset; none, unknown (ST = T) and invalid (ST > T) are not", () => {
  assert.equal(isStartTimestampReset(0, 1 * M, 1.5 * M, 2 * M), true, "starts after the previous sample");
  assert.equal(isStartTimestampReset(0, 1 * M, 0, 2 * M), false, "no start timestamp");
  assert.equal(isStartTimestampReset(0, 1 * M, 2 * M, 2 * M), false, "OTel unknown start");
  assert.equal(isStartTimestampReset(0, 1 * M, 3 * M, 2 * M), false, "start after its own sample");
  assert.equal(isStartTimestampReset(0.5 * M, 1 * M, 0.5 * M, 2 * M), false, "cumulative: same start as before");
  // Start exactly at the previous sample: a delta when that one's start was known, not when it was 0 or itself.
  assert.equal(isStartTimestampReset(0, 1 * M, 1 * M, 2 * M), false);
  assert.equal(isStartTimestampReset(1 * M, 1 * M, 1 * M, 2 * M), false);
  assert.equal(isStartTimestampReset(0.5 * M, 1 * M, 1 * M, 2 * M), true);
  assert.equal(isStartTimestampReset(3 * M, 1 * M, 1 * M, 2 * M), false, "an invalid previous start counts as unknown");
});

test("startTimeOverlaps: a start before the previous sample that is not the previous start", () => {
  assert.equal(startTimeOverlaps(0, 2 * M, 1 * M), true);
  assert.equal(startTimeOverlaps(1 * M, 2 * M, 1 * M), false, "cumulative");
  assert.equal(startTimeOverlaps(1 * M, 2 * M, 2 * M), false, "delta");
  assert.equal(startTimeOverlaps(1 * M, 2 * M, 0), false, "none");
});

test("increase counts a start-timestamp reset the values do not show", () => {
  // 0 60 120 180, the counter restarted (by its start) before 120: 60 + 120 + 60.
  const ts = [1 * M, 2 * M, 3 * M, 4 * M];
  const w = win(ts, [0, 60, 120, 180], [0, 0, 2.5 * M, 2.5 * M], 0.5 * M, 4 * M);
  const withoutSt = win(ts, [0, 60, 120, 180], undefined, 0.5 * M, 4 * M);
  // Without start timestamps: 180 over 3m sampled, extrapolated to the zero point (the first value is 0).
  assert.equal(rangeFunctions.increase!(withoutSt, []), 180);
  assert.equal(rangeFunctions.increase!(w, []), 240);
  assert.equal(w.startTimeOverlap, undefined, "no overlap in a valid series");
  assert.equal(rangeFunctions.resets!(w, []), 1);
  assert.equal(rangeFunctions.resets!(withoutSt, []), 0);
});

test("a first sample starting inside the window counts from zero there, even alone", () => {
  // One sample of 5 at 2m that started at 1m30s, window (0, 3m]: 5 over [1m30s, 2m], no extrapolation either side.
  const w = win([2 * M], [5], [1.5 * M], 0, 3 * M);
  assert.equal(rangeFunctions.increase!(w, []), 5);
  assert.equal(rangeFunctions.rate!(w, []), 5 * (1 / 180), "the factor is divided by the range first, as Prometheus does");
  // Its start at or before the window's start: not used, and one sample gives nothing.
  assert.equal(rangeFunctions.increase!(win([2 * M], [5], [0], 0, 3 * M), []), undefined);
  assert.equal(rangeFunctions.increase!(win([2 * M], [5], [0.5 * M], 1 * M, 3 * M), []), undefined);
  // delta never reads start timestamps.
  assert.equal(rangeFunctions.delta!(w, []), undefined);
});

test("irate takes the new value after a start-timestamp reset; a start overlapping the previous sample is flagged", () => {
  const ts = [1 * M, 2 * M];
  assert.equal(rangeFunctions.irate!(win(ts, [60, 60], [0.5 * M, 1 * M], 0, 2 * M), []), 1, "a delta sample: 60 over 60s");
  assert.equal(rangeFunctions.irate!(win(ts, [60, 60], [0.5 * M, 0.5 * M], 0, 2 * M), []), 0, "cumulative, unchanged");
  const overlap = win([1 * M, 2 * M, 3 * M], [60, 120, 180], [-1 * M, 0, 1 * M], 0, 3 * M);
  rangeFunctions.rate!(overlap, []);
  assert.equal(overlap.startTimeOverlap, true);
});
