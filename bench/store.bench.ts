// npm run bench -- store [-- --hours 6 --series 10000 --runs 5 --index-gb 1 --only latency|rss --queries REGEX --mode instant --work DIR]
//
// `orrery store` (the store gateway) on a FILESYSTEM bucket, two figures:
//  1. latency: the bench:compare dataset as promtool's blocks, served by Prometheus 2.42 from its
//     data dir and by `orrery store` from a bucket (queried through `orrery query --endpoint`);
//     the bench:compare queries timed alternately; ratio orrery/Prometheus and the RSS of all three.
//  2. rss: blocks with about --index-gb of index written straight into a bucket, then `orrery store`
//     started on it cold (index-headers built) and queried; its RSS against the index bytes.
// Every process is stopped on the way out, also on error. `--profile DIR` runs both orrery
// processes with --cpu-prof into DIR (written when they stop). `--baseline-main PATH` (another
// build's dist/cli/main.js) also starts that build's store and query on the same bucket and times
// it as a third contender, interleaved with Prometheus and this build (ratios orrery/baseline and
// baseline/prometheus from the same run). `--queries REGEX` times
// only the bench queries whose name matches, `--mode range|instant` only that kind. `--work DIR` keeps the latency part's blocks in DIR and
// reuses them on the next run with the same DIR (no promtool run), so an A/B loop costs seconds.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  compareCase,
  compareResults,
  createBlocks,
  freePort,
  instantQuery,
  isEmptyDiff,
  PROMETHEUS_BIN,
  PROMTOOL_BIN,
  rangeQuery,
  startPrometheus,
  stopProcess,
  waitReady,
  type QueryOutcome,
  type RunningServer,
} from "../conformance/index.js";
import { labelsFromPairs, XorChunk } from "../storeapi/index.js";
import { BlockWriter, FilesystemBucket, isUlid, uploadBlock, type BlockChunk } from "../stores/index.js";
import { BENCH_QUERIES, benchmark, formatRows, peakRssMb, type BenchQuery, type Contender } from "./compare-kit.js";
import { writeDatasetFile } from "./dataset/index.js";

const ORRERY_MAIN = join(dirname(fileURLToPath(import.meta.url)), "..", "cli", "main.js");

function log(msg: string): void {
  process.stderr.write(`[bench:store ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function currentRssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
}

function startOrrery(args: readonly string[], readyUrl: string, nodeArgs: readonly string[], main = ORRERY_MAIN, timeoutMs = 600_000): Promise<RunningServer> {
  const p: ChildProcess = spawn(process.execPath, [...nodeArgs, main, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let buf = "";
  p.stderr?.on("data", (d: Buffer) => (buf = (buf + d.toString()).slice(-8192)));
  const server: RunningServer = { url: readyUrl.replace(/(https?:\/\/[^/]+).*/, "$1"), pid: p.pid ?? -1, process: p, logTail: () => buf, stop: () => stopProcess(p) };
  return waitReady(readyUrl, p, timeoutMs, () => buf).then(
    () => server,
    async (err: unknown) => {
      await server.stop();
      throw err;
    },
  );
}

/** `orrery store` on a FILESYSTEM bucket directory, and `orrery query` over it. */
async function startGateway(bucketDir: string, dataDir: string, servers: RunningServer[], nodeArgs: readonly string[], main = ORRERY_MAIN): Promise<{ store: RunningServer; query: RunningServer; readyMs: number }> {
  const [grpcPort, httpPort, queryPort] = [await freePort(), await freePort(), await freePort()];
  const t0 = performance.now();
  const store = await startOrrery(
    ["store", `--objstore.config=type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`, `--grpc-address=127.0.0.1:${grpcPort}`, `--http-address=127.0.0.1:${httpPort}`, `--data-dir=${dataDir}`, "--log.level=warn"],
    `http://127.0.0.1:${httpPort}/-/ready`,
    nodeArgs,
    main,
  );
  servers.push(store);
  const readyMs = performance.now() - t0;
  const query = await startOrrery(
    ["query", `--web.listen-address=127.0.0.1:${queryPort}`, `--endpoint=127.0.0.1:${grpcPort}`, "--query.timeout=5m", "--log.level=warn"],
    `http://127.0.0.1:${queryPort}/api/v1/query?query=1`,
    nodeArgs,
    main,
  );
  servers.push(query);
  return { store, query, readyMs };
}

function mb(n: number | undefined): string {
  return n?.toFixed(0) ?? "?";
}

/** Polls until the querier answers `query` with data (it learns the store's range in the background). */
async function waitForData(url: string, query: string, timeSec: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}&time=${timeSec}`)).json()) as { data?: { result: unknown[] } };
    if ((r.data?.result.length ?? 0) > 0) return;
    await new Promise((res) => setTimeout(res, 300));
  }
  throw new Error(`${url} never answered ${query} with data`);
}

/** The dataset's time range, written beside its blocks so a kept work dir can be reused. */
const RANGE_FILE = "range.json";

/** promtool's blocks of the bench dataset in `work/prometheus` and a bucket copy in `work/bucket`; reused when `work` holds them already. */
async function datasetBlocks(work: string, hours: number, series: number): Promise<{ startMs: number; endMs: number; blocks: number }> {
  const rangeFile = join(work, RANGE_FILE);
  if (existsSync(rangeFile)) {
    const kept = JSON.parse(readFileSync(rangeFile, "utf8")) as { startMs: number; endMs: number; hours: number; series: number };
    if (kept.hours !== hours || kept.series !== series) throw new Error(`${work} holds ${kept.hours} h × ${kept.series} series, not ${hours} h × ${series}: use another --work dir`);
    log(`reusing the blocks in ${work}`);
    return { ...kept, blocks: readdirSync(join(work, "prometheus")).filter(isUlid).length };
  }
  const endMs = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const startMs = endMs - Math.round(hours * 3_600_000);
  const file = join(work, "data.om");
  writeDatasetFile(file, { endMs, hours, benchSeries: series });
  let t0 = Date.now();
  await createBlocks(file, join(work, "prometheus"));
  await rm(file);
  log(`promtool create-blocks-from openmetrics: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const bucket = new FilesystemBucket(join(work, "bucket"));
  const ulids = readdirSync(join(work, "prometheus")).filter(isUlid);
  t0 = Date.now();
  for (const u of ulids) await uploadBlock(bucket, join(work, "prometheus", u), u);
  log(`uploaded ${ulids.length} blocks to the bucket in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  writeFileSync(rangeFile, JSON.stringify({ startMs, endMs, hours, series }));
  return { startMs, endMs, blocks: ulids.length };
}

async function latency(
  work: string,
  args: { hours: number; series: number; runs: number; stepS: number; nodeArgs: readonly string[]; baselineMain?: string; queries: readonly BenchQuery[]; modes: readonly ("range" | "instant")[] },
  servers: RunningServer[],
): Promise<void> {
  const { startMs, endMs, blocks } = await datasetBlocks(work, args.hours, args.series);
  const bucketDir = join(work, "bucket");
  const prom = await startPrometheus({ dataDir: join(work, "prometheus"), readyTimeoutMs: 600_000 });
  servers.push(prom);
  const { store, query, readyMs } = await startGateway(bucketDir, join(work, "gateway"), servers, args.nodeArgs);
  log(`orrery store ready in ${(readyMs / 1000).toFixed(1)} s (${blocks} blocks, index-headers built)`);
  await waitForData(query.url, "count(demo_memory_usage_bytes)", endMs / 1000);
  const contenders: Contender[] = [{ name: "prometheus", server: prom }];
  let baselineRss = (): string => "";
  if (args.baselineMain !== undefined) {
    // One run, all three interleaved: before/after ratios against Prometheus come from the same minutes of load.
    const baseline = await startGateway(bucketDir, join(work, "gateway-baseline"), servers, [], args.baselineMain);
    await waitForData(baseline.query.url, "count(demo_memory_usage_bytes)", endMs / 1000);
    contenders.push({ name: "baseline", server: baseline.query });
    baselineRss = () => `; baseline store ${mb(peakRssMb(baseline.store.pid))} MB + query ${mb(peakRssMb(baseline.query.pid))} MB`;
  }
  contenders.push({ name: "orrery", server: query });
  const rows = await benchmark(contenders, startMs, endMs, args, log, args.queries, args.modes);
  const answers = await checkAnswers(contenders, startMs, endMs, args);
  const names = contenders.map((c) => c.name);
  console.log("");
  console.log(`bench store (latency) — ${args.hours} h, ${args.series} benchmark series + demo families; Prometheus 2.42 on its data dir vs orrery query → orrery store on a FILESYSTEM bucket; medians of ${args.runs} runs`);
  if (args.baselineMain !== undefined) console.log(`baseline: orrery store and query of ${args.baselineMain} on the same bucket, timed in turn with the others`);
  console.log(formatRows(rows, names, names.length - 1));
  if (args.baselineMain !== undefined) console.log(formatRows(rows, names, 1).split("\n").filter((l) => l.startsWith("median") && l.includes("baseline/prometheus")).join("\n"));
  for (const line of answers) console.log(line);
  console.log(`peak RSS (VmHWM): prometheus ${mb(peakRssMb(prom.pid))} MB; orrery store ${mb(peakRssMb(store.pid))} MB + orrery query ${mb(peakRssMb(query.pid))} MB${baselineRss()}`);
}

/**
 * Every timed query asked once more of each contender, the answers compared with orrery's (the
 * last contender): the baseline build's exactly, Prometheus's by `orrery conformance compare`'s
 * rules (compliance tolerance; a difference its known-2.42 checks explain is counted apart, never as equal).
 */
async function checkAnswers(contenders: readonly Contender[], startMs: number, endMs: number, args: { stepS: number; queries: readonly BenchQuery[]; modes: readonly ("range" | "instant")[] }): Promise<string[]> {
  const subject = contenders[contenders.length - 1]!;
  const range = { startMs, endMs, stepMs: args.stepS * 1000 };
  const equal = new Map<string, number>();
  const known242 = new Map<string, number>();
  const differing: string[] = [];
  let asked = 0;
  for (const q of args.queries) {
    const checked = await compareCase(
      { query: q.query, shouldFail: false, skipComparison: false, template: q.name },
      { reference: { url: contenders[0]!.server.url }, target: { url: subject.server.url }, range },
    );
    for (const mode of args.modes) {
      const ask = (c: Contender): Promise<QueryOutcome> => (mode === "instant" ? instantQuery({ url: c.server.url }, q.query, endMs) : rangeQuery({ url: c.server.url }, q.query, range));
      const mine = await ask(subject);
      asked++;
      for (const other of contenders.slice(0, -1)) {
        if (other.name === "prometheus") {
          const m = checked.modes.find((x) => x.mode === mode)!;
          if (m.status === "passed") equal.set(other.name, (equal.get(other.name) ?? 0) + 1);
          else if (m.status === "known-2.42") known242.set(other.name, (known242.get(other.name) ?? 0) + 1);
          if (m.status !== "passed") differing.push(`${q.name} [${mode}] ${m.status === "known-2.42" ? "a known Prometheus 2.42 difference" : "differs from prometheus"}: ${m.reason ?? ""}`);
          continue;
        }
        const theirs = await ask(other);
        const same = mine.ok && theirs.ok ? isEmptyDiff(compareResults(theirs.result, mine.result, { tolerance: { fraction: 0, margin: 0 } })) : !mine.ok && !theirs.ok;
        if (same) equal.set(other.name, (equal.get(other.name) ?? 0) + 1);
        else differing.push(`${q.name} [${mode}] differs from ${other.name}`);
      }
    }
  }
  const counts = contenders
    .slice(0, -1)
    .map((c) => `${equal.get(c.name) ?? 0}/${asked} equal to ${c.name}${c.name === "prometheus" ? ` (as orrery conformance compare judges; ${known242.get(c.name) ?? 0} known 2.42 differences, not counted as equal)` : " (exactly)"}`);
  return [`answers of ${subject.name}: ${counts.join(", ")}`, ...differing.map((d) => `  ${(d.length > 700 ? `${d.slice(0, 300)} … ${d.slice(-400)}` : d)}`)];
}

/** A 3-sample XOR chunk starting at `t`, shared by every series (the index is what this part measures). */
function tinyChunk(t: number): BlockChunk {
  const c = new XorChunk();
  for (let i = 0; i < 3; i++) c.append(t + i * 15_000, i);
  return { minTime: t, maxTime: t + 30_000, data: c.bytes().slice() };
}

/**
 * One block of 100 metrics × 3 zones × `instances` × 10 pods, labels in sorted order by construction
 * (__name__, az, instance, job, pod, team), 3 chunks a series. Returns the index bytes.
 */
async function writeBigBlock(dir: string, blockNo: number, instances: number): Promise<number> {
  const pad = (n: number, w: number): string => String(n).padStart(w, "0");
  const symbols = new Set<string>(["__name__", "az", "instance", "job", "pod", "team"]);
  for (let m = 0; m < 100; m++) symbols.add(`metric_${pad(m, 3)}`);
  for (let a = 0; a < 3; a++) symbols.add(`az-${a}`);
  for (let i = 0; i < 3 * instances; i++) symbols.add(`host-${pad(i, 6)}`);
  for (let j = 0; j < 10; j++) symbols.add(`job-${j}`);
  for (let p = 0; p < 3 * instances * 10; p++) symbols.add(`pod-${pad(p, 7)}`);
  for (let t = 0; t < 4; t++) symbols.add(`team-${t}`);
  const t0 = Date.UTC(2025, 0, 1) + blockNo * 7_200_000;
  const chunks = [tinyChunk(t0), tinyChunk(t0 + 2_400_000), tinyChunk(t0 + 4_800_000)];
  const w = await BlockWriter.create(dir, { symbols, source: "test", minTime: t0, maxTime: t0 + 7_200_000 });
  for (let m = 0; m < 100; m++) {
    for (let a = 0; a < 3; a++) {
      for (let i = 0; i < instances; i++) {
        const host = a * instances + i;
        for (let p = 0; p < 10; p++) {
          const pod = host * 10 + p;
          const labels = labelsFromPairs("__name__", `metric_${pad(m, 3)}`, "az", `az-${a}`, "instance", `host-${pad(host, 6)}`, "job", `job-${host % 10}`, "pod", `pod-${pad(pod, 7)}`, "team", `team-${p % 4}`);
          await w.addSeries(labels, chunks);
        }
      }
    }
  }
  const meta = await w.finish();
  return statSync(join(dir, meta.ulid, "index")).size;
}

async function rss(work: string, indexGb: number, servers: RunningServer[], nodeArgs: readonly string[]): Promise<void> {
  const bucketDir = join(work, "big-bucket");
  // A kept --work dir is reused for the latency blocks only; this part always starts empty.
  await rm(bucketDir, { recursive: true, force: true });
  await rm(join(work, "big-gateway"), { recursive: true, force: true });
  const target = indexGb * 1024 ** 3;
  let indexBytes = 0;
  let blocks = 0;
  const t0 = Date.now();
  while (indexBytes < target) {
    indexBytes += await writeBigBlock(bucketDir, blocks, 700);
    blocks++;
    log(`block ${blocks}: ${(indexBytes / 1024 ** 2).toFixed(0)} MB of index so far (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const genS = (Date.now() - t0) / 1000;
  const { store, query, readyMs } = await startGateway(bucketDir, join(work, "big-gateway"), servers, nodeArgs);
  const readyRss = currentRssMb(store.pid);
  const endSec = (Date.UTC(2025, 0, 1) + blocks * 7_200_000) / 1000;
  // The last sample of the last block's last chunk (see writeBigBlock).
  const lastSampleSec = endSec - 7200 + 4830;
  await waitForData(query.url, 'count(metric_042{pod="pod-0000123"})', lastSampleSec);
  const queries = ['metric_042{pod="pod-0000123"}', 'sum by (team) (metric_007{instance="host-000321"})', 'count(metric_099{az="az-2", job="job-3"})'];
  const timings: string[] = [];
  for (const q of queries) {
    const started = performance.now();
    const res = await fetch(`${query.url}/api/v1/query_range?query=${encodeURIComponent(q)}&start=${endSec - blocks * 7200}&end=${endSec}&step=300`);
    await res.arrayBuffer();
    timings.push(`${q}: ${res.status} in ${(performance.now() - started).toFixed(0)} ms`);
  }
  const peak = peakRssMb(store.pid) ?? NaN;
  const indexMb = indexBytes / 1024 ** 2;
  console.log("");
  console.log(`bench store (rss) — ${blocks} blocks, ${indexMb.toFixed(0)} MB of index in a FILESYSTEM bucket, generated in ${genS.toFixed(0)} s`);
  console.log(`orrery store cold start (index-headers built from the bucket): ${(readyMs / 1000).toFixed(1)} s; RSS when ready ${readyRss?.toFixed(0) ?? "?"} MB`);
  for (const t of timings) console.log(`  ${t}`);
  console.log(`orrery store peak RSS (VmHWM) ${peak.toFixed(0)} MB = ${((100 * peak) / indexMb).toFixed(1)} % of the index bytes (target < 25 %)`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      hours: { type: "string", default: "6" },
      series: { type: "string", default: "10000" },
      runs: { type: "string", default: "5" },
      step: { type: "string", default: "30" },
      "index-gb": { type: "string", default: "1" },
      only: { type: "string", default: "" },
      profile: { type: "string" },
      "baseline-main": { type: "string" },
      queries: { type: "string" },
      work: { type: "string" },
      mode: { type: "string" },
    },
  });
  const nodeArgs = values.profile === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${values.profile}`];
  if (!existsSync(PROMETHEUS_BIN) || !existsSync(PROMTOOL_BIN)) {
    console.error(`bench store: needs ${PROMETHEUS_BIN} and ${PROMTOOL_BIN} (apt-get install prometheus)`);
    return 2;
  }
  const queryFilter = values.queries === undefined ? undefined : new RegExp(values.queries);
  const queries = BENCH_QUERIES.filter((q) => queryFilter === undefined || queryFilter.test(q.name));
  if (values.mode !== undefined && values.mode !== "range" && values.mode !== "instant") {
    console.error(`bench store: --mode must be range or instant, not ${JSON.stringify(values.mode)}`);
    return 2;
  }
  const modes: ("range" | "instant")[] = values.mode === undefined ? ["range", "instant"] : [values.mode];
  const keep = values.work !== undefined;
  const work = values.work ?? (await mkdtemp(join(tmpdir(), "orrery-bench-store-")));
  await mkdir(work, { recursive: true });
  const servers: RunningServer[] = [];
  try {
    if (values.only !== "rss") {
      const latencyArgs = { hours: Number(values.hours), series: Number(values.series), runs: Number(values.runs), stepS: Number(values.step), nodeArgs, baselineMain: values["baseline-main"], queries, modes };
      await latency(work, latencyArgs, servers);
    }
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    if (values.only !== "latency") await rss(work, Number(values["index-gb"]), servers, nodeArgs);
    return 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    if (!keep) await rm(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`bench store: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  },
);
