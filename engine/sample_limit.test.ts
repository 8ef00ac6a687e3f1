// --query.max-samples counts a native histogram by its size, as Prometheus does: (Size() + 8) / 16
// floats, Size() being 168 bytes + 8 per span, bucket and custom bound (model/histogram).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./index.js";
import { FloatHistogram } from "./histogram/index.js";
import { MemoryStore, type Labels, type NativeHistogram } from "../storeapi/index.js";
import { nativeHistogram } from "../testing/index.js";

const MIN = 60_000;
const H: Labels = [{ name: "__name__", value: "h" }];
const F: Labels = [{ name: "__name__", value: "f" }];
const TOO_MANY = "query processing would load too many samples into memory in query execution";

/** Schema 0, one span of two buckets: Size() = 168 + 8 × 3 = 192, so it weighs (192 + 8) / 16 = 12 samples. */
function hist(n: number): NativeHistogram {
  return nativeHistogram({ count: n, sum: n, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [n / 2, n / 2] });
}

/** One histogram sample of h and one float sample of f, both at 5m. */
function store(): MemoryStore {
  const s = new MemoryStore();
  s.appendHistogram(H, 5 * MIN, hist(10));
  s.appendSample(F, 5 * MIN, 1);
  return s;
}

test("a histogram's sample weight is Prometheus's (Size() + 8) / 16", () => {
  assert.equal(new FloatHistogram().sampleWeight(), 11); // (168 + 8) / 16
  assert.equal(FloatHistogram.fromNative(hist(10)).sampleWeight(), 12); // (192 + 8) / 16 = 12.5
  const wide = FloatHistogram.fromNative({
    ...hist(10),
    positiveSpans: [{ offset: 0, length: 4 }, { offset: 2, length: 4 }],
    positiveBuckets: [1, 1, 1, 1, 1, 1, 1, 1],
    negativeSpans: [{ offset: 0, length: 2 }],
    negativeBuckets: [1, 1],
  });
  assert.equal(wide.sampleWeight(), 17); // 168 + 8 × 13 = 272 → 280 / 16 = 17.5
  const custom = FloatHistogram.fromNative({ ...hist(10), schema: -53, customValues: [0.1, 0.5, 1] });
  assert.equal(custom.sampleWeight(), 14); // 168 + 8 × 6 = 216 → 224 / 16
});

test("a histogram selector that fits the limit as one float is refused by the histogram's size", async () => {
  const q = (expr: string, maxSamples: number) => new Engine().instantQuery(store(), expr, 5 * MIN, { maxSamples }).exec();
  // The float sample fits a limit of 1; the histogram needs 12.
  assert.equal((await q("f", 1)).value.type, "vector");
  await assert.rejects(q("h", 11), (e: { kind?: string; message?: string }) => e.kind === "too_many_samples" && e.message === TOO_MANY);
  assert.equal((await q("h", 12)).value.type, "vector");
});

test("a range query's histogram results and a subquery's histogram points count by size", async () => {
  const engine = new Engine();
  // Selector: the result point (12); the fetched chunk counts nothing, as in Prometheus.
  const range = (maxSamples: number) => engine.rangeQuery(store(), "h", 5 * MIN, 5 * MIN, MIN, { maxSamples }).exec();
  await assert.rejects(range(11), (e: { kind?: string }) => e.kind === "too_many_samples");
  assert.equal((await range(12)).value.type, "matrix");
  // Subquery: its one point at 5m (12), held while count_over_time reads it as a window (12) and gives 1.
  const sub = (maxSamples: number) => engine.instantQuery(store(), "count_over_time(h[1m:1m])", 5 * MIN, { maxSamples }).exec();
  await assert.rejects(sub(24), (e: { kind?: string }) => e.kind === "too_many_samples");
  assert.equal((await sub(25)).value.type, "vector");
});
