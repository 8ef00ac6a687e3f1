// --query.max-samples counts what Prometheus counts (promql/engine.go's currentSamples): decoded
// points held at once, not the samples of the compressed chunks fetched. The cases are
// Prometheus's TestMaxQuerySamples, on data of the same shape: each limit is the lowest that
// Prometheus answers at, so the query is answered there and refused one below.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./index.js";
import { FloatHistogram } from "./histogram/index.js";
import { MemoryStore, type Labels, type NativeHistogram } from "../storeapi/index.js";
import { nativeHistogram } from "../testing/index.js";

const S = 1000;
const metric: Labels = [{ name: "__name__", value: "metric" }];
const big = (a: string): Labels => [{ name: "__name__", value: "bigmetric" }, { name: "a", value: a }];
const hist: Labels = [{ name: "__name__", value: "histogram_every_10s" }];

/** Schema 1, one span of four buckets: Size() = 168 + 8 × 5 = 208, so it weighs (208 + 8) / 16 = 13 samples. */
function histogram(i: number): NativeHistogram {
  const b = [1 + i, 2 + 2 * i, 1 + 3 * i, 1 + 4 * i];
  return nativeHistogram({ schema: 1, count: 5 + 10 * i, sum: 20 + 5 * i, positiveSpans: [{ offset: 0, length: 4 }], positiveBuckets: b });
}

/** Prometheus's data: every 10s from 0 to 1000s, `metric` and two `bigmetric` series 1+1x100, and one histogram series. */
function store(): MemoryStore {
  const s = new MemoryStore();
  for (let i = 0; i <= 100; i++) {
    s.appendSample(metric, i * 10 * S, 1 + i);
    s.appendSample(big("1"), i * 10 * S, 1 + i);
    s.appendSample(big("2"), i * 10 * S, 1 + i);
    s.appendHistogram(hist, i * 10 * S, histogram(i));
  }
  return s;
}

interface Case {
  query: string;
  /** Prometheus's lowest limit that answers the query (its peakSamples). */
  maxSamples: number;
  start: number;
  /** Range queries only: end and step, seconds. */
  end?: number;
  step?: number;
}

const cases: Case[] = [
  // Instant queries.
  { query: "1", maxSamples: 1, start: 1 },
  { query: "metric", maxSamples: 1, start: 1 },
  { query: "metric[20s]", maxSamples: 2, start: 10 },
  { query: "rate(metric[20s])", maxSamples: 3, start: 10 },
  { query: "metric[20s:5s]", maxSamples: 3, start: 10 },
  { query: "metric[20s] @ 10", maxSamples: 2, start: 0 },
  // Range queries.
  { query: "1", maxSamples: 3, start: 0, end: 2, step: 1 },
  { query: "metric", maxSamples: 3, start: 0, end: 2, step: 1 },
  { query: "metric", maxSamples: 3, start: 0, end: 10, step: 5 },
  { query: "rate(bigmetric[1s])", maxSamples: 1, start: 0, end: 10, step: 5 },
  // The result (3 points) is repeated from one evaluation.
  { query: "metric @ 10", maxSamples: 3, start: 0, end: 10, step: 5 },
  // Subquery 20 (10 per series) + one series' window 10 + the outputs of the 2 series.
  { query: "rate(bigmetric[10s:1s] @ 10)", maxSamples: 32, start: 0, end: 10, step: 5 },
  // 2 × 20 subquery points (0s to 20s) + one window 10 + 6 outputs (2 series × 3 steps).
  { query: "rate(bigmetric[10s:1s]) + rate(bigmetric[10s:1s] @ 30)", maxSamples: 56, start: 10, end: 20, step: 5 },
  // Nested subqueries: the innermost rate's 32 is the peak.
  { query: "rate(rate(bigmetric[10s:1s] @ 10)[100s:25s] @ 1000)[100s:20s] @ 2000", maxSamples: 32, start: 10 },
  // Nested subqueries: the outermost one's 2 × 17 points are the peak.
  { query: "rate(rate(bigmetric[10s:1s] @ 10)[100s:25s] @ 1000)[17s:1s] @ 2000", maxSamples: 34, start: 10 },
  // A window of 7 histograms (13 each); max_over_time gives nothing for histograms.
  { query: "max_over_time(histogram_every_10s[61s])[20s:5s]", maxSamples: 91, start: 201 },
];

function run(c: Case, maxSamples: number) {
  const engine = new Engine();
  if (c.end === undefined) return engine.instantQuery(store(), c.query, c.start * S, { maxSamples }).exec();
  return engine.rangeQuery(store(), c.query, c.start * S, c.end * S, c.step! * S, { maxSamples }).exec();
}

const refused = (e: { kind?: string }) => e.kind === "too_many_samples";

test("the histograms weigh 13 samples each, as in Prometheus's test", () => {
  assert.equal(FloatHistogram.fromNative(histogram(0)).sampleWeight(), 13);
  assert.equal(FloatHistogram.fromNative(histogram(100)).sampleWeight(), 13);
});

for (const c of cases) {
  const kind = c.end === undefined ? "instant" : "range";
  test(`${kind} ${c.query}: answered at --query.max-samples=${c.maxSamples}, refused at ${c.maxSamples - 1}, as in Prometheus`, async () => {
    const r = await run(c, c.maxSamples);
    assert.equal(r.stats.peakSamples, c.maxSamples);
    await assert.rejects(run(c, c.maxSamples - 1), refused);
  });
}

test("both sides of a binary operator run concurrently: one side's result is not counted while the other's subquery is (Prometheus: 34)", async () => {
  const c: Case = { query: "rate(bigmetric[10s:1s] @ 10) + rate(bigmetric[10s:1s] @ 30)", maxSamples: 34, start: 0, end: 10, step: 5 };
  // Each side alone peaks at 32 (its subquery 20 + a window 10 + 2 outputs); Prometheus adds the other side's 2 outputs.
  assert.equal((await run(c, 34)).value.type, "matrix");
  assert.equal((await run(c, 32)).value.type, "matrix");
  await assert.rejects(run(c, 31), refused);
});

test("a long range query whose chunks hold more samples than the limit, but whose windows and result do not, is answered", async () => {
  const s = new MemoryStore();
  // 40 series × 2,881 samples (12h at 15s): 115,240 samples in chunks.
  for (let i = 0; i < 40; i++) {
    const l: Labels = [{ name: "__name__", value: "x_total" }, { name: "i", value: String(i) }];
    for (let t = 0; t <= 12 * 3600; t += 15) s.appendSample(l, t * S, t);
  }
  const engine = new Engine();
  const q = (maxSamples: number) => engine.rangeQuery(s, "sum(rate(x_total[1h]))", 3600 * S, 12 * 3600 * S, 3600 * S, { maxSamples }).exec();
  // Peak: rate's outputs for 39 series × 12 steps + the last series' 12 outputs + its 1h window (240 samples).
  const r = await q(10_000);
  assert.equal(r.value.type, "matrix");
  assert.equal(r.stats.peakSamples, 40 * 12 + 240);
  await assert.rejects(q(40 * 12 + 239), refused);
});
