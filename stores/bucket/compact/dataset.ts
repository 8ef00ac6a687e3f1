// A deterministic history for the compactor's and downsampler's tests and bench (not part of the
// module's public face): counters with resets, gauges, classic histograms and one series that stops
// (stale marker) and restarts from zero every day, written as raw blocks straight into a bucket.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { compareLabels, labelsFromRecord, STALE_NAN, XorChunk, type Labels } from "../../../storeapi/index.js";
import { rng } from "../../../testing/index.js";
import { BlockWriter, uploadBlock, type BlockChunk, type BlockMeta } from "../block/index.js";
import type { ObjectBucket } from "../objstore/index.js";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** Classic histogram bucket bounds (Prometheus's defaults) and the share of observations at or below each. */
const BUCKETS: readonly (readonly [string, number])[] = [
  ["0.005", 0.02], ["0.01", 0.05], ["0.025", 0.12], ["0.05", 0.25], ["0.1", 0.45], ["0.25", 0.7],
  ["0.5", 0.85], ["1", 0.93], ["2.5", 0.98], ["5", 0.995], ["10", 0.999], ["+Inf", 1],
];

export interface DatasetOptions {
  /** Raw blocks to write, [from, to) in ms, in time order (each block holds the samples in its range). */
  readonly blocks: readonly (readonly [number, number])[];
  readonly scrapeMs: number;
  /** `bench_requests_total` series (counters, a reset now and then). */
  readonly counters: number;
  /** `bench_temperature` series (daily sine plus noise). */
  readonly gauges: number;
  /** `bench_latency_seconds` classic histograms: 12 `_bucket` series, `_sum` and `_count` each. */
  readonly histograms: number;
  readonly seed?: number;
  /** Mean scrapes between two counter resets (default 20,000: about one reset in 3.5 days at 15 s). */
  readonly resetEvery?: number;
  readonly externalLabels?: Record<string, string>;
}

/** How many series `opts` describes (the flapping series included). */
export function datasetSeries(opts: DatasetOptions): number {
  return opts.counters + opts.gauges + opts.histograms * (BUCKETS.length + 2) + 1;
}

/** Consecutive `[from, to)` blocks of `lengthMs` covering [startMs, endMs). */
export function blockRanges(startMs: number, endMs: number, lengthMs: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = startMs; t < endMs; t += lengthMs) out.push([t, Math.min(t + lengthMs, endMs)]);
  return out;
}

/** One series' samples for one block. */
interface Samples {
  readonly labels: Labels;
  readonly ts: readonly number[];
  /** A Float64Array where stale markers are: a JS array may not keep a NaN's payload. */
  readonly vs: ArrayLike<number>;
}

/** A source of series, carrying its state (counter values, PRNG) from block to block. */
interface Source {
  /** Appends each series' samples in [from, to) to `out`. */
  fill(from: number, to: number, out: Samples[]): void;
}

/** Scrape times in [from, to) of a target scraped every `every` ms at `offset` past the interval. */
function scrapes(from: number, to: number, every: number, offset: number): number[] {
  const ts: number[] = [];
  for (let t = Math.ceil((from - offset) / every) * every + offset; t < to; t += every) ts.push(t);
  return ts;
}

function counterSource(i: number, opts: DatasetOptions, seed: number): Source {
  const r = rng(seed);
  const labels = labelsFromRecord({ __name__: "bench_requests_total", instance: `i-${String(i).padStart(4, "0")}`, job: "bench" });
  const offset = Math.floor(r() * opts.scrapeMs);
  const speed = 1 + r() * 20;
  const resetEvery = opts.resetEvery ?? 20_000;
  let v = Math.floor(r() * 1e6);
  return {
    fill(from, to, out) {
      const ts = scrapes(from, to, opts.scrapeMs, offset);
      const vs = ts.map(() => (v = r() * resetEvery < 1 ? Math.floor(r() * 5) : v + Math.floor(r() * speed)));
      out.push({ labels, ts, vs });
    },
  };
}

function gaugeSource(i: number, opts: DatasetOptions, seed: number): Source {
  const r = rng(seed);
  const labels = labelsFromRecord({ __name__: "bench_temperature", instance: `i-${String(i).padStart(4, "0")}`, job: "bench" });
  const offset = Math.floor(r() * opts.scrapeMs);
  const phase = r() * 2 * Math.PI;
  return {
    fill(from, to, out) {
      const ts = scrapes(from, to, opts.scrapeMs, offset);
      out.push({ labels, ts, vs: ts.map((t) => 50 + 30 * Math.sin((2 * Math.PI * t) / DAY + phase) + r() * 5) });
    },
  };
}

function histogramSource(i: number, opts: DatasetOptions, seed: number): Source {
  const r = rng(seed);
  const instance = `h-${String(i).padStart(3, "0")}`;
  const base = { instance, job: "bench" };
  const bucketLabels = BUCKETS.map(([le]) => labelsFromRecord({ __name__: "bench_latency_seconds_bucket", le, ...base }));
  const sumLabels = labelsFromRecord({ __name__: "bench_latency_seconds_sum", ...base });
  const countLabels = labelsFromRecord({ __name__: "bench_latency_seconds_count", ...base });
  const offset = Math.floor(r() * opts.scrapeMs);
  const counts = new Float64Array(BUCKETS.length);
  let sum = 0;
  return {
    fill(from, to, out) {
      const ts = scrapes(from, to, opts.scrapeMs, offset);
      const buckets = BUCKETS.map(() => new Array<number>(ts.length));
      const sums = new Array<number>(ts.length);
      for (let k = 0; k < ts.length; k++) {
        const n = Math.floor(r() * 40);
        let below = 0;
        for (let b = 0; b < BUCKETS.length; b++) {
          // Cumulative: each bucket gets at least the one below it.
          below = Math.max(below, Math.min(n, Math.floor(n * BUCKETS[b]![1] + r())));
          counts[b]! += b === BUCKETS.length - 1 ? n : below;
          buckets[b]![k] = counts[b]!;
        }
        sum += n * 0.2 * (0.5 + r());
        sums[k] = sum;
      }
      BUCKETS.forEach((_, b) => out.push({ labels: bucketLabels[b]!, ts, vs: buckets[b]! }));
      out.push({ labels: sumLabels, ts, vs: sums });
      out.push({ labels: countLabels, ts, vs: buckets[BUCKETS.length - 1]! });
    },
  };
}

/** Down from 10:00 to 15:00 every day: a stale marker at the first missed scrape, back from zero at 15:00. */
function flappingSource(opts: DatasetOptions): Source {
  const labels = labelsFromRecord({ __name__: "bench_flapping_total", instance: "flap", job: "bench" });
  const up = (t: number): boolean => t % DAY < 10 * HOUR || t % DAY >= 15 * HOUR;
  let v = 0;
  return {
    fill(from, to, out) {
      const all = scrapes(from, to, opts.scrapeMs, 0);
      const ts: number[] = [];
      const vs = new Float64Array(all.length);
      for (const t of all) {
        if (up(t)) {
          v = up(t - opts.scrapeMs) ? v + 3 : 0;
          vs[ts.length] = v;
          ts.push(t);
        } else if (up(t - opts.scrapeMs)) {
          vs[ts.length] = STALE_NAN;
          ts.push(t);
        }
      }
      out.push({ labels, ts, vs: vs.subarray(0, ts.length) });
    },
  };
}

function sources(opts: DatasetOptions): Source[] {
  const seed = opts.seed ?? 1;
  const out: Source[] = [];
  for (let i = 0; i < opts.counters; i++) out.push(counterSource(i, opts, seed * 1_000_003 + i));
  for (let i = 0; i < opts.gauges; i++) out.push(gaugeSource(i, opts, seed * 2_000_003 + i));
  for (let i = 0; i < opts.histograms; i++) out.push(histogramSource(i, opts, seed * 3_000_017 + i));
  out.push(flappingSource(opts));
  return out;
}

/** XOR chunks as Prometheus's head cuts them: at most 120 samples, never across a 2h boundary. */
function chunksOf(s: Samples): BlockChunk[] {
  const out: BlockChunk[] = [];
  let c = new XorChunk();
  let first = 0;
  for (let k = 0; k < s.ts.length; k++) {
    if (k > first && (k - first === 120 || Math.floor(s.ts[k]! / (2 * HOUR)) !== Math.floor(s.ts[first]! / (2 * HOUR)))) {
      out.push({ minTime: s.ts[first]!, maxTime: s.ts[k - 1]!, data: c.bytes().slice() });
      c = new XorChunk();
      first = k;
    }
    c.append(s.ts[k]!, s.vs[k]!);
  }
  if (s.ts.length > first) out.push({ minTime: s.ts[first]!, maxTime: s.ts[s.ts.length - 1]!, data: c.bytes().slice() });
  return out;
}

/**
 * Writes the dataset's raw blocks under `workDir`, uploads each into `bucket` and removes the local
 * copy; returns the uploaded metas and the number of samples written (stale markers included).
 */
export async function writeDataset(
  bucket: ObjectBucket,
  workDir: string,
  opts: DatasetOptions,
  onBlock?: (meta: BlockMeta) => void,
): Promise<{ metas: BlockMeta[]; samples: number }> {
  const all = sources(opts);
  const metas: BlockMeta[] = [];
  let samples = 0;
  for (const [from, to] of opts.blocks) {
    const block: Samples[] = [];
    for (const s of all) s.fill(from, to, block);
    const present = block.filter((s) => s.ts.length > 0).sort((a, b) => compareLabels(a.labels, b.labels));
    const symbols = new Set<string>();
    for (const s of present) for (const l of s.labels) symbols.add(l.name).add(l.value);
    const w = await BlockWriter.create(workDir, {
      symbols,
      source: "test",
      externalLabels: opts.externalLabels === undefined ? undefined : labelsFromRecord(opts.externalLabels),
      minTime: from,
      maxTime: to,
    });
    try {
      for (const s of present) {
        await w.addSeries(s.labels, chunksOf(s));
        samples += s.ts.length;
      }
    } catch (err) {
      await w.abort();
      throw err;
    }
    const meta = await w.finish();
    await uploadBlock(bucket, join(workDir, meta.ulid), meta.ulid);
    await rm(join(workDir, meta.ulid), { recursive: true, force: true });
    metas.push(meta);
    onBlock?.(meta);
  }
  return { metas, samples };
}

export { DAY, HOUR };
