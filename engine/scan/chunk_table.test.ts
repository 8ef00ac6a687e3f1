import { test } from "node:test";
import assert from "node:assert/strict";
import { ChunkEncoding, XorChunk, XorChunkIterator, xorChunkNumSamples, type AggrChunk } from "../../storeapi/index.js";
import { ChunkColumnsPool, ChunkTable, QueryChunkTables, chunkRunOf } from "./chunk_table.js";
import { seriesInput } from "./sample_buffer.js";

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

test("a chunk a store hands out by place is kept by that place: its bytes' view is never made", () => {
  const slab = new SharedArrayBuffer(1024);
  const bytes = [chunkOf(3), chunkOf(5)];
  const chunks: AggrChunk[] = [];
  let at = 16;
  for (const [k, b] of bytes.entries()) {
    new Uint8Array(slab).set(b, at);
    const placedAt = at;
    const raw = {
      encoding: ChunkEncoding.XOR,
      placedIn: slab,
      placedAt,
      placedLength: b.length,
      get data(): Uint8Array {
        throw new Error("the view was asked for");
      },
    };
    chunks.push({ minTime: k * 10_000, maxTime: k * 10_000 + 4_000, raw });
    at += b.length;
  }
  const table = new ChunkTable();
  const input = seriesInput(chunks, 0, 20_000, undefined, table);
  assert.equal(input.chunks.count, 2);
  assert.equal(table.blocks.length, 1, "one slab, added once");
  assert.ok(table.blocks[0]!.buffer === slab);
  for (let k = 0; k < 2; k++) assert.deepEqual([...input.chunks.bytes(k)], [...bytes[k]!]);
});

test("a query's chunk tables give their columns back when it ends: the next query's table fills them without growing", () => {
  const pool = new ChunkColumnsPool();
  const slab = new Uint8Array(new SharedArrayBuffer(64));
  const first = new QueryChunkTables(pool);
  const a = first.table();
  for (let c = 0; c < 1000; c++) a.add(slab.buffer, c % 32, 8);
  const grown = a.source;
  first.releaseAll();
  assert.equal(pool.size, 1, "the grown columns kept, not the ones it outgrew");
  const b = new QueryChunkTables(pool).table();
  assert.ok(b.source === grown, "the next table starts on the kept columns");
  for (let c = 0; c < 1000; c++) b.add(slab.buffer, (c * 7) % 32, 4);
  assert.ok(b.source === grown, "and holds as many chunks without growing");
  assert.equal(b.offset[999], (999 * 7) % 32);
  assert.equal(b.length[999], 4);
});

test("a released table writes only into columns of its own: a fetch still loading after its query failed cannot touch another query's", () => {
  const pool = new ChunkColumnsPool();
  const slab = new Uint8Array(new SharedArrayBuffer(64));
  const tables = new QueryChunkTables(pool);
  const late = tables.table();
  for (let c = 0; c < 100; c++) late.add(slab.buffer, 1, 1);
  tables.releaseAll();
  const next = new QueryChunkTables(pool).table();
  for (let c = 0; c < 100; c++) next.add(slab.buffer, 2, 2);
  for (let c = 0; c < 300; c++) late.add(slab.buffer, 9, 9);
  assert.ok(next.offset.subarray(0, 100).every((x) => x === 2) && next.length.subarray(0, 100).every((x) => x === 2));
  assert.equal(late.size, 300, "the released table starts over on columns of its own");
  assert.ok(late.source !== next.source);
});

test("a pool keeps at most four column sets, the largest, and none bigger than it caps", () => {
  const pool = new ChunkColumnsPool();
  for (const n of [64, 128, 4096, 256, 1024, 1 << 19]) {
    pool.give({ source: new Int32Array(n), offset: new Float64Array(n), length: new Float64Array(n), minTime: new Float64Array(n), maxTime: new Float64Array(n), maxGap: new Float64Array(n) });
  }
  assert.equal(pool.size, 4);
  assert.equal(pool.take(1).source.length, 128, "the smallest set that holds the chunks asked for (64 was dropped as the smallest of five)");
  assert.equal(pool.take(2000).source.length, 4096);
  assert.equal(pool.take(1 << 19).source.length, 1 << 19, "a set over the cap was not kept: a new one");
});

test("a table decodes a chunk in place when its block has room after it, else through a padded copy: the same samples either way", () => {
  const bytes = chunkOf(50);
  // One chunk mid-block (garbage after it), one ending exactly at the block's end.
  const block = new Uint8Array(new SharedArrayBuffer(bytes.length * 2 + 64)).fill(0xa5);
  block.set(bytes, 16);
  block.set(bytes, block.length - bytes.length);
  const table = new ChunkTable();
  const mid = table.add(block.buffer, 16, bytes.length);
  const end = table.add(block.buffer, block.length - bytes.length, bytes.length);
  for (const [c, inPlace] of [[mid, true], [end, false]] as const) {
    const it = new XorChunkIterator(new Uint8Array(2));
    const t = new Float64Array(50);
    const v = new Float64Array(50);
    assert.equal(table.decode(c, -Infinity, Infinity, t, v, 0, it), 50);
    assert.deepEqual(Array.from(t), Array.from({ length: 50 }, (_, i) => i * 1000));
    assert.deepEqual(Array.from(v), Array.from({ length: 50 }, (_, i) => i));
    assert.equal(it.byteScratch(0).bytes.length === 0, inPlace, inPlace ? "read in place" : "copied");
  }
});
