// The side-by-side query timing bench:compare and the store bench share: the queries Grafana
// dashboards send, timed alternately against Prometheus and an orrery endpoint, medians, ratios, RSS.
import { readFileSync } from "node:fs";
import type { RunningServer } from "../conformance/index.js";

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
    return { ms, bytes: body.byteLength, ok, error: ok ? undefined : Buffer.from(body).toString("utf8").slice(0, 200) };
  } catch (err) {
    return { ms: performance.now() - started, bytes: 0, ok: false, error: (err as Error).message };
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Row {
  name: string;
  mode: "range" | "instant";
  promMs: number;
  orreryMs: number;
  promBytes: number;
  orreryBytes: number;
  error?: string;
}

/** Times every bench query (range and instant) against both servers, alternating, `runs` times each. */
export async function benchmark(
  prom: RunningServer,
  orrery: RunningServer,
  startMs: number,
  endMs: number,
  args: { readonly runs: number; readonly stepS: number },
  log: (msg: string) => void,
  queries: readonly BenchQuery[] = BENCH_QUERIES,
): Promise<Row[]> {
  const rows: Row[] = [];
  const sec = (ms: number): string => String(ms / 1000);
  for (const q of queries) {
    for (const mode of ["range", "instant"] as const) {
      const path = mode === "range" ? "/api/v1/query_range" : "/api/v1/query";
      const form: Record<string, string> = mode === "range" ? { query: q.query, start: sec(startMs), end: sec(endMs), step: String(args.stepS) } : { query: q.query, time: sec(endMs) };
      // One unmeasured round each to warm caches and JITs, then alternate A/B.
      await timeQuery(prom.url, path, form);
      await timeQuery(orrery.url, path, form);
      const p: Timing[] = [];
      const o: Timing[] = [];
      for (let i = 0; i < args.runs; i++) {
        if (i % 2 === 0) {
          p.push(await timeQuery(prom.url, path, form));
          o.push(await timeQuery(orrery.url, path, form));
        } else {
          o.push(await timeQuery(orrery.url, path, form));
          p.push(await timeQuery(prom.url, path, form));
        }
      }
      const failed = [...p.map((t) => (t.ok ? undefined : `prometheus: ${t.error}`)), ...o.map((t) => (t.ok ? undefined : `orrery: ${t.error}`))].find((e) => e !== undefined);
      const row: Row = { name: q.name, mode, promMs: median(p.map((t) => t.ms)), orreryMs: median(o.map((t) => t.ms)), promBytes: p[0].bytes, orreryBytes: o[0].bytes, error: failed };
      rows.push(row);
      log(`${q.name} (${mode}): prometheus ${row.promMs.toFixed(1)} ms, orrery ${row.orreryMs.toFixed(1)} ms${failed ? ` — ERROR ${failed}` : ""}`);
    }
  }
  return rows;
}

export function formatRows(rows: Row[]): string {
  const w = Math.max(...rows.map((r) => r.name.length)) + 10;
  const out = [`${"query".padEnd(w)}  ${"prometheus ms".padStart(13)}  ${"orrery ms".padStart(10)}  ${"ratio".padStart(6)}  ${"resp KB (P/o)".padStart(15)}`];
  for (const r of rows) {
    const ratio = r.error ? "error" : (r.orreryMs / r.promMs).toFixed(2);
    out.push(
      `${`${r.name} [${r.mode}]`.padEnd(w)}  ${r.promMs.toFixed(1).padStart(13)}  ${r.orreryMs.toFixed(1).padStart(10)}  ${ratio.padStart(6)}  ${`${Math.round(r.promBytes / 1024)}/${Math.round(r.orreryBytes / 1024)}`.padStart(15)}`,
    );
  }
  const ratios = rows.filter((r) => !r.error).map((r) => r.orreryMs / r.promMs);
  out.push("", `median ratio orrery/Prometheus over ${ratios.length} query runs: ${ratios.length ? median(ratios).toFixed(2) : "n/a"}`);
  const errors = rows.filter((r) => r.error);
  if (errors.length > 0) out.push(`${errors.length} queries errored: ${errors.map((r) => `${r.name} [${r.mode}]: ${r.error}`).join("; ")}`);
  return out.join("\n");
}

