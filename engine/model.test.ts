import { test } from "node:test";
import assert from "node:assert/strict";
import { timeline, VectorPool } from "./model.js";

test("the pool hands back a returned vector of the same capacity class", () => {
  const pool = new VectorPool();
  const a = pool.get(0, 100);
  assert.ok(a.ids.length >= 100);
  pool.put(a);
  const b = pool.get(5, 90);
  assert.equal(b, a);
  assert.equal(b.t, 5);
  assert.equal(b.n, 0);
  const c = pool.get(0, 1000);
  assert.notEqual(c, a);
});

test("timeline counts steps inclusively", () => {
  assert.equal(timeline(0, 600_000, 60_000).steps, 11);
  assert.equal(timeline(5, 5, 0).steps, 1);
});
