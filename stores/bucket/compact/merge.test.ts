import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { labelsFromRecord, xorChunkNumSamples } from "../../../storeapi/index.js";
import { dedupSamples } from "../../../federation/index.js";
import { BlocksStore, openBlockDir, parseMeta, type Block } from "../block/index.js";
import { dumpStore, withTempDir, writeTestBlock } from "../block/test-helpers.js";
import { mergeBlocks } from "./merge.js";

const range = (from: number, to: number, step: number) => Array.from({ length: Math.floor((to - from) / step) }, (_, i) => from + i * step);

async function openAll(dir: string, ulids: string[]): Promise<Block[]> {
  return Promise.all(ulids.map((u) => openBlockDir(join(dir, u))));
}

test("adjacent blocks merge into one: every series once, chunks passed through, level, sources and parents recorded", async () => {
  await withTempDir("orrery-merge-", async (dir) => {
    const ts1 = range(0, 7_200_000, 60_000);
    const ts2 = range(7_200_000, 14_400_000, 60_000);
    const a = await writeTestBlock(dir, [
      { labels: { __name__: "up", job: "a" }, ts: ts1, vs: ts1.map((t) => t / 1000) },
      { labels: { __name__: "up", job: "b" }, ts: ts1, vs: ts1.map(() => 1) },
    ], { externalLabels: labelsFromRecord({ cluster: "x" }) });
    const b = await writeTestBlock(dir, [
      { labels: { __name__: "up", job: "a" }, ts: ts2, vs: ts2.map((t) => t / 1000) },
      { labels: { __name__: "up", job: "c" }, ts: ts2, vs: ts2.map(() => 2) },
    ], { externalLabels: labelsFromRecord({ cluster: "x" }) });
    const before = await BlocksStore.open(dir);
    const want = await dumpStore(before);
    await before.close();
    const sources = await openAll(dir, [a.ulid, b.ulid]);
    const outDir = join(dir, "out");
    const meta = await mergeBlocks(sources, { outDir, externalLabels: { cluster: "x" }, resolution: 0 }).finally(() => Promise.all(sources.map((s) => s.close())));
    const onDisk = parseMeta(await readFile(join(outDir, meta.ulid, "meta.json"), "utf8"), meta.ulid);
    assert.equal(onDisk.compaction.level, 2);
    assert.deepEqual(onDisk.compaction.sources, [a.ulid, b.ulid].sort());
    assert.deepEqual(onDisk.compaction.parents, [a, b].map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime })));
    assert.equal(onDisk.minTime, a.minTime);
    assert.equal(onDisk.maxTime, b.maxTime);
    assert.equal(onDisk.thanos?.source, "compactor");
    assert.deepEqual(onDisk.thanos?.labels, { cluster: "x" });
    assert.equal(onDisk.stats.numSeries, 3);
    assert.equal(onDisk.stats.numChunks, a.stats.numChunks + b.stats.numChunks);
    const after = await BlocksStore.open(outDir);
    const got = await dumpStore(after);
    await after.close();
    assert.deepEqual(got.series, want.series);
  });
});

test("overlapping blocks: each sample once, chunks re-cut to at most 120 samples", async () => {
  await withTempDir("orrery-merge-", async (dir) => {
    const ts1 = range(0, 300_000, 1000);
    const ts2 = range(150_000, 500_000, 1000);
    const a = await writeTestBlock(dir, [{ labels: { __name__: "m" }, ts: ts1, vs: ts1.map((t) => t) }], { perChunk: 200 });
    const b = await writeTestBlock(dir, [{ labels: { __name__: "m" }, ts: ts2, vs: ts2.map((t) => t) }], { perChunk: 200 });
    const sources = await openAll(dir, [a.ulid, b.ulid]);
    const outDir = join(dir, "out");
    const meta = await mergeBlocks(sources, { outDir, externalLabels: {}, resolution: 0 }).finally(() => Promise.all(sources.map((s) => s.close())));
    assert.equal(meta.stats.numSamples, 500);
    const merged = await openBlockDir(join(outDir, meta.ulid));
    try {
      const all = [];
      for await (const s of merged.select([{ name: "__name__", op: "=", value: "m" }], 0, 1e12)) all.push(s);
      assert.equal(all.length, 1);
      const counts = all[0]!.chunks.map((c) => xorChunkNumSamples(c.raw!.data));
      assert.ok(counts.every((n) => n <= 120), `chunk sizes ${counts}`);
      assert.equal(counts.reduce((x, y) => x + y, 0), 500);
    } finally {
      await merged.close();
    }
  });
});

test("replica deduplication: the replica label is dropped and the replicas merge by the querier's walk", async () => {
  await withTempDir("orrery-merge-", async (dir) => {
    const tsA = range(0, 3_600_000, 15_000).filter((t) => t < 900_000 || t > 1_800_000); // a hole of 15 minutes
    const tsB = range(5_000, 3_600_000, 15_000);
    const a = await writeTestBlock(dir, [{ labels: { __name__: "g" }, ts: tsA, vs: tsA.map((t) => t / 1000) }], { externalLabels: labelsFromRecord({ cluster: "x", replica: "a" }) });
    const b = await writeTestBlock(dir, [{ labels: { __name__: "g" }, ts: tsB, vs: tsB.map((t) => t / 1000 + 0.5) }], { externalLabels: labelsFromRecord({ cluster: "x", replica: "b" }) });
    const sources = await openAll(dir, [a.ulid, b.ulid]);
    const outDir = join(dir, "out");
    const meta = await mergeBlocks(sources, {
      outDir,
      externalLabels: { cluster: "x" },
      resolution: 0,
      replicaOf: (blk) => JSON.stringify(blk.meta.thanos?.labels),
    }).finally(() => Promise.all(sources.map((s) => s.close())));
    assert.deepEqual(meta.thanos?.labels, { cluster: "x" });
    const want = dedupSamples(
      [tsA, tsB].map((ts, i) => ({ ts: Float64Array.from(ts), vs: Float64Array.from(ts.map((t) => t / 1000 + (i === 1 ? 0.5 : 0))), length: ts.length })),
      { counter: false },
    );
    assert.ok(want.switches > 0);
    const store = await BlocksStore.open(outDir);
    const got = await dumpStore(store);
    await store.close();
    const lines: string[] = [];
    for (let i = 0; i < want.length; i++) lines.push(`${want.ts[i]} ${want.vs[i]}`);
    assert.deepEqual(got.series.get('{__name__="g", cluster="x"}'), lines);
    // No gap: samples every 15s or less across the hole of replica a.
    for (let i = 1; i < want.length; i++) assert.ok(want.ts[i]! - want.ts[i - 1]! <= 15_000);
  });
});
