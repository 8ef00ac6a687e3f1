import { test } from "node:test";
import assert from "node:assert/strict";
import { MemSeries } from "./series.js";
import { SeriesById } from "./series-by-id.js";

const series = (id: number): MemSeries => new MemSeries(id, [], 0);

test("SeriesById keeps series by id like a Map: set, get, has, delete, size, every value", () => {
  const t = new SeriesById();
  const ids = [1, 2, 3, 1023, 1024, 5000, 2 ** 31 + 5];
  for (const id of ids) t.set(id, series(id));
  assert.equal(t.size, ids.length);
  for (const id of ids) assert.equal(t.get(id)?.id, id);
  assert.equal(t.get(4), undefined);
  assert.equal(t.has(4), false);
  const again = series(3);
  t.set(3, again);
  assert.equal(t.size, ids.length, "replacing does not count twice");
  assert.equal(t.get(3), again);
  assert.equal(t.delete(1024), true);
  assert.equal(t.delete(1024), false);
  assert.equal(t.delete(2 ** 31 + 5), true);
  assert.equal(t.size, ids.length - 2);
  assert.deepEqual([...t.values()].map((s) => s.id).sort((a, b) => a - b), [1, 2, 3, 1023, 5000]);
});

test("SeriesById lets a page go once most of its series are gone, and still finds the rest", () => {
  const t = new SeriesById();
  for (let id = 0; id < 3 * 1024; id++) t.set(id, series(id));
  assert.equal(t.pagedSlots(), 3 * 1024);
  // Keep every 100th series of the first page: 11 of 1,024 live, below the 64 a page keeps.
  for (let id = 0; id < 1024; id++) if (id % 100 !== 0) t.delete(id);
  assert.equal(t.pagedSlots(), 2 * 1024, "the sparse page went");
  for (let id = 0; id < 1024; id += 100) assert.equal(t.get(id)?.id, id);
  assert.equal(t.get(1), undefined);
  assert.equal(t.size, 11 + 2 * 1024);
  assert.equal([...t.values()].length, t.size);
  assert.equal(t.delete(500), true, "a series moved to the sparse map is removed from it");
  assert.equal(t.get(500), undefined);
  // The newest page is being filled: it stays however few of its series are left.
  for (let id = 2 * 1024; id < 3 * 1024 - 1; id++) t.delete(id);
  assert.equal(t.pagedSlots(), 2 * 1024);
  assert.equal(t.get(3 * 1024 - 1)?.id, 3 * 1024 - 1);
});
