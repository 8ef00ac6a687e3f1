// The fetch path against stores that send what real fleets send: overlapping chunks, a label set
// twice, series out of order, and chunks the engine cannot read yet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { Engine } from "../index.js";
import { call, labels, range, sel } from "../testing.js";
import { ChunkEncoding, STALE_NAN, XorChunk } from "../../storeapi/index.js";
import type { AggrChunk, Series, SeriesFrame, SeriesRequest, Store } from "../../storeapi/index.js";
import type { MatrixValue, QueryResult, VectorValue } from "../types.js";
import type { Expr } from "../../promql/index.js";

function xor(ts: number[], vs: ArrayLike<number>): AggrChunk {
  const c = new XorChunk();
  ts.forEach((t, i) => c.append(t, vs[i]!));
  return { minTime: ts[0]!, maxTime: ts[ts.length - 1]!, raw: { encoding: ChunkEncoding.XOR, data: c.bytes().slice() } };
}

const seconds = (...s: number[]): number[] => s.map((x) => x * 1000);
/** An encoding byte no reader knows (Prometheus has none numbered 9). */
const UNKNOWN_ENCODING = 9 as ChunkEncoding;

/**
 * A store that streams exactly the series it is given, in the given order, one per frame. Each
 * series and its chunk list are frozen: the fetch keeps a store's series as they come, so joining or
 * sorting them in place would throw here.
 */
function scripted(series: Series[], calls = { series: 0 }): Store {
  const frozen = series.map((s) => Object.freeze({ labels: s.labels, chunks: Object.freeze([...s.chunks]) }));
  return {
    info: async () => ({ labelSets: [], minTime: 0, maxTime: 1e12, resolutions: [0], supportsAggregationPushdown: false }),
    async *series(): AsyncIterable<SeriesFrame> {
      calls.series++;
      for (const s of frozen) yield { series: [s], warnings: [] };
    },
    labelNames: async () => ({ values: [], warnings: [] }),
    labelValues: async () => ({ values: [], warnings: [] }),
  };
}

async function matrixAt(store: Store, t: number, engine = new Engine()): Promise<{ r: QueryResult; m: MatrixValue }> {
  const r = await engine.exprQuery(store, "x[1m]", range(sel("x"), 60), t, t, 0).exec();
  return { r, m: r.value as MatrixValue };
}

const X = labels({ __name__: "x" });

test("overlapping chunks of one series give each sample once, merged by time", async () => {
  const store = scripted([{ labels: X, chunks: [xor(seconds(0, 10, 20, 30), [0, 1, 2, 3]), xor(seconds(15, 20, 25, 40), [15, 99, 25, 4])] }]);
  const { m } = await matrixAt(store, 50_000);
  assert.equal(m.series.length, 1);
  assert.deepEqual([...m.series[0]!.t], seconds(0, 10, 15, 20, 25, 30, 40));
  // At an equal timestamp the chunk the store listed first wins.
  assert.deepEqual([...m.series[0]!.v], [0, 1, 15, 2, 25, 3, 4]);
  const c = await new Engine().exprQuery(store, "q", call("count_over_time", range(sel("x"), 60)), 50_000, 50_000, 0).exec();
  assert.equal((c.value as VectorValue).samples[0]!.v, 7);
});

test("a label set sent twice is one series, its chunks merged by time (no replica dedup)", async () => {
  const a = labels({ __name__: "x", replica: "a" });
  const b = labels({ __name__: "x", replica: "b" });
  const series = [
    { labels: a, chunks: [xor(seconds(0, 10), [1, 2])] },
    { labels: a, chunks: [xor(seconds(10, 20), [9, 3])] },
    { labels: b, chunks: [xor(seconds(0, 10), [5, 6])] },
  ];
  const calls = { series: 0 };
  const { r, m } = await matrixAt(scripted(series, calls), 30_000);
  assert.equal(calls.series, 1, "one read: the series came in label order");
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(m.series.map((s) => s.labels), [a, b], "replicas with distinct labels stay distinct");
  assert.deepEqual([...m.series[0]!.t], seconds(0, 10, 20));
  assert.deepEqual([...m.series[0]!.v], [1, 2, 3]);
});

test("series out of label order are sorted, joined, and warned about", async () => {
  const a = labels({ __name__: "x", i: "a" });
  const b = labels({ __name__: "x", i: "b" });
  const series = [
    { labels: b, chunks: [xor(seconds(0), [2])] },
    { labels: a, chunks: [xor(seconds(0), [1])] },
    { labels: b, chunks: [xor(seconds(10), [3])] },
  ];
  const calls = { series: 0 };
  const { r, m } = await matrixAt(scripted(series, calls), 30_000);
  // Series in label order are made inputs as they stream; at the first out of order the store is read again, all kept.
  assert.equal(calls.series, 2, "read again");
  assert.deepEqual(m.series.map((s) => s.labels), [a, b]);
  assert.deepEqual([...m.series[1]!.v], [2, 3]);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!.message, /out of label order \(x\{i="a"\} after x\{i="b"\}\)/);
});

test("chunks the engine cannot read are a warning naming the series and a counter, never a silent drop", async () => {
  const h = labels({ __name__: "x", kind: "unknown" });
  const d = labels({ __name__: "x", kind: "downsampled" });
  const f = labels({ __name__: "x", kind: "float" });
  const store = scripted([
    { labels: d, chunks: [{ minTime: 0, maxTime: 20_000, sum: { encoding: ChunkEncoding.XOR, data: new Uint8Array(2) } }] },
    { labels: f, chunks: [xor(seconds(0, 10), [1, 2])] },
    {
      labels: h,
      chunks: [
        { minTime: 0, maxTime: 10_000, raw: { encoding: UNKNOWN_ENCODING, data: new Uint8Array(2) } },
        { minTime: 11_000, maxTime: 20_000, raw: { encoding: UNKNOWN_ENCODING, data: new Uint8Array(2) } },
      ],
    },
  ]);
  const registry = new Registry();
  const { r, m } = await matrixAt(store, 30_000, new Engine({ registry }));
  assert.deepEqual(m.series.map((s) => s.labels), [f]);
  const messages = r.warnings.map((w) => w.message).sort();
  assert.deepEqual(messages, [
    'the engine cannot read chunks of an unknown encoding yet: skipped 2 chunk(s) of series x{kind="unknown"}',
    'the engine cannot read downsampled chunks without raw data yet: skipped 1 chunk(s) of series x{kind="downsampled"}',
  ]);
  const counter = (await registry.getSingleMetric("orrery_engine_chunks_skipped_total")!.get()).values;
  const byReason = Object.fromEntries(counter.map((v) => [v.labels.reason, v.value]));
  assert.deepEqual(byReason, { downsampled: 1, unknown_encoding: 2 });
});

test("engines sharing a registry share the skipped-chunks counter", async () => {
  const registry = new Registry();
  const store = scripted([{ labels: X, chunks: [{ minTime: 0, maxTime: 1, raw: { encoding: UNKNOWN_ENCODING, data: new Uint8Array(2) } }] }]);
  await matrixAt(store, 30_000, new Engine({ registry }));
  await matrixAt(store, 30_000, new Engine({ registry }));
  const values = (await registry.getSingleMetric("orrery_engine_chunks_skipped_total")!.get()).values;
  assert.equal(values.find((v) => v.labels.reason === "unknown_encoding")!.value, 2);
});

// A counter scraped every minute from 13m to 30m that resets at 22m, and its 5m tier: orrery's layout
// (each window's first and last raw sample, both sides of the reset, then the last repeated) and
// Thanos's (the first raw sample, one reset-corrected point per window stamp, the last raw repeated).
const MINUTE = 60_000;
const SCRAPES = Array.from({ length: 18 }, (_, i) => 13 + i);
const counterAt = (m: number): number => (m <= 21 ? 100 + 10 * m : 5 + 10 * (m - 22));
const WINDOW_COUNTS: [number, number][] = [[15, 3], [20, 5], [25, 5], [30, 5]];

function subChunk(points: [number, number][]): { encoding: ChunkEncoding; data: Uint8Array } {
  const c = new XorChunk();
  for (const [m, v] of points) c.append(m * MINUTE, v);
  return { encoding: ChunkEncoding.XOR, data: c.bytes().slice() };
}

function tierChunk(counter: [number, number][]): AggrChunk {
  const zeros = subChunk(WINDOW_COUNTS.map(([m]) => [m, 0]));
  return { minTime: 13 * MINUTE, maxTime: 30 * MINUTE, count: subChunk(WINDOW_COUNTS), sum: zeros, min: zeros, max: zeros, counter: subChunk(counter) };
}

const ORRERY_COUNTER: [number, number][] = [13, 15, 16, 20, 21, 22, 25, 26, 30, 30].map((m) => [m, counterAt(m)]);
const THANOS_COUNTER: [number, number][] = [[13, 230], [15, 250], [20, 300], [25, 345], [30, 395], [30, counterAt(30)]];

async function rangeValues(store: Store, q: string, maxResolutionMs: number): Promise<number[]> {
  const r = await new Engine().rangeQuery(store, q, 15 * MINUTE, 30 * MINUTE, 5 * MINUTE, { maxResolutionMs }).exec();
  return [...((r.value as MatrixValue).series[0]?.v ?? [])];
}

test("rate/increase over a downsampled counter extrapolate by the windows' raw counts: equal to raw where the series starts inside the range", async () => {
  const raw = scripted([{ labels: X, chunks: [xor(SCRAPES.map((m) => m * MINUTE), SCRAPES.map(counterAt))] }]);
  const tier = scripted([{ labels: X, chunks: [tierChunk(ORRERY_COUNTER)] }]);
  for (const q of ["increase(x[15m])", "rate(x[10m])", "increase(x[5m])", "resets(x[15m])"]) {
    const want = await rangeValues(raw, q, 0);
    assert.equal(want.length, 4, q);
    assert.deepEqual(await rangeValues(tier, q, 5 * MINUTE), want, q);
  }
});

test("a Thanos-layout counter (one point per window) is extrapolated by its own points: the window's first raw sample is not in it", async () => {
  const tier = scripted([{ labels: X, chunks: [tierChunk(THANOS_COUNTER)] }]);
  const points = THANOS_COUNTER.slice(0, -1);
  const asRaw = scripted([{ labels: X, chunks: [xor(points.map(([m]) => m * MINUTE), points.map(([, v]) => v))] }]);
  const raw = scripted([{ labels: X, chunks: [xor(SCRAPES.map((m) => m * MINUTE), SCRAPES.map(counterAt))] }]);
  const q = "increase(x[15m])";
  const got = await rangeValues(tier, q, 5 * MINUTE);
  assert.deepEqual(got, await rangeValues(asRaw, q, 0));
  assert.notDeepEqual(got, await rangeValues(raw, q, 0), "Thanos's layout cannot give raw's extrapolation");
});

test("a tier followed by raw chunks (the seam): the raw samples count themselves in the extrapolation, a stale marker does not", async () => {
  // Scraped every minute from 13m to 25m, stale at 25.5m, back from 28m to 30m: window counts up to 20m, raw after.
  const before = SCRAPES.filter((m) => m <= 25);
  const after = [28, 29, 30];
  const rawTs = [...before.map((m) => m * MINUTE), 25.5 * MINUTE, ...after.map((m) => m * MINUTE)];
  // Written into a typed array, the stale marker keeps its NaN payload (a JS array literal may not).
  const rawVs = Float64Array.from([...before.map(counterAt), 0, ...after.map(counterAt)]);
  rawVs[before.length] = STALE_NAN;
  const raw = scripted([{ labels: X, chunks: [xor(rawTs, rawVs)] }]);
  const zeros = subChunk([[15, 0], [20, 0]]);
  const tier: AggrChunk = {
    minTime: 13 * MINUTE,
    maxTime: 20 * MINUTE,
    count: subChunk([[15, 3], [20, 5]]),
    sum: zeros,
    min: zeros,
    max: zeros,
    counter: subChunk([13, 15, 16, 20, 20].map((m) => [m, counterAt(m)])),
  };
  const tail = xor(rawTs.slice(8), rawVs.subarray(8));
  assert.equal(tail.minTime, 21 * MINUTE);
  const seam = scripted([{ labels: X, chunks: [tail, tier] }]);
  for (const q of ["increase(x[5m])", "increase(x[10m])", "rate(x[15m])", "resets(x[15m])", "increase(x[15m])"]) {
    const want = await rangeValues(raw, q, 0);
    assert.equal(want.length, 4, q);
    assert.deepEqual(await rangeValues(seam, q, 5 * MINUTE), want, q);
  }
});

/** A store sending one chunk whose bytes say 1 everywhere and whose decoded samples (for the range `decodedFor` gives) say 2, stale at 40 s. */
function withDecoded(decodedFor: (req: SeriesRequest) => { minTime: number; maxTime: number }): Store {
  const ts = seconds(0, 10, 20, 30, 40, 50);
  return {
    ...scripted([]),
    async *series(req: SeriesRequest): AsyncIterable<SeriesFrame> {
      const chunk = xor(ts, [1, 1, 1, 1, STALE_NAN, 1]);
      const { minTime, maxTime } = decodedFor(req);
      const inRange = ts.filter((t) => t >= minTime && t <= maxTime);
      const v = Float64Array.from(inRange, (t) => (t === 40_000 ? STALE_NAN : 2));
      yield { series: [{ labels: X, chunks: [{ ...chunk, raw: { ...chunk.raw!, decoded: { minTime, maxTime, t: Float64Array.from(inRange), v } } }] }], warnings: [] };
    },
  };
}

test("samples a store sends decoded for the fetch's range are read instead of the chunk's bytes (stale markers honoured)", async () => {
  const store = withDecoded((req) => ({ minTime: req.minTime, maxTime: req.maxTime }));
  const at = async (q: string, expr: Expr, t: number): Promise<number[]> => {
    const r = await new Engine().exprQuery(store, q, expr, t, t, 0).exec();
    return (r.value as VectorValue).samples.map((s) => s.v);
  };
  assert.deepEqual(await at("x", sel("x"), 35_000), [2]);
  assert.deepEqual(await at("x", sel("x"), 45_000), [], "the stale marker ends the series");
  assert.deepEqual(await at("sum_over_time(x[25s])", call("sum_over_time", range(sel("x"), 25)), 50_000), [4], "the stale marker is dropped from the window");
});

test("decoded samples for another range than the fetch's are ignored: the chunk's bytes are read", async () => {
  const store = withDecoded((req) => ({ minTime: req.minTime + 1, maxTime: req.maxTime }));
  const r = await new Engine().exprQuery(store, "x", sel("x"), 35_000, 35_000, 0).exec();
  assert.deepEqual((r.value as VectorValue).samples.map((s) => s.v), [1]);
});

/** A store sending two chunks (0–20 s and 30–50 s) whose bytes say 1 and whose decoded samples say 2; `decodeSecond`: whether the second carries them too. */
function twoChunksDecoded(decodeSecond: boolean): Store {
  const parts = [seconds(0, 10, 20), seconds(30, 40, 50)];
  return {
    ...scripted([]),
    async *series(req: SeriesRequest): AsyncIterable<SeriesFrame> {
      const chunks = parts.map((ts, k) => {
        const chunk = xor(ts, [1, 1, 1]);
        if (k === 1 && !decodeSecond) return chunk;
        const inRange = ts.filter((t) => t >= req.minTime && t <= req.maxTime);
        const decoded = { minTime: req.minTime, maxTime: req.maxTime, t: Float64Array.from(inRange), v: Float64Array.from(inRange, () => 2) };
        return { ...chunk, raw: { ...chunk.raw!, decoded } };
      });
      yield { series: [{ labels: X, chunks }], warnings: [] };
    },
  };
}

test("a series whose every chunk comes decoded (a window over a cut) is read from them, joined in time order", async () => {
  const sumAt = async (store: Store): Promise<number[]> => {
    const r = await new Engine().exprQuery(store, "q", call("sum_over_time", range(sel("x"), 45)), 50_000, 50_000, 0).exec();
    return (r.value as VectorValue).samples.map((s) => s.v);
  };
  // (5 s, 50 s]: 10, 20, 30, 40, 50.
  assert.deepEqual(await sumAt(twoChunksDecoded(true)), [10]);
  assert.deepEqual(await sumAt(twoChunksDecoded(false)), [5], "one chunk without: every chunk's bytes are read");
});

test("an instant selector never decodes a chunk the next one supersedes at the step, and reads it when the step comes before the next", async () => {
  const old = xor(seconds(0, 50, 100), [1, 2, 3]);
  // Its bytes cut short: decoding it fails, so a query that reads it fails.
  const broken: AggrChunk = { ...old, raw: { encoding: ChunkEncoding.XOR, data: old.raw!.data.slice(0, 5) } };
  const store = scripted([{ labels: X, chunks: [broken, xor(seconds(110, 200), [7, 8])] }]);
  const at = (t: number) => new Engine().exprQuery(store, "x", sel("x"), t, t, 0).exec();
  const r = await at(250_000);
  assert.deepEqual((r.value as VectorValue).samples.map((s) => s.v), [8]);
  await assert.rejects(at(105_000));
});

test("one engine's queries reuse chunk table columns: a small query after a big one answers as on a fresh engine", async () => {
  const series: Series[] = [];
  for (let i = 0; i < 60; i++) {
    const chunks: AggrChunk[] = [];
    for (let k = 0; k < 20; k++) {
      const ts = Array.from({ length: 10 }, (_, j) => (k * 10 + j) * 15_000);
      chunks.push(xor(ts, ts.map((t) => (i % 3 === 0 ? t / 1000 + i : i * 1000 - t / 1000))));
    }
    series.push({ labels: labels({ __name__: i % 3 === 0 ? "small" : "big", i: String(i).padStart(3, "0") }), chunks });
  }
  const store = scripted(series);
  const reused = new Engine();
  const q = "sum(rate(small[5m])) + count(small)";
  await reused.rangeQuery(store, "sum(big)", 0, 3_000_000, 30_000).exec();
  const after = await reused.rangeQuery(store, q, 0, 3_000_000, 30_000).exec();
  const fresh = await new Engine().rangeQuery(store, q, 0, 3_000_000, 30_000).exec();
  assert.deepEqual(after.value, fresh.value);
  assert.ok((after.value as MatrixValue).series.length === 1 && (after.value as MatrixValue).series[0]!.t.length > 90);
});
