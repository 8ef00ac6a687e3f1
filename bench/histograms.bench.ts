// `npm run bench -- histograms`: a native-histogram latency dashboard, orrery beside Prometheus 2.42.
//
// Generates 6h of native histograms (schema 3, integer counts, every 15s) for 200 series —
// http_request_duration_seconds by route × method × instance, log-normal latencies per route —
// and remote-writes the same request bodies, in time order, to Prometheus 2.42
// (--enable-feature=native-histograms --web.enable-remote-write-receiver; 2.42's receiver stores
// histograms) and to `orrery start`. Checks the answers agree (the p99 also against Prometheus 3's
// interpolation applied to 2.42's own rate histograms, since 2.42 interpolates linearly inside a
// bucket), then times the p99-by-route query and histogram_count by route (range over 6h at step
// 60s, and instant), interleaved, medians (Prometheus 2.42 takes minutes per 6h range: BENCH_RUNS=1
// for a quick look). Last, bytes per histogram sample: orrery's head (the same bodies
// through the same receiver into an in-process head; its chunks' bytes) against the blocks
// Prometheus compacts from its head (their chunks' bytes, read with orrery's block reader).
// Env: BENCH_HOURS (6), BENCH_RUNS (3), BENCH_KEEP=1 keeps the temp dir.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  compareResults,
  instantQuery,
  isEmptyDiff,
  rangeQuery,
  startPrometheus,
  type Endpoint,
  type QueryOutcome,
  type QueryResult,
  type RunningServer,
} from "../conformance/index.js";
import { ChunkEncoding, CounterResetHint, histogramChunkNumSamples, type Labels, type NativeHistogram } from "../storeapi/index.js";
import { createRemoteWriteContext, encodeRemoteWriteBody, handleRemoteWrite, Head, openBlockDir, type WriteTimeSeries } from "../stores/index.js";
import { FloatHistogram, histogramQuantile } from "../engine/index.js";
import { rng } from "../testing/index.js";
import { benchmark, formatRows, startOrrery, type BenchQuery, type Contender } from "./compare-kit.js";

const HOURS = Number(process.env.BENCH_HOURS ?? 6);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const INTERVAL_MS = 15_000;
const STEP_S = 60;
/** Scrapes per remote_write request (5 minutes of every series), so both receivers see time order. */
const SCRAPES_PER_BODY = 20;
const SCHEMA = 3;
/** client_golang's default zero threshold (2^-128). */
const ZERO_THRESHOLD = 2 ** -128;
const TOLERANCE = { fraction: 1e-9, margin: 0 };
const METRIC = "http_request_duration_seconds";

const ROUTES = ["/api/users", "/api/orders", "/api/search", "/api/cart", "/api/login", "/api/items", "/api/reviews", "/api/checkout", "/healthz", "/metrics"];
const METHODS = ["GET", "POST"];
const INSTANCES = 10;

const QUERIES: BenchQuery[] = [
  { name: "p99 by route", query: `histogram_quantile(0.99, sum by (route) (rate(${METRIC}[5m])))` },
  { name: "histogram_count by route", query: `sum by (route) (histogram_count(rate(${METRIC}[5m])))` },
  { name: "rate histograms by route", query: `sum by (route) (rate(${METRIC}[5m]))` },
];

/** One series' running histogram: cumulative bucket counts by index, count, zero count, sum. */
interface SeriesState {
  labels: Labels;
  buckets: Map<number, number>;
  count: number;
  zeroCount: number;
  sum: number;
  /** Log-normal latency: median seconds and sigma; requests per second. */
  median: number;
  sigma: number;
  rps: number;
}

function seriesStates(random: () => number): SeriesState[] {
  const out: SeriesState[] = [];
  ROUTES.forEach((route, r) => {
    for (const method of METHODS) {
      for (let i = 0; i < INSTANCES; i++) {
        const labels: Labels = [
          { name: "__name__", value: METRIC },
          { name: "instance", value: `web-${String(i).padStart(2, "0")}:8080` },
          { name: "job", value: "web" },
          { name: "method", value: method },
          { name: "route", value: route },
        ];
        // Routes from 2ms to ~400ms at the median, POST slower, one slow instance.
        const median = 0.002 * 1.8 ** r * (method === "POST" ? 1.6 : 1) * (i === 7 ? 2.5 : 1);
        out.push({ labels, buckets: new Map(), count: 0, zeroCount: 0, sum: 0, median, sigma: 0.5 + 0.06 * r, rps: (0.5 + random() * 3) * (method === "GET" ? 2 : 1) });
      }
    }
  });
  return out;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** One scrape interval of observations; a slow tail (2%) ten times the median. */
function observe(s: SeriesState, random: () => number): void {
  const n = Math.round(s.rps * (INTERVAL_MS / 1000) * (0.7 + 0.6 * random()));
  for (let k = 0; k < n; k++) {
    const v = s.median * Math.exp(s.sigma * gaussian(random)) * (random() < 0.02 ? 10 : 1);
    s.count++;
    s.sum += v;
    if (v <= ZERO_THRESHOLD) {
      s.zeroCount++;
      continue;
    }
    // Bucket i holds (2^((i-1)/2^schema), 2^(i/2^schema)].
    const i = Math.ceil(Math.log2(v) * 2 ** SCHEMA);
    s.buckets.set(i, (s.buckets.get(i) ?? 0) + 1);
  }
}

/** The state as an integer native histogram: spans over the populated bucket indexes. */
function snapshot(s: SeriesState): NativeHistogram {
  const indexes = [...s.buckets.keys()].sort((a, b) => a - b);
  const spans: { offset: number; length: number }[] = [];
  let prev: number | undefined;
  for (const i of indexes) {
    if (prev !== undefined && i === prev + 1) spans[spans.length - 1]!.length++;
    else spans.push({ offset: prev === undefined ? i : i - prev - 1, length: 1 });
    prev = i;
  }
  return {
    float: false,
    counterResetHint: CounterResetHint.Unknown,
    schema: SCHEMA,
    zeroThreshold: ZERO_THRESHOLD,
    zeroCount: s.zeroCount,
    count: s.count,
    sum: s.sum,
    positiveSpans: spans,
    positiveBuckets: indexes.map((i) => s.buckets.get(i)!),
    negativeSpans: [],
    negativeBuckets: [],
  };
}

interface Dataset {
  bodies: Uint8Array[];
  startMs: number;
  endMs: number;
  samples: number;
  series: number;
  buckets: number;
}

/** Scrape times off the minute grid (…:07.337), so no sample sits on a 60s step's window edge. */
function generate(): Dataset {
  const random = rng(20);
  const states = seriesStates(random);
  const scrapes = Math.floor((HOURS * 3_600_000) / INTERVAL_MS);
  const endGrid = Math.floor((Date.now() - 60_000) / 60_000) * 60_000;
  const first = endGrid - scrapes * INTERVAL_MS + 7_337;
  const bodies: Uint8Array[] = [];
  let buckets = 0;
  for (let from = 0; from < scrapes; from += SCRAPES_PER_BODY) {
    const timeseries: WriteTimeSeries[] = states.map((s) => ({ labels: s.labels, samples: [], histograms: [] as { timestamp: number; h: NativeHistogram }[] }));
    for (let k = from; k < Math.min(scrapes, from + SCRAPES_PER_BODY); k++) {
      states.forEach((s, i) => {
        observe(s, random);
        const h = snapshot(s);
        buckets += h.positiveBuckets.length;
        (timeseries[i]!.histograms as { timestamp: number; h: NativeHistogram }[]).push({ timestamp: first + k * INTERVAL_MS, h });
      });
    }
    bodies.push(encodeRemoteWriteBody({ timeseries }));
  }
  const lastSample = first + (scrapes - 1) * INTERVAL_MS;
  return { bodies, startMs: endGrid - HOURS * 3_600_000 + 10 * 60_000, endMs: Math.floor(lastSample / 60_000) * 60_000, samples: scrapes * states.length, series: states.length, buckets };
}

const WRITE_HEADERS = { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" };

async function writeAll(server: RunningServer, name: string, bodies: readonly Uint8Array[]): Promise<number> {
  const t0 = performance.now();
  for (const [i, body] of bodies.entries()) {
    const res = await fetch(`${server.url}/api/v1/write`, { method: "POST", headers: WRITE_HEADERS, body });
    if (res.status !== 204 && res.status !== 200) throw new Error(`${name} refused body ${i} of ${bodies.length}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  }
  return (performance.now() - t0) / 1000;
}

/** Chunk bytes per histogram sample of an in-process orrery head fed the same bodies. */
async function orreryHeadBytes(bodies: readonly Uint8Array[]): Promise<{ bytes: number; samples: number; chunks: number }> {
  const head = new Head();
  const ctx = createRemoteWriteContext();
  for (const body of bodies) {
    const r = await handleRemoteWrite(head, body, WRITE_HEADERS, ctx);
    if (r.status !== 204) throw new Error(`in-process head refused a body: ${r.status} ${r.message ?? ""}`);
  }
  let bytes = 0;
  let samples = 0;
  let chunks = 0;
  for await (const frame of head.series({ minTime: -Infinity, maxTime: Infinity, matchers: [] })) {
    for (const s of frame.series) {
      for (const c of s.chunks) {
        bytes += c.raw!.data.length;
        samples += histogramChunkNumSamples(c.raw!.data);
        chunks++;
      }
    }
  }
  return { bytes, samples, chunks };
}

/** Block directories (ULIDs) Prometheus has written under its data dir. */
async function blockDirs(dataDir: string): Promise<string[]> {
  const names = await readdir(dataDir).catch(() => [] as string[]);
  return names.filter((n) => /^[0-9A-Z]{26}$/.test(n) && existsSync(join(dataDir, n, "meta.json"))).map((n) => join(dataDir, n));
}

/** Waits until Prometheus has compacted its head into blocks (its 1-minute compaction tick) and stopped adding them. */
async function waitForBlocks(dataDir: string, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const now = await blockDirs(dataDir);
    if (now.length !== last.length) {
      last = now;
      stableSince = Date.now();
    } else if (now.length > 0 && Date.now() - stableSince > 15_000) {
      return now;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last;
}

/** Chunk bytes and histogram samples of Prometheus's blocks, read as orrery's bucket store reads them. */
async function blockBytes(dirs: readonly string[]): Promise<{ bytes: number; samples: number; chunks: number; encodings: Set<number> }> {
  let bytes = 0;
  let samples = 0;
  let chunks = 0;
  const encodings = new Set<number>();
  for (const dir of dirs) {
    const block = await openBlockDir(dir);
    try {
      for (const ref of await block.index.allPostings()) {
        const s = await block.index.series(ref);
        for (const m of s.chunks) {
          const c = await block.chunks.chunk(m.ref);
          encodings.add(c.encoding);
          bytes += c.data.length;
          samples += histogramChunkNumSamples(c.data);
          chunks++;
        }
      }
    } finally {
      await block.close();
    }
  }
  return { bytes, samples, chunks, encodings };
}

function encodingName(e: ChunkEncoding): string {
  return e === ChunkEncoding.Histogram ? "histogram" : e === ChunkEncoding.FloatHistogram ? "float histogram" : e === ChunkEncoding.XOR ? "XOR" : String(e);
}

function outcome(o: QueryOutcome, who: string, query: string): QueryResult {
  if (!o.ok) throw new Error(`${who} failed ${query}: ${o.errorType}: ${o.error}`);
  return o.result;
}

/** Bucket-wise comparison of histogram points (count, sum and every bucket's count to 1e-9 relative). */
function histogramsAgree(a: string, b: string): boolean {
  const x = JSON.parse(a) as { count: string; sum: string; buckets?: [number, string, string, string][] };
  const y = JSON.parse(b) as typeof x;
  const close = (p: string, q: string): boolean => {
    const u = Number(p);
    const v = Number(q);
    return u === v || Math.abs(u - v) <= TOLERANCE.fraction * Math.max(Math.abs(u), Math.abs(v));
  };
  const bx = x.buckets ?? [];
  const by = y.buckets ?? [];
  if (!close(x.count, y.count) || !close(x.sum, y.sum) || bx.length !== by.length) return false;
  return bx.every((bk, i) => bk[0] === by[i]![0] && close(bk[1], by[i]![1]) && close(bk[2], by[i]![2]) && close(bk[3], by[i]![3]));
}

/**
 * Whether the answers agree. Histogram points compare bucket by bucket. The quantile is the one
 * known difference: Prometheus 2.42 interpolates linearly inside an exponential bucket, Prometheus 3
 * (and orrery) on a log scale; both must land in the same bucket, i.e. within one bucket's width
 * (2^(2^-schema)) of each other. Returns a line for the report.
 */
function check(name: string, ref: QueryResult, tgt: QueryResult, quantile: boolean): string {
  const diff = compareResults(ref, tgt, { tolerance: TOLERANCE });
  const real = diff.points.filter((p) => !(p.reference?.h !== undefined && p.target?.h !== undefined && histogramsAgree(p.reference.h, p.target.h)));
  const points = ref.resultType === "matrix" || ref.resultType === "vector" ? ref.series.reduce((a, s) => a + s.points.length, 0) : 1;
  if (diff.missingSeries.length + diff.extraSeries.length + diff.duplicateSeries.length > 0 || diff.typeMismatch !== undefined) {
    throw new Error(`${name}: answers differ in series: ${JSON.stringify({ ...diff, points: diff.points.length })}`);
  }
  if (!quantile) {
    if (real.length > 0) throw new Error(`${name}: ${real.length} of ${points} points differ, first ${JSON.stringify(real[0])}`);
    return `${name}: ${points} points equal (1e-9 relative${isEmptyDiff(diff) ? "" : ", histograms bucket by bucket"})`;
  }
  const width = 2 ** (2 ** -SCHEMA);
  let maxRel = 0;
  for (const p of real) {
    const a = p.reference?.v;
    const b = p.target?.v;
    if (a === undefined || b === undefined || !(a > 0 && b > 0) || Math.max(a / b, b / a) > width) {
      throw new Error(`${name}: point beyond one bucket's width apart: ${JSON.stringify(p)}`);
    }
    maxRel = Math.max(maxRel, Math.abs(a - b) / a);
  }
  return `${name}: ${points} points, ${points - real.length} equal to 1e-9, ${real.length} within one bucket (2.42 linear vs Prometheus 3 log interpolation; max relative difference ${maxRel.toExponential(2)})`;
}

/** A histogram of Prometheus's JSON (this dataset's schema: positive buckets and the zero bucket) as a FloatHistogram. */
function fromJson(text: string): FloatHistogram {
  const x = JSON.parse(text) as { count: string; sum: string; buckets?: [number, string, string, string][] };
  const h = new FloatHistogram();
  h.schema = SCHEMA;
  h.zeroThreshold = ZERO_THRESHOLD;
  h.count = Number(x.count);
  h.sum = Number(x.sum);
  let prev: number | undefined;
  for (const [, lo, hi, count] of x.buckets ?? []) {
    if (Number(lo) <= 0) {
      h.zeroCount = Number(count);
      continue;
    }
    const i = Math.round(Math.log2(Number(hi)) * 2 ** SCHEMA);
    if (prev !== undefined && i === prev + 1) h.positiveSpans[h.positiveSpans.length - 1]!.length++;
    else h.positiveSpans.push({ offset: prev === undefined ? i : i - prev - 1, length: 1 });
    h.positiveBuckets.push(Number(count));
    prev = i;
  }
  return h;
}

/** The p99 Prometheus 3 would give from Prometheus 2.42's own rate histograms (its interpolation rule, 2.42's data). */
function quantilesOf(rates: QueryResult): QueryResult {
  if (rates.resultType !== "matrix" && rates.resultType !== "vector") throw new Error(`rate histograms: a ${rates.resultType} result`);
  const series = rates.series.map((s) => ({ metric: s.metric, points: s.points.map((p) => ({ t: p.t, v: histogramQuantile(0.99, fromJson(p.h!)).value })) }));
  return { resultType: rates.resultType, series };
}

async function checkAnswers(prom: Endpoint, orrery: Endpoint, ds: Dataset): Promise<string[]> {
  const lines: string[] = [];
  const range = { startMs: ds.startMs, endMs: ds.endMs, stepMs: STEP_S * 1000 };
  const rates = QUERIES[2]!.query;
  const promRates = {
    range: outcome(await rangeQuery(prom, rates, range), "prometheus", rates),
    instant: outcome(await instantQuery(prom, rates, ds.endMs), "prometheus", rates),
  };
  for (const q of QUERIES) {
    const quantile = q.query.startsWith("histogram_quantile");
    for (const mode of ["range", "instant"] as const) {
      const ask = (ep: Endpoint): Promise<QueryOutcome> => (mode === "range" ? rangeQuery(ep, q.query, range) : instantQuery(ep, q.query, ds.endMs));
      const pr = q.query === rates ? promRates[mode] : outcome(await ask(prom), "prometheus", q.query);
      const or = outcome(await ask(orrery), "orrery", q.query);
      lines.push(check(`${q.name} [${mode}]`, pr, or, quantile));
      if (quantile) lines.push(check(`${q.name} [${mode}] vs Prometheus 3's rule over 2.42's rate histograms`, quantilesOf(promRates[mode]), or, false));
    }
  }
  return lines;
}

async function main(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), "orrery-bench-histograms-"));
  const servers: RunningServer[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  process.once("SIGINT", () => void stopAll().finally(() => rm(work, { recursive: true, force: true }).finally(() => process.exit(130))));
  try {
    let t0 = performance.now();
    const ds = generate();
    const bodyBytes = ds.bodies.reduce((a, b) => a + b.length, 0);
    console.log(`data: ${ds.series} series × ${ds.samples / ds.series} histograms (${HOURS} h every 15 s, schema ${SCHEMA}), ${(ds.buckets / ds.samples).toFixed(1)} buckets/histogram on average; ${ds.bodies.length} remote_write bodies, ${(bodyBytes / 1e6).toFixed(1)} MB; generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const promDir = join(work, "prometheus");
    const prom = await startPrometheus({ dataDir: promDir, extraArgs: ["--enable-feature=native-histograms", "--web.enable-remote-write-receiver", "--query.timeout=5m"], readyTimeoutMs: 120_000 });
    servers.push(prom);
    const orrery = await startOrrery(join(work, "orrery"), HOURS);
    servers.push(orrery);
    const [promS, orreryS] = await Promise.all([writeAll(prom, "prometheus", ds.bodies), writeAll(orrery, "orrery", ds.bodies)]);
    console.log(`remote_write (both at once): prometheus ${promS.toFixed(1)} s, orrery ${orreryS.toFixed(1)} s`);

    console.log("\nanswers (checked before timing):");
    const promEp: Endpoint = { url: prom.url, timeoutMs: 300_000 };
    const orreryEp: Endpoint = { url: orrery.url, timeoutMs: 300_000 };
    for (const line of await checkAnswers(promEp, orreryEp, ds)) console.log(`  ${line}`);

    const contenders: Contender[] = [
      { name: "prometheus", server: prom },
      { name: "orrery", server: orrery },
    ];
    console.log(`\ntimings: ${HOURS} h range at step ${STEP_S}s and instant, medians of ${RUNS} interleaved runs (the machine is shared: compare the ratios)`);
    // The rate histograms are checked, not timed: the dashboard's two panels are.
    const rows = await benchmark(contenders, ds.startMs, ds.endMs, { runs: RUNS, stepS: STEP_S }, (m) => console.log(`  ${m}`), QUERIES.slice(0, 2));
    console.log(formatRows(rows, contenders.map((c) => c.name), 1));

    console.log("\nbytes per histogram sample:");
    t0 = performance.now();
    const head = await orreryHeadBytes(ds.bodies);
    console.log(`  orrery head (same bodies, same receiver, in-process): ${head.samples} samples in ${head.chunks} chunks, ${head.bytes} chunk bytes = ${(head.bytes / head.samples).toFixed(2)} B/sample (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    // Prometheus compacts its head once it spans 1.5 block ranges (3h).
    const dirs = HOURS > 3 ? await waitForBlocks(promDir, 240_000) : [];
    const blocks = await blockBytes(dirs);
    if (blocks.samples === 0) {
      console.log(`  prometheus: no block compacted from its head${HOURS > 3 ? " within 4 minutes" : ` (it compacts once its head spans 3h; this run has ${HOURS}h)`}; nothing to compare`);
    } else {
      const perSample = blocks.bytes / blocks.samples;
      console.log(`  prometheus 2.42 blocks (${dirs.length}, compacted from its head; encodings ${[...blocks.encodings].map(encodingName).join(",")}): ${blocks.samples} samples in ${blocks.chunks} chunks, ${blocks.bytes} chunk bytes = ${perSample.toFixed(2)} B/sample`);
      console.log(`  ratio orrery/prometheus: ${(head.bytes / head.samples / perSample).toFixed(3)}`);
    }
    return 0;
  } finally {
    await stopAll();
    if (process.env.BENCH_KEEP === "1") console.log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

process.exitCode = await main();
