import { test } from "node:test";
import assert from "node:assert/strict";
import type { Series, SeriesFrame, SeriesRequest } from "./types.js";
import { ChunkEncoding } from "./types.js";
import { MemoryStore } from "./memory-store.js";
import { labelsFromRecord as L, formatLabels } from "./labels.js";
import { MatcherError } from "./matchers.js";
import { mergeSeriesChunks, seriesSampleIterator } from "./series-iterator.js";
import { STALE_NAN, isStaleNaN, xorChunkNumSamples, XorChunk } from "./chunkenc/index.js";

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
