import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { labelsFromRecord } from "../../storeapi/index.js";
import type { Labels } from "../../storeapi/index.js";
import { HeadState } from "./state.js";

const up = (job: string): Labels => labelsFromRecord({ __name__: "up", job });

test("label hash collisions keep distinct series apart", () => {
  const state = new HeadState(new Registry());
  // Every label set forced onto one hash bucket, as a collision would.
  const a = state.createSeries(100, up("a"), 42);
  const b = state.createSeries(101, up("b"), 42);
  assert.equal(state.lookup(up("a"), 42), a);
  assert.equal(state.lookup(up("b"), 42), b);
  assert.equal(state.lookup(up("c"), 42), undefined);
  assert.equal(state.byHash.size, 2);
  // Dropping one of two colliding series leaves the other findable.
  state.dropSeries(new Set([100]));
  assert.equal(state.lookup(up("a"), 42), undefined);
  assert.equal(state.lookup(up("b"), 42), b);
  assert.deepEqual(state.postings.labelValues("job"), ["b"]);
});

test("a dropped series keeps its last sample while the series created after it gets its slot of times and values", () => {
  const state = new HeadState(new Registry());
  const a = state.createSeries(1, up("a"), 1);
  a.lastT = 5000;
  a.lastV = 3;
  const slots = state.floats.slots;
  state.dropSeries(new Set([1]));
  const b = state.createSeries(2, up("b"), 2);
  assert.deepEqual([b.lastT, b.lastV], [-Infinity, 0]);
  b.lastT = 9000;
  assert.deepEqual([a.lastT, a.lastV], [5000, 3], "a reader still holding the dropped series reads its own");
  for (let id = 3; id < 3 + slots - 1; id++) state.createSeries(id, up(String(id)), id);
  assert.equal(state.floats.slots, slots, "as many live series as the first page has slots: the dropped one's was reused");
});
