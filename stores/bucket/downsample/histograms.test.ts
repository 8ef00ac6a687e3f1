// Native histogram series in downsampling: Thanos's histogram aggregates (count XOR, sum and counter
// FLOAT_HISTOGRAM, no min/max), beside float series in the same block, then again from 5m to 1h.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ChunkEncoding,
  FloatHistogramChunkIterator,
  HistogramChunkCutter,
  XorChunkIterator,
  decodeAggrChunk,
  labelsFromRecord,
  type Chunk,
  type NativeHistogram,
} from "../../../storeapi/index.js";
import { nativeHistogram } from "../../../testing/index.js";
import { openBlockDir } from "../block/block.js";
import { withTempDir, xorChunks } from "../block/test-helpers.js";
import { BlockWriter, type BlockChunk } from "../block/writer.js";
import { BlocksStore } from "../block/store.js";
import { Engine, type VectorValue } from "../../../engine/index.js";
import { RESOLUTION_1H, RESOLUTION_5M, downsampleBlock } from "./downsample.js";

const S = 1000;
const TS = Array.from({ length: 240 }, (_, i) => (i + 1) * 15 * S); // 15s … 1h
const RESET_AT = 120; // the 121st sample (30m15s) starts again from a small histogram

/** Integer schema-0 counter histogram after `n` scrapes: n observations in (1,2], 2n in (2,4]. */
function hist(n: number): NativeHistogram {
  return nativeHistogram({ count: 3 * n, sum: 5 * n, positiveSpans: [{ offset: 1, length: 2 }], positiveBuckets: [n, 2 * n] });
}

/** n per sample index: 1..120, then 1..120 again after the reset. */
const scrapes = (i: number): number => (i < RESET_AT ? i + 1 : i - RESET_AT + 1);

function histogramChunks(): BlockChunk[] {
  const cutter = new HistogramChunkCutter();
  TS.forEach((t, i) => cutter.append(t, hist(scrapes(i))));
  return cutter.chunks.map((c) => ({ minTime: c.minTime, maxTime: c.maxTime, encoding: ChunkEncoding.Histogram, data: c.chunk.bytes().slice() }));
}

async function writeBlock(dir: string): Promise<string> {
  const f = labelsFromRecord({ __name__: "up" });
  const h = labelsFromRecord({ __name__: "z_latency_seconds" });
  const w = await BlockWriter.create(dir, { symbols: new Set(["__name__", "up", "z_latency_seconds"]), source: "test", minTime: 0, maxTime: 3_600_001 });
  await w.addSeries(f, xorChunks(TS, TS.map((_, i) => i % 7)));
  await w.addSeries(h, histogramChunks());
  const meta = await w.finish();
  return join(dir, meta.ulid);
}

interface Parts {
  count: [number, number][];
  sum: [number, NativeHistogram][];
  counter: [number, NativeHistogram][];
  aggregates: string[];
}

async function readSeries(blockDir: string, name: string): Promise<Parts> {
  const block = await openBlockDir(blockDir);
  try {
    const out: Parts = { count: [], sum: [], counter: [], aggregates: [] };
    for (const ref of await block.index.allPostings()) {
      const s = await block.index.series(ref);
      if (s.labels.find((l) => l.name === "__name__")?.value !== name) continue;
      for (const m of s.chunks) {
        const c = await block.chunks.chunk(m.ref);
        assert.equal(c.encoding, ChunkEncoding.Aggr);
        const parts = decodeAggrChunk(c.data);
        out.aggregates = Object.keys(parts).sort();
        out.count.push(...xorPoints(parts.count!));
        if (parts.sum?.encoding === ChunkEncoding.FloatHistogram) out.sum.push(...histogramPoints(parts.sum));
        if (parts.counter?.encoding === ChunkEncoding.FloatHistogram) out.counter.push(...histogramPoints(parts.counter));
      }
    }
    return out;
  } finally {
    await block.close();
  }
}

function xorPoints(c: Chunk): [number, number][] {
  const it = new XorChunkIterator(c.data);
  const out: [number, number][] = [];
  while (it.next()) out.push([it.t, it.v]);
  return out;
}

function histogramPoints(c: Chunk): [number, NativeHistogram][] {
  const it = new FloatHistogramChunkIterator(c.data);
  const out: [number, NativeHistogram][] = [];
  while (it.next()) out.push([it.t, it.at()]);
  assert.equal(it.err, undefined);
  return out;
}

test("a block with float and native histogram series downsamples: histograms as count, sum and a reset-corrected counter, as Thanos", async () => {
  await withTempDir("orrery-ds-hist-", async (dir) => {
    const src = await writeBlock(join(dir, "raw"));
    const meta5m = await downsampleBlock(src, RESOLUTION_5M, join(dir, "5m"));
    const h = await readSeries(join(dir, "5m", meta5m.ulid), "z_latency_seconds");
    assert.deepEqual(h.aggregates, ["count", "counter", "sum"]);
    // 12 windows of 20 scrapes each, stamped at their ends (the last at its last sample).
    assert.deepEqual(h.count.map(([, v]) => v), new Array(12).fill(20));
    assert.deepEqual(h.count.map(([t]) => t / S), [300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700, 3000, 3300, 3600]);
    // The first window's sum: scrapes 1..20 added up, a gauge.
    assert.equal(h.sum[0]![1].count, 3 * 210);
    assert.deepEqual(h.sum[0]![1].positiveBuckets, [210, 420]);
    // The counter grows through the reset: 120 scrapes before it, then the 120 after it.
    const counts = h.counter.map(([, x]) => x.count);
    assert.deepEqual(counts.slice(0, 6), [60, 120, 180, 240, 300, 360]);
    assert.equal(counts[6], 360 + 3 * 20);
    assert.equal(counts[11], 360 + 360);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, `counter falls at window ${i}`);
    assert.deepEqual(h.counter[11]![1].positiveBuckets, [240, 480]);
    // The float series beside it keeps all five aggregates.
    const f = await readSeries(join(dir, "5m", meta5m.ulid), "up");
    assert.deepEqual(f.aggregates, ["count", "counter", "max", "min", "sum"]);

    // 1h from 5m: counts and sums add up, the counter runs on over the 5m counter points.
    const meta1h = await downsampleBlock(join(dir, "5m", meta5m.ulid), RESOLUTION_1H, join(dir, "1h"));
    const h1 = await readSeries(join(dir, "1h", meta1h.ulid), "z_latency_seconds");
    assert.deepEqual(h1.count.map(([, v]) => v), [240]);
    assert.equal(h1.sum[0]![1].count, h.sum.reduce((a, [, x]) => a + x.count, 0));
    assert.equal(h1.counter[0]![1].count, 720);
  });
});

test("a histogram aggregate chunk reads without min and max: the block returns what it has", async () => {
  await withTempDir("orrery-ds-hist-read-", async (dir) => {
    const src = await writeBlock(join(dir, "raw"));
    const meta = await downsampleBlock(src, RESOLUTION_5M, join(dir, "5m"));
    const block = await openBlockDir(join(dir, "5m", meta.ulid));
    try {
      for (const ref of await block.index.allPostings()) {
        const s = await block.index.series(ref);
        const m = s.chunks[0]!;
        const c = block.toAggrChunk(m.minTime, m.maxTime, await block.chunks.chunk(m.ref), ["max"]);
        const histogram = s.labels.some((l) => l.value === "z_latency_seconds");
        assert.equal(c.max === undefined, histogram);
      }
    } finally {
      await block.close();
    }
  });
});

test("the engine reads a 5m histogram tier's count aggregate, and skips what it cannot read yet with a warning", async () => {
  await withTempDir("orrery-ds-hist-query-", async (dir) => {
    const src = await writeBlock(join(dir, "raw"));
    await downsampleBlock(src, RESOLUTION_5M, join(dir, "5m"));
    const store = await BlocksStore.open(join(dir, "5m"));
    try {
      const at = 1_200 * S;
      const count = await new Engine().instantQuery(store, "count_over_time(z_latency_seconds[10m])", at, { maxResolutionMs: RESOLUTION_5M }).exec();
      assert.deepEqual((count.value as VectorValue).samples.map((x) => x.v), [40]);
      const rate = await new Engine().instantQuery(store, "rate(z_latency_seconds[10m])", at, { maxResolutionMs: RESOLUTION_5M }).exec();
      assert.equal((rate.value as VectorValue).samples.length, 0);
      assert.ok(rate.warnings.some((w) => w.message.includes("downsampled")), JSON.stringify(rate.warnings));
    } finally {
      await store.close();
    }
  });
});
