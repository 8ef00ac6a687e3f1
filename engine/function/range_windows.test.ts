import { test } from "node:test";
import assert from "node:assert/strict";
import { timeline } from "../model.js";
import { SeriesWindows, windowsOverlap, type WindowShape } from "./range_windows.js";

const shape = (name: string, overlapping: boolean): WindowShape => ({ name, rangeMs: 3_600_000, anchored: false, smoothed: false, lookbackMs: 300_000, overlapping });

test("windows overlap only across steps closer than the range, or an @-fixed window repeated", () => {
  assert.equal(windowsOverlap(timeline(1000, 1000, 0), 3_600_000, false), false, "an instant query has one window");
  assert.equal(windowsOverlap(timeline(0, 3_600_000, 30_000), 3_600_000, false), true);
  assert.equal(windowsOverlap(timeline(0, 36_000_000, 3_600_000), 3_600_000, false), false, "a step of one range: disjoint windows");
  assert.equal(windowsOverlap(timeline(0, 36_000_000, 7_200_000), 3_600_000, true), true, "an @-fixed window is the same window at every step");
});

test("one window per series is evaluated directly; disjoint windows incrementally where that reads no more samples", () => {
  for (const name of ["rate", "increase", "max_over_time", "min_over_time", "quantile_over_time", "resets", "changes"]) {
    assert.equal(new SeriesWindows(shape(name, true), 4).incremental, true, name);
    assert.equal(new SeriesWindows(shape(name, false), 4, true).incremental, false, `${name}, one step`);
  }
  for (const name of ["rate", "increase", "resets", "changes"]) assert.equal(new SeriesWindows(shape(name, false), 4).incremental, true, `${name}, disjoint windows`);
  for (const name of ["max_over_time", "min_over_time", "quantile_over_time"]) assert.equal(new SeriesWindows(shape(name, false), 4).incremental, false, `${name}, disjoint windows`);
});
