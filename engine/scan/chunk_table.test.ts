import { test } from "node:test";
import assert from "node:assert/strict";
import { XorChunk, xorChunkNumSamples } from "../../storeapi/index.js";
import { ChunkTable, chunkRunOf } from "./chunk_table.js";

function chunkOf(n: number): Uint8Array {
  const c = new XorChunk();
  for (let i = 0; i < n; i++) c.append(i * 1000, i);
  return c.bytes();
}

test("a chunk table keeps chunks by place: each buffer once, views made on demand, growing past its first arrays", () => {
  const slab = new Uint8Array(new SharedArrayBuffer(4096));
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (let n = 1; n <= 100; n++) {
    const bytes = chunkOf(n % 7);
    slab.set(bytes, at);
    chunks.push(slab.subarray(at, at + bytes.length));
    at += bytes.length;
  }
  const own = chunkOf(3);
  const table = new ChunkTable();
  const run = chunkRunOf([...chunks, own], table);
  assert.equal(run.count, 101);
  assert.equal(table.blocks.length, 2, "the slab and the one chunk of its own");
  for (let k = 0; k < run.count; k++) {
    const want = k < 100 ? chunks[k]! : own;
    assert.deepEqual([...run.bytes(k)], [...want]);
    assert.equal(run.numSamples(k), xorChunkNumSamples(want));
  }
  assert.ok(run.bytes(5).buffer === slab.buffer, "read in place, not copied");
  const next = chunkRunOf([own], table);
  assert.equal(next.first, 101);
  assert.equal(table.blocks.length, 2, "a buffer seen before is not added again");
  assert.equal(chunkRunOf([new Uint8Array(1)]).numSamples(0), 0, "a chunk shorter than its header has no samples");
});
