import { test } from "node:test";
import assert from "node:assert/strict";
import { kahanSumInc } from "../functions/index.js";
import { quantileOf } from "./hash_aggregate.js";
import { groupSeries } from "./grouping.js";
import { Engine } from "../index.js";
import { MemoryStore } from "../../storeapi/index.js";
import { rng } from "../../testing/index.js";

test("kahanSumInc compensates the rounding error of a plain sum", () => {
  const pair = new Float64Array(2);
  let sum = 1e16;
  let c = 0;
  for (const x of [1, 1, -1e16]) {
    kahanSumInc(x, sum, c, pair);
    sum = pair[0]!;
    c = pair[1]!;
  }
  assert.equal(sum + c, 2);
});

test("quantileOf interpolates and handles out-of-range φ", () => {
  assert.equal(quantileOf(0.5, [1, 2, 3, 4]), 2.5);
  assert.equal(quantileOf(0, [3, 1, 2]), 1);
  assert.equal(quantileOf(-1, [1]), -Infinity);
  assert.equal(quantileOf(2, [1]), Infinity);
  assert.ok(Number.isNaN(quantileOf(NaN, [1])));
  assert.ok(Number.isNaN(quantileOf(0.5, [])));
});

test("groupSeries: without drops the name, by __name__ keeps a pending name drop", () => {
  const input = [
    { labels: [{ name: "__name__", value: "a" }, { name: "job", value: "x" }], dropName: true },
    { labels: [{ name: "__name__", value: "a" }, { name: "job", value: "y" }], dropName: false },
  ];
  const without = groupSeries(input, ["job"], true);
  assert.equal(without.meta.length, 1);
  assert.deepEqual(without.meta[0]!.labels, []);
  const byName = groupSeries(input, ["__name__"], false);
  assert.equal(byName.meta.length, 1);
  assert.equal(byName.meta[0]!.dropName, true);
  assert.deepEqual([...byName.of], [0, 0]);
});

test("groupSeries: by keys on values by position, so a value under another name is another group", () => {
  const l = (rec: Record<string, string>) => Object.keys(rec).sort().map((name) => ({ name, value: rec[name]! }));
  const input = [
    { labels: l({ __name__: "m", a: "x" }), dropName: false },
    { labels: l({ __name__: "m", b: "x" }), dropName: false },
    { labels: l({ __name__: "m", a: "x", c: "1" }), dropName: false },
    { labels: l({ __name__: "m" }), dropName: false },
    { labels: l({ __name__: "m", a: "x", b: "x" }), dropName: false },
  ];
  const two = groupSeries(input, ["b", "a"], false);
  assert.deepEqual([...two.of], [0, 1, 0, 2, 3]);
  assert.deepEqual(two.meta.map((m) => m.labels), [l({ a: "x" }), l({ b: "x" }), [], l({ a: "x", b: "x" })]);
  const one = groupSeries(input, ["a"], false);
  assert.deepEqual([...one.of], [0, 1, 0, 1, 0]);
  assert.deepEqual(one.meta.map((m) => m.labels), [l({ a: "x" }), []]);
});

test("sum by: Prometheus's Kahan–Neumaier sum in series order, bit for bit, through NaN, ±Inf and cancellation", async () => {
  const r = rng(5);
  const store = new MemoryStore();
  const pick = (): number => {
    const x = r();
    if (x < 0.02) return NaN;
    if (x < 0.04) return Infinity;
    if (x < 0.06) return -Infinity;
    if (x < 0.3) return (r() - 0.5) * 1e17; // large terms that cancel
    return (r() - 0.5) * 10;
  };
  const series = Array.from({ length: 60 }, (_, i) => ({
    labels: [
      { name: "__name__", value: "x" },
      { name: "g", value: String(i % 3) },
      { name: "i", value: String(i).padStart(2, "0") },
    ],
    values: Array.from({ length: 20 }, pick),
  }));
  for (const s of series) s.values.forEach((v, k) => store.appendSample(s.labels, k * 60_000, v));
  const got = await new Engine({}).rangeQuery(store, "sum by (g) (x)", 0, 19 * 60_000, 60_000).exec();
  assert.equal(got.value.type, "matrix");
  if (got.value.type !== "matrix") return;
  const pair = new Float64Array(2);
  for (const [gi, out] of got.value.series.entries()) {
    const members = series.filter((s) => s.labels[1]!.value === String(gi));
    for (let k = 0; k < 20; k++) {
      let sum = members[0]!.values[k]!;
      let c = 0;
      for (const m of members.slice(1)) {
        kahanSumInc(m.values[k]!, sum, c, pair);
        sum = pair[0]!;
        c = pair[1]!;
      }
      const want = sum === Infinity || sum === -Infinity ? sum : sum + c;
      assert.ok(Object.is(out.v[k], want), `group ${gi} step ${k}: ${out.v[k]} against ${want}`);
    }
  }
});
