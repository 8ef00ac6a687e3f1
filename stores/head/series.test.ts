import { test } from "node:test";
import assert from "node:assert/strict";
import { ByteSlab, SeriesFloats } from "./series.js";

test("ByteSlab copies are equal to their source, independent of it and of each other", () => {
  const slab = new ByteSlab();
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array([4, 5]);
  const ca = slab.copy(a);
  const cb = slab.copy(b);
  a[0] = 9;
  b[1] = 9;
  assert.deepEqual([...ca], [1, 2, 3]);
  assert.deepEqual([...cb], [4, 5]);
  cb[0] = 7;
  assert.deepEqual([...ca], [1, 2, 3]);
  // Small copies share a block; a copy too big for one gets its own buffer.
  assert.equal(ca.buffer, cb.buffer);
  const big = slab.copy(new Uint8Array(10_000).fill(3));
  assert.notEqual(big.buffer, ca.buffer);
  assert.equal(big.length, 10_000);
});

test("ByteSlab starts a new block when the current one is full, leaving earlier copies intact", () => {
  const slab = new ByteSlab();
  const copies: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) copies.push(slab.copy(new Uint8Array(1000).fill(i)));
  for (let i = 0; i < 100; i++) assert.ok(copies[i]!.every((x) => x === i), `copy ${i}`);
  assert.notEqual(copies[0]!.buffer, copies[99]!.buffer);
});

test("ByteSlab blocks start at 1 KiB and double up to 64 KiB: a one-series read does not zero 64 KiB", () => {
  const slab = new ByteSlab();
  const sizes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const c = slab.copy(new Uint8Array(600));
    if (sizes[sizes.length - 1] !== c.buffer.byteLength || i === 0) sizes.push(c.buffer.byteLength);
  }
  assert.deepEqual([...new Set(sizes)], [1024, 2048, 4096, 8192, 16384, 32768, 65536]);
});

// The decoded tail of the open chunk (issue 19): a read near now gets the samples the chunk's bytes hold, undecoded.
import { decodeXorChunk, isStaleNaN, STALE_NAN, FloatBits, XorChunk } from "../../storeapi/index.js";
import type { AggrChunk, NativeHistogram } from "../../storeapi/index.js";
import { ChunkArena } from "./arena.js";
import { MemSeries, TAIL_OBJECT_BYTES, TAIL_SAMPLES } from "./series.js";
import { SERIES_EXTRAS_BYTES } from "./heap-sizes.js";
import { rng } from "./test-helpers.js";

/** The one chunk's samples in [mint, maxt], decoded from its bytes. */
function decodedFromBytes(chunk: AggrChunk, mint: number, maxt: number): { t: Float64Array; v: Float64Array } {
  const t = new Float64Array(200);
  const v = new Float64Array(200);
  const n = decodeXorChunk(chunk.raw!.data, mint, maxt, t, v, 0);
  return { t: t.subarray(0, n), v: v.subarray(0, n) };
}

/** Bit patterns read straight from the typed array (a number[] would quiet NaN payloads), so stale markers are told apart. */
const bits = (xs: Float64Array): number[] => Array.from(new Uint32Array(xs.buffer, xs.byteOffset, 2 * xs.length));

test("the open chunk's decoded tail equals decoding its bytes, across chunk cuts, stale markers and later appends", () => {
  const random = rng(19);
  const arena = new ChunkArena();
  const scratch = new XorChunk(16, new FloatBits());
  const s = new MemSeries(1, [], 0);
  const chunkRange = 7_200_000;
  let t = 1_000_000;
  let served = 0;
  let servedAcrossCut = 0;
  let staleServed = 0;
  for (let i = 0; i < 700; i++) {
    t += random() < 0.1 ? 1 + Math.floor(random() * 60_000) : 15_000;
    const v = random() < 0.05 ? STALE_NAN : random() < 0.03 ? NaN : Math.round(random() * 1000) / 10;
    s.append(t, v, chunkRange, arena, scratch);
    if (i % 7 !== 0) continue;
    // Windows ending at the newest sample and inside the series, short and long.
    for (const span of [1, 60_000, 300_000, 600_000, 3_600_000]) {
      for (const end of [t, t - 20_000]) {
        const mint = end - span;
        const chunks = s.chunksIn(mint, end, arena, new ByteSlab(), true);
        const overlapping = s.chunksIn(-Infinity, Infinity, arena).filter((c) => c.maxTime >= mint && c.minTime <= end);
        assert.deepEqual(chunks.map((c) => [c.minTime, c.maxTime]), overlapping.map((c) => [c.minTime, c.maxTime]), "the chunks overlapping the range");
        assert.equal(s.hasDataIn(mint, end), overlapping.length > 0);
        // Every chunk carrying decoded samples carries exactly what decoding its bytes over the range gives.
        for (const c of chunks) {
          const d = c.raw!.decoded;
          if (d === undefined) continue;
          const want = decodedFromBytes(c, mint, end);
          assert.equal(d.minTime, mint);
          assert.equal(d.maxTime, end);
          assert.deepEqual([...d.t], [...want.t], `timestamps at sample ${i}, span ${span}`);
          assert.deepEqual(bits(d.v), bits(want.v), `values at sample ${i}, span ${span}`);
          for (const x of d.v) if (isStaleNaN(x)) staleServed++;
        }
        if (chunks.length === 0 || chunks.some((c) => c.raw!.decoded === undefined)) continue;
        served++;
        if (chunks.length > 1) servedAcrossCut++;
      }
    }
  }
  assert.ok(served > 300, `the tail served ${served} reads`);
  assert.ok(servedAcrossCut > 20, `reads over a chunk cut served whole: ${servedAcrossCut}`);
  assert.ok(staleServed > 10, `stale markers among them: ${staleServed}`);
});

test("a decoded tail handed to a reader does not change with later appends", () => {
  const arena = new ChunkArena();
  const scratch = new XorChunk(16, new FloatBits());
  const s = new MemSeries(1, [], 0);
  for (let i = 0; i < 10; i++) s.append(i * 1000, i, 7_200_000, arena, scratch);
  const read = s.chunksIn(4500, 9000, arena, new ByteSlab(), true)[0]!;
  const got = read.raw!.decoded!;
  // Enough appends to move the open chunk to a bigger buffer.
  for (let i = 10; i < 100; i++) s.append(i * 1000, -i, 7_200_000, arena, scratch);
  assert.deepEqual([...got.t], [5000, 6000, 7000, 8000, 9000]);
  assert.deepEqual([...got.v], [5, 6, 7, 8, 9]);
  // The bytes beside them, first asked for only now, are still the chunk as the read found it.
  const then = new XorChunk();
  for (let i = 0; i < 10; i++) then.append(i * 1000, i);
  assert.deepEqual(read.raw!.data, then.bytes());
  assert.deepEqual(decodedFromBytes(read, 4500, 9000).t, got.t);
});

test("the tail is not used when it does not reach back to the range's start, nor without being asked", () => {
  const arena = new ChunkArena();
  const scratch = new XorChunk(16, new FloatBits());
  const s = new MemSeries(1, [], 0);
  for (let i = 0; i < 100; i++) s.append(i * 1000, i, 7_200_000, arena, scratch);
  // The ring holds the last TAIL_SAMPLES samples: 68..99 s.
  const oldest = (100 - TAIL_SAMPLES) * 1000;
  assert.equal(s.chunksIn(oldest, 99_000, arena, new ByteSlab(), true)[0]!.raw!.decoded, undefined, "sample 67 s is not held");
  assert.deepEqual([...s.chunksIn(oldest + 1, 99_000, arena, new ByteSlab(), true)[0]!.raw!.decoded!.t].length, TAIL_SAMPLES - 1);
  assert.equal(s.chunksIn(90_000, 99_000, arena, new ByteSlab(), false)[0]!.raw!.decoded, undefined);
  assert.equal(s.chunksIn(0, 99_000, arena, new ByteSlab(), true)[0]!.raw!.decoded, undefined, "the range takes the whole chunk");
});

test("histogram chunks and chunks with start timestamps carry no decoded tail; truncation drops it", () => {
  const arena = new ChunkArena();
  const scratch = new XorChunk(16, new FloatBits());
  const h: NativeHistogram = { float: false, schema: 0, zeroThreshold: 0, zeroCount: 0, count: 1, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [1], negativeSpans: [], negativeBuckets: [] } as unknown as NativeHistogram;
  const hs = new MemSeries(1, [], 0);
  for (let i = 0; i < 5; i++) hs.appendHistogram(i * 1000, h, 7_200_000, arena);
  assert.equal(hs.chunksIn(2000, 4000, arena, new ByteSlab(), true)[0]!.raw!.decoded, undefined);
  const st = new MemSeries(2, [], 0);
  for (let i = 0; i < 5; i++) st.append(i * 1000, i, 7_200_000, arena, scratch, 1);
  const raw = st.chunksIn(2000, 4000, arena, new ByteSlab(), true)[0]!.raw!;
  assert.equal(raw.decoded, undefined);
  assert.ok(raw.startTimestamps !== undefined);
  const s = new MemSeries(3, [], 0);
  for (let i = 0; i < 5; i++) s.append(i * 1000, i, 7_200_000, arena, scratch);
  s.lastT = s.commitT;
  const before = s.residentBytes();
  s.chunksIn(2000, 4000, arena, new ByteSlab(), true);
  assert.equal(s.residentBytes(), before + 2 * TAIL_SAMPLES * 8 + TAIL_OBJECT_BYTES, "the tail counts in the memory estimate");
  s.truncateBefore(10_000, arena);
  assert.equal(s.residentBytes(), new MemSeries(4, [], 0).residentBytes() + SERIES_EXTRAS_BYTES, "truncation let the tail go with the open chunk (the extras object stays)");
});

test("a first read over a chunk cut, the open chunk short, is served whole: the ring is filled from the chunk before too", () => {
  const arena = new ChunkArena();
  const scratch = new XorChunk(16, new FloatBits());
  const s = new MemSeries(1, [], 0);
  // 120 samples cut the first chunk; the open one holds 10.
  for (let i = 0; i < 130; i++) s.append(i * 1000, i, 7_200_000, arena, scratch);
  const chunks = s.chunksIn(115_000, 129_000, arena, new ByteSlab(), true);
  assert.equal(chunks.length, 2);
  assert.deepEqual(chunks.map((c) => [...c.raw!.decoded!.t]), [[115_000, 116_000, 117_000, 118_000, 119_000], Array.from({ length: 10 }, (_, i) => (120 + i) * 1000)]);
  assert.deepEqual([...chunks[0]!.raw!.decoded!.v], [115, 116, 117, 118, 119]);
  // The ring holds the last TAIL_SAMPLES samples; a read from the sample before them is not served, its closed chunk's samples may be missing.
  const further = s.chunksIn((130 - TAIL_SAMPLES - 1) * 1000, 129_000, arena, new ByteSlab(), true);
  assert.equal(further[0]!.raw!.decoded, undefined);
  assert.deepEqual(further[1]!.raw!.decoded!.t.length, 10, "the open chunk, held whole, still is");
});

test("series keep their times and values in the shared SeriesFloats across its pages, and a removed one keeps them when its slot is reused", () => {
  const floats = new SeriesFloats(2);
  const all = Array.from({ length: 100 }, (_, i) => new MemSeries(i + 1, [], 0, floats));
  all.forEach((s, i) => {
    assert.equal(s.lastT, -Infinity);
    s.lastT = 1000 * i;
    s.lastV = i + 0.5;
    s.commitT = 1000 * i - 1;
  });
  const gone = all[7]!;
  gone.detachFloats(floats);
  const next = new MemSeries(101, [], 0, floats);
  assert.deepEqual([next.lastT, next.lastV, next.commitT, next.commitV], [-Infinity, 0, -Infinity, 0], "a reused slot starts afresh");
  next.lastT = 1;
  next.lastV = 2;
  assert.deepEqual([gone.lastT, gone.lastV, gone.commitT], [7000, 7.5, 6999], "the removed series still reads its own");
  all.forEach((s, i) => i !== 7 && assert.deepEqual([s.lastT, s.lastV, s.commitT], [1000 * i, i + 0.5, 1000 * i - 1]));
  assert.equal(floats.slots, 2 + 4 + 8 + 16 + 32 + 64, "pages of 2, 4 … 64 slots for 100 series, the freed slot reused");
});
