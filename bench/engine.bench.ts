// Engine benchmark: range queries over 10,000 series × 6h at a 30s step (15s scrape interval).
// Run by hand: npx tsc -p . && node dist/bench/engine.bench.js [seriesScale] [baseline]
// baseline: another build's dist/engine/index.js (e.g. main's); each query then runs on both
// engines alternately over the same store, and the answers are checked to agree (1e-9 relative).
// ENGINE_BENCH_ONLY=<regexp> runs only the queries it matches (e.g. to profile a few).
// ENGINE_BENCH_WORKERS=<n>: window worker threads this build's engine uses (default: CPUs − 1, as
// `orrery start`); ENGINE_BENCH_MIN_SAMPLES=<n>: their threshold. Give this build's own
// dist/engine/index.js as the baseline to measure the workers alone (the baseline runs without,
// unless ENGINE_BENCH_BASELINE_WORKERS=<n> gives it its own pool of n, to compare two builds' workers).
// ENGINE_BENCH_SWEEP=1: where handing a call to the workers starts to pay (--query.parallel-min-samples):
// small stores of n counters, one thread against the workers at a threshold of 0, interleaved.
import { availableParallelism } from "node:os";
import { DEFAULT_PARALLEL_MIN_SAMPLES, Engine, WindowWorkerPool } from "../engine/index.js";
import { MemoryStore, type Labels } from "../storeapi/index.js";

const SCRAPE_MS = 15_000;
const HOURS = 6;
const STEP_MS = 30_000;

function lbl(rec: Record<string, string>): Labels {
  return Object.keys(rec)
    .sort()
    .map((name) => ({ name, value: rec[name]! }));
}

/** 9,000 `x_total` counters (10 jobs × 900 instances) and 1,000 `h_bucket` series (100 instances × 10 le). */
function generate(scale: number): { store: MemoryStore; series: number; samples: number } {
  const store = new MemoryStore();
  const points = (HOURS * 3600_000) / SCRAPE_MS + 1;
  const ts = new Float64Array(points);
  for (let i = 0; i < points; i++) ts[i] = i * SCRAPE_MS;
  const vs = new Float64Array(points);
  let series = 0;
  const instances = Math.round(900 * scale);
  for (let job = 0; job < 10; job++) {
    for (let inst = 0; inst < instances; inst++) {
      const rate = 1 + ((job * 7 + inst) % 13);
      let v = 0;
      for (let i = 0; i < points; i++) {
        v += rate * (1 + ((i * 31 + inst) % 5));
        vs[i] = v;
      }
      const code = inst % 10 === 0 ? "500" : "200";
      store.add(lbl({ __name__: "x_total", job: `job-${job}`, instance: `i-${inst}`, code }), ts, vs);
      series++;
    }
  }
  const les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"];
  const hInstances = Math.round(100 * scale);
  for (let inst = 0; inst < hInstances; inst++) {
    for (let b = 0; b < les.length; b++) {
      let v = 0;
      for (let i = 0; i < points; i++) {
        v += (b + 1) * (1 + ((i + inst) % 3));
        vs[i] = v;
      }
      store.add(lbl({ __name__: "h_bucket", job: `job-${inst % 10}`, instance: `h-${inst}`, le: les[b]! }), ts, vs);
      series++;
    }
  }
  return { store, series, samples: series * points };
}

const QUERIES = [
  "x_total",
  // A bare selector under an aggregation: decoding and step selection, no result to encode.
  "count by (job) (x_total)",
  "rate(x_total[5m])",
  "sum by (job) (rate(x_total[5m]))",
  "histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))",
  "topk(5, rate(x_total[5m]))",
  'sum by (job) (rate(x_total{code="500"}[5m])) / sum by (job) (rate(x_total[5m]))',
  // Long windows: what evaluating every window from scratch costs most (issue 19).
  "sum by (job) (rate(x_total[1h]))",
  "sum(increase(x_total[1h]))",
  "max_over_time(x_total[1h])",
  "sum by (job) (sum_over_time(x_total[1h]))",
  'quantile_over_time(0.9, x_total{job="job-1"}[1h])',
  "sum by (job) (changes(x_total[1h]))",
];

interface EngineLike {
  rangeQuery(store: MemoryStore, q: string, start: number, end: number, step: number): { exec(): Promise<QueryResult> };
  instantQuery(store: MemoryStore, q: string, t: number): { exec(): Promise<unknown> };
}

interface QueryResult {
  value: { type: string; series?: { labels: unknown; points?: unknown; t?: ArrayLike<number>; v?: ArrayLike<number> }[] };
  stats: { totalSamples: number };
}

async function timed(engine: EngineLike, store: MemoryStore, q: string, end: number): Promise<{ secs: number; res: QueryResult }> {
  const start = performance.now();
  const res = await engine.rangeQuery(store, q, 0, end, STEP_MS).exec();
  return { secs: (performance.now() - start) / 1000, res };
}

/** Whether two results hold the same values to 1e-9 relative (NaN equal to NaN). */
function sameAnswer(a: QueryResult, b: QueryResult): boolean {
  const ja = JSON.stringify(a.value, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v));
  const jb = JSON.stringify(b.value, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v));
  if (ja === jb) return true;
  const na = ja.split(/[\[\]{},:]/);
  const nb = jb.split(/[\[\]{},:]/);
  if (na.length !== nb.length) return false;
  for (let i = 0; i < na.length; i++) {
    if (na[i] === nb[i]) continue;
    const x = Number(na[i]);
    const y = Number(nb[i]);
    if (!(Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)))) return false;
  }
  return true;
}

/** The window workers this build's engine uses, or undefined for none. */
function benchPool(): WindowWorkerPool | undefined {
  const size = Number(process.env.ENGINE_BENCH_WORKERS ?? Math.max(0, availableParallelism() - 1));
  if (!(size > 0)) return undefined;
  return new WindowWorkerPool({ size, minSamples: Number(process.env.ENGINE_BENCH_MIN_SAMPLES ?? DEFAULT_PARALLEL_MIN_SAMPLES) });
}

async function compareWith(baselinePath: string, store: MemoryStore, end: number, pool: WindowWorkerPool | undefined): Promise<void> {
  const mod = (await import(baselinePath)) as { Engine: new (o: object) => EngineLike; WindowWorkerPool?: typeof WindowWorkerPool };
  const ours = new Engine({ timeoutMs: 600_000, maxSamples: 200_000_000, windowWorkers: pool }) as unknown as EngineLike;
  const baseWorkers = Number(process.env.ENGINE_BENCH_BASELINE_WORKERS ?? 0);
  const basePool = baseWorkers > 0 && mod.WindowWorkerPool !== undefined ? new mod.WindowWorkerPool({ size: baseWorkers, minSamples: pool?.minSamples }) : undefined;
  await basePool?.ready();
  console.log(`baseline window workers: ${basePool?.size ?? 0}`);
  const base = new mod.Engine({ timeoutMs: 600_000, maxSamples: 200_000_000, windowWorkers: basePool });
  await base.instantQuery(store, 'count({__name__=~".+"})', end).exec();
  console.log(`query | baseline s | this build s | ratio | same answer`);
  for (const q of selectedQueries()) {
    const tb: number[] = [];
    const to: number[] = [];
    let same = true;
    for (let run = 0; run < 3; run++) {
      global.gc?.();
      const b = await timed(base, store, q, end);
      global.gc?.();
      const o = await timed(ours, store, q, end);
      tb.push(b.secs);
      to.push(o.secs);
      if (run === 0) same = sameAnswer(b.res, o.res);
    }
    const med = (xs: number[]): number => xs.sort((x, y) => x - y)[1]!;
    console.log(`${q} | ${med(tb).toFixed(3)} | ${med(to).toFixed(3)} | ${(med(to) / med(tb)).toFixed(2)} | ${same ? "yes" : "NO"}`);
  }
  await basePool?.close();
}

function selectedQueries(): string[] {
  const only = process.env.ENGINE_BENCH_ONLY;
  return only === undefined ? QUERIES : QUERIES.filter((q) => new RegExp(only).test(q));
}

function mb(n: number): string {
  return (n / 1024 / 1024).toFixed(0) + " MB";
}

/** One thread against the pool at threshold 0, on calls of growing work; prints the work (samples decoded + windows) and the time ratio. */
async function sweep(): Promise<void> {
  const size = Number(process.env.ENGINE_BENCH_WORKERS ?? Math.max(1, availableParallelism() - 1));
  const pool = new WindowWorkerPool({ size, minSamples: 0 });
  await pool.ready();
  const alone = new Engine({});
  const pooled = new Engine({ windowWorkers: pool });
  console.log(`series | steps | work | one thread ms | ${size} worker(s) ms | ratio`);
  for (const n of [4, 16, 64, 256, 1024]) {
    const store = new MemoryStore();
    const points = (HOURS * 3600_000) / SCRAPE_MS + 1;
    const ts = Float64Array.from({ length: points }, (_, i) => i * SCRAPE_MS);
    for (let s = 0; s < n; s++) store.add(lbl({ __name__: "x_total", instance: `i-${s}` }), ts, Float64Array.from(ts, (t) => t / 1000 + s));
    for (const hours of [0.5, 2, 6]) {
      const end = HOURS * 3600_000;
      const start = end - hours * 3600_000;
      const steps = (end - start) / STEP_MS + 1;
      // Samples decoded: the range plus the window, rounded up to whole 120-sample chunks.
      const work = n * (Math.ceil(((hours * 3600_000 + 300_000) / SCRAPE_MS) / 120) * 120 + steps);
      const a: number[] = [];
      const p: number[] = [];
      for (let run = 0; run < 9; run++) {
        for (const [engine, out] of [[alone, a], [pooled, p]] as const) {
          const t0 = performance.now();
          await engine.rangeQuery(store, "rate(x_total[5m])", start, end, STEP_MS).exec();
          out.push(performance.now() - t0);
        }
      }
      const med = (xs: number[]): number => xs.sort((x, y) => x - y)[xs.length >> 1]!;
      console.log(`${n} | ${steps} | ${work} | ${med(a).toFixed(2)} | ${med(p).toFixed(2)} | ${(med(p) / med(a)).toFixed(2)}`);
    }
  }
  await pool.close();
}

async function main(): Promise<void> {
  if (process.env.ENGINE_BENCH_SWEEP === "1") return sweep();
  const scale = Number(process.argv[2] ?? "1");
  const t0 = performance.now();
  const { store, series, samples } = generate(scale);
  console.log(`generated ${series} series, ${samples} samples in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const pool = benchPool();
  await pool?.ready();
  console.log(`window workers: ${pool?.size ?? 0}`);
  const engine = new Engine({ timeoutMs: 600_000, maxSamples: 200_000_000, windowWorkers: pool });
  const end = HOURS * 3600_000;
  // Warm-up: the store encodes its chunks on first read, and the parser builds its grammar once.
  const w0 = performance.now();
  await engine.instantQuery(store, 'count({__name__=~".+"})', end).exec();
  console.log(`warm-up (chunk encoding in the store) ${((performance.now() - w0) / 1000).toFixed(1)} s`);
  if (process.argv[3] !== undefined) {
    await compareWith(process.argv[3], store, end, pool);
    return pool?.close();
  }
  for (const q of selectedQueries()) {
    global.gc?.();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 20);
    const start = performance.now();
    const res = await engine.rangeQuery(store, q, 0, end, STEP_MS).exec();
    const secs = (performance.now() - start) / 1000;
    clearInterval(sampler);
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    const out = res.value.type === "matrix" ? res.value.series.length : 0;
    console.log(
      `${q}\n  ${secs.toFixed(2)} s, ${res.stats.totalSamples} samples read, ${(res.stats.totalSamples / secs / 1e6).toFixed(1)} M samples/s, ` +
        `${out} output series, peak rss ${mb(peakRss)}, peak heap ${mb(peakHeap)}`,
    );
  }
  await pool?.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
