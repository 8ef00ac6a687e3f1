// The side-by-side query timing bench:compare and the store bench share: the queries Grafana
// dashboards send, timed alternately against Prometheus and an orrery endpoint, medians, ratios, RSS.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startServer, type RunningServer } from "../conformance/index.js";

const ORRERY_MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "main.js");

export interface BenchQuery {
  name: string;
  query: string;
}

/** What the benchmark times: the shapes Grafana dashboards send. */
export const BENCH_QUERIES: BenchQuery[] = [
  { name: "selector, one series", query: 'bench_memory_usage_bytes{instance="bench-0001:9100",pool="p0"}' },
  { name: "selector, regex", query: 'bench_memory_usage_bytes{pool=~"p1.*"}' },
  { name: "selector, all gauges", query: "bench_memory_usage_bytes" },
  { name: "rate, all counters", query: "rate(bench_http_requests_total[5m])" },
  { name: "sum by instance (rate)", query: "sum by (instance) (rate(bench_http_requests_total[5m]))" },
  { name: "sum by code (rate)", query: "sum by (code) (rate(bench_http_requests_total[5m]))" },
  { name: "histogram_quantile", query: "histogram_quantile(0.99, sum by (le, handler) (rate(bench_request_duration_seconds_bucket[5m])))" },
  { name: "topk", query: "topk(10, rate(bench_http_requests_total[5m]))" },
  {
    name: "error ratio",
    query: 'sum by (instance) (rate(bench_http_requests_total{code="500"}[5m])) / sum by (instance) (rate(bench_http_requests_total[5m]))',
  },
  { name: "subquery", query: "max_over_time(sum by (instance) (rate(bench_http_requests_total[1m]))[30m:1m])" },
  { name: "avg_over_time", query: "avg_over_time(bench_memory_usage_bytes[10m])" },
  { name: "quantile_over_time", query: 'quantile_over_time(0.9, bench_memory_usage_bytes{pool="p2"}[1h])' },
  { name: "label_replace", query: 'label_replace(sum by (instance) (bench_memory_usage_bytes), "host", "$1", "instance", "(.*):.*")' },
  { name: "count by", query: "count by (handler) (bench_http_requests_total)" },
  { name: "demo rate", query: "rate(demo_cpu_usage_seconds_total[5m])" },
];

/** `orrery start` (this build's, or the one at `main`) on a free port over `dataDir`, the query frontend off so the engine is what is timed. */
export async function startOrrery(dataDir: string, hours: number, main = ORRERY_MAIN): Promise<RunningServer> {
  const port = await freePort();
  const args = [
    main,
    "start",
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.path=${dataDir}`,
    "--no-self-scrape",
    `--storage.tsdb.retention.time=${Math.ceil(hours) + 1}h`,
    "--query.timeout=5m",
    "--log.level=warn",
    // The engine is what is compared: no results cache or splitting in front of it.
    "--no-query-frontend.enabled",
  ];
  return startServer(process.execPath, args, `http://127.0.0.1:${port}`, "/api/v1/query?query=1", 600_000);
}

/** CPU time (user + system) of a process so far, ms, from Linux /proc (clock ticks of 1/100 s); NaN where it cannot be read. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Peak RSS (VmHWM) of a process, MB. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
}

export interface Timing {
  ms: number;
  bytes: number;
  ok: boolean;
  error?: string;
  /** SHA-1 of the response body, to tell whether two servers answered alike. */
  hash: string;
}

export async function timeQuery(url: string, path: string, form: Record<string, string>): Promise<Timing> {
  const started = performance.now();
  try {
    const res = await fetch(url + path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(600_000),
    });
    const body = await res.arrayBuffer();
    const ms = performance.now() - started;
    const ok = res.status === 200;
    const hash = createHash("sha1").update(Buffer.from(body)).digest("hex");
    return { ms, bytes: body.byteLength, ok, error: ok ? undefined : Buffer.from(body).toString("utf8").slice(0, 200), hash };
  } catch (err) {
    return { ms: performance.now() - started, bytes: 0, ok: false, error: (err as Error).message, hash: "" };
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** One server timed in the comparison, under the name its column carries. */
export interface Contender {
  name: string;
  server: RunningServer;
}

export interface Row {
  name: string;
  mode: "range" | "instant";
  /** Median ms per contender, in the contenders' order. */
  ms: number[];
  /** Response bytes per contender. */
  bytes: number[];
  /** Response body hash per contender (the first timed run's). */
  hashes: string[];
  error?: string;
}

/** A bench query as the HTTP request a dashboard sends: a range over [startMs, endMs] at the step, or an instant at endMs. */
function queryRequest(q: BenchQuery, mode: "range" | "instant", startMs: number, endMs: number, stepS: number): { path: string; form: Record<string, string> } {
  const sec = (ms: number): string => String(ms / 1000);
  if (mode === "range") return { path: "/api/v1/query_range", form: { query: q.query, start: sec(startMs), end: sec(endMs), step: String(stepS) } };
  return { path: "/api/v1/query", form: { query: q.query, time: sec(endMs) } };
}

/** Warmup per query and server: runs until this much time has passed, or this many runs. */
const WARMUP_MS = 1000;
const WARMUP_RUNS_MOST = 200;
/** A query every server answers within this many ms (warm) is timed QUICK_RUNS times at least. */
const QUICK_MS = 50;
const QUICK_RUNS = 15;

/** Unmeasured runs of one request until WARMUP_MS or WARMUP_RUNS_MOST; returns the last run's ms. */
async function warm(url: string, path: string, form: Record<string, string>): Promise<number> {
  const started = performance.now();
  let last = 0;
  for (let i = 0; i < WARMUP_RUNS_MOST && performance.now() - started < WARMUP_MS; i++) last = (await timeQuery(url, path, form)).ms;
  return last;
}

/** Times every bench query (range and instant) against every contender, rotating who goes first, `runs` times each (quick ones QUICK_RUNS). */
export async function benchmark(
  contenders: readonly Contender[],
  startMs: number,
  endMs: number,
  args: { readonly runs: number; readonly stepS: number },
  log: (msg: string) => void,
  queries: readonly BenchQuery[] = BENCH_QUERIES,
  modes: readonly ("range" | "instant")[] = ["range", "instant"],
): Promise<Row[]> {
  const rows: Row[] = [];
  const n = contenders.length;
  // Unmeasured runs of every query first, on every server, until it has run WARMUP_MS or
  // WARMUP_RUNS_MOST times: a long-running server's JIT has compiled its request path (orrery's
  // small answers take ~2× their steady time over its first ~1,000 requests), its caches are filled.
  const quick = new Set<string>();
  for (const q of queries) {
    for (const mode of modes) {
      const { path, form } = queryRequest(q, mode, startMs, endMs, args.stepS);
      let slowest = 0;
      for (const c of contenders) slowest = Math.max(slowest, await warm(c.server.url, path, form));
      if (slowest < QUICK_MS) quick.add(`${q.name} ${mode}`);
    }
  }
  for (const q of queries) {
    for (const mode of modes) {
      const { path, form } = queryRequest(q, mode, startMs, endMs, args.stepS);
      // Rotate who goes first run by run; a quick query runs more often, so one stall does not decide its median.
      const timings: Timing[][] = contenders.map(() => []);
      const runs = quick.has(`${q.name} ${mode}`) ? Math.max(args.runs, QUICK_RUNS) : args.runs;
      for (let i = 0; i < runs; i++) {
        for (let k = 0; k < n; k++) {
          const at = (i + k) % n;
          timings[at]!.push(await timeQuery(contenders[at]!.server.url, path, form));
        }
      }
      const failed = timings.flatMap((ts, k) => ts.map((t) => (t.ok ? undefined : `${contenders[k]!.name}: ${t.error}`))).find((e) => e !== undefined);
      const row: Row = { name: q.name, mode, ms: timings.map((ts) => median(ts.map((t) => t.ms))), bytes: timings.map((ts) => ts[0]!.bytes), hashes: timings.map((ts) => ts[0]!.hash), error: failed };
      rows.push(row);
      log(`${q.name} (${mode}): ${contenders.map((c, k) => `${c.name} ${row.ms[k]!.toFixed(1)} ms`).join(", ")}${failed ? ` — ERROR ${failed}` : ""}`);
    }
  }
  return rows;
}

/** The table: ms per contender, then the subject's ratio to each other contender, and the median ratios. */
export function formatRows(rows: Row[], names: readonly string[], subject: number): string {
  const w = Math.max(...rows.map((r) => r.name.length)) + 10;
  const others = names.map((_, k) => k).filter((k) => k !== subject);
  const ratioName = (k: number): string => `${names[subject]}/${names[k]}`;
  const header = [`${"query".padEnd(w)}`, ...names.map((nm) => `${nm} ms`.padStart(Math.max(10, nm.length + 3))), ...others.map((k) => ratioName(k).padStart(Math.max(6, ratioName(k).length))), "resp KB".padStart(12), `body = ${names[subject]}'s`];
  const out = [header.join("  ")];
  for (const r of rows) {
    const cells = [
      `${r.name} [${r.mode}]`.padEnd(w),
      ...names.map((nm, k) => r.ms[k]!.toFixed(1).padStart(Math.max(10, nm.length + 3))),
      ...others.map((k) => (r.error ? "error" : (r.ms[subject]! / r.ms[k]!).toFixed(2)).padStart(Math.max(6, ratioName(k).length))),
      r.bytes.map((b) => Math.round(b / 1024)).join("/").padStart(12),
      // Byte-identical responses (Prometheus orders and formats some answers its own way: ≠ there is not a wrong answer).
      r.hashes.map((h) => (h === r.hashes[subject] ? "=" : "≠")).join(""),
    ];
    out.push(cells.join("  "));
  }
  out.push("");
  const ok = rows.filter((r) => !r.error);
  for (const k of others) {
    for (const mode of ["range", "instant"] as const) {
      const ratios = ok.filter((r) => r.mode === mode).map((r) => r.ms[subject]! / r.ms[k]!);
      out.push(`median ${mode} ratio ${ratioName(k)} over ${ratios.length} queries: ${ratios.length ? median(ratios).toFixed(2) : "n/a"}`);
    }
  }
  const errors = rows.filter((r) => r.error);
  if (errors.length > 0) out.push(`${errors.length} queries errored: ${errors.map((r) => `${r.name} [${r.mode}]: ${r.error}`).join("; ")}`);
  return out.join("\n");
}
