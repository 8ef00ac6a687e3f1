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
  assert.ok(Array.isArray(state.byHash.get(42)));
  // Dropping one of two colliding series leaves the other findable.
  state.dropSeries(new Set([100]));
  assert.equal(state.lookup(up("a"), 42), undefined);
  assert.equal(state.lookup(up("b"), 42), b);
  assert.deepEqual(state.postings.labelValues("job"), ["b"]);
});
