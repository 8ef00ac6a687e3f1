// Native histograms through the engine: selectors decode histogram chunks into the step vectors'
// histogram slot, and the operators apply Prometheus's rules to them (values checked by hand).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./index.js";
import type { FloatHistogram } from "./histogram/index.js";
import type { MatrixValue, QueryResult, VectorValue } from "./types.js";
import { CounterResetHint, MemoryStore, STALE_NAN, type Labels, type NativeHistogram } from "../storeapi/index.js";
import { nativeHistogram } from "../testing/index.js";

const MIN = 60_000;
const H: Labels = [{ name: "__name__", value: "h" }];
const G: Labels = [{ name: "__name__", value: "g" }];
const F: Labels = [{ name: "__name__", value: "f" }];

/** A schema-0 histogram with `n` observations: n/2 in (0.5, 1] and n/2 in (1, 2]. */
function hist(n: number, float = false, sum = n): NativeHistogram {
  return nativeHistogram({ float, count: n, sum, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [n / 2, n / 2] });
}

/** h: a counter histogram growing by 60 observations a minute (0..5m); g: float histograms; f: floats. */
function store(): MemoryStore {
  const s = new MemoryStore();
  for (let i = 0; i <= 5; i++) s.appendHistogram(H, i * MIN, hist(60 * i));
  s.appendHistogram(G, 0, hist(4, true));
  s.appendHistogram(G, MIN, hist(8, true));
  s.appendSample(G, 2 * MIN, 1);
  for (let i = 0; i <= 5; i++) s.appendSample(F, i * MIN, i);
  return s;
}

async function instant(q: string, t: number, s = store()): Promise<QueryResult> {
  return new Engine().instantQuery(s, q, t).exec();
}

function samples(r: QueryResult): VectorValue["samples"] {
  assert.equal(r.value.type, "vector");
  return (r.value as VectorValue).samples;
}

function only(r: QueryResult): { v: number; h: FloatHistogram | undefined } {
  const s = samples(r);
  assert.equal(s.length, 1, `one sample expected, got ${s.length}`);
  return { v: s[0]!.v, h: s[0]!.h };
}

const messages = (r: QueryResult): string[] => [...r.warnings, ...r.infos].map((a) => `${a.kind}: ${a.message}`);

test("selectors decode integer and float histogram chunks into histogram samples; floats stay floats", async () => {
  const h = only(await instant("h", 2 * MIN)).h!;
  assert.deepEqual([h.count, h.sum, h.schema, [...h.positiveBuckets]], [120, 120, 0, [60, 60]]);
  assert.equal(only(await instant("g", MIN)).h!.count, 8);
  assert.deepEqual(only(await instant("g", 2 * MIN)), { v: 1, h: undefined });
});

test("a range query returns a series' histogram points beside its float points", async () => {
  const r = await new Engine().rangeQuery(store(), "g", 0, 2 * MIN, MIN).exec();
  const [g] = (r.value as MatrixValue).series;
  assert.deepEqual([...g!.t], [2 * MIN]);
  assert.deepEqual([...g!.v], [1]);
  assert.deepEqual(g!.histograms!.t, [0, MIN]);
  assert.deepEqual(g!.histograms!.h.map((h) => h.count), [4, 8]);
});

test("a stale histogram ends the series like a float stale marker", async () => {
  const s = new MemoryStore();
  s.appendHistogram(H, 0, hist(2));
  s.appendHistogram(H, MIN, { ...hist(2), sum: STALE_NAN });
  assert.equal(samples(await instant("h", 0, s)).length, 1);
  assert.equal(samples(await instant("h", MIN + 1000, s)).length, 0);
});

test("increase and rate of a counter histogram extrapolate as for floats, by the count", async () => {
  // Window (0, 5m]: samples at 1m..5m (240 observations apart), extended by 60s towards the start.
  const inc = only(await instant("increase(h[5m])", 5 * MIN)).h!;
  assert.equal(inc.count, 300);
  assert.deepEqual([...inc.positiveBuckets], [150, 150]);
  assert.equal(inc.counterResetHint, CounterResetHint.Gauge);
  assert.equal(only(await instant("histogram_count(rate(h[5m]))", 5 * MIN)).v, 1);
});

test("sum and avg add histograms; a group mixing floats and histograms has no result and a warning", async () => {
  const s = store();
  s.appendHistogram([{ name: "__name__", value: "h" }, { name: "i", value: "2" }], 2 * MIN, hist(20));
  assert.equal(only(await instant("sum(h)", 2 * MIN, s)).h!.count, 140);
  assert.equal(only(await instant("avg(h)", 2 * MIN, s)).h!.count, 70);
  assert.equal(only(await instant("count(h)", 2 * MIN, s)).v, 2);
  const mixed = await instant('sum({__name__=~"h|f"})', 2 * MIN, s);
  assert.equal(samples(mixed).length, 0);
  assert.deepEqual(messages(mixed), ["warning: encountered a mix of histograms and floats for aggregation"]);
  const max = await instant('max({__name__=~"h|f"})', 2 * MIN, s);
  assert.equal(only(max).v, 2);
  assert.deepEqual(messages(max), ["info: ignored histogram in max aggregation"]);
});

test("binary operators: scale by scalars, add and subtract histograms, compare with == only", async () => {
  assert.equal(only(await instant("h * 2", MIN)).h!.count, 120);
  assert.equal(only(await instant("2 * h", MIN)).h!.count, 120);
  assert.equal(only(await instant("h / 4", MIN)).h!.count, 15);
  assert.equal(only(await instant("h + h", MIN)).h!.count, 120);
  const diff = only(await instant("h - h offset 1m", 2 * MIN)).h!;
  assert.deepEqual([diff.count, diff.counterResetHint], [60, CounterResetHint.Gauge]);
  assert.equal(only(await instant("h == bool h", MIN)).v, 1);
  const dropped = await instant("h + 1", MIN);
  assert.equal(samples(dropped).length, 0);
  assert.deepEqual(messages(dropped), ['info: incompatible sample types encountered for binary operator "+": histogram + float']);
});

test("float-only functions drop histograms; histogram functions drop floats", async () => {
  assert.equal(samples(await instant("abs(h)", MIN)).length, 0);
  assert.deepEqual(only(await instant("histogram_count(h)", MIN)).v, 60);
  assert.deepEqual(only(await instant("histogram_sum(h)", MIN)).v, 60);
  assert.equal(samples(await instant("histogram_count(f)", MIN)).length, 0);
  // Half the observations lie in (0.5, 1], half in (1, 2]: the median is the bound between them.
  assert.equal(only(await instant("histogram_quantile(0.5, h)", MIN)).v, 1);
  assert.equal(only(await instant("histogram_fraction(0, 1, h)", MIN)).v, 0.5);
});

test("range functions: *_over_time on histograms, and floats-only functions with an info when histograms are beside", async () => {
  assert.equal(only(await instant("sum_over_time(h[3m])", 3 * MIN)).h!.count, 60 + 120 + 180);
  assert.equal(only(await instant("count_over_time(g[5m])", 2 * MIN)).v, 3);
  assert.equal(only(await instant("last_over_time(g[5m])", MIN)).h!.count, 8);
  const max = await instant("max_over_time(g[5m])", 2 * MIN);
  assert.equal(only(max).v, 1);
  assert.deepEqual(messages(max), ['info: ignored histograms in a range containing both floats and histograms for metric name "g"']);
  const mixedRate = await instant("rate(g[5m])", 2 * MIN);
  assert.equal(samples(mixedRate).length, 0);
  assert.deepEqual(messages(mixedRate), ['warning: encountered a mix of histograms and floats for metric name "g"']);
  assert.equal(only(await instant("changes(g[5m])", 2 * MIN)).v, 2);
});

test("count_values counts a histogram by its text; info() and clamp() treat histograms as Prometheus does", async () => {
  const counted = samples(await instant('count_values("v", g)', MIN));
  assert.deepEqual(
    counted.map((s) => [s.labels.find((l) => l.name === "v")?.value, s.v]),
    [["{count:8, sum:8, (0.5,1]:4, (1,2]:4}", 1]],
  );
  assert.equal(only(await instant("info(h)", MIN)).h!.count, 60);
  assert.equal(samples(await instant("clamp(h, 5, -5)", MIN)).length, 0);
});

test("trim operators keep the observations below (</) or above (>/) a bound", async () => {
  // Bucket bounds are 0.5, 1, 2: trimming at 1 splits the histogram in its two halves.
  assert.equal(only(await instant("h </ 1", MIN)).h!.count, 30);
  assert.equal(only(await instant("h >/ 1", MIN)).h!.count, 30);
  assert.equal(only(await instant("h >/ 0", MIN)).h!.count, 60);
});

test("trim operators keep the metric name, as comparisons do; arithmetic drops it", async () => {
  const name = (r: QueryResult) => samples(r)[0]!.labels.find((l) => l.name === "__name__")?.value;
  assert.equal(name(await instant("h </ 1", MIN)), "h");
  assert.equal(name(await instant("h >/ ignoring(x) vector(1)", MIN)), "h");
  assert.equal(name(await instant("h * 1", MIN)), undefined);
});

test("a trim of floats gives no sample and the incompatible-types info; of two scalars, an error", async () => {
  const floats = await instant("f </ 1", MIN);
  assert.equal(samples(floats).length, 0);
  assert.deepEqual(messages(floats), ['info: incompatible sample types encountered for binary operator "</": float </ float']);
  const vectors = await instant("f >/ on() vector(1)", MIN);
  assert.equal(samples(vectors).length, 0);
  assert.deepEqual(messages(vectors), ['info: incompatible sample types encountered for binary operator ">/": float >/ float']);
  await assert.rejects(instant("1 </ 2", MIN), /operator "<\/" not allowed for scalar operations/);
});
