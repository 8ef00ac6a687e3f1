// npm run bench:compare [-- --hours 6 --series 10000 --runs 5 --no-compliance --keep]
//
// orrery beside Prometheus 2.42 on this machine, on the same synthetic data:
// generate the dataset, build Prometheus blocks with promtool, import it into orrery,
// start both on 127.0.0.1, run `orrery conformance compare` (reference Prometheus,
// target orrery) over the compliance query set, then time a list of queries against
// both (alternating, several runs) and print median latencies, ratios and peak RSS.
// Both servers are stopped on the way out, also on error or Ctrl-C.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createBlocks, freePort, PROMETHEUS_BIN, PROMTOOL_BIN, startPrometheus, stopProcess, waitReady, type RunningServer } from "../conformance/index.js";
import { sharedDir } from "../testing/index.js";
import { benchLayout, writeDatasetFile } from "./dataset/index.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, "..");
const ORRERY_MAIN = join(DIST, "cli", "main.js");

interface BenchQuery {
  name: string;
  query: string;
}

/** What the benchmark times: the shapes Grafana dashboards send. */
const BENCH_QUERIES: BenchQuery[] = [
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

interface Args {
  hours: number;
  series: number;
  runs: number;
  stepS: number;
  compliance: boolean;
  keep: boolean;
}

function parseCli(): Args {
  const { values } = parseArgs({
    options: {
      hours: { type: "string", default: "6" },
      series: { type: "string", default: "10000" },
      runs: { type: "string", default: "5" },
      step: { type: "string", default: "30" },
      "no-compliance": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
    },
  });
  const args = {
    hours: Number(values.hours),
    series: Number(values.series),
    runs: Number(values.runs),
    stepS: Number(values.step),
    compliance: !values["no-compliance"],
    keep: values.keep,
  };
  if (!(args.hours > 0) || !Number.isInteger(args.series) || args.series < 0 || !Number.isInteger(args.runs) || args.runs < 1 || !(args.stepS > 0)) {
    throw new Error("bad flags: --hours > 0, --series ≥ 0, --runs ≥ 1, --step > 0 (seconds)");
  }
  return args;
}

/** What this machine lacks to run the comparison (nothing is installed for you). */
function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (!existsSync(PROMETHEUS_BIN)) missing.push(`${PROMETHEUS_BIN} (apt-get install prometheus)`);
  if (!existsSync(PROMTOOL_BIN)) missing.push(`${PROMTOOL_BIN} (apt-get install prometheus)`);
  if (!existsSync(ORRERY_MAIN)) missing.push(`${ORRERY_MAIN} (run: npx tsc -p .)`);
  return missing;
}

function log(msg: string): void {
  process.stderr.write(`[bench:compare ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Runs a child to completion with inherited output; rejects on a non-zero exit. */
function runChild(cmd: string, args: string[], opts: { allowExit?: number[] } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "inherit", "inherit"] });
    p.on("error", reject);
    p.on("exit", (code) => {
      if (code === 0 || (code !== null && opts.allowExit?.includes(code))) resolve(code ?? 0);
      else reject(new Error(`${cmd} ${args.slice(0, 3).join(" ")} … exited ${code}`));
    });
  });
}

function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
}

async function startOrrery(dataDir: string, hours: number): Promise<RunningServer> {
  const port = await freePort();
  const p: ChildProcess = spawn(
    process.execPath,
    [
      ORRERY_MAIN,
      "start",
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${dataDir}`,
      "--no-self-scrape",
      `--storage.tsdb.retention.time=${Math.ceil(hours) + 1}h`,
      "--query.timeout=5m",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let buf = "";
  p.stderr?.on("data", (d: Buffer) => (buf = (buf + d.toString()).slice(-8192)));
  const url = `http://127.0.0.1:${port}`;
  const server: RunningServer = { url, pid: p.pid ?? -1, process: p, logTail: () => buf, stop: () => stopProcess(p) };
  try {
    await waitReady(`${url}/api/v1/query?query=1`, p, 600_000, () => buf);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

interface Timing {
  ms: number;
  bytes: number;
  ok: boolean;
  error?: string;
}

async function timeQuery(url: string, path: string, form: Record<string, string>): Promise<Timing> {
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

interface Row {
  name: string;
  mode: "range" | "instant";
  promMs: number;
  orreryMs: number;
  promBytes: number;
  orreryBytes: number;
  error?: string;
}

async function benchmark(prom: RunningServer, orrery: RunningServer, startMs: number, endMs: number, args: Args): Promise<Row[]> {
  const rows: Row[] = [];
  const sec = (ms: number): string => String(ms / 1000);
  for (const q of BENCH_QUERIES) {
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

function formatRows(rows: Row[]): string {
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

async function main(): Promise<number> {
  const args = parseCli();
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    console.error(`bench:compare: missing prerequisites:\n  ${missing.join("\n  ")}`);
    return 2;
  }
  const work = await mkdtemp(join(tmpdir(), "orrery-bench-compare-"));
  const servers: RunningServer[] = [];
  let stopping = false;
  const cleanup = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.all(servers.map((s) => s.stop()));
    if (!args.keep) await rm(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  };
  const onSignal = (): void => {
    log("interrupted: stopping servers");
    void cleanup().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const startMs = endMs - Math.round(args.hours * 3_600_000);
    const file = join(work, "data.om");
    let t0 = Date.now();
    const bytes = writeDatasetFile(file, { endMs, hours: args.hours, benchSeries: args.series });
    const layout = benchLayout(args.series);
    log(`dataset: ${args.hours} h, demo families + ${args.series} benchmark series (${layout.counters} counters, ${layout.gauges} gauges, ${layout.histograms} histograms), ${(bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    t0 = Date.now();
    await createBlocks(file, join(work, "prometheus"));
    const promtoolS = (Date.now() - t0) / 1000;
    log(`promtool create-blocks-from openmetrics: ${promtoolS.toFixed(1)} s`);
    t0 = Date.now();
    await runChild(process.execPath, [ORRERY_MAIN, "tsdb", "import", "openmetrics", file, "--storage.tsdb.path", join(work, "orrery")]);
    const importS = (Date.now() - t0) / 1000;
    log(`orrery tsdb import openmetrics: ${importS.toFixed(1)} s`);
    await rm(file);

    t0 = Date.now();
    const prom = await startPrometheus({ dataDir: join(work, "prometheus"), readyTimeoutMs: 600_000 });
    servers.push(prom);
    log(`prometheus ready at ${prom.url} (pid ${prom.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    t0 = Date.now();
    const orrery = await startOrrery(join(work, "orrery"), args.hours);
    servers.push(orrery);
    log(`orrery ready at ${orrery.url} (pid ${orrery.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    let complianceExit: number | undefined;
    if (args.compliance && sharedDir() === undefined) log("skipping conformance compare: ../shared/compliance/promql-test-queries.yml is not beside this clone (set ORRERY_SHARED)");
    else if (args.compliance) {
      // As the compliance tester does: a 10-minute range at 10 s steps, ending a little before the data does.
      const cEnd = endMs - 2 * 60_000;
      log("conformance compare (reference Prometheus 2.42, target orrery):");
      complianceExit = await runChild(
        process.execPath,
        [ORRERY_MAIN, "conformance", "compare", "--reference", prom.url, "--target", orrery.url, "--start", String((cEnd - 10 * 60_000) / 1000), "--end", String(cEnd / 1000), "--step", "10s"],
        { allowExit: [1] },
      );
    }

    log(`benchmark: ${BENCH_QUERIES.length} queries × (range over ${args.hours} h at ${args.stepS} s steps, instant at the end), ${args.runs} runs each, alternating`);
    const rows = await benchmark(prom, orrery, startMs, endMs, args);
    console.log("");
    console.log(`bench:compare — ${args.hours} h, ${args.series} benchmark series + demo families; medians of ${args.runs} runs`);
    console.log(`prep: promtool ${promtoolS.toFixed(1)} s, orrery import ${importS.toFixed(1)} s`);
    console.log(formatRows(rows));
    const promRss = peakRssMb(prom.pid);
    const orreryRss = peakRssMb(orrery.pid);
    console.log(`peak RSS (VmHWM): prometheus ${promRss?.toFixed(0) ?? "?"} MB, orrery ${orreryRss?.toFixed(0) ?? "?"} MB`);
    if (complianceExit !== undefined) console.log(`conformance compare exit status: ${complianceExit}${complianceExit === 0 ? " (no failures)" : " (failures, see above)"}`);
    return 0;
  } finally {
    await cleanup();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`bench:compare: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
