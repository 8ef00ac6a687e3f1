// anchored/smoothed modifiers, subqueries and info() over native histograms through the engine,
// with the data and answers of ../shared/promqltest (extended_vectors.test, subquery.test, info.test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./index.js";
import { hist } from "./histogram/fixtures.js";
import type { QueryResult, VectorValue } from "./types.js";
import { MemoryStore, STALE_NAN, type Labels } from "../storeapi/index.js";

const name = (n: string, extra: Record<string, string> = {}): Labels =>
  [{ name: "__name__", value: n }, ...Object.entries(extra).map(([k, v]) => ({ name: k, value: v }))].sort((a, b) => (a.name < b.name ? -1 : 1));

/** Samples `every` ms apart from t=0: numbers are floats, `{{…}}` literals histograms. */
function load(s: MemoryStore, labels: Labels, every: number, ...values: (number | string)[]): MemoryStore {
  values.forEach((v, i) => (typeof v === "number" ? s.appendSample(labels, i * every, v) : s.appendHistogram(labels, i * every, hist(v).toNative())));
  return s;
}

/** extended_vectors.test:466: count/sum/bucket k+1 at 15s·k, k = 0..7. */
function histCounter(): MemoryStore {
  return load(new MemoryStore(), name("hist_counter"), 15_000, ...Array.from({ length: 8 }, (_, k) => `{{schema:0 count:${k + 1} sum:${k + 1} buckets:[${k + 1}] offset:1}}`));
}

async function instant(s: MemoryStore, q: string, t: number): Promise<QueryResult> {
  return new Engine().instantQuery(s, q, t).exec();
}

function samples(r: QueryResult): VectorValue["samples"] {
  assert.equal(r.value.type, "vector");
  return (r.value as VectorValue).samples;
}

/** The one sample's value, or a histogram's count. */
async function count(s: MemoryStore, q: string, t: number): Promise<number> {
  const got = samples(await instant(s, q, t));
  assert.equal(got.length, 1, `${q}: one sample expected, got ${got.length}`);
  return got[0]!.h?.count ?? got[0]!.v;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

test("increase/rate anchored and smoothed on histograms: boundary values, no extrapolation (extended_vectors.test:475-520)", async () => {
  const s = histCounter();
  assert.equal(await count(s, "increase(hist_counter[1m] anchored)", 50_000), 3);
  assert.ok(close(await count(s, "increase(hist_counter[1m] smoothed)", 50_000), 3.333333333333333));
  assert.ok(close(await count(s, "rate(hist_counter[1m] smoothed)", 50_000), 0.05555555555555555));
  assert.equal(await count(s, "increase(hist_counter[1m] anchored)", 5_000), 0);
  const d = await instant(s, "delta(hist_counter[1m] anchored)", 50_000);
  assert.deepEqual(d.warnings.map((w) => w.message), ['this native histogram metric is not a gauge: "hist_counter"']);
});

test("`x smoothed` interpolates histograms, carries the last forward, warns on a float/histogram mix (:526-534, :695)", async () => {
  const s = histCounter();
  assert.ok(close(await count(s, "histogram_count(hist_counter smoothed)", 7_000), 1.4666666666666668));
  assert.equal(await count(s, "histogram_count(hist_counter smoothed)", 15_000), 2);
  assert.equal(await count(s, "histogram_count(hist_counter smoothed)", 110_000), 8);
  const mixed = load(new MemoryStore(), name("mixed_types"), 30_000, 1, 2, "{{schema:0 sum:3 count:3 buckets:[3]}}", "{{schema:0 sum:4 count:4 buckets:[4]}}");
  const r = await instant(mixed, "mixed_types smoothed", 45_000);
  assert.equal(samples(r).length, 0);
  assert.deepEqual(r.warnings.map((w) => w.message), ['encountered a mix of histograms and floats for metric name "mixed_types"']);
});

test("anchored resets/changes start from the anchor, of either kind (:742-775)", async () => {
  const s = new MemoryStore();
  load(s, name("htofmixed"), 60_000, "{{schema:0 sum:1 count:1 buckets:[1]}}", "{{schema:0 sum:2 count:2 buckets:[2]}}", "{{schema:0 sum:3 count:3 buckets:[3]}}", 5);
  load(s, name("ftohmixed"), 60_000, 1, 2, 3, "{{schema:0 sum:5 count:4 buckets:[1 2 1]}}", 4);
  for (const q of ["resets(htofmixed[1m] anchored)", "changes(htofmixed[1m] anchored)", "resets(ftohmixed[1m] anchored)", "changes(ftohmixed[1m] anchored)"]) {
    assert.equal(await count(s, q, 180_000), 1, q);
  }
});

test("anchored rate over a window mixing floats and histograms: no result, a warning", async () => {
  const s = load(new MemoryStore(), name("ftohmixed"), 60_000, 1, 2, 3, "{{schema:0 sum:5 count:4 buckets:[1 2 1]}}", 4);
  const r = await instant(s, "rate(ftohmixed[1m] anchored)", 180_000);
  assert.equal(samples(r).length, 0);
  assert.deepEqual(r.warnings.map((w) => w.message), ['encountered a mix of histograms and floats for metric name "ftohmixed"']);
});

test("a subquery's histogram points lose their reset hints, so a skipped reset is still seen (subquery.test:146)", async () => {
  const points = [100, 103, 106, 109, 112].map((n) => `{{sum:${n} count:${n} counter_reset_hint:not_reset}}`);
  points.push("{{sum:3 count:3 counter_reset_hint:reset}}");
  for (let n = 6; n <= 21; n += 3) points.push(`{{sum:${n} count:${n} counter_reset_hint:not_reset}}`);
  const s = load(new MemoryStore(), name("native_histogram"), 60_000, ...points);
  assert.ok(close(await count(s, "increase(native_histogram[10m:3m])", 600_000), 25));
});

test("info() fails on a histogram sample in an info series it selects, not in one it does not (info.test:202)", async () => {
  const s = new MemoryStore();
  load(s, name("metric", { instance: "a", job: "1", label: "value" }), 300_000, 0, 1, 2);
  load(s, name("histogram", { instance: "a", job: "1" }), 300_000, "{{schema:1 sum:3 count:22 buckets:[5 10 7]}}");
  load(s, name("other", { instance: "b", job: "1" }), 300_000, "{{schema:1 sum:3 count:22 buckets:[5 10 7]}}");
  const range = (q: string) => new Engine().rangeQuery(s, q, 0, 600_000, 300_000).exec();
  await assert.rejects(range('info(metric, {__name__="histogram"})'), /this should be an info metric, with float samples: \{__name__="histogram", instance="a", job="1"\}/);
  await range('info(metric, {__name__="other"})');
});

test("a bare `x[r] anchored|smoothed` gives edge points around the samples; over histograms it is an error", async () => {
  const s = load(new MemoryStore(), name("metric"), 60_000, 1, 2, 3, 4, 5);
  load(s, name("h"), 60_000, "{{count:1 sum:1}}", "{{count:2 sum:2}}", "{{count:3 sum:3}}");
  const points = async (q: string) => {
    const r = await instant(s, q, 150_000);
    assert.equal(r.value.type, "matrix");
    return (r.value as { series: { t: Float64Array; v: Float64Array }[] }).series.map((x) => [Array.from(x.t), Array.from(x.v)]);
  };
  assert.deepEqual(await points("metric[2m] anchored"), [[[30_000, 60_000, 120_000, 150_000], [1, 2, 3, 3]]]);
  assert.deepEqual(await points("metric[90s] smoothed"), [[[60_000, 120_000, 150_000], [2, 3, 3.5]]]);
  await assert.rejects(instant(s, "h[2m] anchored", 150_000), /anchored modifier is not supported with histograms/);
  await assert.rejects(instant(s, "h[2m] smoothed", 150_000), /smoothed modifier is not supported with histograms/);
});

test("`x smoothed` over floats reads the selection Prometheus does: stale markers skipped, a next sample at t + lookback counts", async () => {
  const s = new MemoryStore();
  s.appendSample(name("stale"), 0, 1);
  s.appendSample(name("stale"), 30_000, 2);
  s.appendSample(name("stale"), 60_000, STALE_NAN);
  s.appendSample(name("far"), 0, 0);
  s.appendSample(name("far"), 400_000, 10);
  assert.equal(samples(await instant(s, "stale", 70_000)).length, 0);
  assert.equal(await count(s, "stale smoothed", 70_000), 2);
  assert.equal(await count(s, "far smoothed", 100_000), 2.5);
});
