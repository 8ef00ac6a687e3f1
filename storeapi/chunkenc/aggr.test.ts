import { test } from "node:test";
import assert from "node:assert/strict";
import { ChunkEncoding, type AggrChunk } from "../types.js";
import { XorChunk } from "./index.js";
import { decodeAggrChunk, encodeAggrChunk } from "./aggr.js";
import { AggregateReader, aggregateSamples } from "../downsampled.js";

function xor(points: readonly [number, number][]): { encoding: ChunkEncoding; data: Uint8Array } {
  const c = new XorChunk();
  for (const [t, v] of points) c.append(t, v);
  return { encoding: ChunkEncoding.XOR, data: c.bytes().slice() };
}

test("aggregate chunk: uvarint length, encoding byte, bytes per sub-chunk in Thanos's order; 0 marks an absent one", () => {
  const count = xor([[1000, 3]]);
  const max = xor([[1000, 7]]);
  const b = encodeAggrChunk({ max, count });
  const want = [count.data.length, 1, ...count.data, 0, 0, max.data.length, 1, ...max.data, 0];
  assert.deepEqual([...b], want);
  const parts = decodeAggrChunk(b);
  assert.deepEqual(Object.keys(parts).sort(), ["count", "max"]);
  assert.deepEqual([...parts.count!.data], [...count.data]);
  assert.deepEqual([...parts.max!.data], [...max.data]);
});

test("aggregate chunk: a sub-chunk of 200 bytes takes a two-byte length", () => {
  const pts: [number, number][] = [];
  for (let i = 0; i < 40; i++) pts.push([i * 1000, Math.random()]);
  const sum = xor(pts);
  assert.ok(sum.data.length >= 128);
  const b = encodeAggrChunk({ sum });
  assert.equal(b[0], 0, "count absent");
  assert.equal(b[1]! & 0x80, 0x80, "length continues into a second byte");
  assert.equal(((b[1]! & 0x7f) | (b[2]! << 7)), sum.data.length);
  assert.deepEqual([...decodeAggrChunk(b).sum!.data], [...sum.data]);
});

test("aggregate chunk: truncated or foreign bytes fail naming the sub-chunk", () => {
  const b = encodeAggrChunk({ count: xor([[1, 1]]), sum: xor([[1, 2]]) });
  assert.throws(() => decodeAggrChunk(b.subarray(0, b.length - 5)), /sum sub-chunk: .* claimed/);
  assert.throws(() => decodeAggrChunk(new Uint8Array([0x80])), /count sub-chunk: bad or truncated length/);
  const bad = b.slice();
  bad[1] = 2;
  assert.throws(() => decodeAggrChunk(bad), /count sub-chunk has encoding 2/);
});

test("counter aggregate read as a counter: orrery's raw-valued points pass through; Thanos's corrected ones carry their drop as an offset", () => {
  // Raw 10,20,30,5,8 | 12: Thanos writes the first raw value, the window's corrected total, and the last raw value at the repeated time.
  const thanos: AggrChunk[] = [
    { minTime: 15_000, maxTime: 299_999, counter: xor([[15_000, 10], [299_999, 38], [299_999, 8]]) },
    { minTime: 375_000, maxTime: 599_999, counter: xor([[375_000, 12], [599_999, 12], [599_999, 12]]) },
  ];
  const t = aggregateSamples(thanos, "counter", -Infinity, Infinity);
  assert.deepEqual([...t.ts], [15_000, 299_999, 375_000, 599_999]);
  // 10 → 42: the reset-corrected increase of the raw samples is 32.
  assert.deepEqual([...t.vs], [10, 38, 42, 42]);
  const ours: AggrChunk[] = [{ minTime: 15, maxTime: 375, counter: xor([[15, 10], [135, 30], [195, 5], [375, 12], [375, 12]]) }];
  const o = aggregateSamples(ours, "counter", -Infinity, Infinity);
  assert.deepEqual([...o.vs], [10, 30, 5, 12]);
});

test("aggregateSamples: raw chunks stand for themselves (count: 1 per sample, stale markers dropped); avg is sum / count; tiers join without overlap", () => {
  const staleBits = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;
  const raw: AggrChunk = { minTime: 0, maxTime: 120, raw: xor([[0, 4], [60, staleBits], [120, 6]]) };
  const down: AggrChunk = { minTime: 100, maxTime: 599, count: xor([[120, 9], [599, 2]]), sum: xor([[120, 90], [599, 5]]) };
  const c = aggregateSamples([raw, down], "count", -Infinity, Infinity);
  assert.deepEqual([...c.ts], [0, 120, 599]);
  assert.deepEqual([...c.vs], [1, 1, 2]);
  const a = aggregateSamples([raw, down], "avg", 100, Infinity);
  assert.deepEqual([...a.ts], [120, 599]);
  assert.deepEqual([...a.vs], [6, 2.5]);
  assert.throws(() => aggregateSamples([down], "min", 0, 1000), /chunk 0 \[100, 599\] has no min aggregate/);
});

test("AggregateReader: chunk by chunk as aggregateSamples, the overlap and range cuts and the counter offset carried across appends", () => {
  // A Thanos counter chunk whose reset-corrected points ran 5 above the raw value: the offset carries into the next chunk.
  const down: AggrChunk = { minTime: 0, maxTime: 599, counter: xor([[0, 1], [299, 4], [300, 5], [599, 14], [599, 9]]) };
  const next: AggrChunk = { minTime: 600, maxTime: 899, counter: xor([[600, 10], [899, 12], [899, 12]]) };
  const overlapped: AggrChunk = { minTime: 500, maxTime: 950, raw: xor([[500, 8], [899, 12], [950, 13]]) };
  const late: AggrChunk = { minTime: 960, maxTime: 990, raw: xor([[960, 14], [990, 15]]) };
  const chunks = [down, next, overlapped, late];
  const reader = new AggregateReader("counter", 100, 970);
  const ts = new Float64Array(chunks.reduce((n, c) => n + AggregateReader.bound(c, "counter"), 0));
  const vs = new Float64Array(ts.length);
  const lengths: number[] = [];
  let n = 0;
  chunks.forEach((c, i) => lengths.push((n = reader.append(c, i, ts, vs, n))));
  assert.deepEqual(lengths, [3, 5, 6, 7]);
  assert.deepEqual([...ts.subarray(0, n)], [299, 300, 599, 600, 899, 950, 960]);
  assert.deepEqual([...vs.subarray(0, n)], [4, 5, 14, 15, 17, 13, 14]);
  const all = aggregateSamples(chunks, "counter", 100, 970);
  assert.deepEqual([...all.ts], [...ts.subarray(0, n)]);
  assert.deepEqual([...all.vs], [...vs.subarray(0, n)]);
});

test("aggregateSamples: a corrupt sub-chunk or raw chunk fails naming the chunk", () => {
  const good = xor([[0, 1], [60, 2], [120, 3]]);
  const cut = { encoding: ChunkEncoding.XOR, data: good.data.subarray(0, good.data.length - 2) };
  assert.throws(() => aggregateSamples([{ minTime: 0, maxTime: 120, counter: cut }], "counter", 0, 200), /^Error: chunk 0: counter aggregate: unexpected end of XOR chunk/);
  assert.throws(() => aggregateSamples([{ minTime: 0, maxTime: 120, raw: good }, { minTime: 130, maxTime: 250, raw: cut }], "max", 0, 300), /^Error: chunk 1: raw: unexpected end/);
});

test("aggregate chunk of a native histogram series (Thanos): histogram sum and counter sub-chunks decode; a histogram min does not", () => {
  const h = { encoding: ChunkEncoding.FloatHistogram, data: new Uint8Array([0, 1, 0x40]) };
  const parts = decodeAggrChunk(encodeAggrChunk({ count: xor([[1, 1]]), sum: h, counter: h }));
  assert.equal(parts.sum!.encoding, ChunkEncoding.FloatHistogram);
  assert.equal(parts.counter!.encoding, ChunkEncoding.FloatHistogram);
  assert.equal(parts.min, undefined);
  assert.throws(() => decodeAggrChunk(encodeAggrChunk({ count: xor([[1, 1]]), min: h })), /min sub-chunk has encoding 3; XOR \(1\) is defined$/);
});
