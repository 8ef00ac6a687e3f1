// remote_write ingestion: orrery's receiver (head + WAL, fsync "always", in a child process) against
// Prometheus 2.42's own receiver, fed the same pre-encoded request bodies by 4 concurrent writers.
// Run by hand: npx tsc -p . && node dist/bench/ingest.js [--series 100000] [--batch 2500]
//   [--rounds 20] [--writers 4] [--fsync always|batch|never] [--no-prometheus]
//   [--baseline /other/dist] [--repeat N] [--receive] [--churn]
// --baseline runs another build's receiver (its bench/ingest-server.js) beside this one; --repeat runs
// every receiver N times, in alternating order, and reports medians. Peak RSS is each process's VmHWM.
// --receive runs the real `orrery receive` (each build's dist/cli/main.js) instead: CPU from /proc, the
// series count from its /metrics, no head estimate.
// --churn adds a round of as many new series after the steady rounds (another port on every
// instance), as series churn brings them to a running receiver: series creation with the JIT warm,
// where the first round's also pays for compiling the paths it meets first. Its CPU is not in the
// CPU line; the head, RSS and restart figures then include its series.
// (Prometheus does not fsync its WAL per request; orrery's default "always" does, group-committed.)
// Env: ORRERY_BENCH_PROF=<dir> writes a CPU profile of the orrery receiver; ORRERY_BENCH_NODE_FLAGS adds
// node flags to it. On a shared machine, compare the CPU line: wall-clock rates follow other load.
// Prints samples/s for the first round (every series created) and the steady state, the ratio, and
// the head's bytes per series and per sample beside the Gorilla paper's 1.37 bytes/sample.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fsp } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { encodeRemoteWriteBody, type WriteTimeSeries } from "../stores/index.js";
import { processCpuMs } from "./compare-kit.js";

const { values: args } = parseArgs({
  options: {
    series: { type: "string", default: "100000" },
    batch: { type: "string", default: "2500" },
    rounds: { type: "string", default: "20" },
    writers: { type: "string", default: "4" },
    fsync: { type: "string", default: "always" },
    "no-prometheus": { type: "boolean", default: false },
    prometheus: { type: "string", default: "/usr/bin/prometheus" },
    baseline: { type: "string" },
    repeat: { type: "string", default: "1" },
    receive: { type: "boolean", default: false },
    churn: { type: "boolean", default: false },
  },
});
const SERIES = Number(args.series);
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);
const WRITERS = Number(args.writers);
const STEP_MS = 15_000;
const HERE = dirname(fileURLToPath(import.meta.url));

interface Bodies {
  /** bodies[round] = the round's request bodies, each BATCH samples. */
  rounds: Uint8Array[][];
  bytes: number;
  /** Unmeasured rounds over other series first, so both receivers are warm (JIT, allocator). */
  warmup: Uint8Array[][];
  /** With --churn: a round of new series after the steady rounds. */
  churn?: Uint8Array[];
}

/** Series like a node fleet's: 50 metric names over 2,000 hosts, half counters, half gauges, every 15 s. */
function generate(): Bodies {
  const warmup: Uint8Array[][] = [];
  for (let r = 0; r < 3; r++) {
    const labels = (i: number) => [
      { name: "__name__", value: "bench_warmup" },
      { name: "i", value: String(i) },
    ];
    warmup.push(inBodies(5000, (i) => ({ labels: labels(i), samples: [{ value: i + r, timestamp: Date.now() - 3_600_000 + r * STEP_MS }] })));
  }
  const t0 = Date.now() - ROUNDS * STEP_MS - 60_000;
  const last = new Float64Array(SERIES);
  const rounds: Uint8Array[][] = [];
  let bytes = 0;
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const labels = Array.from({ length: SERIES }, (_, i) => [
    { name: "__name__", value: `bench_metric_${i % 50}${i % 2 === 0 ? "_total" : ""}` },
    { name: "instance", value: `host-${Math.floor(i / 50)}.example.org:9100` },
    { name: "job", value: "node" },
    { name: "shard", value: String(i % 7) },
  ]);
  for (let r = 0; r < ROUNDS; r++) {
    const bodies = inBodies(SERIES, (i) => {
      // Counters grow by a varying integer; gauges keep their value 70% of the time, else drift.
      let v: number;
      if (i % 2 === 0) v = last[i] += Math.floor(rand() * 20);
      else if (r > 0 && rand() < 0.7) v = last[i];
      else v = last[i] = Math.round((r === 0 ? rand() * 1000 : last[i] + (rand() - 0.5) * 10) * 100) / 100;
      return { labels: labels[i], samples: [{ value: v, timestamp: t0 + r * STEP_MS }] };
    });
    for (const body of bodies) bytes += body.length;
    rounds.push(bodies);
  }
  const churn = args.churn ? churnRound(labels, t0 + ROUNDS * STEP_MS, rand) : undefined;
  return { rounds, bytes, warmup, churn };
}

/** The series of `labels` on another port of every instance, one sample each at t: as many new series. */
function churnRound(labels: readonly { name: string; value: string }[][], t: number, rand: () => number): Uint8Array[] {
  return inBodies(labels.length, (i) => {
    const moved = labels[i].map((l) => (l.name === "instance" ? { name: l.name, value: l.value.replace(":9100", ":9200") } : l));
    const value = i % 2 === 0 ? Math.floor(rand() * 20) : Math.round(rand() * 100_000) / 100;
    return { labels: moved, samples: [{ value, timestamp: t }] };
  });
}

/** Series 0 … count-1 (made in order) as remote_write bodies of BATCH series each. */
function inBodies(count: number, seriesAt: (i: number) => WriteTimeSeries): Uint8Array[] {
  const bodies: Uint8Array[] = [];
  for (let from = 0; from < count; from += BATCH) {
    const timeseries: WriteTimeSeries[] = [];
    for (let i = from; i < Math.min(count, from + BATCH); i++) timeseries.push(seriesAt(i));
    bodies.push(encodeRemoteWriteBody({ timeseries }));
  }
  return bodies;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface SendResult {
  seconds: number;
  failures: number;
  firstFailure?: string;
}

/** Sends bodies with WRITERS concurrent loops; returns the wall time. */
async function send(url: string, bodies: readonly Uint8Array[]): Promise<SendResult> {
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const start = process.hrtime.bigint();
  const writer = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-protobuf",
          "content-encoding": "snappy",
          "x-prometheus-remote-write-version": "0.1.0",
        },
        body,
      });
      const text = await res.text();
      if (res.status < 200 || res.status > 299) {
        failures++;
        firstFailure ??= `${res.status} ${text.slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, failures, firstFailure };
}

interface RunResult {
  first: SendResult;
  steady: SendResult;
  /** With --churn: the round of new series after the steady rounds. */
  churn?: SendResult;
  /** CPU seconds the receiver process used for the whole ingestion. */
  cpuSeconds: number;
  /** The receiver's peak resident set (VmHWM), bytes. */
  peakRss: number;
  /** Its resident set (VmRSS) once ready, before the first request, bytes. */
  readyRss?: number;
  stats?: Record<string, number>;
}

/** Rounds one after another (as a remote_write shard keeps each series in order), writers within one. */
async function runAgainst(url: string, bodies: Bodies, cpu: () => Promise<number>): Promise<RunResult> {
  for (const round of bodies.warmup) await send(url, round);
  const cpuStart = await cpu();
  const first = await send(url, bodies.rounds[0]);
  const steady: SendResult = { seconds: 0, failures: 0 };
  for (const round of bodies.rounds.slice(1)) {
    const r = await send(url, round);
    steady.seconds += r.seconds;
    steady.failures += r.failures;
    steady.firstFailure ??= r.firstFailure;
  }
  const cpuSeconds = (await cpu()) - cpuStart;
  const churn = bodies.churn !== undefined ? await send(url, bodies.churn) : undefined;
  return { first, steady, churn, cpuSeconds, peakRss: 0 };
}

/** A process's peak resident set size (Linux VmHWM), bytes; NaN where /proc does not tell. */
async function peakRss(pid: number | undefined, field = "VmHWM"): Promise<number> {
  try {
    const status = await fsp.readFile(`/proc/${pid}/status`, "utf8");
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

function waitExit(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once("exit", () => resolve()));
}

/** Starts `orrery receive` (dist/cli/main.js of `dist`) on dir; resolves once it is ready. */
async function startReceive(dir: string, dist: string, nodeFlags: string[]): Promise<{ proc: ChildProcess; port: number }> {
  const port = await freePort();
  const grpcPort = await freePort();
  const proc = spawn(
    process.execPath,
    [...nodeFlags, join(dist, "cli", "main.js"), "receive", `--remote-write.address=127.0.0.1:${port}`, `--grpc-address=127.0.0.1:${grpcPort}`, `--tsdb.path=${dir}`, "--log.level=warn"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  try {
    await waitReady(`http://127.0.0.1:${port}/-/ready`, proc, "orrery receive");
    return { proc, port };
  } catch (err) {
    proc.kill("SIGKILL");
    throw err;
  }
}

/** Starts the orrery receiver on dir; resolves with its port and the child once it printed READY. */
async function startOrrery(dir: string, server: string): Promise<{ proc: ChildProcess; port: number }> {
  const prof = process.env.ORRERY_BENCH_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.ORRERY_BENCH_PROF}`] : [];
  const v8flags = (process.env.ORRERY_BENCH_NODE_FLAGS ?? "").split(" ").filter((f) => f !== "");
  if (args.receive) return startReceive(dir, join(dirname(server), ".."), [...prof, ...v8flags]);
  const proc = spawn(process.execPath, [...prof, ...v8flags, "--expose-gc", server, "--dir", dir, "--fsync", args.fsync!], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      proc.once("exit", (code) => reject(new Error(`orrery receiver exited with ${code}`)));
      createInterface({ input: proc.stdout! }).on("line", (line) => {
        const m = /^READY (\d+)/.exec(line);
        if (m) resolve(Number(m[1]));
      });
    });
    return { proc, port };
  } catch (err) {
    proc.kill("SIGKILL");
    throw err;
  }
}

async function runOrrery(bodies: Bodies, dir: string, server: string): Promise<RunResult> {
  const { proc, port } = await startOrrery(dir, server);
  const readyRss = await peakRss(proc.pid, "VmRSS");
  let result: RunResult;
  try {
    const base = `http://127.0.0.1:${port}`;
    const cpu = args.receive
      ? async () => processCpuMs(proc.pid!) / 1000
      : async () => ((await (await fetch(`${base}/cpu`)).json()) as { cpuSeconds: number }).cpuSeconds;
    result = await runAgainst(`${base}/api/v1/write`, bodies, cpu);
    // Before /stats, which reads every series back (not part of ingestion).
    result.peakRss = await peakRss(proc.pid);
    result.readyRss = readyRss;
    result.stats = args.receive
      ? { series: await metricValue(base, "orrery_head_series") }
      : ((await (await fetch(`${base}/stats`)).json()) as Record<string, number>);
  } finally {
    proc.kill("SIGTERM");
    await waitExit(proc);
  }
  // Restart on the same directory: the time to READY is dominated by the WAL replay.
  const restartAt = process.hrtime.bigint();
  const again = await startOrrery(dir, server);
  result.stats.restartSeconds = Number(process.hrtime.bigint() - restartAt) / 1e9;
  again.proc.kill("SIGTERM");
  await waitExit(again.proc);
  return result;
}

async function waitReady(url: string, proc: ChildProcess, what = "prometheus"): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready in 30 s`);
}

async function metricValue(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

async function runPrometheus(bodies: Bodies, dir: string): Promise<RunResult> {
  const port = await freePort();
  const config = join(dir, "prometheus.yml");
  await fsp.writeFile(config, "global:\n  scrape_interval: 1m\n");
  const proc = spawn(
    args.prometheus!,
    [
      "--web.enable-remote-write-receiver",
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--config.file=${config}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitReady(`${base}/-/ready`, proc);
    const readyRss = await peakRss(proc.pid, "VmRSS");
    const result = await runAgainst(`${base}/api/v1/write`, bodies, () => metricValue(base, "process_cpu_seconds_total"));
    result.stats = {
      series: await metricValue(base, "prometheus_tsdb_head_series"),
      heapInuse: await metricValue(base, "go_memstats_heap_inuse_bytes"),
    };
    result.peakRss = await peakRss(proc.pid);
    result.readyRss = readyRss;
    return result;
  } finally {
    proc.kill("SIGTERM");
    await waitExit(proc);
  }
}

function rate(samples: number, r: SendResult): string {
  return `${Math.round(samples / r.seconds).toLocaleString("en-US")}/s`;
}

const pad = (s: string, n: number) => s.padEnd(n);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The growth with ArrayBuffers where the receiver tells it (a baseline build's may not). */
function withArrayBuffers(s: Record<string, number>): string {
  if (s.arrayBuffersGrowth === undefined) return "";
  const held = s.heapGrowth! + s.arrayBuffersGrowth;
  return ` (JS heap; with ArrayBuffers, the receiver's request buffers too: ${(held / 1e6).toFixed(1)} MB = ${(held / s.series!).toFixed(0)} B/series)`;
}

/** The median run of several (by steady-state time), its first round, CPU and peak RSS medians too. */
function medianRun(runs: RunResult[]): RunResult {
  const bySteady = [...runs].sort((a, b) => a.steady.seconds - b.steady.seconds);
  const mid = bySteady[(bySteady.length - 1) >> 1];
  return {
    ...mid,
    first: { ...mid.first, seconds: median(runs.map((r) => r.first.seconds)) },
    steady: { ...mid.steady, seconds: median(runs.map((r) => r.steady.seconds)) },
    churn: mid.churn && { ...mid.churn, seconds: median(runs.map((r) => r.churn!.seconds)) },
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    peakRss: median(runs.map((r) => r.peakRss)),
    readyRss: median(runs.map((r) => r.readyRss ?? NaN)),
  };
}

/** Every run of every receiver holds the same series; orrery's builds the same chunk bytes (same samples stored). */
function checkSameData(results: { name: string; result: RunResult }[]): void {
  const seen = results.map((r) => `${r.name}: ${r.result.stats?.series} series${r.result.stats?.chunkBytes !== undefined ? `, ${r.result.stats.chunkBytes} chunk bytes` : ""}`);
  const series = new Set(results.map((r) => r.result.stats?.series));
  const chunkBytes = new Set(results.filter((r) => r.result.stats?.chunkBytes !== undefined).map((r) => r.result.stats!.chunkBytes));
  console.log(`${series.size === 1 && chunkBytes.size <= 1 ? "same data stored" : "DATA DIFFERS"}: ${seen.join("; ")}`);
}

interface Receiver {
  readonly name: string;
  readonly run: (bodies: Bodies, dir: string) => Promise<RunResult>;
  readonly runs: RunResult[];
}

async function main(): Promise<void> {
  const base = await fsp.mkdtemp(join(tmpdir(), "orrery-ingest-bench-"));
  try {
    const genStart = Date.now();
    const bodies = generate();
    const perRound = SERIES;
    const steadySamples = perRound * (ROUNDS - 1);
    const repeat = Math.max(1, Number(args.repeat));
    console.log(
      `orrery WAL fsync "${args.fsync}"; generated ${ROUNDS} rounds × ${SERIES.toLocaleString("en-US")} series in batches of ${BATCH} ` +
        `(${bodies.rounds.flat().length} bodies, ${(bodies.bytes / 1e6).toFixed(1)} MB snappy) in ${Date.now() - genStart} ms; ${WRITERS} writers` +
        (repeat > 1 ? `; ${repeat} runs each, alternating order, medians` : ""),
    );
    const receivers: Receiver[] = [{ name: "orrery", run: (b, d) => runOrrery(b, d, join(HERE, "ingest-server.js")), runs: [] }];
    if (args.baseline !== undefined) {
      const server = join(args.baseline, "bench", "ingest-server.js");
      receivers.push({ name: "baseline", run: (b, d) => runOrrery(b, d, server), runs: [] });
    }
    if (!args["no-prometheus"] && existsSync(args.prometheus!)) {
      receivers.push({ name: "prometheus 2.42", run: runPrometheus, runs: [] });
    }
    for (let rep = 0; rep < repeat; rep++) {
      const order = rep % 2 === 0 ? receivers : [...receivers].reverse();
      for (const r of order) {
        const dir = join(base, `${r.name.replace(/\W/g, "")}-${rep}`);
        await fsp.mkdir(dir, { recursive: true });
        r.runs.push(await r.run(bodies, dir));
        await fsp.rm(dir, { recursive: true, force: true });
      }
    }
    const results = receivers.map((r) => ({ name: r.name, result: medianRun(r.runs) }));
    const orrery = results[0].result;
    const peers = results.slice(1);
    const rows: string[][] = [["phase", ...results.map((r) => r.name), ...peers.map((p) => `orrery/${p.name}`)]];
    const phase = (name: string, samples: number, pick: (r: RunResult) => SendResult) =>
      rows.push([
        name,
        ...results.map((r) => rate(samples, pick(r.result))),
        ...peers.map((p) => (pick(p.result).seconds / pick(orrery).seconds).toFixed(2) + "×"),
      ]);
    phase(`first round (${SERIES} new series)`, perRound, (r) => r.first);
    phase(`steady state (${ROUNDS - 1} rounds)`, steadySamples, (r) => r.steady);
    if (args.churn) phase(`new series, warm (${SERIES} more after those)`, perRound, (r) => r.churn!);
    const total = SERIES * ROUNDS;
    rows.push([
      "receiver CPU: samples per CPU-second",
      ...results.map((r) => `${Math.round(total / r.result.cpuSeconds).toLocaleString("en-US")}/cpu-s`),
      ...peers.map((p) => (p.result.cpuSeconds / orrery.cpuSeconds).toFixed(2) + "×"),
    ]);
    rows.push([
      "RSS at ready (VmRSS)",
      ...results.map((r) => `${(r.result.readyRss! / 1e6).toFixed(0)} MB`),
      ...peers.map((p) => (orrery.readyRss! / p.result.readyRss!).toFixed(2) + "×"),
    ]);
    rows.push([
      "peak RSS (VmHWM)",
      ...results.map((r) => `${(r.result.peakRss / 1e6).toFixed(0)} MB`),
      ...peers.map((p) => (orrery.peakRss / p.result.peakRss).toFixed(2) + "×"),
    ]);
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)) + 2);
    for (const r of rows) console.log(r.map((cell, c) => pad(cell, widths[c])).join(""));
    console.log("(rates and CPU: orrery/peer > 1 means orrery is faster; peak RSS: orrery/peer < 1 means orrery is smaller)");
    // The first round is a few requests (10k series: 5), so one run's rate swings; show every run's.
    if (repeat > 1) console.log(`first round, run by run: ${receivers.map((r) => `${r.name} ${r.runs.map((x) => rate(perRound, x.first)).join(" ")}`).join("; ")}`);
    if (repeat > 1 && args.churn) console.log(`new series warm, run by run: ${receivers.map((r) => `${r.name} ${r.runs.map((x) => rate(perRound, x.churn!)).join(" ")}`).join("; ")}`);
    for (const r of receivers) {
      const failed = r.runs.reduce((n, x) => n + x.first.failures + x.steady.failures + (x.churn?.failures ?? 0), 0);
      const first = r.runs.find((x) => x.first.firstFailure ?? x.steady.firstFailure ?? x.churn?.firstFailure);
      if (failed > 0) console.log(`${r.name}: ${failed} requests failed, first: ${first?.first.firstFailure ?? first?.steady.firstFailure ?? first?.churn?.firstFailure}`);
    }
    for (const { name, result } of results) {
      if (name === "prometheus 2.42" || args.receive) continue;
      const s = result.stats!;
      const stored = total + 3 * 5000 + (args.churn ? SERIES : 0); // with the warm-up series' samples
      console.log(
        `${name} head after ${stored.toLocaleString("en-US")} samples in ${s.series.toLocaleString("en-US")} series: ` +
          `estimate ${(s.memoryBytes / 1e6).toFixed(1)} MB = ${(s.memoryBytes / s.series).toFixed(0)} B/series, ` +
          `${(s.memoryBytes / stored).toFixed(2)} B/sample; heap growth ${(s.heapGrowth / 1e6).toFixed(1)} MB = ` +
          `${(s.heapGrowth / s.series).toFixed(0)} B/series${withArrayBuffers(s)}; XOR chunk bytes ${(s.chunkBytes / stored).toFixed(2)} B/sample ` +
          `(Gorilla paper: 1.37 B/sample at 120-sample chunks; here ${ROUNDS} samples per chunk); ` +
          `WAL ${(s.walBytes / stored).toFixed(2)} B/sample (series records included)`,
      );
      console.log(`${name} restart on the same directory (WAL replay of ${stored.toLocaleString("en-US")} samples): ${s.restartSeconds.toFixed(2)} s to ready`);
    }
    checkSameData(results);
    const prom = results.find((r) => r.name === "prometheus 2.42")?.result;
    if (prom?.stats) {
      console.log(
        `prometheus after the same: ${prom.stats.series} head series, heap in use ${(prom.stats.heapInuse / 1e6).toFixed(1)} MB ` +
          `= ${(prom.stats.heapInuse / prom.stats.series).toFixed(0)} B/series`,
      );
    }
  } finally {
    await fsp.rm(base, { recursive: true, force: true });
  }
}

await main();
