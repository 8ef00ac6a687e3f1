import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore, STALE_NAN, XorChunk } from "../../storeapi/index.js";
import { Engine } from "../index.js";
import { call, range, sel } from "../testing.js";
import type { MatrixValue, VectorValue } from "../types.js";
import { DecodeScratch, SampleBuffer } from "./sample_buffer.js";
import { chunkRunOf } from "./chunk_table.js";

test("DecodeScratch hands out zeroed, non-overlapping arrays; big ones are allocated alone", () => {
  const s = new DecodeScratch();
  const a = s.take(100);
  a.fill(1);
  const b = s.take(50);
  assert.equal(b.length, 50);
  assert.ok(b.every((x) => x === 0));
  assert.equal(a.buffer, b.buffer);
  const big = s.take(5000);
  assert.equal(big.length, 5000);
  assert.notEqual(big.buffer, a.buffer);
  // Past a block's end a new block starts; earlier arrays keep their values.
  const many: Float64Array[] = [];
  for (let i = 0; i < 200; i++) many.push(s.take(1000).fill(i));
  for (let i = 0; i < 200; i++) assert.ok(many[i]!.every((x) => x === i));
  assert.ok(a.every((x) => x === 1));
});

test("DecodeScratch blocks grow from 4K floats, doubling up to 64K: a small fetch does not zero half a megabyte", () => {
  const s = new DecodeScratch();
  const sizes: number[] = [];
  for (let i = 0; i < 300; i++) {
    const a = s.take(1000);
    if (sizes[sizes.length - 1] !== a.buffer.byteLength / 8) sizes.push(a.buffer.byteLength / 8);
  }
  assert.deepEqual(sizes.slice(0, 6), [4096, 8192, 16384, 32768, 65536]);
});

// Many series of several chunks each: the buffers of one fetch share the scratch and must not mix.
function manySeries(): MemoryStore {
  const s = new MemoryStore();
  const n = 400;
  const t = Array.from({ length: n }, (_, i) => i * 15_000);
  for (let k = 0; k < 300; k++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = k * 10_000 + i;
    s.add([{ name: "__name__", value: "m" }, { name: "k", value: String(k).padStart(3, "0") }], t, v);
  }
  return s;
}

test("series decoded with a shared scratch keep their own samples (instant and range)", async () => {
  const store = manySeries();
  const end = 399 * 15_000;
  const inst = await new Engine().exprQuery(store, "q", sel("m"), end, end, 0).exec();
  const samples = (inst.value as VectorValue).samples;
  assert.equal(samples.length, 300);
  for (let k = 0; k < 300; k++) assert.equal(samples[k]!.v, k * 10_000 + 399);
  const r = await new Engine().exprQuery(store, "q", call("max_over_time", range(sel("m"), 60)), 0, end, 300_000).exec();
  const series = (r.value as MatrixValue).series;
  assert.equal(series.length, 300);
  for (let k = 0; k < 300; k++) {
    const s = series[k]!;
    for (let j = 0; j < s.t.length; j++) assert.equal(s.v[j], k * 10_000 + s.t[j]! / 15_000, `series ${k} at ${s.t[j]}`);
  }
});

test("a buffer with a scratch grows by the samples in range only, and drops stale markers when asked", () => {
  const c = new XorChunk();
  for (let i = 0; i < 120; i++) c.append(i * 1000, i === 115 ? STALE_NAN : i);
  const bytes = c.bytes();
  const scratch = new DecodeScratch();
  const keep = new SampleBuffer({ chunks: chunkRunOf([bytes]), minTime: 110_000, maxTime: 200_000, scratch }, false);
  keep.fill(Infinity);
  assert.equal(keep.len, 10);
  assert.equal(keep.t.length, 10, "sized to the 10 samples in range, not the chunk's 120");
  assert.deepEqual(Array.from(keep.t), Array.from({ length: 10 }, (_, i) => (110 + i) * 1000));
  const drop = new SampleBuffer({ chunks: chunkRunOf([bytes, bytes]), minTime: 110_000, maxTime: 200_000, scratch }, true);
  drop.fill(Infinity);
  // Both chunks decode (the same bytes twice): 9 samples each without the stale marker.
  assert.equal(drop.len, 18);
  assert.deepEqual(Array.from(drop.v.subarray(0, 9)), [110, 111, 112, 113, 114, 116, 117, 118, 119]);
  const none = new SampleBuffer({ chunks: chunkRunOf([bytes]), minTime: 500_000, maxTime: 600_000, scratch }, false);
  none.fill(Infinity);
  assert.equal(none.len, 0);
});

test("a buffer with room for a whole chunk decodes it straight into itself (not through the scratch), in range and without stale markers", () => {
  // Eight chunks of 10 samples at 1 s: the buffer grows to 10, 20, 40, 80, so chunks 4, 6, 7 and 8 find room.
  const chunks: Uint8Array[] = [];
  for (let c = 0; c < 8; c++) {
    const x = new XorChunk();
    for (let i = 0; i < 10; i++) {
      const k = c * 10 + i;
      x.append(k * 1000, k % 7 === 3 ? STALE_NAN : k);
    }
    chunks.push(x.bytes().slice());
  }
  const scratch = new DecodeScratch();
  const buf = new SampleBuffer({ chunks: chunkRunOf(chunks), minTime: 2000, maxTime: 76_000, scratch }, true);
  buf.fill(Infinity);
  const want = Array.from({ length: 80 }, (_, k) => k).filter((k) => k >= 2 && k <= 76 && k % 7 !== 3);
  assert.deepEqual(Array.from(buf.t.subarray(0, buf.len)), want.map((k) => k * 1000));
  assert.deepEqual(Array.from(buf.v.subarray(0, buf.len)), want);
  // The last chunk went straight into the buffer: the scratch never held its samples.
  assert.ok(!scratch.t.includes(75_000), "chunk 8 was not decoded into the scratch");
});

test("a released buffer's arrays are reused by the next buffer that grows, and it reads nothing more", () => {
  const c = new XorChunk();
  for (let i = 0; i < 120; i++) c.append(i * 1000, i);
  const bytes = c.bytes();
  const scratch = new DecodeScratch();
  const first = new SampleBuffer({ chunks: chunkRunOf([bytes]), minTime: 0, maxTime: 119_000, scratch }, true);
  first.fill(Infinity);
  const arrays = first.t;
  first.release();
  first.fill(Infinity);
  assert.equal(first.len, 0, "a released buffer decodes nothing again");
  const next = new SampleBuffer({ chunks: chunkRunOf([bytes]), minTime: 60_000, maxTime: 119_000, scratch }, true);
  next.fill(Infinity);
  assert.equal(next.t, arrays, "the released arrays serve the next buffer");
  assert.deepEqual(Array.from(next.v.subarray(0, next.len)), Array.from({ length: 60 }, (_, i) => 60 + i));
});

test("an instant range function over series sharing a scratch gives each series its own window", async () => {
  const store = manySeries();
  const end = 399 * 15_000;
  const r = await new Engine().exprQuery(store, "q", call("max_over_time", range(sel("m"), 3600)), end, end, 0).exec();
  const samples = (r.value as VectorValue).samples;
  assert.equal(samples.length, 300);
  for (let k = 0; k < 300; k++) assert.equal(samples[k]!.v, k * 10_000 + 399);
  const first = await new Engine().exprQuery(store, "q", call("min_over_time", range(sel("m"), 3600)), end, end, 0).exec();
  const mins = (first.value as VectorValue).samples;
  for (let k = 0; k < 300; k++) assert.equal(mins[k]!.v, k * 10_000 + 400 - 240, `series ${k}`);
});
