// Window workers: a range function call evaluated partly on worker threads answers exactly as on one
// thread (values bit for bit, series order, annotations, samples read); cancellation stops the
// worker; a failing worker is a query error.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Engine, QueryError, WindowWorkerPool, type QueryResult } from "../index.js";
import { MemoryStore, STALE_NAN, type Labels, type SeriesFrame, type SeriesRequest } from "../../storeapi/index.js";
import { chunkRunOf, NO_CHUNKS, type ChunkRun } from "../scan/chunk_table.js";
import { packSeries, SharedRowsPool, transferList, unpackSeries } from "./protocol.js";
import { GroupShare, sliceEnds, WorkerPart, type GroupsPart, type HeldWorker } from "./offload.js";
import { nativeHistogram, rng } from "../../testing/index.js";

const MIN = 60_000;
const END = 120 * MIN;

function lbl(rec: Record<string, string>): Labels {
  return Object.keys(rec)
    .sort()
    .map((name) => ({ name, value: rec[name]! }));
}

/**
 * Counters with resets, NaN, ±Inf, stale markers, gaps and jittered scrapes under `m_total` and
 * `g` (a gauge name, for the possible-non-counter info), plus one histogram series and one with
 * start timestamps in the middle of the label order (the engine keeps those on its own thread).
 */
function randomStore(seed: number, series: number, store = new MemoryStore()): MemoryStore {
  const r = rng(seed);
  for (let s = 0; s < series; s++) {
    for (const name of ["m_total", "g"]) {
      const labels = lbl({ __name__: name, i: String(s).padStart(3, "0") });
      let v = r() * 100;
      for (let t = Math.floor(r() * 15_000); t <= END; t += 5_000 + Math.floor(r() * 20_000)) {
        const x = r();
        if (x < 0.03) t += 10 * MIN * r(); // a gap
        else if (x < 0.06) v = r() * 10; // a reset
        v += r() * 5;
        const y = r();
        const value = y < 0.01 ? NaN : y < 0.015 ? Infinity : y < 0.02 ? -Infinity : y < 0.03 ? STALE_NAN : v;
        store.appendSample(labels, Math.floor(t), value);
      }
    }
  }
  const middle = String(Math.floor(series / 2)).padStart(3, "0");
  for (let t = 0; t <= END; t += 15_000) {
    const n = t / 15_000;
    store.appendHistogram(lbl({ __name__: "m_total", i: middle + "h" }), t, nativeHistogram({ count: n, sum: n, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [n] }));
    store.appendSample(lbl({ __name__: "m_total", i: middle + "s" }), t, n, t - 15_000);
  }
  return store;
}

const QUERIES = [
  "rate(m_total[5m])",
  "increase(m_total[17m])",
  "irate(m_total[5m])",
  "delta(g[5m])",
  "idelta(g[3m])",
  "resets(m_total[17m])",
  "changes(g[17m])",
  "deriv(g[10m])",
  "predict_linear(g[10m], 600)",
  "avg_over_time(g[17m])",
  "min_over_time(g[17m])",
  "max_over_time(g[17m])",
  "sum_over_time(g[5m])",
  "count_over_time(g[5m])",
  "stddev_over_time(g[17m])",
  "stdvar_over_time(g[17m])",
  "last_over_time(g[5m])",
  "first_over_time(g[5m])",
  "present_over_time(g[5m])",
  "quantile_over_time(0.3, g[17m])",
  "mad_over_time(g[17m])",
  "ts_of_min_over_time(g[17m])",
  "ts_of_max_over_time(g[17m])",
  "ts_of_first_over_time(g[5m])",
  "ts_of_last_over_time(g[5m])",
  "double_exponential_smoothing(g[17m], 0.5, 0.3)",
  "rate(m_total[5m] anchored)",
  "increase(m_total[5m] smoothed)",
  "delta(g[5m] smoothed)",
  "changes(g[5m] anchored)",
  "resets(m_total[5m] anchored)",
  "rate(g[5m])",
  "rate(m_total[5m] offset 3m)",
  "max_over_time(g[5m] @ 3600)",
  "sum by (i) (rate(m_total[1h]))",
  "absent_over_time(g[1m])",
];

/** Values compared by their bits (so -0 counts), except that a NaN's sign, which JIT tiers set differently and no API shows, does not. */
function assertSameFloats(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, 2 * actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, 2 * expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(actual[i]) && Number.isNaN(expected[i])) continue;
    if (a[2 * i] !== e[2 * i] || a[2 * i + 1] !== e[2 * i + 1]) assert.fail(`${what}: point ${i} is ${actual[i]}, want ${expected[i]}`);
  }
}

function assertSame(q: string, alone: QueryResult, pooled: QueryResult): void {
  assert.deepEqual(pooled.warnings, alone.warnings, q);
  assert.deepEqual(pooled.infos, alone.infos, q);
  assert.equal(pooled.stats.totalSamples, alone.stats.totalSamples, q);
  assert.equal(pooled.value.type, "matrix", q);
  assert.equal(alone.value.type, "matrix", q);
  if (pooled.value.type !== "matrix" || alone.value.type !== "matrix") return;
  const a = alone.value.series;
  const p = pooled.value.series;
  assert.equal(p.length, a.length, q);
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(p[i]!.labels, a[i]!.labels, q);
    assertSameFloats(p[i]!.t, a[i]!.t, `${q}: timestamps of series ${i}`);
    assertSameFloats(p[i]!.v, a[i]!.v, `${q}: values of series ${i}`);
    assert.equal(JSON.stringify(p[i]!.histograms), JSON.stringify(a[i]!.histograms), q);
  }
}

async function outcome(e: Engine, store: MemoryStore, q: string, step: number): Promise<QueryResult | string> {
  try {
    return await e.rangeQuery(store, q, 20 * MIN, END, step).exec();
  } catch (err) {
    return String(err);
  }
}

let pool: WindowWorkerPool;
const alone = new Engine({});

/** q over a range on one thread (over `store`) and with the pool (over `pooledStore`): the same answer, or the same error. */
async function assertSameOnWorkers(pooled: Engine, store: MemoryStore, q: string, step: number, pooledStore = store): Promise<void> {
  const a = await outcome(alone, store, q, step);
  const p = await outcome(pooled, pooledStore, q, step);
  if (typeof a === "string" || typeof p === "string") return assert.equal(p, a, q);
  assertSame(q, a, p);
}

before(() => {
  // Two workers and a threshold of 0: every call with two or more series is split three ways.
  pool = new WindowWorkerPool({ size: 2, minSamples: 0 });
  return pool.ready();
});

after(() => pool.close());

test("range functions evaluated on window workers answer exactly as on one thread", async () => {
  const store = randomStore(7, 24);
  const pooled = new Engine({ windowWorkers: pool });
  const before = pool.parts;
  for (const [n, q] of QUERIES.entries()) {
    await assertSameOnWorkers(pooled, store, q, [30_000, 37_000, 61_000][n % 3]!);
  }
  assert.ok(pool.parts - before >= 2 * QUERIES.length - 2, `parts handed to workers: ${pool.parts - before}`);
  assert.equal(pool.discarded, 0);
});

/** Selectors over floats only (`g`): handed to workers. */
/** With sum, count and group the query's thread adds the workers' cells into its groups itself (grouped_steps.ts). */
const SELECTOR_QUERIES = ["g", "timestamp(g)", "sum by (i) (g)", "max by (i) (g)", "g offset 3m", "start_timestamp(g)", "count(g)", "avg(g)", "group by (i) (g)", "m_total - g"];
/** Read on the query's thread: `m_total` holds a histogram series (read step by step), an @-fixed selector is read once. */
const SELECTOR_QUERIES_ALONE = ["m_total", "g @ 3600"];

test("a range query's vector selectors are read on window workers exactly as on one thread, stale markers ending series there", async () => {
  const store = randomStore(5, 24);
  const pooled = new Engine({ windowWorkers: pool });
  for (const [n, q] of [...SELECTOR_QUERIES, ...SELECTOR_QUERIES_ALONE].entries()) {
    const before = pool.parts;
    await assertSameOnWorkers(pooled, store, q, [30_000, 37_000, 61_000][n % 3]!);
    if (SELECTOR_QUERIES.includes(q)) assert.ok(pool.parts - before >= 2, `${q}: parts handed to workers: ${pool.parts - before}`);
    else assert.equal(pool.parts - before, 0, q);
  }
  assert.equal(pool.discarded, 0);
});

/** Series in `groups` groups by label k (series s in group s mod groups): values of mixed magnitude and sign, NaN, stale markers. */
function groupedStore(seed: number, series: number, groups: number): MemoryStore {
  const r = rng(seed);
  const store = new MemoryStore();
  for (let s = 0; s < series; s++) {
    const labels = lbl({ __name__: "g", i: String(s).padStart(3, "0"), k: String(s % groups) });
    const scale = 10 ** Math.floor(r() * 12);
    for (let t = Math.floor(r() * 15_000); t <= END; t += 5_000 + Math.floor(r() * 20_000)) {
      const y = r();
      store.appendSample(labels, t, y < 0.01 ? NaN : y < 0.02 ? STALE_NAN : (r() - 0.3) * scale);
    }
  }
  return store;
}

test("sum, count and group over many groups are shared by group with the workers, exactly as on one thread: of a selector and of a range function", async () => {
  const pooled = new Engine({ windowWorkers: pool });
  const queries = ["sum by (k) (g)", "count by (k) (g)", "group by (k) (g)", "sum by (k) (g offset 3m)", "sum without (i) (g)"];
  // Range functions: the workers' windows read samples and give floats (counted, and the rate info noted) as the thread's.
  queries.push("sum by (k) (rate(g[5m]))", "count by (k) (changes(g[5m]))", "sum by (k) (max_over_time(g[17m]))", "group by (k) (deriv(g[10m]))");
  // Two reads shared by group in one query, each holding its rows until its last step is emitted.
  queries.push("sum by (k) (rate(g[5m])) / sum by (k) (g)", "count by (k) (g) - sum by (k) (changes(g[5m]))");
  // 12 groups: shared by group; 3: shared by series (too few groups to share by).
  for (const groups of [12, 3]) {
    const store = groupedStore(groups, 60, groups);
    for (const [n, q] of queries.entries()) {
      const before = pool.parts;
      await assertSameOnWorkers(pooled, store, q, [30_000, 37_000, 61_000][n % 3]!);
      assert.ok(pool.parts - before >= 1, `${q}, ${groups} groups: parts handed to workers: ${pool.parts - before}`);
    }
  }
  // Each read shared by group gave its rows back, and the next took them (dirty, zeroed on taking).
  assert.ok(pool.rows.size > 0, "shared rows kept for the next read");
  assert.equal(pool.discarded, 0);
});

test("queries running at once each read their own shared rows until every step is emitted", async () => {
  const pooled = new Engine({ windowWorkers: pool });
  const store = groupedStore(12, 60, 12);
  const queries = ["sum by (k) (g)", "sum by (k) (rate(g[5m]))", "count by (k) (g offset 3m)", "sum by (k) (g) * 2"];
  // Subqueries each read whole, interleaved: one may take rows while the other still emits its own.
  queries.push("max_over_time(sum by (k) (g)[30m:1m]) - min_over_time(sum by (k) (rate(g[5m]))[30m:1m])");
  const want = await Promise.all(queries.map((q) => alone.rangeQuery(store, q, 20 * MIN, END, 30_000).exec()));
  for (let round = 0; round < 3; round++) {
    const got = await Promise.all(queries.map((q) => pooled.rangeQuery(store, q, 20 * MIN, END, 30_000).exec()));
    queries.forEach((q, i) => assertSame(`${q}, round ${round}`, want[i]!, got[i]!));
  }
});

test("a read's shared rows go back to the pool only once every worker has answered", () => {
  const rows = new SharedRowsPool();
  const acc = { count: rows.take(24), value: new Float64Array(0), comp: new Float64Array(0) };
  const lists = { groupStart: new Int32Array([0, 1]), groupSeries: new Int32Array([0]) };
  const part = (answered: boolean) => ({ answered: () => answered }) as unknown as GroupsPart;
  new GroupShare(lists, new Int32Array(1), new Int32Array(1), [part(true), part(false)], acc, rows).release();
  assert.equal(rows.size, 0, "a worker still owes its answer (or failed): the rows are not kept");
  new GroupShare(lists, new Int32Array(1), new Int32Array(1), [part(true), part(true)], acc, rows).release();
  assert.equal(rows.size, 1);
});

test("shared rows are kept for the next read: taken zeroed, the smallest that fits, at most three, none over 2^20 cells", () => {
  const rows = new SharedRowsPool();
  const a = rows.take(100);
  assert.ok(a.buffer instanceof SharedArrayBuffer);
  a.fill(7);
  rows.give({ count: a, value: new Float64Array(0), comp: new Float64Array(0) });
  assert.equal(rows.size, 1);
  const b = rows.take(60);
  assert.equal(b.buffer, a.buffer, "the kept array, taken again");
  assert.equal(b.length, 60);
  assert.deepEqual([...new Set(b)], [0], "zeroed");
  assert.equal(rows.size, 0);
  const big = rows.take(200);
  assert.notEqual(big.buffer, a.buffer, "too small: a new one");
  rows.give({ count: b, value: big, comp: rows.take(50) });
  rows.give({ count: b, value: new Float64Array(0), comp: new Float64Array(0) });
  assert.equal(rows.size, 3, "each array once");
  assert.equal(rows.take(150).buffer, big.buffer, "the smallest that fits");
  rows.give({ count: rows.take(10), value: rows.take(10), comp: new Float64Array(new SharedArrayBuffer(8 * 300)) });
  assert.equal(rows.size, 3, "the largest three kept");
  const huge = new Float64Array(new SharedArrayBuffer(8 * ((1 << 20) + 1)));
  rows.give({ count: huge, value: new Float64Array(0), comp: new Float64Array(0) });
  assert.ok(rows.take(1 << 20).buffer !== huge.buffer, "over 2^20 cells: not kept");
});

/** Range functions of floats only (`g`) under sum, count and group: every series' row at once, the workers' series-major. */
const ROWS_QUERIES = ["sum(rate(g[5m]))", "count by (i) (deriv(g[10m]))", "sum(max_over_time(g[17m]))", "group(changes(g[5m] anchored))", "sum(quantile_over_time(0.3, g[17m]))"];

test("a range function's rows under sum, count and group are evaluated on window workers exactly as on one thread", async () => {
  const store = randomStore(9, 24);
  const pooled = new Engine({ windowWorkers: pool });
  for (const [n, q] of ROWS_QUERIES.entries()) {
    const before = pool.parts;
    await assertSameOnWorkers(pooled, store, q, [30_000, 37_000, 61_000][n % 3]!);
    assert.ok(pool.parts - before >= 2, `${q}: parts handed to workers: ${pool.parts - before}`);
  }
  assert.equal(pool.discarded, 0);
});

/** A copy of bytes in shared memory, as the head's arena holds closed chunks. */
function inSharedMemory(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length + 16), 8, bytes.length);
  out.set(bytes);
  return out;
}

/** A MemoryStore whose every other chunk comes out of shared memory. */
class SharedChunkStore extends MemoryStore {
  override async *series(request: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
    for await (const frame of super.series(request, signal)) {
      const series = frame.series.map((s) => ({
        ...s,
        chunks: s.chunks.map((c, i) => (i % 2 === 0 && c.raw !== undefined ? { ...c, raw: { ...c.raw, data: inSharedMemory(c.raw.data) } } : c)),
      }));
      yield { ...frame, series };
    }
  }
}

test("a worker's chunks in shared memory go by reference, the others copied, and read back the same", () => {
  const shared = inSharedMemory(new Uint8Array([1, 2, 3, 4]));
  const sameBuffer = new Uint8Array(shared.buffer, 12, 2);
  const plain = new Uint8Array([5, 6, 7]);
  const packed = packSeries([
    { chunks: chunkRunOf([shared, plain]), minTime: 1, maxTime: 2 },
    { chunks: chunkRunOf([sameBuffer]), minTime: 3, maxTime: 4 },
  ]);
  assert.equal(packed.bytes.length, 3, "only the chunk outside shared memory is copied");
  assert.equal(packed.shared.length, 1, "one shared buffer, named once");
  assert.ok(!transferList({ type: "job", job: 1, work: undefined as never, steps: undefined as never, series: packed }).includes(shared.buffer as ArrayBuffer));
  const back = unpackSeries(packed);
  const chunksOf = (run: ChunkRun): number[][] => Array.from({ length: run.count }, (_, k) => [...run.bytes(k)]);
  assert.deepEqual(back.map((s) => chunksOf(s.chunks)), [[[1, 2, 3, 4], [5, 6, 7]], [[...sameBuffer]]]);
  assert.ok(back[0]!.chunks.bytes(0).buffer === shared.buffer, "read in place");
  assert.deepEqual(back.map((s) => [s.minTime, s.maxTime]), [[1, 2], [3, 4]]);
  assert.ok(back[1]!.chunks.table === back[0]!.chunks.table && back[0]!.chunks.table.source === packed.chunkSource, "the packed columns are the worker's table, not copied into one");
  const again = unpackSeries(packed);
  assert.deepEqual(again.map((s) => chunksOf(s.chunks)), [[[1, 2, 3, 4], [5, 6, 7]], [[...sameBuffer]]], "a part's series unpacked again read the same");
});

test("range functions over chunks in shared memory answer on window workers exactly as on one thread", async () => {
  const store = randomStore(11, 16);
  const sharedStore = randomStore(11, 16, new SharedChunkStore());
  const pooled = new Engine({ windowWorkers: pool });
  const before = pool.parts;
  for (const q of ["rate(m_total[5m])", "max_over_time(g[17m])", "sum by (i) (rate(m_total[1h]))", "quantile_over_time(0.3, g[17m])"]) {
    await assertSameOnWorkers(pooled, store, q, 30_000, sharedStore);
  }
  assert.ok(pool.parts - before >= 4, `parts handed to workers: ${pool.parts - before}`);
});

test("an instant query's calls (one window a series) stay on the query's thread", async () => {
  const store = randomStore(23, 24);
  const pooled = new Engine({ windowWorkers: pool });
  const before = pool.parts;
  for (const q of QUERIES) {
    const want = await alone.instantQuery(store, q, END).exec().catch(String);
    const got = await pooled.instantQuery(store, q, END).exec().catch(String);
    if (typeof want === "string" || typeof got === "string") assert.equal(got, want, q);
    else assert.deepEqual([got.value, got.warnings, got.infos], [want.value, want.warnings, want.infos], q);
  }
  assert.equal(pool.parts - before, 0, "no part handed to a worker");
  // The same calls over a range are handed off.
  await pooled.rangeQuery(store, QUERIES[0]!, 20 * MIN, END, 30_000).exec();
  assert.ok(pool.parts - before >= 2);
});

test("the possible-non-counter info comes from a worker's series too", async () => {
  // Three series: the query's thread takes `aaa` (one sample: no rate), the two workers the others.
  const store = new MemoryStore();
  store.appendSample(lbl({ __name__: "aaa", i: "a" }), 0, 1);
  for (const name of ["bbb", "ccc"]) for (let t = 0; t <= END; t += 15_000) store.appendSample(lbl({ __name__: name, i: name }), t, t);
  const before = pool.parts;
  const r = await new Engine({ windowWorkers: pool }).rangeQuery(store, "rate({__name__=~'aaa|bbb|ccc'}[5m])", 20 * MIN, END, 60_000).exec();
  assert.equal(pool.parts - before, 2);
  assert.deepEqual(
    r.infos.map((a) => a.message),
    ["bbb", "ccc"].map((n) => `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "${n}"`),
  );
  assert.equal(r.value.type === "matrix" ? r.value.series.length : 0, 2);
});

test("a busy pool leaves the call on the query's thread", async () => {
  const store = randomStore(11, 16);
  const one = new WindowWorkerPool({ size: 1, minSamples: 0 });
  await one.ready();
  try {
    const pooled = new Engine({ windowWorkers: one });
    const qs = ["rate(m_total[5m])", "max_over_time(g[17m])", "quantile_over_time(0.9, g[17m])"];
    const got = await Promise.all(qs.map((q) => pooled.rangeQuery(store, q, 20 * MIN, END, 30_000).exec()));
    for (const [i, q] of qs.entries()) assertSame(q, await alone.rangeQuery(store, q, 20 * MIN, END, 30_000).exec(), got[i]!);
    assert.equal(one.leased, 1);
  } finally {
    await one.close();
  }
});

test("a pool starts its threads on the first heavy call, which stays on the query's thread", async () => {
  const store = randomStore(17, 8);
  const lazy = new WindowWorkerPool({ size: 1, minSamples: 0 });
  try {
    const e = new Engine({ windowWorkers: lazy });
    const q = "rate(m_total[5m])";
    const want = await alone.rangeQuery(store, q, 20 * MIN, END, 60_000).exec();
    assertSame(q, want, await e.rangeQuery(store, q, 20 * MIN, END, 60_000).exec());
    assert.equal(lazy.leased, 0);
    await lazy.ready();
    assertSame(q, want, await e.rangeQuery(store, q, 20 * MIN, END, 60_000).exec());
    assert.equal(lazy.leased, 1);
  } finally {
    await lazy.close();
  }
});

test("the calls of one query share the workers it holds", async () => {
  const store = randomStore(13, 16);
  const one = new WindowWorkerPool({ size: 1, minSamples: 0 });
  await one.ready();
  try {
    const q = "sum by (i) (rate(m_total[5m])) / sum by (i) (rate(m_total[17m]))";
    const r = await new Engine({ windowWorkers: one }).rangeQuery(store, q, 20 * MIN, END, 30_000).exec();
    assertSame(q, await alone.rangeQuery(store, q, 20 * MIN, END, 30_000).exec(), r);
    assert.deepEqual({ leased: one.leased, parts: one.parts }, { leased: 1, parts: 2 });
  } finally {
    await one.close();
  }
});

test("a query that fails elsewhere gives its workers back once they finish the slices it asked for", async () => {
  const store = randomStore(19, 16);
  const e = new Engine({ windowWorkers: pool });
  const before = { leased: pool.leased, discarded: pool.discarded };
  const q = 'label_replace(rate(m_total[5m]), "i", "x", "i", ".*")';
  await assert.rejects(e.rangeQuery(store, q, 20 * MIN, END, 15_000).exec(), /vector cannot contain metrics with the same labelset/);
  assert.equal(pool.leased - before.leased, 2);
  const ok = "rate(m_total[5m])";
  let both = false;
  for (let i = 0; i < 100 && !both; i++) {
    // The slices come back as messages: a turn of the event loop between queries lets them in.
    await new Promise((r) => setImmediate(r));
    const leased = pool.leased;
    await e.rangeQuery(store, ok, 20 * MIN, END, 60_000).exec();
    both = pool.leased - leased === 2;
  }
  assert.ok(both, "both workers leased again");
  assert.equal(pool.discarded, before.discarded, "none stopped");
});

test("canceling a query stops its window worker, and the pool goes on with a fresh one", async () => {
  const store = randomStore(3, 120);
  const pooled = new Engine({ windowWorkers: pool, timeoutMs: 60_000 });
  const q = "quantile_over_time(0.5, g[1h])";
  const before = { parts: pool.parts, discarded: pool.discarded };
  // Small steps: the workers are still busy when the cancel comes.
  const query = pooled.rangeQuery(store, q, 20 * MIN, END, 1_000);
  const running = query.exec();
  while (pool.parts === before.parts) await new Promise((r) => setImmediate(r));
  query.cancel();
  await assert.rejects(running, (e: unknown) => e instanceof QueryError && e.kind === "canceled");
  assert.equal(pool.discarded - before.discarded, 2, "both busy workers terminated");
  await pool.ready();
  assertSame(q, await alone.rangeQuery(store, q, 20 * MIN, END, 60_000).exec(), await pooled.rangeQuery(store, q, 20 * MIN, END, 60_000).exec());
});

test("a worker that fails gives an execution error naming it, not a crash or a partial answer", async () => {
  const failing = new WindowWorkerPool({ size: 1, minSamples: 0, script: new URL("./failing_worker.js", import.meta.url) });
  await failing.ready();
  try {
    const store = randomStore(5, 8);
    const e = new Engine({ windowWorkers: failing });
    await assert.rejects(e.rangeQuery(store, "rate(m_total[5m])", 20 * MIN, END, 60_000).exec(), (err: unknown) => {
      assert.ok(err instanceof QueryError);
      assert.equal(err.kind, "execution");
      assert.match(err.message, /window worker failed: injected failure/);
      return true;
    });
    assert.equal(failing.discarded, 1);
  } finally {
    await failing.close();
  }
});

test("a part's slices start small, double, and stay within an eighth of its steps (the query's thread evaluates its share of the last ones alone)", () => {
  const widths = (ends: number[]): number[] => ends.map((e, i) => e - (i === 0 ? 0 : ends[i - 1]!));
  // 720 steps over 2,400 series: the memory cap alone would allow 210-step slices.
  const ends = sliceEnds(720, 2400, 10);
  assert.equal(ends[ends.length - 1], 720);
  assert.deepEqual(widths(ends).slice(0, 5), [10, 20, 40, 80, 90]);
  assert.ok(widths(ends).every((w) => (w <= 90 && w % 10 === 0) || w === widths(ends).at(-1)));
  // Few steps: slices of one batch at least.
  assert.deepEqual(sliceEnds(25, 100, 10), [10, 20, 25]);
  // Many series: the memory cap (512K cells) still bounds a slice.
  assert.ok(Math.max(...widths(sliceEnds(720, 200_000, 10))) <= 10);
});

test("a vector selector's part asks its worker for every slice before the step the query's thread reads its own series up to", () => {
  const posted: { k0: number; k1: number }[] = [];
  const held = { start: () => {}, post: (m: { k0: number; k1: number }) => posted.push({ k0: m.k0, k1: m.k1 }), end: () => {} } as unknown as HeldWorker;
  const times = Float64Array.from({ length: 720 }, (_, k) => k * 30_000);
  const inputs = Array.from({ length: 2400 }, () => ({ chunks: NO_CHUNKS, minTime: 0, maxTime: 720 * 30_000 }));
  const part = new WorkerPart(0, held, 0, inputs, { kind: "latest", lookbackMs: 300_000, read: "value", seriesMajor: false }, { times, refs: times, args: [] }, 10);
  // Two slices ahead of what the operator has taken, at first.
  assert.deepEqual(posted, [{ k0: 0, k1: 10 }, { k0: 10, k1: 30 }]);
  // The query's thread is about to read steps up to 320 of its own series in one go: the worker gets every slice starting before it.
  part.requestThrough(320);
  const ends = sliceEnds(720, 2400, 10);
  const wanted = ends.filter((_, i) => (i === 0 ? 0 : ends[i - 1]!) < 320).length;
  assert.equal(posted.length, wanted);
  assert.ok(posted.at(-1)!.k0 < 320 && posted.at(-1)!.k1 >= 320, JSON.stringify(posted.at(-1)));
  // Asking again for what is already asked for sends nothing more.
  part.requestThrough(320);
  assert.equal(posted.length, wanted);
});
