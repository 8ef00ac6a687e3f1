import { test } from "node:test";
import assert from "node:assert/strict";
import { kahanSumInc } from "../functions/index.js";
import { quantileOf } from "./hash_aggregate.js";
import { groupSeries } from "./grouping.js";

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
