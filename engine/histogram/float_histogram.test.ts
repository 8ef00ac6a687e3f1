import { test } from "node:test";
import assert from "node:assert/strict";
import { CounterResetHint, STALE_NAN, type NativeHistogram } from "../../storeapi/index.js";
import { CombineFlags, FloatHistogram } from "./float_histogram.js";
import { bucketBound, exponentialBound } from "./bounds.js";
import { assertHistogram, hist } from "./fixtures.js";

// Numbers below are the expected results of ../shared/promqltest evals, cited as file:line.

const MUL_DIV = "{{schema:0 count:30 sum:33 z_bucket:3 z_bucket_w:0.001 buckets:[3 3 3] n_buckets:[6 6 6]}}";

test("mul by a scalar: native_histograms.test:956 histogram_mul_div*3, :968 *-3 (a gauge), :996 *0", () => {
  assertHistogram(hist(MUL_DIV).mul(3), "{{schema:0 count:90 sum:99 z_bucket:9 z_bucket_w:0.001 buckets:[9 9 9] n_buckets:[18 18 18]}}");
  const negative = hist(MUL_DIV).mul(-3);
  assertHistogram(negative, "{{schema:0 count:-90 sum:-99 z_bucket:-9 z_bucket_w:0.001 buckets:[-9 -9 -9] n_buckets:[-18 -18 -18]}}");
  assert.equal(negative.counterResetHint, CounterResetHint.Gauge);
  const zero = hist(MUL_DIV).mul(0);
  assertHistogram(zero, "{{schema:0 count:0 sum:0 z_bucket:0 z_bucket_w:0.001 buckets:[0 0 0] n_buckets:[0 0 0]}}");
  assert.equal(zero.counterResetHint, CounterResetHint.Unknown, "only a negative factor makes a gauge");
  assert.ok(Number.isNaN(hist(MUL_DIV).mul(NaN).count));
});

test("div by a scalar: native_histograms.test:984 /3, :988 /-3, :1012 /0 drops buckets, :1020 *0/0 is NaN", () => {
  assertHistogram(hist(MUL_DIV).div(3), "{{schema:0 count:10 sum:11 z_bucket:1 z_bucket_w:0.001 buckets:[1 1 1] n_buckets:[2 2 2]}}");
  const negative = hist(MUL_DIV).div(-3);
  assertHistogram(negative, "{{schema:0 count:-10 sum:-11 z_bucket:-1 z_bucket_w:0.001 buckets:[-1 -1 -1] n_buckets:[-2 -2 -2]}}");
  assert.equal(negative.counterResetHint, CounterResetHint.Gauge);
  const byZero = hist(MUL_DIV).div(0);
  assertHistogram(byZero, "{{schema:0 count:Inf sum:Inf z_bucket_w:0.001 z_bucket:Inf}}");
  assert.deepEqual([byZero.positiveSpans, byZero.negativeBuckets], [[], []]);
  assertHistogram(hist(MUL_DIV).mul(0).div(0), "{{schema:0 count:NaN sum:NaN z_bucket_w:0.001 z_bucket:NaN}}");
});

test("sub, same schema, buckets and zero bucket: native_histograms.test:1590", () => {
  const h = hist("{{schema:0 count:41 sum:2345.6 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}");
  const flags = h.sub(hist("{{schema:0 count:11 sum:1234.5 z_bucket:3 z_bucket_w:0.001 buckets:[0 2 1] n_buckets:[0 0 3 2]}}"));
  assert.equal(flags, CombineFlags.None);
  assertHistogram(h, "{{schema:0 count:30 sum:1111.1 z_bucket:2 z_bucket_w:0.001 buckets:[1 1 0 2 1 1 1] n_buckets:[0 1 1 0 7 0 0 0 0 5 5 2]}}");
});

test("sub reduces the finer operand to the coarser schema: native_histograms.test:1593 and :1596", () => {
  const fine = "{{schema:1 count:11 sum:1234.5 z_bucket:3 z_bucket_w:0.001 buckets:[0 2 1] n_buckets:[0 0 3 2]}}";
  const coarse = "{{schema:0 count:41 sum:2345.6 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}";
  const a = hist(coarse);
  a.sub(hist(fine));
  assertHistogram(a, "{{schema:0 count:30 sum:1111.1 z_bucket:2 z_bucket_w:0.001 buckets:[1 0 1 2 1 1 1] n_buckets:[0 -2 2 2 7 0 0 0 0 5 5 2]}}");
  const b = hist(fine);
  b.sub(hist(coarse));
  assert.equal(b.schema, 0, "the receiver takes the lower schema");
  assertHistogram(b, "{{schema:0 count:-30 sum:-1111.1 z_bucket:-2 z_bucket_w:0.001 buckets:[-1 0 -1 -2 -1 -1 -1] n_buckets:[0 2 -2 -2 -7 0 0 0 0 -5 -5 -2]}}");
});

test("add merges layouts; custom buckets add when bounds match: native_histograms.test:1209 sum(metric) at 0 and 6m", () => {
  const exp = hist("{{sum:4 count:3 buckets:[1 2 1]}}");
  assert.equal(exp.add(hist("{{sum:3 count:2 buckets:[1 1 1]}}")), CombineFlags.None);
  assertHistogram(exp, "{{sum:7 count:5 buckets:[2 3 2]}}");
  const custom = hist("{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}");
  assert.equal(custom.add(hist("{{schema:-53 sum:15 count:2 custom_values:[5 10] buckets:[0 2]}}")), CombineFlags.None);
  assertHistogram(custom, "{{schema:-53 sum:16 count:3 custom_values:[5 10] buckets:[1 2]}}");
});

test("add of exponential and custom buckets changes nothing and reports it: native_histograms.test:1209 (warn at 12m)", () => {
  const exp = hist("{{sum:4 count:3 buckets:[1 2 1]}}");
  const flags = exp.add(hist("{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}"));
  assert.equal(flags, CombineFlags.IncompatibleSchema);
  assertHistogram(exp, "{{sum:4 count:3 buckets:[1 2 1]}}");
});

test("mismatched custom bounds are reconciled to the shared bounds: native_histograms.test:1262 (+) and :1266 (-)", () => {
  const at0 = hist("{{schema:-53 sum:1 count:1 custom_values:[10] buckets:[1]}}");
  assert.equal(at0.add(hist("{{schema:-53 sum:1 count:1 custom_values:[2 10] buckets:[1]}}")), CombineFlags.CustomBoundsReconciled);
  assertHistogram(at0, "{{schema:-53 count:2 sum:2 custom_values:[10] buckets:[2]}}");
  const at12 = hist("{{schema:-53 sum:1 count:1 custom_values:[5] buckets:[1]}}");
  at12.add(hist("{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}"));
  assertHistogram(at12, "{{schema:-53 count:2 sum:2 custom_values:[5] buckets:[2]}}");
  const diff = hist("{{schema:-53 sum:1 count:1 custom_values:[10] buckets:[1]}}");
  assert.equal(diff.sub(hist("{{schema:-53 sum:1 count:1 custom_values:[2 10] buckets:[1]}}")), CombineFlags.CustomBoundsReconciled);
  assertHistogram(diff, "{{schema:-53 custom_values:[10]}}");
});

test("sum over three mismatched NHCBs: native_histograms.test:1225 (custom_values:[10] buckets:[2])", () => {
  const h = hist("{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}");
  h.add(hist("{{schema:-53 sum:1 count:1 custom_values:[10] buckets:[1]}}"));
  // native_histograms.test:1395-1403: [5 10] + [10] → every observation ≤ 10 lands in the shared bucket.
  assertHistogram(h, "{{schema:-53 count:2 sum:2 custom_values:[10] buckets:[2]}}");
});

test("add widens the zero bucket to the larger threshold, moving the buckets it covers into it", () => {
  // Hand-derived (no promqltest eval combines thresholds): schema 0 bucket 0 is (0.5, 1], bucket -1 is (0.25, 0.5].
  const narrow = hist("{{count:5 sum:5 z_bucket:1 z_bucket_w:0.25 offset:-1 buckets:[1 2 1]}}");
  const wide = hist("{{count:2 sum:2 z_bucket:2 z_bucket_w:0.5}}");
  narrow.add(wide);
  assertHistogram(narrow, "{{count:7 sum:7 z_bucket:4 z_bucket_w:0.5 buckets:[2 1]}}");
  // The other way round: the receiver's threshold stays, the other's inner buckets count as zero.
  const w = hist("{{count:2 sum:2 z_bucket:2 z_bucket_w:0.5}}");
  w.add(hist("{{count:5 sum:5 z_bucket:1 z_bucket_w:0.25 offset:-1 buckets:[1 2 1]}}"));
  assertHistogram(w, "{{count:7 sum:7 z_bucket:4 z_bucket_w:0.5 buckets:[2 1]}}");
  // A threshold inside a populated bucket moves up to that bucket's upper bound.
  const mid = hist("{{count:1 sum:1 z_bucket:1 z_bucket_w:0.7}}");
  const b = hist("{{count:3 sum:3 buckets:[3]}}");
  b.add(mid);
  assertHistogram(b, "{{count:4 sum:4 z_bucket:4 z_bucket_w:1}}");
});

test("counter-reset hints under add: gauge wins, unknown next, reset vs not_reset collides (Prometheus adjustCounterReset)", () => {
  const withHint = (hint: string) => hist(`{{count:1 sum:1 buckets:[1] counter_reset_hint:${hint}}}`);
  const g = withHint("not_reset");
  assert.equal(g.add(withHint("gauge")), CombineFlags.None);
  assert.equal(g.counterResetHint, CounterResetHint.Gauge);
  const u = withHint("not_reset");
  u.add(withHint("unknown"));
  assert.equal(u.counterResetHint, CounterResetHint.Unknown);
  const c = withHint("reset");
  assert.equal(c.add(withHint("not_reset")), CombineFlags.CounterResetCollision);
  assert.equal(c.counterResetHint, CounterResetHint.Unknown);
  const same = withHint("not_reset");
  same.add(withHint("not_reset"));
  assert.equal(same.counterResetHint, CounterResetHint.NotCounterReset);
});

test("reduceResolution sums neighbours into the coarser bucket; copyToSchema leaves the source alone", () => {
  const h = hist("{{schema:1 count:10 sum:10 buckets:[1 2 3 4]}}");
  const copy = h.copyToSchema(0);
  assertHistogram(copy, "{{schema:0 count:10 sum:10 buckets:[1 5 4]}}");
  assertHistogram(h, "{{schema:1 count:10 sum:10 buckets:[1 2 3 4]}}");
  h.reduceResolution(-1);
  // Schema -1 buckets are (1/4,1], (1,4], (4,16]: indexes 0..3 at schema 1 end at 1, √2, 2, 2√2.
  assertHistogram(h, "{{schema:-1 count:10 sum:10 buckets:[1 9]}}");
  assert.throws(() => h.reduceResolution(0), /cannot reduce resolution from schema -1 to 0/);
  assert.throws(() => hist("{{schema:-53 custom_values:[1]}}").reduceResolution(0), /custom buckets/);
});

test("compact drops empty end buckets, keeps short inner runs, splits long ones", () => {
  const h = hist("{{count:6 sum:6 offset:-2 buckets:[0 1 0 0 2 0 0 0 0 3 0]}}");
  h.compact(2);
  assert.deepEqual(h.positiveSpans, [{ offset: -1, length: 4 }, { offset: 4, length: 1 }]);
  assert.deepEqual(h.positiveBuckets, [1, 0, 0, 2, 3]);
  h.compact(0);
  assert.deepEqual(h.positiveSpans, [{ offset: -1, length: 1 }, { offset: 2, length: 1 }, { offset: 4, length: 1 }]);
});

test("equals: data equality bit for bit, span boundaries matter, zero-length spans do not, hint ignored", () => {
  const a = hist("{{count:3 sum:3 buckets:[1 2] counter_reset_hint:reset}}");
  const b = hist("{{count:3 sum:3 buckets:[1 2]}}");
  assert.ok(a.equals(b));
  b.positiveSpans = [{ offset: 0, length: 1 }, { offset: 0, length: 1 }];
  assert.ok(!a.equals(b), "adjacent spans are a different layout");
  b.positiveSpans = [{ offset: 0, length: 0 }, { offset: 0, length: 2 }];
  assert.ok(a.equals(b));
  const stale = hist("{{count:3 sum:3 buckets:[1 2]}}");
  stale.sum = STALE_NAN;
  const nan = hist("{{count:3 sum:3 buckets:[1 2]}}");
  nan.sum = NaN;
  assert.ok(!stale.equals(nan), "a stale marker is not an ordinary NaN");
  assert.ok(nan.equals(nan.copy()));
  const negZero = hist("{{buckets:[0]}}");
  negZero.positiveBuckets[0] = -0;
  assert.ok(!hist("{{buckets:[0]}}").equals(negZero), "0 and -0 differ in bits");
});

test("detectReset: count, bucket, vanished bucket, schema and zero-threshold rules; hints decide first", () => {
  const prev = hist("{{schema:0 count:4 sum:5 buckets:[1 2 1]}}");
  // native_histograms.test:1058: only bucket 1 decreased (2 → 1).
  assert.ok(hist("{{schema:0 count:5 sum:6 buckets:[1 1 3]}}").detectReset(prev));
  assert.ok(!hist("{{schema:0 count:6 sum:7 buckets:[1 2 3]}}").detectReset(prev));
  assert.ok(hist("{{schema:0 count:3 sum:9 buckets:[1 2]}}").detectReset(prev), "count decreased / bucket vanished");
  assert.ok(!hist("{{schema:0 count:4 sum:1 buckets:[1 2 1]}}").detectReset(prev), "the sum is not considered");
  assert.ok(hist("{{schema:1 count:9 sum:9 buckets:[1 2 3 4 5]}}").detectReset(prev), "higher schema");
  assert.ok(!hist("{{schema:-1 count:9 sum:9 buckets:[1 8]}}").detectReset(prev), "lower schema: previous merged down");
  assert.ok(hist("{{schema:-1 count:9 sum:9 buckets:[1 2]}}").detectReset(prev), "merged bucket decreased");
  assert.ok(hist("{{count:9 sum:9 z_bucket_w:0.001 buckets:[1 2 1]}}").detectReset(hist("{{count:4 z_bucket_w:0.01 buckets:[1 2 1]}}")));
  assert.ok(hist("{{count:1 sum:1 counter_reset_hint:reset buckets:[9 9 9]}}").detectReset(prev));
  assert.ok(!hist("{{count:0 counter_reset_hint:not_reset}}").detectReset(prev));
  assert.ok(hist("{{schema:-53 count:9 custom_values:[1] buckets:[9]}}").detectReset(prev), "exponential → custom");
});

test("detectReset across NHCB bounds compares the shared buckets: native_histograms.test:2033 (irate: counter reset in one bucket)", () => {
  const prev = hist("{{schema:-53 sum:55 count:15 custom_values:[2 4 6] buckets:[1 2 5 7]}}");
  assert.ok(hist("{{schema:-53 sum:56 count:15 custom_values:[2 3 4 6] buckets:[1 0 1 5 8]}}").detectReset(prev));
  assert.ok(!hist("{{schema:-53 sum:555 count:450 custom_values:[1 2 3 4 5 6 7 8] buckets:[10 20 30 40 50 60 70 80 90]}}").detectReset(prev));
});

test("bucket bounds: exponential (positive and negative schemas, Prometheus's float table), custom with ±Inf ends", () => {
  assert.equal(exponentialBound(1, 0), 2);
  assert.equal(exponentialBound(0, 3), 1);
  assert.equal(exponentialBound(-1, 2), 0.8408964152537144, "Prometheus's value, one ulp below correctly rounded");
  assert.equal(exponentialBound(1, 2), 1.189207115002721);
  assert.equal(exponentialBound(1, -2), 16);
  assert.equal(exponentialBound(-1, -4), 2 ** -16);
  assert.equal(exponentialBound(1024, 0), Number.MAX_VALUE, "the top bucket ends at the largest float");
  assert.equal(exponentialBound(-1075, 0), 0);
  assert.equal(bucketBound(-1, -53, [1, 2]), -Infinity);
  assert.equal(bucketBound(2, -53, [1, 2]), Infinity);
  assert.throws(() => bucketBound(3, -53, [1, 2]), /out of range/);
});

test("bucket iteration: all buckets ascending with bounds, inclusivity and zero-bucket clipping", () => {
  const h = hist("{{count:6 sum:0 z_bucket:2 z_bucket_w:0.6 n_buckets:[1] buckets:[1 2]}}");
  const seen: string[] = [];
  for (const it = h.buckets("all"); it.next(); ) {
    seen.push(`${it.lowerInclusive ? "[" : "("}${it.lower},${it.upper}${it.upperInclusive ? "]" : ")"}:${it.count}`);
  }
  assert.deepEqual(seen, ["[-1,-0.6):1", "[-0.6,0.6]:2", "(0.6,1]:1", "(1,2]:2"]);
  const reverse: number[] = [];
  for (const it = h.buckets("allReverse"); it.next(); ) reverse.push(it.upper);
  assert.deepEqual(reverse, [2, 1, 0.6, -0.6]);
  const custom = hist("{{schema:-53 count:3 custom_values:[5 10] buckets:[1 1 1]}}");
  const bounds: string[] = [];
  for (const it = custom.buckets("positive"); it.next(); ) bounds.push(`${it.lowerInclusive ? "[" : "("}${it.lower},${it.upper}]`);
  assert.deepEqual(bounds, ["[-Infinity,5]", "(5,10]", "(10,Infinity]"]);
});

test("fromNative/toNative round-trip without sharing arrays; validate names what is wrong", () => {
  const native: NativeHistogram = {
    float: false,
    counterResetHint: CounterResetHint.NotCounterReset,
    schema: 3,
    zeroThreshold: 0.001,
    zeroCount: 1,
    count: 4,
    sum: 2.5,
    positiveSpans: [{ offset: -2, length: 2 }],
    positiveBuckets: [1, 2],
    negativeSpans: [],
    negativeBuckets: [],
  };
  const h = FloatHistogram.fromNative(native);
  h.positiveBuckets[0] = 99;
  assert.equal(native.positiveBuckets[0], 1);
  const back = FloatHistogram.fromNative(native).toNative();
  assert.deepEqual(back, { ...native, float: true });
  assert.equal(FloatHistogram.fromNative(native).validate(), undefined);
  const bad = FloatHistogram.fromNative({ ...native, positiveBuckets: [1] });
  assert.match(bad.validate()!, /positive side: spans need 2 buckets, have 1 buckets/);
  assert.match(FloatHistogram.fromNative({ ...native, schema: 9 }).validate()!, /invalid schema.*got schema 9/);
  assert.match(FloatHistogram.fromNative({ ...native, count: -1 }).validate()!, /observation count is negative/);
  assert.match(hist("{{schema:-53 custom_values:[2 1]}}").validate()!, /strictly increasing/);
});

/** sum() as Prometheus aggregates: kahanAdd into the first, then the compensation added once. */
function kahanSum(literals: string[]): FloatHistogram {
  const sum = hist(literals[0]);
  let c: FloatHistogram | undefined;
  for (const l of literals.slice(1)) c = sum.kahanAdd(hist(l), c).compensation;
  if (c !== undefined) sum.add(c);
  return sum;
}

test("kahanAdd keeps what plain addition absorbs: native_histograms.test:1415 sum(histogram_sum), 4.4 across ±1e100", () => {
  const inputs = [
    "{{schema:0 count:25 sum:3.1 z_bucket:4 z_bucket_w:0.001 buckets:[1 2 0 1 1] n_buckets:[2 4 0 0 1 9]}}",
    "{{schema:0 count:41 sum:1e100 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}",
    "{{schema:0 count:41 sum:-1e100 z_bucket:5 z_bucket_w:0.001 buckets:[1 3 1 2 1 1 1] n_buckets:[0 1 4 2 7 0 0 0 0 5 5 2]}}",
    "{{schema:1 count:0 sum:1.3 z_bucket:3 z_bucket_w:0.001 buckets:[2 4 2 3 2 2] n_buckets:[1 2 5 3 8 1 1 1 1 6 3]}}",
  ];
  assertHistogram(
    kahanSum(inputs),
    "{{schema:0 count:107 sum:4.4 z_bucket:17 z_bucket_w:0.001 buckets:[5 14 7 7 3 2 2] n_buckets:[3 13 19 6 17 18 0 0 0 10 10 4]}}",
  );
  const plain = hist(inputs[0]);
  for (const l of inputs.slice(1)) plain.add(hist(l));
  assert.notEqual(plain.sum, 4.4, "plain addition loses 3.1 next to 1e100 (the comment at :1426)");
  // native_histograms.test:1508 sum_over_time(histogram_sum_over_time_3) folds the same way.
  assertHistogram(kahanSum(["{{schema:0 count:1 sum:1}}", "{{schema:0 count:2 sum:1e100}}", "{{schema:0 count:3 sum:1}}", "{{schema:0 count:4 sum:-1e100}}"]), "{{schema:0 count:10 sum:2}}");
});

test("kahanAdd over NHCBs reconciles bounds and reports it; exponential with custom is refused", () => {
  const sum = hist("{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}");
  const r = sum.kahanAdd(hist("{{schema:-53 sum:1 count:1 custom_values:[10] buckets:[1]}}"), undefined);
  assert.equal(r.flags, CombineFlags.CustomBoundsReconciled);
  sum.add(r.compensation!);
  assertHistogram(sum, "{{schema:-53 count:2 sum:2 custom_values:[10] buckets:[2]}}");
  assert.equal(hist("{{count:1}}").kahanAdd(hist("{{schema:-53 custom_values:[1]}}"), undefined).flags, CombineFlags.IncompatibleSchema);
});

test("hasOverflow spots an infinite count, sum or bucket (avg switches to incremental mean then)", () => {
  assert.ok(!hist(MUL_DIV).hasOverflow());
  const big = hist("{{count:1.7976931348623157e+308 sum:1 buckets:[1.7976931348623157e+308]}}");
  big.add(hist("{{count:1e308 sum:1 buckets:[1]}}"));
  assert.ok(big.hasOverflow());
});

test("add leaves out the other's buckets inside the zero bucket, also for identical layouts (Prometheus's addBuckets)", () => {
  // Hand-derived: buckets (0.25,0.5] and (0.5,1] both end at or below z_bucket_w:1.
  const h = hist("{{count:3 sum:3 z_bucket:1 z_bucket_w:1 offset:-1 buckets:[1 1]}}");
  h.add(h.copy());
  assertHistogram(h, "{{count:6 sum:6 z_bucket:2 z_bucket_w:1 offset:-1 buckets:[1 1]}}");
  // Identical layouts above the threshold add bucket by bucket, in place, keeping the spans as they are.
  const a = hist("{{count:3 sum:3 z_bucket:1 z_bucket_w:0.001 offset:-1 buckets:[1 1]}}");
  a.positiveSpans = [{ offset: -1, length: 1 }, { offset: 0, length: 1 }];
  const b = a.copy();
  a.sub(b);
  assert.deepEqual(a.positiveSpans, [{ offset: -1, length: 1 }, { offset: 0, length: 1 }]);
  assert.deepEqual([a.count, a.zeroCount, a.positiveBuckets], [0, 0, [0, 0]]);
});
