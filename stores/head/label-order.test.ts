import { test } from "node:test";
import assert from "node:assert/strict";
import { compareLabels, labelsKey } from "../../storeapi/index.js";
import type { Label, Labels } from "../../storeapi/index.js";
import { LabelOrder, type LabelledSeries } from "./label-order.js";
import { MemSeries } from "./series.js";
import { rng } from "./test-helpers.js";

function randomLabels(rand: () => number): Labels {
  const out: Label[] = [{ name: "__name__", value: ["up", "x_total", "mem"][Math.floor(rand() * 3)]! }];
  for (const name of ["a", "b", "instance", "z"]) {
    if (rand() < 0.6) out.push({ name, value: ["1", "10", "9", "x", "xy", "é"][Math.floor(rand() * 6)]! });
  }
  return out;
}

// Heads come and go under it: series created (unranked until the next ranking) and dropped, and
// selections of every size mixing ranked and unranked series; external labels that series may also
// carry themselves (the external value wins, so the order is not the series' own labels' order).
for (const external of [[], [{ name: "b", value: "x" }], [{ name: "m", value: "q" }]] as Labels[]) {
  test(`a selection sorts as compareLabels orders its labels, external labels ${JSON.stringify(external)}`, () => {
    const rand = rng(7 + external.length);
    const table = { byId: new Map<number, MemSeries>(), created: 0 };
    const order = new LabelOrder(table, external, () => 40);
    let mixed = 0;
    let rankedOnly = 0;
    for (let round = 0; round < 60; round++) {
      for (let n = Math.floor(rand() * 50); n > 0; n--) {
        const s = new MemSeries(++table.created, randomLabels(rand), 0);
        s.owner = table;
        table.byId.set(s.id, s);
      }
      for (const s of table.byId.values()) {
        if (rand() < 0.05) {
          s.owner = undefined;
          table.byId.delete(s.id);
        }
      }
      const pool = [...table.byId.values()];
      const size = Math.floor(rand() * Math.min(pool.length + 1, 300));
      const items: LabelledSeries[] = [];
      for (let i = 0; i < size; i++) {
        const s = pool.splice(Math.floor(rand() * pool.length), 1)[0]!;
        items.push(...order.labelled([s]));
      }
      const before = items.map((x) => labelsKey(x.labels)).sort();
      order.sort(items);
      const ranked = items.filter((x) => x.series.labelRank >= 0).length;
      if (items.length >= 64 && ranked === items.length) rankedOnly++;
      else if (items.length >= 64 && ranked > 0) mixed++;
      assert.deepEqual(items.map((x) => labelsKey(x.labels)).sort(), before, `round ${round}: the same items`);
      for (let i = 1; i < items.length; i++) {
        assert.ok(compareLabels(items[i - 1]!.labels, items[i]!.labels) <= 0, `round ${round}: order at ${i} of ${items.length}`);
      }
    }
    assert.ok(rankedOnly > 0 && mixed > 0, `both ways exercised (ranked only ${rankedOnly}, mixed ${mixed})`);
  });
}
