import { test } from "node:test";
import assert from "node:assert/strict";
import type { Series, SeriesFrame, SeriesRequest } from "./types.js";
import { ChunkEncoding } from "./types.js";
import { MemoryStore } from "./memory-store.js";
import { labelsFromRecord as L, formatLabels } from "./labels.js";
import { MatcherError } from "./matchers.js";
import { mergeSeriesChunks, seriesSampleIterator } from "./series-iterator.js";
import {
  STALE_NAN,
  isStaleNaN,
  xorChunkNumSamples,
  XorChunk,
  HistogramChunkIterator,
  FloatHistogramChunkIterator,
  histogramChunkHeader,
  histogramChunkNumSamples,
} from "./chunkenc/index.js";
import { CounterResetHint, type NativeHistogram } from "./histogram.js";

async function collect(frames: AsyncIterable<SeriesFrame>): Promise<Series[]> {
  const out: Series[] = [];
  for await (const f of frames) out.push(...f.series);
  return out;
}

function req(over: Partial<SeriesRequest> = {}): SeriesRequest {
  return { minTime: -Infinity, maxTime: Infinity, matchers: [], ...over };
}

function samples(s: Series, mint = -Infinity, maxt = Infinity): [number, number][] {
  const it = seriesSampleIterator(s, mint, maxt);
  const out: [number, number][] = [];
  while (it.next()) out.push([it.t, it.v]);
  return out;
}

function fixture(): MemoryStore {
  const store = new MemoryStore({ frameSize: 2 });
  store.add(L({ __name__: "up", job: "b", instance: "1" }), [0, 10, 20], [1, 1, 0]);
  store.add(L({ __name__: "up", job: "a", instance: "1" }), [0, 10, 20], [1, 1, 1]);
  store.add(L({ __name__: "up", job: "a", instance: "2" }), [100], [5]);
  store.add(L({ __name__: "cpu", job: "a", mode: "idle" }), [5, 15], [3, 4]);
  return store;
}

test("series(): sorted by labels, filtered by matchers and time", async () => {
  const store = fixture();
  const all = await collect(store.series(req()));
  assert.deepEqual(all.map((s) => formatLabels(s.labels)), [
    '{__name__="cpu", job="a", mode="idle"}',
    '{__name__="up", instance="1", job="a"}',
    '{__name__="up", instance="1", job="b"}',
    '{__name__="up", instance="2", job="a"}',
  ]);
  const up = await collect(store.series(req({ matchers: [{ name: "__name__", op: "=", value: "up" }, { name: "job", op: "=~", value: "a|c" }] })));
  assert.equal(up.length, 2);
  const inRange = await collect(store.series(req({ minTime: 0, maxTime: 50, matchers: [{ name: "__name__", op: "=", value: "up" }] })));
  assert.equal(inRange.length, 2, "the series with only t=100 is outside");
  const missingLabel = await collect(store.series(req({ matchers: [{ name: "mode", op: "=", value: "" }] })));
  assert.equal(missingLabel.length, 3);
  assert.deepEqual(samples(all[1]!), [[0, 1], [10, 1], [20, 1]]);
  assert.equal(all[0]!.chunks[0]!.raw!.encoding, ChunkEncoding.XOR);
});

test("series(): equality matchers select through postings that follow later adds and external labels", async () => {
  const store = new MemoryStore({ externalLabels: L({ region: "eu" }) });
  store.add(L({ __name__: "up", job: "a", instance: "1" }), [0], [1]);
  store.add(L({ __name__: "up", job: "b", instance: "1" }), [0], [1]);
  const names = async (...matchers: SeriesRequest["matchers"]): Promise<string[]> =>
    (await collect(store.series(req({ matchers })))).map((s) => formatLabels(s.labels));
  assert.deepEqual(await names({ name: "__name__", op: "=", value: "up" }, { name: "job", op: "=", value: "b" }), [
    '{__name__="up", instance="1", job="b", region="eu"}',
  ]);
  assert.deepEqual(await names({ name: "job", op: "=", value: "c" }), [], "a value no series has");
  store.add(L({ __name__: "up", job: "b", instance: "0" }), [0], [1]);
  assert.deepEqual(
    await names({ name: "job", op: "=", value: "b" }, { name: "instance", op: "!=", value: "x" }),
    ['{__name__="up", instance="0", job="b", region="eu"}', '{__name__="up", instance="1", job="b", region="eu"}'],
    "a series added after a select is found, in label order",
  );
  assert.equal((await names({ name: "region", op: "=", value: "eu" })).length, 3, "an external label is in the postings");
  assert.equal((await names({ name: "region", op: "=", value: "us" })).length, 0);
  store.clear();
  assert.deepEqual(await names({ name: "job", op: "=", value: "b" }), []);
});

test("series(): skipChunks, limit, frames", async () => {
  const store = fixture();
  const frames: SeriesFrame[] = [];
  for await (const f of store.series(req())) frames.push(f);
  assert.deepEqual(frames.map((f) => f.series.length), [2, 2]);
  const skipped = await collect(store.series(req({ skipChunks: true })));
  assert.equal(skipped.length, 4);
  assert.ok(skipped.every((s) => s.chunks.length === 0));
  const limited = await collect(store.series(req({ limit: 3 })));
  assert.equal(limited.length, 3);
});

test("series(): chunks cut at 120 samples and only overlapping ones returned", async () => {
  const store = new MemoryStore();
  const ts = Array.from({ length: 300 }, (_, i) => i * 1000);
  store.add(L({ __name__: "m" }), ts, ts.map((t) => t / 7));
  const [s] = await collect(store.series(req()));
  assert.deepEqual(s!.chunks.map((c) => [c.minTime, c.maxTime, xorChunkNumSamples(c.raw!.data)]), [
    [0, 119000, 120],
    [120000, 239000, 120],
    [240000, 299000, 60],
  ]);
  const [part] = await collect(store.series(req({ minTime: 130000, maxTime: 150000 })));
  assert.equal(part!.chunks.length, 1);
  assert.deepEqual(samples(part!, 130000, 131000), [[130000, 130000 / 7], [131000, 131000 / 7]]);
});

test("out-of-order appends are sorted in; a repeated timestamp replaces the value; stale markers survive", async () => {
  const store = new MemoryStore();
  const l = L({ __name__: "m" });
  store.appendSample(l, 20, 2);
  store.appendSample(l, 10, 1);
  store.appendSample(l, 30, STALE_NAN);
  store.appendSample(l, 20, 5);
  store.add(l, [40], [STALE_NAN]); // through a plain array, which quiets the NaN
  const [s] = await collect(store.series(req()));
  const got = samples(s!);
  assert.deepEqual(got.map(([t]) => t), [10, 20, 30, 40]);
  assert.equal(got[1]![1], 5);
  assert.ok(isStaleNaN(got[2]![1]) && isStaleNaN(got[3]![1]));
  store.clear();
  assert.equal((await collect(store.series(req()))).length, 0);
});

test("labelNames / labelValues with matchers, time range and limit", async () => {
  const store = fixture();
  const names = await store.labelNames({ minTime: -Infinity, maxTime: Infinity, matchers: [] });
  assert.deepEqual(names.values, ["__name__", "instance", "job", "mode"]);
  const cpuNames = await store.labelNames({ minTime: -Infinity, maxTime: Infinity, matchers: [{ name: "__name__", op: "=", value: "cpu" }] });
  assert.deepEqual(cpuNames.values, ["__name__", "job", "mode"]);
  const jobs = await store.labelValues({ label: "job", minTime: -Infinity, maxTime: Infinity, matchers: [] });
  assert.deepEqual(jobs.values, ["a", "b"]);
  const late = await store.labelValues({ label: "instance", minTime: 50, maxTime: 200, matchers: [] });
  assert.deepEqual(late.values, ["2"]);
  const limited = await store.labelValues({ label: "__name__", minTime: -Infinity, maxTime: Infinity, matchers: [], limit: 1 });
  assert.deepEqual(limited.values, ["cpu"]);
});

test("info(), bad regex, abort", async () => {
  const store = new MemoryStore({ externalLabels: L({ region: "eu" }) });
  store.add(L({ a: "1" }), [5, 9], [1, 2]);
  store.add(L({ a: "2" }), [3], [1]);
  const info = await store.info();
  assert.deepEqual([info.minTime, info.maxTime, info.resolutions, info.labelSets], [3, 9, [0], [L({ region: "eu" })]]);
  await assert.rejects(collect(store.series(req({ matchers: [{ name: "a", op: "=~", value: "(" }] }))), MatcherError);
  const ac = new AbortController();
  ac.abort(new Error("stop"));
  await assert.rejects(collect(store.series(req(), ac.signal)), /stop/);
  await assert.rejects(store.labelNames({ minTime: 0, maxTime: 1, matchers: [] }, ac.signal), /stop/);
});

test("seriesSampleIterator / mergeSeriesChunks: bounds, overlapping chunks, bad encodings", () => {
  const chunk = (ts: number[], vs: number[]) => {
    const c = new XorChunk();
    ts.forEach((t, i) => c.append(t, vs[i]!));
    return { minTime: ts[0]!, maxTime: ts[ts.length - 1]!, raw: { encoding: ChunkEncoding.XOR, data: c.bytes().slice() } };
  };
  const plain: Series = { labels: [], chunks: [chunk([1, 2, 3], [1, 2, 3]), chunk([4, 5, 6], [4, 5, 6])] };
  assert.deepEqual(samples(plain, 2, 5), [[2, 2], [3, 3], [4, 4], [5, 5]]);
  assert.deepEqual(samples(plain, 7, 9), []);
  const overlapping: Series = { labels: [], chunks: [chunk([1, 3, 5], [1, 3, 5]), chunk([2, 3, 4, 6], [20, 30, 40, 60])] };
  assert.deepEqual(samples(overlapping), [[1, 1], [2, 20], [3, 3], [4, 40], [5, 5], [6, 60]]);
  const merged = mergeSeriesChunks(overlapping, 2, 4);
  assert.deepEqual([...merged.ts], [2, 3, 4]);
  assert.deepEqual([...merged.vs], [20, 3, 40]);
  const histo: Series = { labels: [], chunks: [{ minTime: 0, maxTime: 1, raw: { encoding: ChunkEncoding.Histogram, data: new Uint8Array(2) } }] };
  assert.throws(() => seriesSampleIterator(histo, 0, 1), /encoding 2/);
  const corrupt: Series = { labels: [], chunks: [{ minTime: 0, maxTime: 1, raw: { encoding: ChunkEncoding.XOR, data: new Uint8Array([0, 5, 1]) } }] };
  assert.throws(() => samples(corrupt), /unexpected end/);
});

test("numSeries, and XorChunk.lastTime", async () => {
  const store = fixture();
  assert.equal(store.numSeries(), 4);
  const c = new XorChunk();
  assert.equal(c.lastTime(), undefined);
  c.append(5, 1);
  assert.equal(c.lastTime(), 5);
});

test("external labels are attached to returned series, seen by matchers and label APIs, and win over a series label", async () => {
  const store = new MemoryStore({ externalLabels: L({ region: "eu", zone: "b" }) });
  store.add(L({ __name__: "up", job: "a" }), [1], [1]);
  store.add(L({ __name__: "up", job: "b", zone: "own" }), [1], [1]);
  const all = await collect(store.series(req()));
  assert.deepEqual(all.map((s) => formatLabels(s.labels)), [
    '{__name__="up", job="a", region="eu", zone="b"}',
    '{__name__="up", job="b", region="eu", zone="b"}',
  ]);
  assert.equal((await collect(store.series(req({ matchers: [{ name: "region", op: "=", value: "eu" }] })))).length, 2);
  assert.equal((await collect(store.series(req({ matchers: [{ name: "region", op: "=", value: "us" }] })))).length, 0);
  const names = await store.labelNames({ minTime: 0, maxTime: 9, matchers: [] });
  assert.deepEqual(names.values, ["__name__", "job", "region", "zone"]);
  const zones = await store.labelValues({ label: "zone", minTime: 0, maxTime: 9, matchers: [] });
  assert.deepEqual(zones.values, ["b"]);
  assert.deepEqual((await store.info()).labelSets, [L({ region: "eu", zone: "b" })]);
});

// ── native histograms ──

function nh(count: number, buckets: number[], extra: Partial<NativeHistogram> = {}): NativeHistogram {
  return {
    float: false,
    counterResetHint: CounterResetHint.Unknown,
    schema: 2,
    zeroThreshold: 2 ** -128,
    zeroCount: 0,
    count,
    sum: count * 1.5,
    positiveSpans: buckets.length > 0 ? [{ offset: 0, length: buckets.length }] : [],
    positiveBuckets: buckets,
    negativeSpans: [],
    negativeBuckets: [],
    ...extra,
  };
}

function histogramSamples(s: Series): { t: number; h: NativeHistogram; encoding: ChunkEncoding }[] {
  const out: { t: number; h: NativeHistogram; encoding: ChunkEncoding }[] = [];
  for (const c of s.chunks) {
    const raw = c.raw!;
    if (raw.encoding === ChunkEncoding.XOR) continue;
    const it = raw.encoding === ChunkEncoding.Histogram ? new HistogramChunkIterator(raw.data) : new FloatHistogramChunkIterator(raw.data);
    while (it.next()) out.push({ t: it.t, h: it.at(), encoding: raw.encoding });
    assert.equal(it.err, undefined);
  }
  return out;
}

test("MemoryStore.appendHistogram: series come back with HISTOGRAM / FLOAT_HISTOGRAM chunks holding the samples", async () => {
  const store = new MemoryStore();
  const l = L({ __name__: "lat" });
  store.appendHistogram(l, 30, nh(6, [3, 3]));
  store.appendHistogram(l, 10, nh(2, [1, 1]));
  store.appendHistogram(l, 20, nh(4, [2, 2]));
  store.appendHistogram(l, 20, nh(5, [2, 3])); // a repeated timestamp replaces
  store.appendHistogram(L({ __name__: "fl" }), 10, { ...nh(1, [1]), float: true, count: 1.5, positiveBuckets: [1.5] });
  const [fl, lat] = await collect(store.series(req()));
  assert.deepEqual(fl!.chunks.map((c) => c.raw!.encoding), [ChunkEncoding.FloatHistogram]);
  assert.equal(histogramSamples(fl!)[0]!.h.count, 1.5);
  assert.deepEqual(lat!.chunks.map((c) => [c.raw!.encoding, c.minTime, c.maxTime]), [[ChunkEncoding.Histogram, 10, 30]]);
  assert.deepEqual(histogramSamples(lat!).map((s) => [s.t, s.h.count, s.h.positiveBuckets]), [[10, 2, [1, 1]], [20, 5, [2, 3]], [30, 6, [3, 3]]]);
  assert.deepEqual((await store.info()).minTime, 10);
  assert.equal((await collect(store.series(req({ minTime: 31 })))).length, 0);
  // Across kinds too, the sample appended last at a timestamp wins.
  const m = L({ __name__: "mixed" });
  store.appendSample(m, 40, 1);
  store.appendHistogram(m, 40, nh(1, [1]));
  store.appendHistogram(m, 50, nh(2, [2]));
  store.appendSample(m, 50, 5);
  const [mixed] = await collect(store.series(req({ matchers: [{ name: "__name__", op: "=", value: "mixed" }] })));
  assert.deepEqual(mixed!.chunks.map((c) => [c.raw!.encoding, c.minTime, c.maxTime]), [[ChunkEncoding.Histogram, 40, 40], [ChunkEncoding.XOR, 50, 50]]);
});

test("MemoryStore.appendHistogram: chunks are cut as Prometheus's head cuts them", async () => {
  const store = new MemoryStore();
  const l = L({ __name__: "h" });
  // float → histogram → float switches kind each time; a counter reset starts a chunk marked as a reset.
  store.appendSample(l, 0, 1);
  store.appendHistogram(l, 1000, nh(10, [5, 5]));
  store.appendHistogram(l, 2000, nh(12, [6, 6]));
  store.appendHistogram(l, 3000, nh(3, [1, 2]));
  store.appendSample(l, 4000, 2);
  store.appendHistogram(l, 5000, { ...nh(1, [1]), counterResetHint: CounterResetHint.Gauge });
  const [s] = await collect(store.series(req()));
  assert.deepEqual(
    s!.chunks.map((c) => [c.raw!.encoding, c.minTime, c.maxTime]),
    [
      [ChunkEncoding.XOR, 0, 0],
      [ChunkEncoding.Histogram, 1000, 2000],
      [ChunkEncoding.Histogram, 3000, 3000],
      [ChunkEncoding.XOR, 4000, 4000],
      [ChunkEncoding.Histogram, 5000, 5000],
    ],
  );
  assert.deepEqual(s!.chunks.map((c) => (c.raw!.encoding === ChunkEncoding.XOR ? -1 : histogramChunkHeader(c.raw!.data))), [
    -1,
    CounterResetHint.Unknown,
    CounterResetHint.CounterReset,
    -1,
    CounterResetHint.Gauge,
  ]);
  // By size: many wide samples make chunks near 1 KiB (never past 2 KiB), each of at least 10 samples.
  const wide = new MemoryStore();
  const buckets = Array.from({ length: 40 }, () => 0);
  for (let i = 0; i < 400; i++) {
    for (let b = 0; b < buckets.length; b++) buckets[b]! += (i * 7 + b * 13) % 5;
    wide.appendHistogram(l, i * 15000, nh(buckets.reduce((a, b) => a + b, 0), [...buckets]));
  }
  const [w] = await collect(wide.series(req()));
  assert.ok(w!.chunks.length > 3, `${w!.chunks.length} chunks`);
  for (const c of w!.chunks.slice(0, -1)) {
    assert.ok(c.raw!.data.length < 2048 + 512, `chunk of ${c.raw!.data.length} bytes`);
    assert.ok(histogramChunkNumSamples(c.raw!.data) >= 10);
    assert.equal(histogramChunkHeader(c.raw!.data) === CounterResetHint.NotCounterReset || c === w!.chunks[0], true, "a size cut continues the counter");
  }
  assert.equal(histogramSamples(w!).length, 400);
});

test("MemoryStore.appendHistogram: a malformed histogram is rejected naming the series and the reason", () => {
  const store = new MemoryStore();
  assert.throws(() => store.appendHistogram(L({ __name__: "bad", job: "x" }), 1, nh(1, [1, 2], { positiveSpans: [{ offset: 0, length: 1 }] })), /bad.*job.*x.*positive spans cover 1 buckets but 2/);
  assert.throws(() => store.appendHistogram(L({ __name__: "bad" }), 1, nh(1, [], { schema: 12 })), /schema 12 is out of range/);
  assert.throws(() => store.appendHistogram(L({ __name__: "bad" }), 1, nh(-3, [])), /count -3/);
  assert.equal(store.numSeries(), 0);
  store.appendHistogram(L({ __name__: "ok" }), 1, nh(0, [], { sum: STALE_NAN, schema: 99 })); // stale markers carry no shape
  assert.equal(store.numSeries(), 1);
});

test("start timestamps: a column per chunk beside unchanged XOR bytes, sorted with their samples, absent where none is given", async () => {
  const store = new MemoryStore();
  const withSt = L({ __name__: "c", st: "yes" });
  const without = L({ __name__: "c", st: "no" });
  for (let i = 0; i < 130; i++) {
    const t = 1000 * (i + 1);
    // Appended out of order for the first two, so sorting must carry the column along.
    const at = i === 0 ? 2000 : i === 1 ? 1000 : t;
    store.appendSample(withSt, at, i, i % 2 === 0 ? at - 500 : 0);
    store.appendSample(without, at, i);
  }
  const h: NativeHistogram = { float: false, counterResetHint: CounterResetHint.Unknown, schema: 0, count: 1, sum: 1, zeroThreshold: 0, zeroCount: 1, positiveSpans: [], positiveBuckets: [], negativeSpans: [], negativeBuckets: [] };
  store.appendHistogram(withSt, 200_000, h, 150_000);
  const [no, yes] = await collect(store.series(req()));
  assert.equal(yes!.chunks.length, 3, "120 + 10 floats, then a histogram chunk");
  for (let k = 0; k < 2; k++) {
    assert.deepEqual(yes!.chunks[k]!.raw!.data, no!.chunks[k]!.raw!.data, "the XOR bytes do not carry start timestamps");
    assert.equal(no!.chunks[k]!.raw!.startTimestamps, undefined);
  }
  const first = yes!.chunks[0]!.raw!.startTimestamps!;
  assert.equal(first.length, 120);
  // Sample at 1000 was appended second (i = 1, no start); the one at 2000 first (i = 0, start 1500).
  assert.deepEqual([...first.subarray(0, 4)], [0, 1500, 2500, 0]);
  assert.equal(yes!.chunks[1]!.raw!.startTimestamps!.length, 10);
  assert.deepEqual([...yes!.chunks[2]!.raw!.startTimestamps!], [150_000]);
  assert.throws(() => store.appendSample(withSt, 1, 1, 0.5), /start timestamp 0.5 is not a safe integer/);
});
