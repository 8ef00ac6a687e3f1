import { test } from "node:test";
import assert from "node:assert/strict";
import { PostingsIndex, PostingsList, intersect, subtract, union } from "./postings.js";
import { rng } from "./test-helpers.js";

function randomSorted(rand: () => number, n: number, max: number): Uint32Array {
  const set = new Set<number>();
  while (set.size < Math.min(n, max)) set.add(Math.floor(rand() * max));
  return Uint32Array.from([...set].sort((a, b) => a - b));
}

test("PostingsList keeps ids sorted and unique whatever the insertion order", () => {
  const list = new PostingsList({ name: "a", value: "b" });
  for (const id of [5, 1, 9, 3, 9, 7, 2, 1]) list.add(id);
  assert.deepEqual([...list.view()], [1, 2, 3, 5, 7, 9]);
  list.removeAll(new Set([2, 9, 4]));
  assert.deepEqual([...list.view()], [1, 3, 5, 7]);
});

test("intersect, subtract and union agree with Set arithmetic on random lists", () => {
  const rand = rng(7);
  for (let round = 0; round < 300; round++) {
    const max = 1 + Math.floor(rand() * 5000);
    // Sizes that differ a lot exercise the galloping paths.
    const a = randomSorted(rand, Math.floor(rand() * (round % 3 === 0 ? 20 : 2000)), max);
    const b = randomSorted(rand, Math.floor(rand() * 2000), max);
    const sa = new Set(a);
    const sb = new Set(b);
    assert.deepEqual([...intersect(a, b)], [...a].filter((x) => sb.has(x)), `intersect round ${round}`);
    assert.deepEqual([...intersect(b, a)], [...a].filter((x) => sb.has(x)), `intersect swapped round ${round}`);
    assert.deepEqual([...subtract(a, b)], [...a].filter((x) => !sb.has(x)), `subtract round ${round}`);
    assert.deepEqual([...subtract(b, a)], [...b].filter((x) => !sa.has(x)), `subtract swapped round ${round}`);
    const expected = [...new Set([...a, ...b])].sort((x, y) => x - y);
    assert.deepEqual([...union([a, b], false)], expected, `union round ${round}`);
  }
});

test("PostingsIndex interns labels, lists names and values, and forgets removed series", () => {
  const index = new PostingsIndex();
  const l1 = index.add(1, [
    { name: "__name__", value: "up" },
    { name: "job", value: "api" },
  ]);
  const l2 = index.add(2, [
    { name: "__name__", value: "up" },
    { name: "job", value: "db" },
  ]);
  assert.equal(l1[0], l2[0], "the shared label pair is one object");
  assert.deepEqual(index.labelNames(), ["__name__", "job"]);
  assert.deepEqual(index.labelValues("job"), ["api", "db"]);
  assert.deepEqual([...index.get("__name__", "up")], [1, 2]);
  assert.equal(index.seriesWithName("job"), 2);
  index.remove(new Set([2]), (id) => (id === 2 ? l2 : l1));
  assert.deepEqual(index.labelValues("job"), ["api"]);
  assert.deepEqual([...index.get("__name__", "up")], [1]);
  assert.deepEqual([...index.all()], [1]);
  index.remove(new Set([1]), () => l1);
  assert.deepEqual(index.labelNames(), []);
  assert.equal(index.size, 0);
});
