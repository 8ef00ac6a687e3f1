// Cost before execution on a mixed dataset: a head (exact estimates) and a block directory
// (estimates from chunk refs and meta.json) behind the proxy store, as `orrery start` with shipping.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { Engine } from "../engine/index.js";
import { parseDuration } from "../promql/index.js";
import { ProxyStore } from "../federation/index.js";
import { estimateCost, STATISTICS_FACTOR, type QueryCost } from "../planner/index.js";
import { XorChunk, compareLabels, labelsFromRecord, type Labels, type SeriesRequest, type Store } from "../storeapi/index.js";
import { BlocksStore, BlockWriter, openHead, type Head } from "../stores/index.js";
import { buildApi } from "./index.js";

const HOUR = 3_600_000;
/** Head data starts here; the block holds the two hours before. */
const T0 = 1_700_000_400_000 - (1_700_000_400_000 % (2 * HOUR));

interface Source {
  labels: Record<string, string>;
  intervalMs: number;
  inBlock: boolean;
  inHead: boolean;
}

/** 30 + 5 series in both stores at 15 s and 45 s, 10 only in the block (50 s), 10 only in the head (15 s): chunks of 120 samples and shorter ones. */
function dataset(): Source[] {
  const out: Source[] = [];
  for (let i = 0; i < 30; i++) out.push({ labels: { __name__: "demo_total", job: "api", instance: `i${i}` }, intervalMs: 15_000, inBlock: true, inHead: true });
  for (let i = 0; i < 5; i++) out.push({ labels: { __name__: "demo_total", job: "db", instance: `d${i}` }, intervalMs: 45_000, inBlock: true, inHead: true });
  for (let i = 0; i < 10; i++) out.push({ labels: { __name__: "old_metric", instance: `o${i}` }, intervalMs: 50_000, inBlock: true, inHead: false });
  for (let i = 0; i < 10; i++) out.push({ labels: { __name__: "new_metric", instance: `n${i}` }, intervalMs: 15_000, inBlock: false, inHead: true });
  return out;
}

function times(from: number, to: number, interval: number): number[] {
  const ts: number[] = [];
  for (let t = from; t < to; t += interval) ts.push(t);
  return ts;
}

async function writeBlock(dir: string, sources: readonly Source[]): Promise<void> {
  const series = sources.filter((s) => s.inBlock).map((s) => ({ labels: labelsFromRecord(s.labels), ts: times(T0 - 2 * HOUR, T0, s.intervalMs) }));
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  const symbols = new Set<string>();
  for (const s of series) for (const l of s.labels) symbols.add(l.name).add(l.value);
  const w = await BlockWriter.create(dir, { symbols, source: "test", minTime: T0 - 2 * HOUR, maxTime: T0 });
  for (const s of series) {
    const chunks = [];
    for (let i = 0; i < s.ts.length; i += 120) {
      const c = new XorChunk();
      const part = s.ts.slice(i, i + 120);
      part.forEach((t, k) => c.append(t, i + k));
      chunks.push({ minTime: part[0]!, maxTime: part[part.length - 1]!, data: c.bytes().slice() });
    }
    await w.addSeries(s.labels, chunks);
  }
  await w.finish();
}

/** A store counting the chunks its series() streams return: a refused query must leave it at zero. */
function chunkCounting(store: Store): { store: Store; chunks: () => number } {
  let chunks = 0;
  async function* series(request: SeriesRequest, signal?: AbortSignal) {
    for await (const frame of store.series(request, signal)) {
      for (const s of frame.series) chunks += s.chunks.length;
      yield frame;
    }
  }
  const counted: Store = {
    info: () => store.info(),
    series,
    labelNames: (r, s) => store.labelNames(r, s),
    labelValues: (r, s) => store.labelValues(r, s),
    ...(store.estimate === undefined ? {} : { estimate: store.estimate.bind(store) }),
  };
  return { store: counted, chunks: () => chunks };
}

const ANYTIME = { labelSets: [], minTime: Number.MIN_SAFE_INTEGER, maxTime: Number.MAX_SAFE_INTEGER, resolutions: [0], supportsAggregationPushdown: false };

let dir: string;
let head: Head;
let blocks: BlocksStore;
let headCounted: ReturnType<typeof chunkCounting>;
let blocksCounted: ReturnType<typeof chunkCounting>;
let proxy: ProxyStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "orrery-cost-"));
  const sources = dataset();
  await writeBlock(dir, sources);
  blocks = await BlocksStore.open(dir);
  head = (await openHead(undefined, {})).head;
  await head.appendBatch(
    sources.filter((s) => s.inHead).map((s) => {
      const t = times(T0, T0 + HOUR, s.intervalMs);
      return { labels: labelsFromRecord(s.labels) as Labels, t, v: t.map((_, i) => i) };
    }),
  );
  headCounted = chunkCounting(head);
  blocksCounted = chunkCounting(blocks);
  proxy = new ProxyStore({
    stores: [
      { name: "head", store: headCounted.store, info: ANYTIME },
      { name: "bucket", store: blocksCounted.store, info: await blocks.info() },
    ],
  });
});

after(async () => {
  await head.close();
  await blocks.close();
  await rm(dir, { recursive: true, force: true });
});

const chunksFetched = (): number => headCounted.chunks() + blocksCounted.chunks();

/** The engine's query, its estimate, and what running it held (stats.peakSamples). */
async function estimateAndRun(query: string, startMs: number, endMs: number, stepMs: number, store: Store = proxy) {
  const engine = new Engine({});
  const q = stepMs > 0 ? engine.rangeQuery(store, query, startMs, endMs, stepMs) : engine.instantQuery(store, query, startMs);
  const cost: QueryCost = await estimateCost(q.plan!.root, q.plan!.context, store);
  const result = await q.exec();
  return { cost, peak: result.stats.peakSamples };
}

function within(estimate: number, actual: number, factor: number): boolean {
  return estimate <= actual * factor && estimate * factor >= actual;
}

// The mixed queries: both stores, one store only, ranges across the block/head boundary, subqueries.
const CASES: [query: string, startMs: number, endMs: number, stepMs: number][] = [
  ["demo_total", T0 + HOUR - 60_000, T0 + HOUR - 60_000, 0],
  ['rate(demo_total{job="api"}[5m])', T0 - HOUR, T0 + HOUR - 60_000, 60_000],
  ["sum by (job) (rate(demo_total[10m]))", T0 - 90 * 60_000, T0 + 30 * 60_000, 30_000],
  ["old_metric", T0 - HOUR, T0 - 60_000, 15_000],
  ["max_over_time(new_metric[30m])", T0 + HOUR - 1, T0 + HOUR - 1, 0],
  ["max_over_time(rate(demo_total[5m])[30m:1m])", T0 + 10 * 60_000, T0 + 40 * 60_000, 300_000],
  ['demo_total{job="db"} / on (instance) old_metric', T0 - HOUR, T0 + HOUR - 60_000, 120_000],
];

test(`estimates are within ${STATISTICS_FACTOR}× of what the engine holds, overall and per selector, on head + blocks`, async () => {
  for (const [query, s, e, step] of CASES) {
    const { cost, peak } = await estimateAndRun(query, s, e, step);
    assert.ok(peak > 0, query);
    if (process.env.ORRERY_COST_RATIOS) console.log(`${query}\t${cost.samples}\t${peak}\t${(cost.samples / peak).toFixed(2)}`);
    assert.ok(within(cost.samples, peak, STATISTICS_FACTOR), `${query}: estimated ${cost.samples} samples, the engine held ${peak}`);
    const reachesBlocks = cost.selectors.some((sel) => sel.stores.some((st) => st.name === "bucket"));
    assert.equal(cost.basis, reachesBlocks ? "statistics" : "exact", `${query}: the blocks' share is estimated from statistics`);
  }
});

test("per selector: series and chunk samples within the factor of what the stores returned, and the stores each reaches", async () => {
  const { cost } = await estimateAndRun('rate(demo_total{job="api"}[5m])', T0 - HOUR, T0 + HOUR - 60_000, 60_000);
  const [sel] = cost.selectors;
  assert.equal(cost.selectors.length, 1);
  assert.equal(sel!.selector, 'demo_total{job="api"}[5m]');
  // 30 series; two hours of 15 s samples, in whole 120-sample chunks.
  assert.equal(sel!.series, 30);
  assert.ok(within(sel!.samples, 30 * 480, STATISTICS_FACTOR), `samples ${sel!.samples}`);
  assert.deepEqual(
    sel!.stores.map((st) => [st.name, st.series, st.basis]),
    [
      ["head", 30, "exact"],
      ["bucket", 30, "statistics"],
    ],
  );
  const old = await estimateAndRun("old_metric", T0 + 10 * 60_000, T0 + 10 * 60_000, 0);
  assert.deepEqual(old.cost.selectors[0]!.stores.map((st) => st.name), ["head"], "the block ends before the lookback: only the head is asked");
  assert.equal(old.cost.selectors[0]!.series, 0);
});

test("the head alone: the estimate is within 5% of what the engine holds (outputs exact, a window estimated as its share of the chunks)", async () => {
  for (const [query, s, e, step] of [
    ["demo_total", T0 + HOUR - 60_000, T0 + HOUR - 60_000, 0],
    ['rate(demo_total{job="api"}[5m])', T0 + 10 * 60_000, T0 + HOUR - 60_000, 60_000],
    ["max_over_time(new_metric[30m])", T0 + HOUR - 1, T0 + HOUR - 1, 0],
    ["sum(new_metric)", T0, T0 + HOUR, 60_000],
    ["rate(new_metric[5m])", T0, T0 + HOUR, 60_000],
  ] as const) {
    const { cost, peak } = await estimateAndRun(query, s, e, step, head);
    assert.equal(cost.basis, "exact", query);
    if (process.env.ORRERY_COST_RATIOS) console.log(`${query}\t${cost.samples}\t${peak}`);
    assert.ok(within(cost.samples, peak, 1.05), `${query}: estimated ${cost.samples}, the engine held ${peak}`);
  }
});

test("over --query.max-samples: refused before any chunk is fetched, in Prometheus's words with advice", async () => {
  const app = buildApi({ engine: new Engine({}), store: proxy, registry: new Registry(), maxSamples: 2_000 });
  try {
    const before = chunksFetched();
    const q = new URLSearchParams({ query: "sum by (job) (rate(demo_total[5m]))", start: String((T0 - HOUR) / 1000), end: String((T0 + HOUR) / 1000), step: "60" });
    const res = await app.inject({ url: `/api/v1/query_range?${q}` });
    assert.equal(res.statusCode, 422);
    const body = res.json();
    assert.equal(body.errorType, "execution");
    assert.equal(chunksFetched(), before, "no store returned a chunk");
    const msg: string = body.error;
    if (process.env.ORRERY_COST_RATIOS) console.log(msg);
    assert.match(msg, /^query processing would load too many samples into memory in query execution: estimated \d+ samples before any chunk was read \(limit 2000, --query\.max-samples\)/);
    assert.match(msg, /selectors matching the most series: demo_total\[5m\] \(35 series, \d+ samples\)/);
    assert.match(msg, /a range of at most about (\d+[hm])+ would fit/);
    assert.match(msg, /a step of at least (\d+[hms])+ would fit/);
    // The advice holds: the range it names runs.
    const fit = parseDuration(/at most about ((\d+[hm])+)/.exec(msg)![1]!) / 1000;
    const shorter = new URLSearchParams({ ...Object.fromEntries(q), start: String((T0 + HOUR) / 1000 - fit) });
    const ok = await app.inject({ url: `/api/v1/query_range?${shorter}` });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.ok(chunksFetched() > before, "a query that fits does fetch chunks");
  } finally {
    await app.close();
  }
});

test("a query whose fetched chunks hold more samples than the limit, but whose outputs and windows fit, is not refused", async () => {
  const app = buildApi({ engine: new Engine({}), store: proxy, registry: new Registry(), maxSamples: 4_000 });
  try {
    // About 14,400 samples in the chunks (30 series × 2h at 15s); held: 30 series × 121 steps of rate + one 5m window.
    const q = new URLSearchParams({ query: 'sum(rate(demo_total{job="api"}[5m]))', start: String((T0 - HOUR) / 1000), end: String((T0 + HOUR) / 1000), step: "60" });
    const res = await app.inject({ url: `/api/v1/query_range?${q}&stats=all` });
    assert.equal(res.statusCode, 200, res.body);
    const stats = res.json().data.stats.samples;
    assert.ok(stats.peakSamples <= 4_000 && stats.peakSamples >= 30 * 121, JSON.stringify(stats));
  } finally {
    await app.close();
  }
});

test("a step that would fit is named when the result's steps are what overflows", async () => {
  const app = buildApi({ engine: new Engine({}), store: head, registry: new Registry(), maxSamples: 1_000 });
  try {
    const q = new URLSearchParams({ query: "new_metric", start: String(T0 / 1000), end: String((T0 + HOUR) / 1000), step: "15" });
    const res = await app.inject({ url: `/api/v1/query_range?${q}` });
    assert.equal(res.statusCode, 422);
    const step = /a step of at least (\d+)s would fit/.exec(res.json().error);
    assert.ok(step, res.json().error);
    const ok = await app.inject({ url: `/api/v1/query_range?${new URLSearchParams({ ...Object.fromEntries(q), step: step[1]! })}` });
    assert.equal(ok.statusCode, 200, ok.body);
  } finally {
    await app.close();
  }
});

test("explain analyze: each selector's estimate beside what was fetched, and the stores it reaches", async () => {
  const app = buildApi({ engine: new Engine({}), store: proxy, registry: new Registry() });
  try {
    const q = new URLSearchParams({ query: 'sum(rate(demo_total{job="api"}[5m]))', start: String((T0 - HOUR) / 1000), end: String((T0 + HOUR) / 1000), step: "60", analyze: "true" });
    const res = await app.inject({ url: `/api/v1/explain?${q}` });
    assert.equal(res.statusCode, 200, res.body);
    const data = res.json().data;
    assert.equal(data.estimate.basis, "statistics");
    assert.ok(data.estimate.samples > 0 && data.estimate.series === 30);
    const [sel] = data.selectors;
    assert.equal(sel.selector, 'demo_total{job="api"}[5m]');
    assert.equal(sel.estimate.series, 30);
    assert.equal(sel.actual.series, 30);
    assert.ok(within(sel.estimate.samples, sel.actual.samples, STATISTICS_FACTOR), JSON.stringify(sel));
    assert.deepEqual(sel.stores.map((s: { name: string }) => s.name), ["head", "bucket"]);
    // Without analyze: the estimate, no actual.
    q.delete("analyze");
    const plain = (await app.inject({ url: `/api/v1/explain?${q}` })).json().data;
    assert.equal(plain.selectors[0].actual, undefined);
    assert.equal(plain.selectors[0].estimate.series, 30);
  } finally {
    await app.close();
  }
});
