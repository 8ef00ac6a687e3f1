import { test } from "node:test";
import assert from "node:assert/strict";
import { XorChunk } from "./chunkenc/index.js";
import { chunksNeedMerge, mergeXorChunks } from "./series-iterator.js";

function bytes(ts: number[], vs: number[]): Uint8Array {
  const c = new XorChunk();
  ts.forEach((t, i) => c.append(t, vs[i]!));
  return c.bytes().slice();
}

test("mergeXorChunks: k runs, out of order, ties won by the chunk listed first, bounds applied", () => {
  const chunks = [bytes([5, 6, 9], [50, 60, 90]), bytes([1, 5, 7], [10, 51, 70]), bytes([0, 5, 6, 8], [0, 52, 61, 80])];
  const m = mergeXorChunks(chunks, 1, 8);
  assert.deepEqual([...m.ts], [1, 5, 6, 7, 8]);
  assert.deepEqual([...m.vs], [10, 50, 60, 70, 80]);
  assert.equal(m.length, 5);
  const inOrder = mergeXorChunks([bytes([1, 2], [1, 2]), bytes([], []), bytes([3], [3])], 0, 9);
  assert.deepEqual([...inOrder.ts], [1, 2, 3]);
});

test("chunksNeedMerge: only when a chunk starts at or before the previous one's end", () => {
  const c = (minTime: number, maxTime: number) => ({ minTime, maxTime });
  assert.equal(chunksNeedMerge([c(0, 9), c(10, 19)]), false);
  assert.equal(chunksNeedMerge([c(0, 10), c(10, 19)]), true);
  assert.equal(chunksNeedMerge([c(10, 19), c(0, 9)]), true);
  assert.equal(chunksNeedMerge([]), false);
});
