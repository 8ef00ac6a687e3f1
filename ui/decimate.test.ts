import { test } from "node:test";
import assert from "node:assert/strict";
import { bucketPixels, decimate, drawBuckets, drawnTimes } from "./decimate.js";

test("decimation: at most two points per bucket, each bucket's min and max in time order, gaps as null", () => {
  // 10 steps in 4 buckets: [0,2) [2,5) [5,7) [7,10).
  const starts = drawBuckets(10, 4)!;
  assert.deepEqual([...starts], [0, 2, 5, 7, 10]);
  const grid = Float64Array.from([1, 5, 9, -3, 4, NaN, NaN, 2, Infinity, 7]);
  const out: (number | null)[] = new Array(8);
  decimate(grid, starts, out);
  // Bucket 2: the max 9 comes before the min -3; bucket 3 holds no value; bucket 4 keeps +Inf.
  assert.deepEqual(out, [1, 5, 9, -3, null, null, 2, Infinity]);
  assert.deepEqual(drawnTimes(starts, 60_000, 1000, 10), [60, 61, 62, 64, 65, 66, 67, 69]);
});

test("decimation: every step is drawn when two points per bucket would be no fewer", () => {
  assert.equal(drawBuckets(1441, 721), undefined);
  assert.equal(drawBuckets(1441, 0.5), undefined);
  const out: (number | null)[] = new Array(3);
  decimate(Float64Array.from([1, NaN, 3]), undefined, out);
  assert.deepEqual(out, [1, null, 3]);
  assert.deepEqual(drawnTimes(undefined, 0, 500, 3), [0, 0.5, 1]);
});

test("decimation: 1,441 steps over 600 buckets draw 1,200 points and keep the series' extremes", () => {
  const steps = 1441;
  const grid = Float64Array.from({ length: steps }, (_, i) => Math.sin(i / 7) * 100 + (i === 1000 ? 1e6 : 0) - (i === 333 ? 1e6 : 0));
  const starts = drawBuckets(steps, 600)!;
  const out: (number | null)[] = new Array(1200);
  decimate(grid, starts, out);
  assert.equal(drawnTimes(starts, 0, 60_000, steps).length, 1200);
  const drawn = out as number[];
  assert.equal(Math.max(...drawn), Math.max(...grid));
  assert.equal(Math.min(...drawn), Math.min(...grid));
  // Every bucket spans two or more steps, so its first and last step are distinct times.
  for (let k = 0; k + 1 < starts.length; k++) assert.ok(starts[k + 1]! - starts[k]! >= 2, `bucket ${k}`);
});

test("decimation: a bucket per pixel column while the series fit the drawing budget, wider for more series", () => {
  assert.equal(bucketPixels(3, 1120), 1);
  assert.equal(bucketPixels(200, 1120), 1);
  assert.equal(bucketPixels(1000, 1120), 4);
  assert.equal(bucketPixels(100_000, 1120), 8);
});
