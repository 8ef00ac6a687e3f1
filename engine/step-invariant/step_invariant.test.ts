import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../index.js";
import { bin, sel, storeWith } from "../testing.js";
import type { MatrixValue } from "../types.js";
import type { Store } from "../../storeapi/index.js";

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

/** A store that counts series() calls. */
function counted(store: Store): { store: Store; calls: () => number } {
  let calls = 0;
  const wrapped = Object.create(store) as Store;
  wrapped.series = (req, signal) => {
    calls++;
    return store.series(req, signal);
  };
  return { store: wrapped, calls: () => calls };
}

test("a step-invariant subtree is fetched once and evaluated at one step, not at every step of a range query", async () => {
  const base = storeWith(60_000, [
    [{ __name__: "x", i: "a" }, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
    [{ __name__: "x", i: "b" }, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]],
  ]);
  const { store, calls } = counted(base);
  const r = await new Engine().rangeQuery(store, "sum(x @ 120)", 0, 600_000, 60_000).exec();
  assert.deepEqual([...(r.value as MatrixValue).series[0]!.v], Array(11).fill(33));
  assert.equal(calls(), 1);
  // Two series read at one step: evaluating the child at all 11 steps would read 22.
  assert.equal(r.stats.totalSamples, 2);

  const w = counted(base);
  const rate = await new Engine().rangeQuery(w.store, "sum(rate(x[2m] @ 300))", 0, 600_000, 60_000).exec();
  assert.equal((rate.value as MatrixValue).series[0]!.v.length, 11);
  assert.equal(w.calls(), 1);
  // One window of 2 (points at 4m and 5m; the window is left-open) per series, once.
  assert.equal(rate.stats.totalSamples, 4);
});
