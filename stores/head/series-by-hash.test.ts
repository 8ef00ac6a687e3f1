import { test } from "node:test";
import assert from "node:assert/strict";
import { labelsFromRecord } from "../../storeapi/index.js";
import { MemSeries } from "./series.js";
import { SeriesByHash } from "./series-by-hash.js";

test("series by hash: random adds and deletes under heavy collisions and wrap-around agree with a plain map, growing and shrinking", () => {
  let seed = 9;
  const rnd = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const table = new SeriesByHash();
  const want = new Map<number, MemSeries>();
  let nextId = 1;
  for (let round = 0; round < 40_000; round++) {
    // Few distinct hashes, some near the table's end (wrap-around), some negative.
    const phase = Math.floor(round / 10_000);
    const adding = phase % 2 === 0 ? rnd() < 0.8 : rnd() < 0.2;
    if (adding || want.size === 0) {
      const id = nextId++;
      const hash = [0, 1, 1023, 2047, -5, 7][Math.floor(rnd() * 6)]! + (rnd() < 0.5 ? 0 : Math.floor(rnd() * 64) * 1024);
      const s = new MemSeries(id, labelsFromRecord({ id: String(id) }), hash);
      table.add(s);
      want.set(id, s);
    } else {
      const ids = [...want.keys()];
      const id = ids[Math.floor(rnd() * ids.length)]!;
      assert.equal(table.delete(want.get(id)!), true);
      want.delete(id);
    }
    if (round % 997 === 0) {
      assert.equal(table.size, want.size);
      for (const s of want.values()) assert.equal(table.find(s.hash, s.labels), s, `round ${round}: series ${s.id}`);
      assert.equal(table.find(7, labelsFromRecord({ id: "none" })), undefined);
    }
  }
  const gone = new MemSeries(0, labelsFromRecord({ id: "gone" }), 7);
  assert.equal(table.delete(gone), false, "a series never added is not deleted");
  for (const s of want.values()) assert.equal(table.find(s.hash, s.labels), s);
});
