import { test } from "node:test";
import assert from "node:assert/strict";
import { CounterResetHint } from "../../storeapi/index.js";
import { hist } from "../histogram/fixtures.js";
import { readSteps, withStatsReadHints } from "./histogram_stats.js";
import type { SeriesInput } from "./sample_buffer.js";
import { NO_CHUNKS } from "./chunk_table.js";

const MIN = 60_000;
const Unknown = CounterResetHint.Unknown;
const CounterReset = CounterResetHint.CounterReset;
const NotCounterReset = CounterResetHint.NotCounterReset;

/** A series of histograms with these counts (buckets alike) and stored hints, one a minute from 0 (or at `times`). */
function series(counts: number[], hints: CounterResetHint[], times = counts.map((_, i) => i * MIN)): SeriesInput {
  const h = counts.map((c, i) => {
    const x = hist(`{{schema:0 sum:1 count:${c} buckets:[1 1 1]}}`);
    x.counterResetHint = hints[i]!;
    return x;
  });
  return { chunks: NO_CHUNKS, minTime: 0, maxTime: Infinity, decoded: { t: Float64Array.from(times), v: new Float64Array(counts.length), h } };
}

const hintsOf = (s: SeriesInput) => s.decoded!.h!.map((x) => x!.counterResetHint);
const instant = (t: number) => readSteps({ start: t, end: t, step: 1, steps: 1 }, undefined, 0);

test("an unknown hint becomes reset or not-reset against the histogram read before it: native_histograms.test:1941-1955", () => {
  // reset{timing="late"}: counts 0 2 3 2, the last one starting a chunk (unknown hint).
  const late = series([0, 2, 3, 2], [Unknown, NotCounterReset, NotCounterReset, Unknown]);
  assert.deepEqual(hintsOf(withStatsReadHints(late, instant(5 * MIN), 5 * MIN)), [Unknown, NotCounterReset, NotCounterReset, CounterReset]);
  // The read starts at the window's first millisecond, so the sample at 0 is read before the one at 1m.
  const early = series([3, 2, 2, 3], [Unknown, Unknown, NotCounterReset, NotCounterReset]);
  assert.deepEqual(hintsOf(withStatsReadHints(early, instant(5 * MIN), 5 * MIN)), [Unknown, CounterReset, NotCounterReset, NotCounterReset]);
  // The input is shared by merged selectors: it keeps its hints.
  assert.deepEqual(hintsOf(late), [Unknown, NotCounterReset, NotCounterReset, Unknown]);
});

test("nothing read before a histogram since the last seek: its hint stays unknown", () => {
  const early = series([3, 2, 2, 3], [Unknown, Unknown, NotCounterReset, NotCounterReset]);
  assert.deepEqual(hintsOf(withStatsReadHints(early, instant(30_000), 5 * MIN)), [Unknown, Unknown, NotCounterReset, NotCounterReset]);
  // Steps at 1m and 21m with a 5m window: the second seek lands past where the iterator stands
  // (at 1m) and forgets what was read.
  const gap = series([3, 2, 1], [Unknown, Unknown, Unknown], [0, MIN, 20 * MIN]);
  const steps = readSteps({ start: MIN, end: 21 * MIN, step: 20 * MIN, steps: 2 }, undefined, 0);
  assert.deepEqual(hintsOf(withStatsReadHints(gap, steps, 5 * MIN)), [Unknown, CounterReset, Unknown]);
  // Without such a seek the read goes on from where the iterator stands (2m, at the window's
  // first millisecond), and the sample before it counts though it is outside the window.
  const near = series([3, 2], [Unknown, Unknown], [0, 2 * MIN]);
  const on = readSteps({ start: MIN, end: 7 * MIN, step: 6 * MIN, steps: 2 }, undefined, 0);
  assert.deepEqual(hintsOf(withStatsReadHints(near, on, 5 * MIN)), [Unknown, CounterReset]);
});

test("a stats read returns schema, count and sum without buckets; custom buckets need no reconciling", () => {
  const nhcb = hist("{{schema:-53 sum:5 count:3 custom_values:[1 2] buckets:[1 1 1]}}");
  const exp = hist("{{schema:2 sum:5 count:3 z_bucket:1 z_bucket_w:0.001 buckets:[1 1]}}");
  const input: SeriesInput = { chunks: NO_CHUNKS, minTime: 0, maxTime: Infinity, decoded: { t: Float64Array.from([0, MIN]), v: new Float64Array(2), h: [nhcb, exp] } };
  const [a, b] = withStatsReadHints(input, instant(MIN), 5 * MIN).decoded!.h!;
  assert.deepEqual([a!.schema, a!.count, a!.sum, a!.positiveBuckets, a!.customValues], [-53, 3, 5, [], []]);
  assert.deepEqual([b!.schema, b!.count, b!.sum, b!.positiveBuckets, b!.zeroCount, b!.zeroThreshold], [2, 3, 5, [], 0, 0]);
  assert.deepEqual(nhcb.positiveBuckets, [1, 1, 1], "the input keeps its buckets");
});
