// npm run bench -- downsample   (env: BENCH_DAYS=30, BENCH_SCALE=1, BENCH_RUNS=3, BENCH_DIR, BENCH_KEEP=1,
//                                 BENCH_ONLY=latency, BENCH_BASELINE=DIST)
//
// 30 days of a deterministic dataset (about 1,000 series at 15 s: counters with resets, gauges,
// classic histograms, a series that stops and restarts daily) written as raw 2h blocks into a
// FILESYSTEM bucket, then one `orrery compact` pass (compaction 8h/2d/14d, 5m and 1h downsampling).
// Reports:
//  1. correctness: every bench query at 7d (step 1h: 5m tier) and 30d (step 6h: 1h tier) ranges,
//     auto resolution (step/5, as Thanos) against the raw answers taken before compaction: exact
//     functions to float tolerance (rate/increase of the flapping series among them), plain selectors
//     within their stated bound (stores/bucket/compact/tier-checks.ts);
//  2. latency: 30-day range queries at auto resolution against raw only, interleaved in one run,
//     median of BENCH_RUNS, ratio auto/raw (target ≤ 0.1), in wall time and in process CPU time;
//  3. bucket bytes per raw sample of each tier, and the tiers' bytes against raw (target ≤ 0.1), and
//     where the tiers' bytes go: per metric, each aggregate's bytes per window.
// Queries run in-process (engine over the store gateway's BucketStore, index cache off: on, it moved
// neither side measurably, postings and series entries being a small share of these queries).
// BENCH_ONLY=latency runs part 2 alone on the compacted bucket an earlier run left in BENCH_DIR (same
// BENCH_DAYS). BENCH_BASELINE=DIST (another build's dist, e.g. main's) also times that build's engine
// and gateway on the same bucket in part 2, interleaved with this build's, and quotes this/baseline.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Engine } from "../engine/index.js";
import { BucketStore, FilesystemBucket, RESOLUTION_1H, RESOLUTION_5M, type BlockMeta } from "../stores/index.js";
import { xorChunkNumSamples, type Store } from "../storeapi/index.js";
import { openBlockDir } from "../stores/bucket/block/index.js";
import { blockRanges, DAY, HOUR, writeDataset, datasetSeries } from "../stores/bucket/compact/dataset.js";
import { differences, exactQueries, rangeAnswer, selectorOutsideBounds, type Answer } from "../stores/bucket/compact/tier-checks.js";
import { MAIN } from "../cli/testkit.js";

const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SCRAPE_MS = 15_000;

function log(msg: string): void {
  process.stderr.write(`[bench:downsample ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Bytes of every block in the bucket directory by resolution (blocks without meta.json left out). */
function bytesByResolution(bucketDir: string): Map<number, { bytes: number; blocks: number; samples: number; spanMs: number }> {
  const out = new Map<number, { bytes: number; blocks: number; samples: number; spanMs: number }>();
  const size = (p: string): number => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, n) => s + size(join(p, n)), 0) : statSync(p).size);
  for (const name of readdirSync(bucketDir)) {
    let meta: BlockMeta;
    try {
      meta = JSON.parse(readFileSync(join(bucketDir, name, "meta.json"), "utf8")) as BlockMeta;
    } catch {
      continue;
    }
    try {
      statSync(join(bucketDir, name, "deletion-mark.json"));
      continue;
    } catch {
      // not marked
    }
    const res = meta.thanos?.downsample.resolution ?? 0;
    const e = out.get(res) ?? { bytes: 0, blocks: 0, samples: 0, spanMs: 0 };
    e.spanMs += meta.maxTime - meta.minTime;
    e.bytes += size(join(bucketDir, name));
    e.blocks++;
    e.samples += meta.stats.numSamples;
    out.set(res, e);
  }
  return out;
}

function runCompact(bucketDir: string, dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [MAIN, "compact", `--objstore.config=type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}`, `--data-dir=${dataDir}`, "--consistency-delay=0s", "--delete-delay=0s", "--http-address=127.0.0.1:0"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.stderr.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`orrery compact exited ${code}: ${out}`))));
  });
}

async function withStore<T>(bucket: FilesystemBucket, dataDir: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const store = await BucketStore.open(bucket, { dataDir, indexCacheBytes: 0 });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const AGGREGATES = ["count", "sum", "min", "max", "counter"] as const;

/**
 * Where a tier's chunk bytes go: per metric name, the bytes of each aggregate's sub-chunks per window
 * (per count point), and the counter's points per window, over the tier's live blocks.
 */
async function bytesByAggregate(bucketDir: string, resolution: number): Promise<Map<string, { windows: number; counterPoints: number; bytes: Record<string, number> }>> {
  const out = new Map<string, { windows: number; counterPoints: number; bytes: Record<string, number> }>();
  for (const name of readdirSync(bucketDir)) {
    let meta: BlockMeta;
    try {
      meta = JSON.parse(readFileSync(join(bucketDir, name, "meta.json"), "utf8")) as BlockMeta;
      if ((meta.thanos?.downsample.resolution ?? 0) !== resolution || existsSync(join(bucketDir, name, "deletion-mark.json"))) continue;
    } catch {
      continue;
    }
    const block = await openBlockDir(join(bucketDir, name));
    try {
      for (const ref of await block.index.allPostings()) {
        const s = await block.index.series(ref);
        const metric = s.labels.find((l) => l.name === "__name__")?.value ?? "";
        let e = out.get(metric);
        if (e === undefined) out.set(metric, (e = { windows: 0, counterPoints: 0, bytes: {} }));
        for (const m of s.chunks) {
          const c = block.toAggrChunk(m.minTime, m.maxTime, await block.chunks.chunk(m.ref));
          if (c.count !== undefined) e.windows += xorChunkNumSamples(c.count.data);
          if (c.counter !== undefined) e.counterPoints += xorChunkNumSamples(c.counter.data);
          for (const a of AGGREGATES) e.bytes[a] = (e.bytes[a] ?? 0) + (c[a]?.data.length ?? 0);
        }
      }
    } finally {
      await block.close();
    }
  }
  return out;
}

/** What part 2 times: one build's engine over its own gateway on the bench bucket. */
interface Contender {
  readonly name: string;
  readonly run: (q: string, start: number, end: number, step: number, maxResolutionMs: number) => Promise<number>;
  readonly close: () => Promise<void>;
}

interface BuildModules {
  Engine: new () => { rangeQuery(s: Store, q: string, a: number, b: number, c: number, o: object): { exec(): Promise<{ stats: { totalSamples: number } }> } };
  BucketStore: { open(bucket: unknown, opts: object): Promise<Store & { close(): Promise<void> }> };
  FilesystemBucket: new (dir: string) => { close(): Promise<void> };
}

/** This build's modules, or another build's dist (BENCH_BASELINE) loaded beside them. */
async function buildModules(dist: string | undefined): Promise<BuildModules> {
  if (dist === undefined) return { Engine, BucketStore, FilesystemBucket } as unknown as BuildModules;
  const engine = (await import(pathToFileURL(join(dist, "engine/index.js")).href)) as Pick<BuildModules, "Engine">;
  const stores = (await import(pathToFileURL(join(dist, "stores/index.js")).href)) as Omit<BuildModules, "Engine">;
  return { Engine: engine.Engine, BucketStore: stores.BucketStore, FilesystemBucket: stores.FilesystemBucket };
}

async function contender(name: string, dist: string | undefined, bucketDir: string, dataDir: string): Promise<Contender> {
  const m = await buildModules(dist);
  const bucket = new m.FilesystemBucket(bucketDir);
  const store = await m.BucketStore.open(bucket, { dataDir, indexCacheBytes: 0 });
  const engine = new m.Engine();
  return {
    name,
    run: async (q, start, end, step, maxResolutionMs) => (await engine.rangeQuery(store, q, start, end, step, { maxResolutionMs }).exec()).stats.totalSamples,
    // The gateway leaves the bucket (and its open read handles) to its owner.
    close: async () => {
      await store.close();
      await bucket.close();
    },
  };
}

/**
 * Part 2: 30-day range queries at auto resolution against raw only, interleaved (and, with
 * BENCH_BASELINE, against the baseline build's), median of BENCH_RUNS each.
 */
async function latency(bucketDir: string, dir: string, t0: number, end: number): Promise<void> {
  const baseline = process.env.BENCH_BASELINE;
  const contenders = [await contender("this", undefined, bucketDir, join(dir, "gw-latency"))];
  if (baseline !== undefined && baseline !== "") contenders.push(await contender("baseline", baseline, bucketDir, join(dir, "gw-latency-baseline")));
  try {
    const queries = [
      { q: "sum by (job) (rate(bench_requests_total[1h]))", step: HOUR },
      { q: "sum by (job) (rate(bench_requests_total[6h]))", step: 6 * HOUR },
      { q: "max_over_time(bench_temperature[6h])", step: 6 * HOUR },
    ];
    for (const { q, step } of queries) {
      const runs = contenders.flatMap((c) => (["raw", "auto"] as const).map((mode) => ({ c, mode, times: [] as number[], cpu: [] as number[], samples: 0 })));
      for (let r = 0; r < RUNS; r++) {
        for (const x of r % 2 === 0 ? runs : [...runs].reverse()) {
          const t1 = performance.now();
          const c1 = process.cpuUsage();
          x.samples = await x.c.run(q, t0, end, step, x.mode === "auto" ? step / 5 : 0);
          const c2 = process.cpuUsage(c1);
          x.times.push(performance.now() - t1);
          x.cpu.push((c2.user + c2.system) / 1000);
        }
      }
      const run = (name: string, mode: string) => runs.find((x) => x.c.name === name && x.mode === mode)!;
      const ms = (name: string, mode: string): number => median(run(name, mode).times);
      // CPU time (the process's, I/O threads included; one query at a time) moves less than wall time on a shared machine.
      const cpu = (name: string, mode: string): number => median(run(name, mode).cpu);
      for (const c of contenders) {
        const [a, b] = [ms(c.name, "auto"), ms(c.name, "raw")];
        const [ca, cb] = [cpu(c.name, "auto"), cpu(c.name, "raw")];
        log(
          `latency ${c.name === "this" ? "" : `[${c.name}] `}${DAYS}d ${q} step ${step / HOUR}h: auto ${a.toFixed(0)} ms (${run(c.name, "auto").samples} samples) vs raw ${b.toFixed(0)} ms (${run(c.name, "raw").samples} samples): ratio ${(a / b).toFixed(3)}; CPU ${ca.toFixed(0)} vs ${cb.toFixed(0)} ms: ratio ${(ca / cb).toFixed(3)} (medians of ${RUNS}, interleaved)`,
        );
      }
      if (contenders.length > 1) {
        const ratio = (f: (name: string, mode: string) => number, mode: string): string => (f("this", mode) / f("baseline", mode)).toFixed(3);
        log(`  this/baseline: auto ${ratio(ms, "auto")} (CPU ${ratio(cpu, "auto")}), raw ${ratio(ms, "raw")} (CPU ${ratio(cpu, "raw")})`);
      }
    }
  } finally {
    for (const c of contenders) await c.close();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<number> {
  const dir = process.env.BENCH_DIR ?? (await mkdtemp(join(tmpdir(), "orrery-bench-ds-")));
  const bucketDir = join(dir, "bucket");
  const bucket = new FilesystemBucket(bucketDir);
  // A 14-day boundary, so the first 28 days fill two 14d compaction ranges.
  const t0 = Math.floor(Date.UTC(2026, 0, 1) / (14 * DAY)) * 14 * DAY;
  const end = t0 + DAYS * DAY;
  const opts = {
    blocks: blockRanges(t0, end, 2 * HOUR),
    scrapeMs: SCRAPE_MS,
    counters: Math.round(500 * SCALE),
    gauges: Math.round(300 * SCALE),
    histograms: Math.round(16 * SCALE),
    seed: 42,
  };
  if (process.env.BENCH_ONLY === "latency") {
    if (process.env.BENCH_DIR === undefined || !existsSync(bucketDir)) throw new Error("BENCH_ONLY=latency needs BENCH_DIR holding the bucket of an earlier run (BENCH_KEEP=1)");
    await latency(bucketDir, dir, t0, end);
    return 0;
  }
  try {
    log(`writing ${DAYS} days × ${datasetSeries(opts)} series at ${SCRAPE_MS / 1000}s as ${opts.blocks.length} raw 2h blocks into ${bucketDir}`);
    let t = Date.now();
    const { samples } = await writeDataset(bucket, join(dir, "gen"), opts);
    const rawBytes = bytesByResolution(bucketDir).get(0)!.bytes;
    log(`written: ${(samples / 1e6).toFixed(1)} M samples, ${(rawBytes / 2 ** 20).toFixed(0)} MiB (${(rawBytes / samples).toFixed(3)} B/sample) in ${((Date.now() - t) / 1000).toFixed(0)} s`);

    // Raw answers before compaction: the reference.
    const cases = [
      { name: "7d", start: end - 7 * DAY, step: HOUR, range: "1h", resolution: RESOLUTION_5M },
      { name: `${DAYS}d`, start: t0 + 6 * HOUR, step: 6 * HOUR, range: "6h", resolution: RESOLUTION_1H },
    ];
    const raw = new Map<string, Answer>();
    t = Date.now();
    await withStore(bucket, join(dir, "gw-raw"), async (store) => {
      for (const c of cases) {
        for (const q of exactQueries(c.range)) raw.set(`${c.name} ${q}`, (await rangeAnswer(store, q, c.start, end, c.step, 0)).answer);
      }
    });
    log(`raw reference answers in ${((Date.now() - t) / 1000).toFixed(0)} s`);

    t = Date.now();
    const out = await runCompact(bucketDir, join(dir, "compact"));
    const pass = /pass done: [^"\n]*/.exec(out)?.[0] ?? "?";
    log(`orrery compact: ${pass} in ${((Date.now() - t) / 1000).toFixed(0)} s`);

    let failures = 0;
    await withStore(bucket, join(dir, "gw-tiered"), async (store) => {
      for (const c of cases) {
        const problems: string[] = [];
        let queries = 0;
        for (const q of exactQueries(c.range)) {
          const { answer } = await rangeAnswer(store, q, c.start, end, c.step, c.step / 5);
          problems.push(...differences(`[${c.name}] ${q}`, answer, raw.get(`${c.name} ${q}`)!));
          queries++;
        }
        problems.push(...(await selectorOutsideBounds(store, store, "bench_temperature", c.start, end, c.step, c.resolution)));
        queries++;
        failures += problems.length;
        log(`correctness ${c.name} (step ${c.step / HOUR}h, auto → ${c.resolution / 60_000}m tier): ${queries} queries, ${problems.length === 0 ? "all equal to raw (exact or within bound)" : `${problems.length} differences:\n  ${problems.join("\n  ")}`}`);
      }

    });
    await latency(bucketDir, dir, t0, end);

    const tiers = bytesByResolution(bucketDir);
    const rawTier = tiers.get(0)!;
    for (const [res, e] of [...tiers].sort((x, y) => x[0] - y[0])) {
      // Per raw sample of the time the tier covers (the newest days are not downsampled yet).
      const covered = e.spanMs / (end - t0);
      log(
        `tier ${res === 0 ? "raw" : `${res / 60_000}m`}: ${e.blocks} blocks over ${(e.spanMs / DAY).toFixed(1)} days, ${(e.bytes / 2 ** 20).toFixed(1)} MiB, ` +
          `${(e.bytes / (samples * covered)).toFixed(4)} B per raw sample covered, ${(e.bytes / (rawTier.bytes * covered)).toFixed(4)} of raw's bytes for the same time`,
      );
    }
    for (const res of [RESOLUTION_5M, RESOLUTION_1H]) {
      for (const [metric, e] of [...(await bytesByAggregate(bucketDir, res))].sort()) {
        const per = AGGREGATES.map((a) => `${a} ${(e.bytes[a]! / e.windows).toFixed(2)}`).join(", ");
        log(`tier ${res / 60_000}m ${metric}: bytes per window ${per}; counter points per window ${(e.counterPoints / e.windows).toFixed(2)}`);
      }
    }
    return failures > 0 ? 1 : 0;
  } finally {
    await bucket.close();
    if (process.env.BENCH_KEEP === undefined && process.env.BENCH_DIR === undefined) await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
