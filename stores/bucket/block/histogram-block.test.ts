// Blocks carrying native histograms: a block Prometheus 2.42 wrote (prometheus-histogram-block.ts) reads with
// orrery's block reader, and orrery's writer stores HISTOGRAM / FLOAT_HISTOGRAM chunks with encoding bytes 2 / 3.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ChunkEncoding,
  CounterResetHint,
  FloatHistogramChunkIterator,
  HistogramChunkCutter,
  HistogramChunkIterator,
  compareLabels,
  formatLabels,
  histogramChunkNumSamples,
  labelsFromRecord,
  xorChunkNumSamples,
  type NativeHistogram,
  type Series,
  type Store,
} from "../../../storeapi/index.js";
import { BlockWriter, BlocksStore, parseMeta } from "./index.js";
import { withTempDir } from "./test-helpers.js";
import { PROMETHEUS_HISTOGRAM_BLOCK_FILES, PROMETHEUS_HISTOGRAM_BLOCK_ULID } from "./prometheus-histogram-block.js";

async function allSeries(store: Store, mint = Number.MIN_SAFE_INTEGER, maxt = Number.MAX_SAFE_INTEGER): Promise<{ series: Series[]; warnings: string[] }> {
  const series: Series[] = [];
  const warnings: string[] = [];
  for await (const f of store.series({ minTime: mint, maxTime: maxt, matchers: [{ name: "__name__", op: "=~", value: ".+" }] })) {
    series.push(...f.series);
    warnings.push(...f.warnings);
  }
  return { series, warnings };
}

function decodeHistograms(s: Series): { t: number; h: NativeHistogram }[] {
  const out: { t: number; h: NativeHistogram }[] = [];
  for (const c of s.chunks) {
    const raw = c.raw!;
    const it = raw.encoding === ChunkEncoding.Histogram ? new HistogramChunkIterator(raw.data) : new FloatHistogramChunkIterator(raw.data);
    while (it.next()) out.push({ t: it.t, h: it.at() });
    assert.equal(it.err, undefined, formatLabels(s.labels));
  }
  return out;
}

test("a Prometheus 2.42 block with native histograms: every chunk reads, decodes, and the samples add up to meta.json", async () => {
  await withTempDir("orrery-hblock-", async (dir) => {
    const blockDir = join(dir, PROMETHEUS_HISTOGRAM_BLOCK_ULID);
    await mkdir(join(blockDir, "chunks"), { recursive: true });
    for (const [name, b64] of Object.entries(PROMETHEUS_HISTOGRAM_BLOCK_FILES)) await writeFile(join(blockDir, name), Buffer.from(b64, "base64"));
    const meta = parseMeta(Buffer.from(PROMETHEUS_HISTOGRAM_BLOCK_FILES["meta.json"]!, "base64").toString(), PROMETHEUS_HISTOGRAM_BLOCK_ULID);
    const store = await BlocksStore.open(dir);
    try {
      const { series, warnings } = await allSeries(store);
      assert.deepEqual(warnings, []);
      let samples = 0;
      const encodings = new Set<ChunkEncoding>();
      for (const s of series) {
        for (const c of s.chunks) {
          encodings.add(c.raw!.encoding);
          samples += c.raw!.encoding === ChunkEncoding.XOR ? xorChunkNumSamples(c.raw!.data) : histogramChunkNumSamples(c.raw!.data);
        }
        if (s.chunks.some((c) => c.raw!.encoding !== ChunkEncoding.XOR)) {
          const hs = decodeHistograms(s);
          assert.ok(hs.length > 0);
          assert.equal(hs[0]!.t, s.chunks[0]!.minTime, formatLabels(s.labels));
          assert.equal(hs[hs.length - 1]!.t, s.chunks[s.chunks.length - 1]!.maxTime, formatLabels(s.labels));
        }
      }
      assert.deepEqual([...encodings].sort(), [ChunkEncoding.XOR, ChunkEncoding.Histogram, ChunkEncoding.FloatHistogram]);
      assert.equal(samples, meta.stats.numSamples, "every sample Prometheus counted");
      // The float histograms of the recording rule equal the scraped histograms they summed.
      const rule = series.find((s) => s.labels.some((l) => l.value === "fx:rpc_seconds:sum"))!;
      const scraped = new Map(decodeHistograms(series.find((s) => s.labels.some((l) => l.value === "fx_rpc_seconds"))!).map((x) => [x.h.sum, x.h.count]));
      for (const { h } of decodeHistograms(rule)) {
        assert.equal(h.float, true);
        assert.equal(scraped.get(h.sum), h.count);
      }
    } finally {
      await store.close();
    }
  });
});

function hist(i: number, float: boolean): NativeHistogram {
  const buckets = [i, 2 * i, ...(i >= 20 ? [i - 19] : [])];
  return {
    float,
    counterResetHint: CounterResetHint.Unknown,
    schema: 0,
    zeroThreshold: 2 ** -128,
    zeroCount: i,
    count: i + buckets.reduce((a, b) => a + b, 0),
    sum: float ? i / 3 : i * 0.5,
    positiveSpans: [{ offset: 0, length: buckets.length }],
    positiveBuckets: buckets,
    negativeSpans: [],
    negativeBuckets: [],
  };
}

test("writer → reader: histogram chunks keep their bytes, encoding bytes 2 and 3 in the segment, counted in meta.json", async () => {
  await withTempDir("orrery-hblock-", async (dir) => {
    const series = [
      { labels: labelsFromRecord({ __name__: "a_int" }), float: false },
      { labels: labelsFromRecord({ __name__: "b_float" }), float: true },
    ].sort((x, y) => compareLabels(x.labels, y.labels));
    const written = new Map<string, { encoding: ChunkEncoding; hex: string }[]>();
    const w = await BlockWriter.create(dir, { symbols: new Set(["__name__", "a_int", "b_float"]), source: "test" });
    for (const s of series) {
      const cutter = new HistogramChunkCutter();
      for (let i = 0; i < 300; i++) cutter.append(i * 15_000, hist(i, s.float));
      const chunks = cutter.chunks.map((c) => ({
        minTime: c.minTime,
        maxTime: c.maxTime,
        data: c.chunk.bytes().slice(),
        encoding: s.float ? ChunkEncoding.FloatHistogram : ChunkEncoding.Histogram,
      }));
      written.set(formatLabels(s.labels), chunks.map((c) => ({ encoding: c.encoding, hex: Buffer.from(c.data).toString("hex") })));
      await w.addSeries(s.labels, chunks);
    }
    const meta = await w.finish();
    assert.equal(meta.stats.numSamples, 600);
    assert.equal(meta.stats.numHistogramSamples, 600);
    const segment = await readFile(join(dir, meta.ulid, "chunks", "000001"));
    // First chunk record: 8-byte segment header, uvarint length, then the encoding byte.
    let p = 8;
    while (segment[p]! & 0x80) p++;
    assert.equal(segment[p + 1], 2, "the first chunk (a_int) is HISTOGRAM (2)");
    const store = await BlocksStore.open(dir);
    try {
      const { series: got, warnings } = await allSeries(store);
      assert.deepEqual(warnings, []);
      for (const s of got) {
        assert.deepEqual(
          s.chunks.map((c) => ({ encoding: c.raw!.encoding, hex: Buffer.from(c.raw!.data).toString("hex") })),
          written.get(formatLabels(s.labels)),
        );
        assert.equal(decodeHistograms(s).length, 300);
      }
    } finally {
      await store.close();
    }
  });
});

test("overlapping blocks with the same histogram series: both blocks' chunks come back in time order, none dropped", async () => {
  await withTempDir("orrery-hblock-", async (dir) => {
    const labels = labelsFromRecord({ __name__: "h" });
    for (const start of [0, 5]) {
      const w = await BlockWriter.create(dir, { symbols: new Set(["__name__", "h"]), source: "test" });
      const cutter = new HistogramChunkCutter();
      for (let i = start; i < start + 10; i++) cutter.append(i * 1000, hist(i, false));
      await w.addSeries(labels, cutter.chunks.map((c) => ({ minTime: c.minTime, maxTime: c.maxTime, data: c.chunk.bytes().slice(), encoding: ChunkEncoding.Histogram })));
      await w.finish();
    }
    const store = await BlocksStore.open(dir);
    try {
      const { series, warnings } = await allSeries(store);
      assert.deepEqual(warnings, []);
      assert.equal(series.length, 1);
      assert.deepEqual(series[0]!.chunks.map((c) => [c.minTime, c.maxTime]), [[0, 9000], [5000, 14_000]]);
    } finally {
      await store.close();
    }
  });
});
