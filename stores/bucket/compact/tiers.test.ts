// The downsampling bench's checks on a small history (bench/downsample.bench.ts runs them on 30 days):
// `orrery compact`'s pass (compaction, 5m and 1h downsampling) over 13 days of raw blocks, then auto
// resolution against raw at window-aligned steps, across the 1h/5m and 5m/raw seams; and raw
// retention shorter than 40h keeping what no 5m block holds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Store } from "../../../storeapi/index.js";
import { Engine, WindowWorkerPool } from "../../../engine/index.js";
import { FilesystemBucket } from "../objstore/index.js";
import { withTempDir } from "../block/test-helpers.js";
import { BucketStore } from "../gateway/index.js";
import { downsampleBlock, RESOLUTION_1H, RESOLUTION_5M } from "../downsample/index.js";
import { Compactor } from "./compactor.js";
import { blockRanges, DAY, HOUR, writeDataset } from "./dataset.js";
import { differences, exactQueries, rangeAnswer, selectorOutsideBounds, type Answer } from "./tier-checks.js";

// A 14-day boundary, so the blocks below fall in one 14d compaction range that is never full.
const T0 = Math.ceil(Date.UTC(2026, 0, 1) / (14 * DAY)) * 14 * DAY;
// 10.5 days raw (→ 5m → 1h), two days raw (→ 5m only: under 10 days), half a day of 2h blocks (raw only).
const BLOCKS = [[T0, T0 + 252 * HOUR], [T0 + 252 * HOUR, T0 + 300 * HOUR], ...blockRanges(T0 + 300 * HOUR, T0 + 312 * HOUR, 2 * HOUR)] as const;
const OPTS = { blocks: BLOCKS, scrapeMs: 60_000, counters: 3, gauges: 2, histograms: 1, resetEvery: 1500, seed: 7 };

async function withGateway<T>(bucket: FilesystemBucket, dataDir: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await BucketStore.open(bucket, { dataDir, indexCacheBytes: 0 });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * Queries at the 1h tier (step 6h, all 13 days: 1h/5m seam at 10.5d, 5m/raw at 12.5d) and at the 5m
 * tier (step 1h, the last 4 days: 5m/raw seam), ranges and steps multiples of the tier.
 */
const CASES = [
  { step: 6 * HOUR, range: "6h", start: T0 + 6 * HOUR },
  { step: HOUR, range: "1h", start: T0 + 9 * DAY },
] as const;

test("13 days compacted and downsampled by the compactor: auto resolution equals raw at window-aligned steps across the 1h/5m/raw seams; raw retention under 40h keeps what no 5m block holds", async () => {
  await withTempDir("orrery-tiers-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    await writeDataset(bucket, join(dir, "gen"), OPTS);
    const end = T0 + 312 * HOUR;
    const raw = new Map<string, Answer>();
    await withGateway(bucket, join(dir, "gw-raw"), async (store) => {
      for (const { step, range, start } of CASES) for (const q of exactQueries(range)) raw.set(`${step} ${q}`, (await rangeAnswer(store, q, start, end, step, 0)).answer);
    });
    const compactor = new Compactor({ bucket, dataDir: join(dir, "data"), downsampler: downsampleBlock, deleteDelayMs: 0 });
    const report = await compactor.run();
    assert.equal(report.downsamplings, 3, "10.5d raw → 5m → 1h, 2d raw → 5m");
    const resolutions = (await compactor.sync()).live.map((m) => m.thanos?.downsample.resolution ?? 0);
    assert.deepEqual([RESOLUTION_5M, RESOLUTION_1H].map((r) => resolutions.filter((x) => x === r).length), [2, 1]);
    // Window workers with a threshold of 0 take every call of two or more series: tier reads stay on the query's thread.
    const pool = new WindowWorkerPool({ size: 1, minSamples: 0 });
    await pool.ready();
    const pooled = new Engine({ windowWorkers: pool });
    const check = async (label: string, cases: readonly (typeof CASES)[number][]): Promise<void> => {
      await withGateway(bucket, join(dir, `gw-${label}`), async (store) => {
        const problems: string[] = [];
        for (const { step, range, start } of cases) {
          for (const q of exactQueries(range)) {
            const { answer, samples } = await rangeAnswer(store, q, start, end, step, step / 5);
            assert.ok(samples > 0, q);
            problems.push(...differences(`[${label}, step ${step / HOUR}h] ${q}`, answer, raw.get(`${step} ${q}`)!));
            assert.deepEqual((await rangeAnswer(store, q, start, end, step, step / 5, pooled)).answer, answer, `${q} with window workers`);
          }
        }
        assert.deepEqual(problems, []);
      });
    };
    try {
      await check("compacted", CASES);
    } finally {
      await pool.close();
    }
    // The bound for plain selectors, before retention removes the raw data the bound is read from.
    await withGateway(bucket, join(dir, "gw-bounds"), async (store) => {
      for (const { step, start } of CASES) assert.deepEqual(await selectorOutsideBounds(store, store, "bench_temperature", start, end, step, step === HOUR ? RESOLUTION_5M : RESOLUTION_1H), []);
    });
    // Raw retention of 1 day, three days after the data ends: raw held at 5m goes, the last half day
    // (2h blocks no 5m block holds, too short to downsample) stays.
    const later = new Compactor({
      bucket,
      dataDir: join(dir, "data"),
      downsampler: downsampleBlock,
      deleteDelayMs: 0,
      retention: { raw: DAY, fiveMinutes: 0, oneHour: 0 },
      now: () => T0 + 312 * HOUR + 3 * DAY,
    });
    const kept = await later.run();
    assert.ok(kept.keptNotDownsampled > 0, "the 2h blocks are kept past raw retention");
    const live = (await later.sync()).live;
    const rawLeft = live.filter((m) => (m.thanos?.downsample.resolution ?? 0) === 0);
    assert.deepEqual([Math.min(...rawLeft.map((m) => m.minTime)), Math.max(...rawLeft.map((m) => m.maxTime))], [T0 + 300 * HOUR, T0 + 312 * HOUR]);
    await check("after raw retention", [CASES[0]]);
  });
});
