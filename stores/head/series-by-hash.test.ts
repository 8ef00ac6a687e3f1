import { test } from "node:test";
import assert from "node:assert/strict";
import { labelsEqual, labelsFromRecord } from "../../storeapi/index.js";
import { SeriesByHash } from "./series-by-hash.js";
import { MemSeries } from "./series.js";
import { rng } from "./test-helpers.js";

test("SeriesByHash finds exactly the series added and not deleted, through collisions, wrap-around, growth and shrinking", () => {
  const rand = rng(7);
  const byId = new Map<number, MemSeries>();
  const table = new SeriesByHash(byId);
  const live = new Map<number, MemSeries>();
  let nextId = 1;
  // Hashes from a few values near the table's ends and a wide range: long probe runs that wrap.
  const hashOf = (): number => {
    const r = rand();
    if (r < 0.3) return 1023 - Math.floor(rand() * 3);
    if (r < 0.5) return Math.floor(rand() * 4);
    return Math.floor(rand() * 0x40000000);
  };
  const check = (): void => {
    assert.equal(table.size, live.size);
    for (const s of live.values()) assert.equal(table.find(s.labels, s.hash, labelsEqual), s, `series ${s.id}`);
  };
  for (let step = 0; step < 6000; step++) {
    const grow = step < 3000 ? rand() < 0.8 : rand() < 0.2;
    if (grow || live.size === 0) {
      const id = nextId++;
      const s = new MemSeries(id, labelsFromRecord({ __name__: "m", i: String(id) }), hashOf());
      byId.set(id, s);
      live.set(id, s);
      table.add(s);
    } else {
      const ids = [...live.keys()];
      const s = live.get(ids[Math.floor(rand() * ids.length)]!)!;
      assert.equal(table.delete(s), true);
      assert.equal(table.delete(s), false, "deleted once");
      live.delete(s.id);
      assert.equal(table.find(s.labels, s.hash, labelsEqual), undefined);
    }
    if (step % 97 === 0) check();
  }
  check();
  // A label set under a hash it shares with others, but not added, is not found.
  const other = labelsFromRecord({ __name__: "m", i: "none" });
  for (const h of [0, 1, 1022, 1023]) assert.equal(table.find(other, h, labelsEqual), undefined);
});
