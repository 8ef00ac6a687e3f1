import { test } from "node:test";
import assert from "node:assert/strict";
import { ChunkEncoding, MemoryStore, STALE_NAN, XorChunk, type AggrChunk } from "../../storeapi/index.js";
import { Engine } from "../index.js";
import { call, range, sel } from "../testing.js";
import type { MatrixValue } from "../types.js";
import { DecodeScratch, SampleBuffer, seriesInput } from "./sample_buffer.js";
import { chunkRunOf, NO_CHUNKS } from "./chunk_table.js";

// 2,000 samples at 15s: 17 chunks, so windows slide across chunk boundaries and the buffer compacts.
function longStore(): MemoryStore {
  const s = new MemoryStore();
  const n = 2000;
  const t = Array.from({ length: n }, (_, i) => i * 15_000);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = i % 500 === 250 ? STALE_NAN : i;
  s.add([{ name: "__name__", value: "m" }], t, v);
  return s;
}

test("a sliding window over many chunks sees exactly the samples in (t - range, t]", async () => {
  const end = 1999 * 15_000;
  const r = await new Engine().exprQuery(longStore(), "q", call("count_over_time", range(sel("m"), 300)), 0, end, 60_000).exec();
  const s = (r.value as MatrixValue).series[0]!;
  for (let k = 0; k < s.t.length; k++) {
    const t = s.t[k]!;
    let expected = 0;
    for (let i = 0; i < 2000; i++) {
      const ts = i * 15_000;
      if (ts > t - 300_000 && ts <= t && i % 500 !== 250) expected++;
    }
    assert.equal(s.v[k], expected, `at ${t}`);
  }
});

test("an instant selector across many chunks returns the latest sample", async () => {
  const r = await new Engine().exprQuery(longStore(), "q", sel("m"), 0, 1999 * 15_000, 45_000).exec();
  const s = (r.value as MatrixValue).series[0]!;
  for (let k = 0; k < s.t.length; k++) {
    const i = Math.floor(s.t[k]! / 15_000);
    assert.equal(s.v[k], i, `at ${s.t[k]}`);
  }
  // Steps whose latest sample is the stale marker have no value.
  assert.ok(!s.t.includes(250 * 15_000));
});

test("an aggregate read decodes chunk by chunk: the buffer holds the steps' windows, not the series, and its raw counts follow compaction", () => {
  // 40 tier chunks of 12 windows (1h each at 5m), orrery's counter layout: each window's first and last raw sample, 20 raw samples a window.
  const MIN = 60_000;
  const chunks: AggrChunk[] = [];
  for (let c = 0; c < 40; c++) {
    const count = new XorChunk();
    const counter = new XorChunk();
    for (let w = 1; w <= 12; w++) {
      const end = (c * 12 + w) * 5 * MIN;
      count.append(end, 20);
      counter.append(end - 285_000, end / 1000 - 285);
      counter.append(end, end / 1000);
    }
    const last = (c + 1) * 12 * 5 * MIN;
    counter.append(last, last / 1000);
    const xor = (x: XorChunk) => ({ encoding: ChunkEncoding.XOR, data: x.bytes().slice() });
    chunks.push({ minTime: c * 60 * MIN + 15_000, maxTime: last, count: xor(count), counter: xor(counter) });
  }
  const b = new SampleBuffer({ chunks: NO_CHUNKS, minTime: 0, maxTime: 40 * 60 * MIN, aggregate: { chunks, read: "counter", rawCounts: true } }, true);
  b.fill(90 * MIN);
  assert.ok(b.len <= 3 * 24, `${b.len} points after the second chunk's first windows`);
  let most = b.len;
  for (let step = 2; step <= 40; step++) {
    const ref = step * 60 * MIN;
    b.fill(ref);
    // The range function's window (ref - 1h, ref], and its raw samples from the cumulative counts.
    let s = b.a;
    while (s < b.len && b.t[s]! <= ref - 60 * MIN) s++;
    let e = s;
    while (e < b.len && b.t[e]! <= ref) e++;
    b.a = s;
    b.keep = s > 0 ? s - 1 : 0;
    assert.equal(e - s, 24, `points in the window ending at ${ref}`);
    assert.equal(b.rawCounts![e - 1]! - b.rawCounts![s - 1]!, 240, `raw samples in the window ending at ${ref}`);
    most = Math.max(most, b.len);
  }
  assert.ok(most <= 4 * 25, `at most ${most} points held at once, of 960`);
});

test("a read to the end (an instant window) reserves the later chunks once and decodes them in place, stale markers dropped", () => {
  const chunks = [0, 1, 2].map((c) => {
    const x = new XorChunk();
    for (let i = 0; i < 120; i++) x.append((c * 120 + i) * 1000, c === 2 && i === 5 ? STALE_NAN : c * 120 + i);
    return x.bytes();
  });
  // From sample 80 of the first chunk to the end: 40 + 120 + 119 samples, no stale marker.
  const b = new SampleBuffer({ chunks: chunkRunOf(chunks), minTime: 80_000, maxTime: 359_000 }, true);
  b.fill(359_000);
  assert.equal(b.len, 279);
  assert.equal(b.t.length, 40 + 240, "one reservation: the first chunk's samples in range and the later chunks' whole");
  const expected = Array.from({ length: 280 }, (_, i) => 80 + i).filter((i) => i !== 245);
  assert.deepEqual(Array.from(b.v.subarray(0, b.len)), expected);
  assert.deepEqual(Array.from(b.t.subarray(0, b.len)), expected.map((i) => i * 1000));
});

test("a chunk whose successor starts at or before the step is skipped undecoded; one the step still needs is read", () => {
  // Chunks of 120 samples at 1s: [0, 119] s, [120, 239] s, [240, 359] s; a 5-minute window ending at 250 s.
  const chunks = [0, 1, 2].map((c) => {
    const x = new XorChunk();
    for (let i = 0; i < 120; i++) x.append((c * 120 + i) * 1000, c * 120 + i);
    return x.bytes();
  });
  const b = new SampleBuffer({ chunks: chunkRunOf(chunks), minTime: -49_000, maxTime: 250_000 }, false);
  b.skipSuperseded(250_000);
  b.fill(250_000);
  assert.deepEqual(Array.from(b.t.subarray(0, b.len)), Array.from({ length: 11 }, (_, i) => (240 + i) * 1000), "only the last chunk's samples in range");
  // At 239 s the last chunk starts later: the middle one holds the latest sample and is read.
  const c = new SampleBuffer({ chunks: chunkRunOf(chunks), minTime: -49_000, maxTime: 250_000 }, false);
  c.skipSuperseded(239_000);
  c.fill(239_000);
  assert.equal(c.t[0], 120_000);
  assert.equal(c.t[c.len - 1], 250_000);
});

test("skipping superseded chunks over a store's decoded samples allocates nothing (no decode scratch a series)", () => {
  const t = Float64Array.from([1000, 2000]);
  const v = Float64Array.from([1, 2]);
  const buffers = Array.from({ length: 2000 }, () => new SampleBuffer({ chunks: NO_CHUNKS, minTime: 0, maxTime: 2000, decoded: { t, v } }, false));
  const before = process.memoryUsage().arrayBuffers;
  for (const b of buffers) b.skipSuperseded(2000);
  // A scratch a buffer would hold two 1 KiB sample arrays: 4 MB over these 2,000 buffers.
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 20, "no per-series scratch arrays");
  assert.deepEqual(Array.from(buffers[0]!.v.subarray(0, buffers[0]!.len)), [1, 2]);
});

test("a short read reserves its few later chunks with the first; a long one grows as the steps reach its chunks", () => {
  const chunksOf = (count: number): Uint8Array[] =>
    Array.from({ length: count }, (_, c) => {
      const x = new XorChunk();
      for (let i = 0; i < 120; i++) x.append((c * 120 + i) * 1000, c * 120 + i);
      return x.bytes();
    });
  const short = new SampleBuffer({ chunks: chunkRunOf(chunksOf(3)), minTime: 80_000, maxTime: 1_000_000 }, true);
  short.fill(100_000);
  assert.equal(short.t.length, 40 + 240, "the later 240 samples are reserved with the first chunk's 40");
  short.fill(Infinity);
  assert.equal(short.len, 280);
  assert.deepEqual(Array.from(short.v.subarray(0, short.len)), Array.from({ length: 280 }, (_, i) => 80 + i));
  const long = new SampleBuffer({ chunks: chunkRunOf(chunksOf(20)), minTime: 80_000, maxTime: 10_000_000 }, true);
  long.fill(100_000);
  assert.equal(long.t.length, 40, "2,280 later samples are not reserved up front");
  // Sliding on with a window of 10 samples: the last chunks (few samples by then) are not reserved midway either.
  let most = 0;
  for (let k = 1; k < 20; k++) {
    long.fill(k * 120_000 + 60_000);
    long.keep = long.a = long.b = long.len - 10;
    most = Math.max(most, long.t.length);
  }
  assert.ok(most <= 480, `the buffer stayed near a chunk and a window: ${most}`);
});

test("an instant read of raw chunks takes the latest sample in (ref − lookback, ref] straight from them, buffering nothing", () => {
  // Chunks of 120 samples at 1s: [0, 119] s, [120, 239] s, [240, 359] s; sample 300 is a stale marker.
  const chunks = [0, 1, 2].map((c) => {
    const x = new XorChunk();
    for (let i = 0; i < 120; i++) {
      const n = c * 120 + i;
      x.append(n * 1000, n === 300 ? STALE_NAN : n);
    }
    return x.bytes();
  });
  const lookback = 60_000;
  const latestAt = (ref: number): { found: number; t: number; v: number; len: number } => {
    const b = new SampleBuffer({ chunks: chunkRunOf(chunks), minTime: ref - lookback + 1, maxTime: ref }, false);
    const out = { t: 0, v: 0 };
    const found = b.readLatestFromChunks(ref, lookback, out);
    return { found, ...out, len: b.len };
  };
  assert.deepEqual(latestAt(250_000), { found: 1, t: 250_000, v: 250, len: 0 });
  // The latest chunk starts after the step: the one before holds the answer.
  assert.deepEqual(latestAt(239_500), { found: 1, t: 239_000, v: 239, len: 0 });
  // A stale marker is the latest sample: it is returned as such (the caller drops the series).
  const stale = latestAt(300_000);
  assert.equal(stale.t, 300_000);
  assert.ok(Number.isNaN(stale.v));
  // Nothing in the lookback (after the last sample by more than it).
  assert.equal(latestAt(359_000 + lookback).found, 0);
  assert.equal(latestAt(359_000 + lookback - 1).t, 359_000);
  // Samples decoded by a store are not raw chunks: the caller reads them through fill().
  const decoded = new SampleBuffer({ chunks: NO_CHUNKS, minTime: 0, maxTime: 2000, decoded: { t: Float64Array.of(1000), v: Float64Array.of(1) } }, false);
  assert.equal(decoded.readLatestFromChunks(2000, lookback, { t: 0, v: 0 }), -1);
});

test("a one-window read decodes in the fetch's shared scratch, stale markers dropped: buffers of one fetch share its arrays, none of their own", () => {
  const chunkOf = (from: number, n: number, stale = -1): Uint8Array => {
    const x = new XorChunk();
    for (let i = 0; i < n; i++) x.append((from + i) * 1000, from + i === stale ? STALE_NAN : from + i);
    return x.bytes();
  };
  const scratch = new DecodeScratch();
  const a = new SampleBuffer({ chunks: chunkRunOf([chunkOf(0, 120), chunkOf(120, 120, 130)]), minTime: 100_000, maxTime: 140_000, scratch }, true);
  assert.ok(a.fillOnceInScratch());
  assert.equal(a.len, 40, "samples 100..140 s without the stale marker at 130 s");
  assert.equal(a.t[0], 100_000);
  assert.equal(a.v[a.len - 1], 140);
  assert.equal(a.t, scratch.t, "the scratch's own array");
  const b = new SampleBuffer({ chunks: chunkRunOf([chunkOf(0, 10)]), minTime: 0, maxTime: 9000, scratch }, true);
  assert.ok(b.fillOnceInScratch());
  assert.equal(b.t, a.t, "the next buffer reuses it");
  assert.equal(b.len, 10);
  assert.equal(b.fillOnceInScratch(), false, "read already");
  assert.equal(a.mayHoldNonFinite, true, "a stale marker was decoded");
  assert.equal(b.mayHoldNonFinite, false, "every value decoded was finite");
  b.release();
  assert.equal(b.mayHoldNonFinite, true, "released: nothing known");
});

test("a selector's buffer reads presence from its chunks' gaps only while unread, every gap within the lookback, and its range holding every sample the references can take", () => {
  const chunkOf = (from: number, n: number): AggrChunk => {
    const x = new XorChunk();
    for (let i = 0; i < n; i++) x.append((from + i) * 15_000, i);
    return { minTime: from * 15_000, maxTime: (from + n - 1) * 15_000, raw: { encoding: ChunkEncoding.XOR, data: x.bytes(), maxGap: 15_000 } };
  };
  const lookback = 300_000;
  const refs = Float64Array.of(600_000, 630_000, 900_000);
  const buffer = (chunks: AggrChunk[], minTime: number, maxTime: number, dropStale = false): SampleBuffer => new SampleBuffer(seriesInput(chunks, minTime, maxTime), dropStale);
  const whole = [chunkOf(0, 40), chunkOf(40, 40)];
  assert.ok(buffer(whole, 600_000 - lookback + 1, 900_000).presenceRun(refs, lookback) !== undefined, "the fetch range of these references");
  assert.equal(buffer(whole, 600_000 - lookback + 2, 900_000).presenceRun(refs, lookback), undefined, "a range starting after the first reference's lookback");
  assert.equal(buffer(whole, 0, 899_999).presenceRun(refs, lookback), undefined, "a range ending before the last reference");
  assert.equal(buffer(whole, 0, 900_000, true).presenceRun(refs, lookback), undefined, "a buffer dropping stale markers (a range function's)");
  assert.equal(buffer(whole, 0, 900_000).presenceRun(refs, 14_999), undefined, "a gap longer than the lookback");
  const untold = [chunkOf(0, 40), { ...chunkOf(40, 40), raw: { encoding: ChunkEncoding.XOR, data: chunkOf(40, 40).raw!.data } }];
  assert.equal(buffer(untold, 0, 900_000).presenceRun(refs, lookback), undefined, "a chunk whose gap is untold");
  const read = buffer(whole, 0, 900_000);
  assert.ok(read.fillOnceInScratch());
  assert.equal(read.presenceRun(refs, lookback), undefined, "read already");
});
