import { test } from "node:test";
import assert from "node:assert/strict";
import { ChunkEncoding } from "../../storeapi/index.js";
import { ChunkArena } from "./arena.js";

test("ChunkArena stores bytes, hands out views, and lets a slab go once all its chunks are freed", () => {
  const arena = new ChunkArena();
  const chunk = new Uint8Array(300_000).map((_, i) => i & 0xff);
  const handles = [0, 1, 2, 3, 4].map(() => arena.store(chunk));
  assert.equal(arena.slabsHeld(), 2, "three 300 kB chunks fill a 1 MiB slab");
  const view = arena.view(handles[1]!, chunk.length);
  assert.deepEqual(view, chunk);
  for (const h of handles.slice(0, 3)) arena.free(h, chunk.length);
  assert.equal(arena.slabsHeld(), 1, "the first slab is released");
  assert.deepEqual(view, chunk, "a reader's view outlives the slab's release");
  assert.equal(arena.bytes(), 2 * chunk.length);
  arena.free(handles[3]!, chunk.length);
  arena.free(handles[4]!, chunk.length);
  assert.equal(arena.slabsHeld(), 1, "the slab being filled stays");
  arena.store(new Uint8Array(900_000));
  assert.equal(arena.slabsHeld(), 1, "moving on from an empty slab drops it");
  arena.store(new Uint8Array(900_000));
  assert.equal(arena.slabsHeld(), 2, "a slab with live chunks stays");
});

test("open chunks' first bytes are zeroed, distinct regions of one shared block", () => {
  const arena = new ChunkArena();
  const a = arena.reserveOpenChunkBytes(64);
  const blockA = arena.openChunkBlock();
  const b = arena.reserveOpenChunkBytes(64);
  assert.equal(arena.openChunkBlock(), blockA, "one block, not an ArrayBuffer each");
  assert.ok(b >= a + 64 || a >= b + 64, "regions do not overlap");
  assert.ok(blockA.subarray(a, a + 64).every((x) => x === 0) && blockA.subarray(b, b + 64).every((x) => x === 0));
});

test("a stored chunk read by place names its slab and offset; its view is made only when asked for", () => {
  const arena = new ChunkArena();
  arena.store(new Uint8Array(10).fill(7));
  const bytes = new Uint8Array([1, 2, 3, 4, 5]);
  const handle = arena.store(bytes);
  const read = arena.chunk(handle, bytes.length, ChunkEncoding.XOR, 15_000);
  const view = arena.view(handle, bytes.length);
  assert.equal(read.encoding, ChunkEncoding.XOR);
  assert.ok(read.placedIn === view.buffer && read.placedIn instanceof SharedArrayBuffer, "the slab the view shows, shared with window workers");
  assert.equal(read.placedAt, view.byteOffset);
  assert.equal(read.placedLength, bytes.length);
  assert.deepEqual([...read.data], [...bytes]);
});
