// The query frontend under a Grafana-like dashboard: 20 panels over 24h, refreshed
// every 10 s for 5 minutes of simulated time, against Prometheus 2.42 (blocks made by
// promtool). Latency per panel request, p50 and p99: Prometheus answering directly,
// and `orrery frontend` in front of it with the in-process LRU and with Redis —
// cold (empty cache), refresh (the dashboard 10 s later) and repeat (another viewer
// of the same dashboard at the same moment), all 20 panels in flight at once as
// Grafana sends them; "alone" is one panel at a time refreshed, without the others' queueing.
// The viewer runs in a child process (frontend-client.ts), so reading the answers is
// not counted as the frontend's work; it asks Prometheus the same way. The targets are
// interleaved refresh by refresh, so a loaded machine weighs on all alike.
// FRONTEND_BENCH_BASELINE=<another build's dist/> adds that build's frontend side by side.
// "replay" answers every panel with bytes recorded beforehand and no work per request: the
// viewer's own floor on this machine, which no frontend can go under. "floor" does the same after
// asking Prometheus for each panel's newest step, as a warm refresh must (nothing newer than
// now − 1m is cached): the floor of any frontend in front of Prometheus on this machine.
// Beside latency, the CPU time each process spends per refresh (Linux /proc): the bench's own
// (the frontend under test, or the replay server), Prometheus's, the viewer's, Redis's.
// First, the frontend's own cost of a hit: in process, no HTTP, a 24h range older than the
// freshness limit (nothing fetched). FRONTEND_BENCH_HITS_ONLY=1 runs only that part.
import { fork } from "node:child_process";
import { Agent, createServer, get as httpGet } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Registry } from "prom-client";
import { queryResponseText } from "../api/index.js";
import { buildFrontendServer, type CacheBackend, type Downstream, hasRedis, InMemoryBackend, QueryFrontend, RedisBackend, type RunningRedis, startRedisServer } from "../cache/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { createBlocks, freePort, hasPrometheus, type RunningServer, startPrometheus } from "../conformance/index.js";
import { processCpuMs } from "./compare-kit.js";
import { keepHeapPolicy, tuneHeapForQueries } from "../cli/heap-policy.js";
import { generateDatasetText } from "./dataset/index.js";
import type { ClientAnswer, ClientRound } from "./frontend-client.js";

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const STEP_S = 60;

const PANELS = [
  'sum by (mode) (rate(demo_cpu_usage_seconds_total[5m]))',
  'sum by (instance) (rate(demo_cpu_usage_seconds_total{mode!="idle"}[5m]))',
  'avg by (instance) (demo_memory_usage_bytes)',
  'max(demo_memory_usage_bytes) / 1e9',
  'sum(demo_disk_usage_bytes) / sum(demo_disk_total_bytes)',
  'demo_disk_usage_bytes / demo_disk_total_bytes',
  'histogram_quantile(0.99, sum by (le) (rate(demo_api_request_duration_seconds_bucket[5m])))',
  'histogram_quantile(0.5, sum by (le, path) (rate(demo_api_request_duration_seconds_bucket[5m])))',
  'sum by (status) (rate(demo_api_request_duration_seconds_count[5m]))',
  'sum by (path) (rate(demo_api_request_duration_seconds_count{status="500"}[5m])) / sum by (path) (rate(demo_api_request_duration_seconds_count[5m]))',
  'sum(rate(demo_api_request_duration_seconds_sum[5m])) / sum(rate(demo_api_request_duration_seconds_count[5m]))',
  'topk(3, sum by (path) (rate(demo_api_request_duration_seconds_count[5m])))',
  'count by (instance) (demo_cpu_usage_seconds_total)',
  'demo_num_cpus',
  'time() - demo_batch_last_success_timestamp_seconds',
  'demo_batch_last_run_processed_bytes',
  'avg_over_time(demo_memory_usage_bytes[10m])',
  'deriv(demo_disk_usage_bytes[15m])',
  'sum(increase(demo_api_request_duration_seconds_count[1h]))',
  'demo_intermittent_metric',
];

interface Timing {
  cold: number[];
  refresh: number[];
  repeat: number[];
  /** The panel alone, asked again at the last moment (no other panel in flight). */
  alone: number[];
}

/** The viewer's process (frontend-client.ts): one round at a time, its milliseconds per request. */
interface Client {
  ask(round: ClientRound): Promise<number[]>;
  close(): void;
  pid: number;
}

function startClient(): Client {
  const child = fork(fileURLToPath(new URL("./frontend-client.js", import.meta.url)), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let pending: { resolve: (ms: number[]) => void; reject: (err: Error) => void } | undefined;
  child.on("message", (answer: ClientAnswer) => {
    const p = pending;
    pending = undefined;
    if (answer.ok) p?.resolve(answer.ms);
    else p?.reject(new Error(answer.error));
  });
  child.on("exit", (code) => pending?.reject(new Error(`bench client exited with ${code}`)));
  return {
    ask: (round) =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject };
        child.send(round);
      }),
    close: () => child.kill(),
    pid: child.pid ?? 0,
  };
}

/** Something answering the dashboard: Prometheus itself, or a frontend whose clock the bench moves. */
interface Target {
  name: string;
  url: string;
  setNow: (ms: number) => void;
  timings: Timing[];
  /** CPU ms per process over all refresh rounds, by the meters' names. */
  cpu?: Map<string, number>;
}

/** A process whose CPU time the bench reads, ms so far. */
interface CpuMeter {
  name: string;
  read: () => number;
}

function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * The dashboard against every target, interleaved so they share the machine's load alike:
 * each refresh asks all panels at once (as Grafana does) of one target, then of the next.
 */
async function dashboards(client: Client, targets: readonly Target[], t0: number, refreshes: number, meters: readonly CpuMeter[]): Promise<void> {
  const round = (target: Target, nowMs: number, inFlight: ClientRound["inFlight"], queries = PANELS): Promise<number[]> =>
    client.ask({ url: target.url, queries, nowMs, stepS: STEP_S, inFlight });
  for (let r = 0; r < refreshes; r++) {
    const now = t0 + r * 10 * SEC;
    for (const target of targets) {
      target.setNow(now);
      const before = meters.map((m) => m.read());
      const first = await round(target, now, "all");
      if (r > 0) meters.forEach((m, i) => (target.cpu ??= new Map()).set(m.name, (target.cpu.get(m.name) ?? 0) + m.read() - before[i]!));
      first.forEach((ms, i) => (r === 0 ? target.timings[i]!.cold : target.timings[i]!.refresh).push(ms));
      const again = await round(target, now, "all");
      again.forEach((ms, i) => target.timings[i]!.repeat.push(ms));
    }
  }
  // Alone: one panel at a time, each a refresh 10 s after the one before, so each asks downstream for the fresh part.
  for (let k = 0; k < 5; k++) {
    const now = t0 + (refreshes + k) * 10 * SEC;
    for (const [i, q] of PANELS.entries()) {
      for (const target of targets) {
        target.setNow(now);
        target.timings[i]!.alone.push((await round(target, now, "one", [q]))[0]!);
      }
    }
  }
}

const newTimings = (): Timing[] => PANELS.map(() => ({ cold: [], refresh: [], repeat: [], alone: [] }));

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const f = (x: number): string => (Number.isNaN(x) ? "-" : x.toFixed(1)).padStart(7);

function report(name: string, timings: Timing[], cpu: Map<string, number> | undefined, refreshes: number): void {
  console.log(`\n${name}: ms per panel request (p50 / p99)`);
  console.log(`${"panel".padEnd(6)} ${"cold".padStart(7)} ${"refresh p50".padStart(12)} ${"p99".padStart(7)} ${"repeat p50".padStart(11)} ${"p99".padStart(7)} ${"alone p50".padStart(10)}`);
  const row = (label: string, t: Timing) =>
    `${label.padEnd(6)} ${f(quantile(t.cold, 0.5))} ${f(quantile(t.refresh, 0.5)).padStart(12)} ${f(quantile(t.refresh, 0.99))} ${f(quantile(t.repeat, 0.5)).padStart(11)} ${f(quantile(t.repeat, 0.99))} ${f(quantile(t.alone, 0.5)).padStart(10)}`;
  timings.forEach((t, i) => console.log(row(String(i + 1), t)));
  const all = (k: keyof Timing) => timings.flatMap((t) => t[k]);
  console.log(row("all", { cold: all("cold"), refresh: all("refresh"), repeat: all("repeat"), alone: all("alone") }) + "   (all panels' requests together)");
  if (cpu !== undefined && refreshes > 1) console.log(`CPU per refresh: ${[...cpu].map(([process, ms]) => `${process} ${(ms / (refreshes - 1)).toFixed(1)} ms`).join(", ")}`);
}

/** The frontend's parts the bench builds a server from: this build's, or another build's (FRONTEND_BENCH_BASELINE). */
interface FrontendBuild {
  QueryFrontend: typeof QueryFrontend;
  buildFrontendServer: typeof buildFrontendServer;
}

/** `orrery frontend` before Prometheus with this cache, listening; close() stops it. */
async function frontendTarget(name: string, prometheusUrl: string, backend: CacheBackend, t0: number, build: FrontendBuild): Promise<Target & { close(): Promise<void> }> {
  let now = t0;
  const frontend = new build.QueryFrontend({ registry: new Registry(), backend, now: () => now });
  const app = build.buildFrontendServer({ frontend, downstreamUrl: prometheusUrl, registry: new Registry(), downstreamTimeoutMs: 120_000 });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  return {
    name,
    url,
    setNow: (ms) => (now = ms),
    timings: newTimings(),
    close: async () => {
      await app.close();
      await backend.close();
    },
  };
}

/**
 * The floor of a target: each panel answered with the bytes Prometheus gave for it at t0, recorded
 * beforehand. With `fresh`, each request first asks Prometheus for the panel's newest step (what
 * any frontend must still ask downstream on a warm refresh: nothing newer than now − 1m is
 * cached) and answers once that has come back: the floor of every frontend in front of Prometheus.
 */
async function replayTarget(prometheusUrl: string, t0: number, fresh: boolean): Promise<Target & { close(): Promise<void> }> {
  const bodies = new Map<string, Buffer>();
  for (const query of PANELS) {
    const params = new URLSearchParams({ query, start: String((t0 - 24 * HOUR) / 1000), end: String(t0 / 1000), step: String(STEP_S) });
    const res = await fetch(`${prometheusUrl}/api/v1/query_range?${params}`, { headers: { "accept-encoding": "identity" } });
    bodies.set(query, Buffer.from(await res.arrayBuffer()));
  }
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const asked = new URL(req.url ?? "/", "http://replay").searchParams;
    const query = asked.get("query") ?? "";
    const body = bodies.get(query) ?? Buffer.alloc(0);
    const reply = (): void => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    };
    if (!fresh) return reply();
    const newest = String(Math.floor(Number(asked.get("end")) / STEP_S) * STEP_S);
    const params = new URLSearchParams({ query, start: newest, end: newest, step: String(STEP_S) });
    httpGet(`${prometheusUrl}/api/v1/query_range?${params}`, { agent, headers: { "accept-encoding": "identity" } }, (answer) => {
      answer.resume();
      answer.on("end", reply);
    }).on("error", (err) => res.destroy(err));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  return {
    name: fresh ? "floor: recorded + newest step from Prometheus" : "replay: recorded answers, no work",
    url: `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`,
    setNow: () => undefined,
    timings: newTimings(),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}

/** Warm p50s of each target against the first (Prometheus), as ratios. */
function ratios(targets: readonly Target[]): void {
  const p50 = (t: Target, k: keyof Timing) => quantile(t.timings.flatMap((x) => x[k]), 0.5);
  const base = targets[0]!;
  console.log(`\nratios to ${base.name} (p50 of all panels' requests; < 1 is faster)`);
  for (const t of targets.slice(1)) {
    const r = (k: keyof Timing) => (p50(t, k) / p50(base, k)).toFixed(3).padStart(7);
    console.log(`${t.name.padEnd(44)} cold ${r("cold")}  refresh ${r("refresh")}  repeat ${r("repeat")}  alone ${r("alone")}`);
  }
}

/** p50 / p99 of warm hits of 20 panels (10 series × 1,441 points each) answered in process. */
async function inProcessHits(): Promise<void> {
  const now = 30 * 24 * HOUR;
  const end = now - 10 * MIN;
  const downstream: Downstream = async (_path, params) => {
    const start = Number(params.get("start")) * 1000;
    const stop = Number(params.get("end")) * 1000;
    const steps: number[] = [];
    for (let t = start; t <= stop; t += STEP_S * SEC) steps.push(t);
    const series = Array.from({ length: 10 }, (_, k) => ({
      labels: labelsFromRecord({ instance: `host-${k}` }),
      t: Float64Array.from(steps),
      v: Float64Array.from(steps, (t) => Math.sin(t / 1e7 + k) * 1234.5678),
    }));
    return { status: 200, body: queryResponseText({ value: { type: "matrix", series }, warnings: [], infos: [] }), headers: { "content-type": "application/json" } };
  };
  const frontend = new QueryFrontend({ registry: new Registry(), backend: new InMemoryBackend({ maxSizeBytes: 1 << 30 }), now: () => now });
  const signal = new AbortController().signal;
  const ask = (query: string) =>
    frontend.handle({ path: "/api/v1/query_range", params: new URLSearchParams({ query, start: String((end - 24 * HOUR) / 1000), end: String(end / 1000), step: String(STEP_S) }), tenant: "", noStore: false }, downstream, signal);
  const queries = Array.from({ length: 20 }, (_, i) => `sum by (instance) (rate(panel_${i}[5m]))`);
  for (const q of queries) await ask(q);
  const times: number[] = [];
  let bytes = 0;
  for (let r = 0; r < 20; r++) {
    for (const q of queries) {
      const t0 = performance.now();
      const body = (await ask(q)).body;
      bytes = typeof body === "string" ? Buffer.byteLength(body) : body.reduce((n, part) => n + part.length, 0);
      times.push(performance.now() - t0);
    }
  }
  console.log(`in-process warm hit, LRU, one panel (10 series × 1441 points, ${(bytes / 1024).toFixed(0)} KiB): p50 ${quantile(times, 0.5).toFixed(2)} ms, p99 ${quantile(times, 0.99).toFixed(2)} ms`);
}

async function main(): Promise<void> {
  // The frontends run in this process, standing for `orrery frontend`: its heap policy.
  keepHeapPolicy(tuneHeapForQueries);
  await inProcessHits();
  if (process.env.FRONTEND_BENCH_HITS_ONLY === "1") return;
  if (!hasPrometheus()) {
    console.log("skipped: Prometheus 2.42 is not installed");
    return;
  }
  const refreshes = Number(process.env.FRONTEND_BENCH_REFRESHES ?? 30);
  const dir = mkdtempSync(join(tmpdir(), "orrery-frontend-bench-"));
  let prometheus: RunningServer | undefined;
  let redis: RunningRedis | undefined;
  try {
    // 24h of the demo families at 30 s, and more for the simulated refreshes.
    const t0 = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const file = join(dir, "data.om");
    writeFileSync(file, generateDatasetText({ endMs: t0 + (refreshes + 5) * 10 * SEC, hours: 24.2, benchSeries: 0, demoIntervalMs: 30 * SEC }));
    await createBlocks(file, join(dir, "tsdb"));
    prometheus = await startPrometheus({ dataDir: join(dir, "tsdb") });
    console.log(`dataset: demo families, 24h at 30s; ${PANELS.length} panels, range 24h, step ${STEP_S}s, ${refreshes} refreshes 10s apart`);
    console.log(`cold, refresh, repeat: all ${PANELS.length} panels in flight at once, as Grafana sends them; alone: one panel refreshed at a time (5 rounds)`);
    console.log("the viewer runs in its own process (bench/frontend-client.ts); its reading of the answers is not counted as the frontend's work");

    const targets: Target[] = [{ name: "Prometheus 2.42 directly", url: prometheus.url, setNow: () => undefined, timings: newTimings() }];
    const closers: (() => Promise<void>)[] = [];
    for (const fresh of [false, true]) {
      const replay = await replayTarget(prometheus.url, t0, fresh);
      targets.push(replay);
      closers.push(replay.close);
    }
    const builds: [string, FrontendBuild][] = [["orrery frontend", { QueryFrontend, buildFrontendServer }]];
    // Another build's frontend (e.g. main's dist/) side by side, interleaved with this one's.
    const baseline = process.env.FRONTEND_BENCH_BASELINE;
    if (baseline !== undefined && baseline !== "") builds.push([`baseline ${baseline}`, (await import(pathToFileURL(join(baseline, "cache/index.js")).href)) as FrontendBuild]);
    for (const [label, build] of builds) {
      const lru = await frontendTarget(`${label}, LRU`, prometheus.url, new InMemoryBackend({ maxSizeBytes: 256 << 20 }), t0, build);
      targets.push(lru);
      closers.push(lru.close);
    }
    if (hasRedis()) {
      const port = await freePort();
      redis = await startRedisServer(port);
      for (const [label, build] of builds) {
        // Each build its own key prefix: one must not answer from the other's entries.
        const backend = new RedisBackend({ address: `127.0.0.1:${port}`, timeoutMs: 1000, keyPrefix: `${targets.length}:` });
        const viaRedis = await frontendTarget(`${label}, Redis`, prometheus.url, backend, t0, build);
        targets.push(viaRedis);
        closers.push(viaRedis.close);
      }
    }
    const client = startClient();
    try {
      const meters: CpuMeter[] = [
        { name: "bench process (the frontend or replay)", read: ownCpuMs },
        { name: "Prometheus", read: () => processCpuMs(prometheus!.pid) },
        { name: "viewer", read: () => processCpuMs(client.pid) },
      ];
      if (redis !== undefined) meters.push({ name: "Redis", read: () => processCpuMs(redis!.pid) });
      await dashboards(client, targets, t0, refreshes, meters);
    } finally {
      client.close();
      for (const close of closers) await close();
    }
    for (const t of targets) report(t.name, t.timings, t.cpu, refreshes);
    ratios(targets);
  } finally {
    await redis?.stop();
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
