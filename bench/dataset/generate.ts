// A deterministic synthetic dataset as OpenMetrics text with timestamps: the PromLabs
// demo service's metric families (what the compliance queries select) on three
// instances, plus a scalable benchmark set of counters (with resets), gauges and
// classic histograms. Same options, same bytes: all randomness comes from a seeded PRNG.
//
// Layout: family by family (OpenMetrics wants a family's samples together); inside a
// family, scrape by scrape, so every series is in time order (what promtool's
// backfill and orrery's importer need).

export interface DatasetOptions {
  /** End of the data (ms); the last scrape is at or before it. */
  endMs: number;
  hours: number;
  /** Series of the benchmark set (0 for none). */
  benchSeries: number;
  /** Include the demo-service families (default true). */
  demo?: boolean;
  seed?: number;
  /** Scrape interval of the demo families (default 5 s, as the compliance setup scrapes). */
  demoIntervalMs?: number;
  /** Scrape interval of the benchmark set (default 15 s). */
  benchIntervalMs?: number;
}

export const DEMO_INSTANCES = ["demo.promlabs.com:10000", "demo.promlabs.com:10001", "demo.promlabs.com:10002"];
const API_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BENCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BENCH_INSTANCE_SERIES = 100;

/** splitmix32-style hash: independent streams per (seed, key) without shared state. */
export function hash32(a: number, b: number): number {
  let x = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * OpenMetrics timestamps are float seconds, read back as seconds×1000 truncated (by
 * Prometheus and orrery alike). Only times whose text lands on its ms whether truncated
 * or rounded are written, so no reader's float rounding can shift a sample.
 */
export function exactTimestamp(ms: number): { ms: number; text: string } {
  for (let m = ms; ; m++) {
    const text = formatSeconds(m);
    const back = Number(text) * 1000;
    if (Math.trunc(back) === m && Math.round(back) === m) return { ms: m, text };
  }
}

function formatSeconds(ms: number): string {
  const s = Math.floor(ms / 1000);
  const frac = ms - s * 1000;
  return frac === 0 ? String(s) : `${s}.${String(frac).padStart(3, "0")}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function labelText(labels: readonly (readonly [string, string])[]): string {
  return labels.map(([k, v]) => `${k}="${v}"`).join(",");
}

/** Scrape times of one target: a fixed grid with a few ms of per-scrape jitter. */
function scrapeTimes(startMs: number, endMs: number, intervalMs: number, seed: number, target: number): { ms: number; text: string }[] {
  const out: { ms: number; text: string }[] = [];
  const first = Math.ceil(startMs / intervalMs) * intervalMs;
  for (let t = first, k = 0; t <= endMs; t += intervalMs, k++) {
    // 1–40 ms late, never on a whole second: query steps and ranges are whole seconds, so no
    // sample sits exactly on a window's edge (where Prometheus 2.42 and 3 disagree).
    const jitter = 1 + (hash32(hash32(seed, target), k) % 40);
    const ts = exactTimestamp(t + jitter);
    if (ts.ms <= endMs) out.push(ts);
  }
  return out;
}

/** A chunked text writer: collects lines and hands out ~64 KiB pieces. */
class Chunker {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly sink: (chunk: string) => void) {}
  line(s: string): void {
    this.parts.push(s);
    this.size += s.length + 1;
    if (this.size >= 65536) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    this.sink(this.parts.join("\n") + "\n");
    this.parts = [];
    this.size = 0;
  }
}

interface Family {
  name: string;
  type: "counter" | "gauge" | "histogram";
  help: string;
}

function header(w: Chunker, f: Family): void {
  w.line(`# HELP ${f.name} ${f.help}`);
  w.line(`# TYPE ${f.name} ${f.type}`);
}

/** Writes the dataset; `sink` gets the text in order, ending with "# EOF\n". */
export function generateDataset(opts: DatasetOptions, sink: (chunk: string) => void): void {
  const w = new Chunker(sink);
  const seed = opts.seed ?? 1;
  const startMs = opts.endMs - Math.round(opts.hours * 3_600_000);
  if (opts.demo !== false) writeDemo(w, seed, startMs, opts.endMs, opts.demoIntervalMs ?? 5000);
  if (opts.benchSeries > 0) writeBench(w, seed, startMs, opts.endMs, opts.benchIntervalMs ?? 15_000, opts.benchSeries);
  w.line("# EOF");
  w.flush();
}

/** The whole dataset as one string (small configurations, tests). */
export function generateDatasetText(opts: DatasetOptions): string {
  const parts: string[] = [];
  generateDataset(opts, (c) => parts.push(c));
  return parts.join("");
}

// ---- the demo service ----

function writeDemo(w: Chunker, seed: number, startMs: number, endMs: number, intervalMs: number): void {
  const times = DEMO_INSTANCES.map((_, i) => scrapeTimes(startMs, endMs, intervalMs, seed, 1000 + i));
  const base = (i: number): [string, string][] => [
    ["instance", DEMO_INSTANCES[i]],
    ["job", "demo"],
  ];
  const cpus = [4, 4, 8];

  header(w, { name: "demo_cpu_usage_seconds", type: "counter", help: "The amount of CPU time used by the demo service." });
  const modes = [
    ["idle", 0.7],
    ["system", 0.1],
    ["user", 0.2],
  ] as const;
  DEMO_INSTANCES.forEach((_, i) => {
    const rng = new Prng(hash32(seed, 2000 + i));
    const totals = modes.map(() => 0);
    // One instance restarts a third of the way in, so resets() and rate() see a counter reset.
    const resetAt = i === 1 ? startMs + (endMs - startMs) / 3 : Infinity;
    let reset = false;
    let prevMs = times[i][0]?.ms ?? 0;
    for (const t of times[i]) {
      if (!reset && t.ms >= resetAt) {
        reset = true;
        totals.fill(0);
      }
      modes.forEach(([mode, share], m) => {
        totals[m] += (cpus[i] * share * (t.ms - prevMs) * (0.8 + 0.4 * rng.next())) / 1000;
        w.line(`demo_cpu_usage_seconds_total{${labelText([...base(i), ["mode", mode]])}} ${formatValue(round6(totals[m]))} ${t.text}`);
      });
      prevMs = t.ms;
    }
  });

  header(w, { name: "demo_num_cpus", type: "gauge", help: "The number of CPUs." });
  DEMO_INSTANCES.forEach((_, i) => {
    for (const t of times[i]) w.line(`demo_num_cpus{${labelText(base(i))}} ${cpus[i]} ${t.text}`);
  });

  header(w, { name: "demo_memory_usage_bytes", type: "gauge", help: "The memory usage by type." });
  const memTypes = ["buffers", "cached", "free", "used"];
  const totalMem = 16 * 1024 ** 3;
  const memBase = [0.05, 0.2, 0, 0.4].map((f) => Math.round(totalMem * f));
  DEMO_INSTANCES.forEach((_, i) => {
    const rng = new Prng(hash32(seed, 3000 + i));
    const cur = [...memBase];
    for (const t of times[i]) {
      for (const k of [0, 1, 3]) {
        cur[k] += Math.round((rng.next() - 0.5) * 60 * 1024 * 1024);
        if (Math.abs(cur[k] - memBase[k]) > memBase[k] * 0.2) cur[k] = memBase[k];
      }
      cur[2] = totalMem - cur[0] - cur[1] - cur[3];
      memTypes.forEach((type, k) => w.line(`demo_memory_usage_bytes{${labelText([...base(i), ["type", type]])}} ${cur[k]} ${t.text}`));
    }
  });

  header(w, { name: "demo_disk_usage_bytes", type: "gauge", help: "The disk usage in bytes." });
  DEMO_INSTANCES.forEach((_, i) => {
    const rng = new Prng(hash32(seed, 4000 + i));
    let used = 50e9 + i * 10e9;
    for (const t of times[i]) {
      used += Math.round(20_000 + rng.next() * 80_000);
      w.line(`demo_disk_usage_bytes{${labelText(base(i))}} ${used} ${t.text}`);
    }
  });
  header(w, { name: "demo_disk_total_bytes", type: "gauge", help: "The total disk space in bytes." });
  DEMO_INSTANCES.forEach((_, i) => {
    for (const t of times[i]) w.line(`demo_disk_total_bytes{${labelText(base(i))}} 200000000000 ${t.text}`);
  });

  writeDemoApi(w, seed, times, base);
  writeDemoBatch(w, seed, times, base);

  header(w, { name: "demo_intermittent_metric", type: "gauge", help: "A metric that is only present intermittently to test staleness handling." });
  DEMO_INSTANCES.forEach((_, i) => {
    for (const t of times[i]) if (Math.floor(t.ms / 60_000) % 2 === 0) w.line(`demo_intermittent_metric{${labelText(base(i))}} 1 ${t.text}`);
  });

  header(w, { name: "up", type: "gauge", help: "Whether the target was scraped." });
  DEMO_INSTANCES.forEach((_, i) => {
    for (const t of times[i]) w.line(`up{${labelText(base(i))}} 1 ${t.text}`);
  });
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

function writeDemoApi(w: Chunker, seed: number, times: { ms: number; text: string }[][], base: (i: number) => [string, string][]): void {
  header(w, { name: "demo_api_request_duration_seconds", type: "histogram", help: "A histogram of the API HTTP request durations in seconds." });
  const endpoints = [
    ["GET", "/api/foo", 0.01, 0.005],
    ["POST", "/api/foo", 0.02, 0.02],
    ["GET", "/api/bar", 0.015, 0.0025],
    ["POST", "/api/bar", 0.05, 0.01],
  ] as const;
  DEMO_INSTANCES.forEach((_, i) => {
    endpoints.forEach(([method, path, latency, errorRatio], e) => {
      const rng = new Prng(hash32(seed, 5000 + i * 10 + e));
      const state = [200, 500].map(() => ({ buckets: new Float64Array(API_BUCKETS.length + 1), sum: 0, count: 0 }));
      for (const t of times[i]) {
        const requests = 20 + rng.int(20);
        for (let r = 0; r < requests; r++) {
          const s = rng.next() < errorRatio ? state[1] : state[0];
          const d = latency * Math.max(0.1, 1 + (rng.next() + rng.next() - 1) * 0.6) * (rng.next() < 0.05 ? 8 : 1);
          s.count++;
          s.sum += d;
          for (let b = 0; b < API_BUCKETS.length; b++) if (d <= API_BUCKETS[b]) s.buckets[b]++;
          s.buckets[API_BUCKETS.length]++;
        }
        [200, 500].forEach((status, si) => {
          const s = state[si];
          if (s.count === 0) return; // A label set appears with its first observation.
          const labels = labelText([...base(i), ["method", method], ["path", path], ["status", String(status)]]);
          API_BUCKETS.forEach((le, b) => w.line(`demo_api_request_duration_seconds_bucket{${labels},le="${le}"} ${s.buckets[b]} ${t.text}`));
          w.line(`demo_api_request_duration_seconds_bucket{${labels},le="+Inf"} ${s.count} ${t.text}`);
          w.line(`demo_api_request_duration_seconds_sum{${labels}} ${formatValue(round6(s.sum))} ${t.text}`);
          w.line(`demo_api_request_duration_seconds_count{${labels}} ${s.count} ${t.text}`);
        });
      }
    });
  });
}

function writeDemoBatch(w: Chunker, seed: number, times: { ms: number; text: string }[][], base: (i: number) => [string, string][]): void {
  // A batch job runs every minute; 10% of runs fail (the success timestamp then stays).
  const runs = DEMO_INSTANCES.map((_, i) => {
    const rng = new Prng(hash32(seed, 6000 + i));
    return times[i].map((t) => {
      const run = Math.floor(t.ms / 60_000) * 60_000 + 20_000 + (i * 1111) % 7000;
      return { t, run: run <= t.ms ? run : run - 60_000, ok: rng.next() >= 0.1, bytes: 1_000_000 + rng.int(100_000) };
    });
  });
  const families: [string, string][] = [
    ["demo_batch_last_success_timestamp_seconds", "The Unix timestamp in seconds since the last successful demo batch job completion."],
    ["demo_batch_last_run_timestamp_seconds", "The Unix timestamp in seconds since the last demo batch job run."],
    ["demo_batch_last_run_processed_bytes", "The number of bytes processed by the demo batch job in the last run."],
  ];
  families.forEach(([name, help], f) => {
    header(w, { name, type: "gauge", help });
    DEMO_INSTANCES.forEach((_, i) => {
      let lastSuccess = NaN;
      let lastBytes = 0;
      let seenRun = -1;
      for (const r of runs[i]) {
        if (r.run !== seenRun) {
          seenRun = r.run;
          if (r.ok || Number.isNaN(lastSuccess)) {
            lastSuccess = r.run / 1000;
            lastBytes = r.bytes;
          }
        }
        const v = f === 0 ? lastSuccess : f === 1 ? r.run / 1000 : lastBytes;
        w.line(`${name}{${labelText(base(i))}} ${formatValue(v)} ${r.t.text}`);
      }
    });
  });
}

// ---- the benchmark set ----

/** How a benchmark of `series` series is split: counters, gauges, histogram label sets. */
export function benchLayout(series: number): { counters: number; gauges: number; histograms: number; instances: number } {
  const perHistogram = BENCH_BUCKETS.length + 3; // buckets, +Inf, _sum, _count
  const histograms = Math.floor((series * 0.3) / perHistogram);
  const counters = Math.round(series * 0.4);
  const gauges = Math.max(0, series - counters - histograms * perHistogram);
  return { counters, gauges, histograms, instances: Math.max(1, Math.ceil(series / BENCH_INSTANCE_SERIES)) };
}

function benchInstance(k: number): string {
  return `bench-${String(k).padStart(4, "0")}:9100`;
}

function writeBench(w: Chunker, seed: number, startMs: number, endMs: number, intervalMs: number, series: number): void {
  const layout = benchLayout(series);
  const times = Array.from({ length: layout.instances }, (_, i) => scrapeTimes(startMs, endMs, intervalMs, seed, 100_000 + i));
  const steps = times.reduce((m, t) => Math.max(m, t.length), 0);
  // Every tenth instance restarts once (its counters reset) at a step of its own.
  const restartStep = (inst: number): number => (inst % 10 === 3 ? 1 + (hash32(seed, 200_000 + inst) % Math.max(1, steps - 1)) : -1);
  const instOf = (k: number): number => k % layout.instances;
  const restOf = (k: number): number => Math.floor(k / layout.instances);

  header(w, { name: "bench_http_requests", type: "counter", help: "Requests handled, by handler and code." });
  const cLabels = Array.from({ length: layout.counters }, (_, k) => {
    const r = restOf(k);
    return labelText([
      ["code", r % 2 === 0 ? "200" : "500"],
      ["handler", `/api/v${Math.floor(r / 2)}`],
      ["instance", benchInstance(instOf(k))],
      ["job", "bench"],
    ]);
  });
  const cVal = new Float64Array(layout.counters);
  const cRate = Float64Array.from({ length: layout.counters }, (_, k) => (restOf(k) % 2 === 0 ? 5 + (hash32(seed, k) % 50) : 0.2 + (hash32(seed, k) % 10) / 10));
  timeMajor(w, times, layout.counters, instOf, seed ^ 0x1111, (k, step, t, rng) => {
    if (step === restartStep(instOf(k))) cVal[k] = 0;
    cVal[k] += Math.round(cRate[k] * (intervalMs / 1000) * (0.5 + rng.next()));
    return `bench_http_requests_total{${cLabels[k]}} ${cVal[k]} ${t.text}`;
  });

  header(w, { name: "bench_memory_usage_bytes", type: "gauge", help: "Memory in use, by pool." });
  const gLabels = Array.from({ length: layout.gauges }, (_, k) =>
    labelText([
      ["instance", benchInstance(instOf(k))],
      ["job", "bench"],
      ["pool", `p${restOf(k)}`],
    ]),
  );
  const gVal = Float64Array.from({ length: layout.gauges }, (_, k) => 1e8 + (hash32(seed, 300_000 + k) % 1000) * 1e6);
  timeMajor(w, times, layout.gauges, instOf, seed ^ 0x2222, (k, _step, t, rng) => {
    gVal[k] = Math.max(0, gVal[k] + Math.round((rng.next() - 0.5) * 4e6));
    return `bench_memory_usage_bytes{${gLabels[k]}} ${gVal[k]} ${t.text}`;
  });

  header(w, { name: "bench_request_duration_seconds", type: "histogram", help: "Request latency, by handler." });
  const hLabels = Array.from({ length: layout.histograms }, (_, k) =>
    labelText([
      ["handler", `/api/v${restOf(k)}`],
      ["instance", benchInstance(instOf(k))],
      ["job", "bench"],
    ]),
  );
  const nb = BENCH_BUCKETS.length;
  const hBuckets = new Float64Array(layout.histograms * (nb + 1));
  const hSum = new Float64Array(layout.histograms);
  timeMajor(w, times, layout.histograms, instOf, seed ^ 0x3333, (k, step, t, rng) => {
    const off = k * (nb + 1);
    if (step === restartStep(instOf(k))) {
      hBuckets.fill(0, off, off + nb + 1);
      hSum[k] = 0;
    }
    const n = 5 + Math.floor(rng.next() * 20);
    const scale = 0.02 * (1 + (k % 7));
    for (let r = 0; r < n; r++) {
      const d = scale * -Math.log(1 - rng.next());
      hSum[k] += d;
      for (let b = 0; b < nb; b++) if (d <= BENCH_BUCKETS[b]) hBuckets[off + b]++;
      hBuckets[off + nb]++;
    }
    const lines: string[] = [];
    for (let b = 0; b < nb; b++) lines.push(`bench_request_duration_seconds_bucket{${hLabels[k]},le="${BENCH_BUCKETS[b]}"} ${hBuckets[off + b]} ${t.text}`);
    lines.push(`bench_request_duration_seconds_bucket{${hLabels[k]},le="+Inf"} ${hBuckets[off + nb]} ${t.text}`);
    lines.push(`bench_request_duration_seconds_sum{${hLabels[k]}} ${formatValue(round6(hSum[k]))} ${t.text}`);
    lines.push(`bench_request_duration_seconds_count{${hLabels[k]}} ${hBuckets[off + nb]} ${t.text}`);
    return lines.join("\n");
  });
}

/** Scrape by scrape, every series of a family at that step (each series stays time-ordered). */
function timeMajor(
  w: Chunker,
  times: { ms: number; text: string }[][],
  count: number,
  instOf: (k: number) => number,
  seed: number,
  line: (k: number, step: number, t: { ms: number; text: string }, rng: Prng) => string,
): void {
  const rng = new Prng(seed);
  const steps = times.reduce((m, t) => Math.max(m, t.length), 0);
  for (let step = 0; step < steps; step++) {
    for (let k = 0; k < count; k++) {
      const t = times[instOf(k)][step];
      if (t !== undefined) w.line(line(k, step, t, rng));
    }
  }
}
