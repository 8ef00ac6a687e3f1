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

test("PostingsIndex keeps a set of interned labels as given, rebuilds any other, and interns only plain labels as given", () => {
  const index = new PostingsIndex();
  const up = { name: "__name__", value: "up" };
  const api = { name: "job", value: "api" };
  const first = [up, api];
  assert.equal(index.add(1, first), first, "new pairs: their labels become the interned ones, the set is kept");
  const again = [up, api];
  assert.equal(index.add(2, again), again, "a set of interned labels is kept as given");
  const copy = [{ name: "__name__", value: "up" }, api];
  const rebuilt = index.add(3, copy);
  assert.notEqual(rebuilt, copy);
  assert.equal(rebuilt[0], up);
  assert.equal(rebuilt[1], api);
  assert.deepEqual(copy, [{ name: "__name__", value: "up" }, api], "the caller's set is left as it was");
  class Shaped {
    constructor(
      readonly name: string,
      readonly value: string,
    ) {}
  }
  const extra = { name: "zone", value: "b", note: "x" };
  const reversed = { value: "c", name: "zone" };
  const odd = index.add(4, [up, new Shaped("env", "prod"), extra, reversed]);
  assert.equal(odd[0], up);
  for (const l of odd.slice(1)) {
    assert.equal(Object.getPrototypeOf(l), Object.prototype);
    assert.deepEqual(Object.keys(l), ["name", "value"], "an interned label is always a plain {name, value}");
  }
  assert.deepEqual(odd.slice(1), [{ name: "env", value: "prod" }, { name: "zone", value: "b" }, { name: "zone", value: "c" }]);
  assert.deepEqual([...index.get("__name__", "up")], [1, 2, 3, 4]);
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
