import { test } from "node:test";
import assert from "node:assert/strict";
import { compareLabels } from "../../storeapi/index.js";
import type { Label, Labels } from "../../storeapi/index.js";
import { sortByLabels } from "./sort.js";
import { rng } from "./test-helpers.js";

function randomLabels(rand: () => number, exotic: boolean): Labels {
  const names = ["__name__", "a", "ab", "b", "job"];
  const values = ["", "x", "xy", "x y", "1", "10", "9", "é", "\uffff", ...(exotic ? ["\ud83d\ude00", "a\0b"] : [])];
  const out: Label[] = [];
  for (const name of names) {
    if (rand() < 0.6) {
      const value = values[1 + Math.floor(rand() * (values.length - 1))]!;
      out.push({ name, value });
    }
  }
  return out;
}

test("sortByLabels orders as compareLabels, with and without characters that defeat flattening", () => {
  const rand = rng(3);
  for (const exotic of [false, true]) {
    for (const n of [10, 200, 2000]) {
      const items = Array.from({ length: n }, () => ({ labels: randomLabels(rand, exotic) }));
      const expected = items.slice().sort((a, b) => compareLabels(a.labels, b.labels));
      sortByLabels(items);
      for (let i = 1; i < items.length; i++) {
        assert.ok(compareLabels(items[i - 1]!.labels, items[i]!.labels) <= 0, `order at ${i} (exotic ${exotic}, n ${n})`);
      }
      assert.deepEqual(items.map((x) => x.labels), expected.map((x) => x.labels));
    }
  }
});
