import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../index.js";
import { bin, sel, storeWith } from "../testing.js";
import type { MatrixValue } from "../types.js";

test("x @ t in a range query is read once and repeated at every step", async () => {
  const store = storeWith(60_000, [[{ __name__: "x" }, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]]);
  let calls = 0;
  const counting = Object.create(store) as typeof store;
  counting.series = (req, signal) => {
    calls++;
    return store.series(req, signal);
  };
  const e = bin("+", sel("x", [], { atMs: 120_000 }), sel("x"));
  const r = await new Engine().exprQuery(counting, "q", e, 0, 600_000, 60_000).exec();
  const s = (r.value as MatrixValue).series[0]!;
  assert.deepEqual([...s.v], [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  assert.equal(calls, 1, "identical selectors share one fetch");
});
