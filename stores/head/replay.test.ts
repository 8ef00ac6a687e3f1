import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XorChunkIterator, labelsFromRecord } from "../../storeapi/index.js";
import type { Labels } from "../../storeapi/index.js";
import type { Head } from "./head.js";
import { openHead } from "./open.js";

const up = (job: string): Labels => labelsFromRecord({ __name__: "up", job });

async function samplesByJob(head: Head): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for await (const frame of head.series({ minTime: -Infinity, maxTime: Infinity, matchers: [] })) {
    for (const s of frame.series) {
      const ts: number[] = [];
      for (const c of s.chunks) {
        const it = new XorChunkIterator(c.raw!.data);
        while (it.next()) ts.push(it.t);
      }
      out[s.labels.find((l) => l.name === "job")!.value] = ts;
    }
  }
  return out;
}

test("replay of a checkpoint plus the segments after it rebuilds the head from the checkpoint's mint on", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-replay-"));
  const opts = { fsync: "never" as const, segmentSize: 4096, windowMs: 100_000, chunkRangeMs: 50_000, checkpointIntervalMs: 1 };
  try {
    const first = await openHead(dir, opts);
    const t = Array.from({ length: 30 }, (_, i) => i * 10_000);
    // Series "old" ends before the truncation point, "a" spans it, "late" comes after the checkpoint.
    await first.head.appendBatch([
      { labels: up("old"), t: [0, 10_000], v: [1, 1] },
      { labels: up("a"), t: t.slice(0, 20), v: t.slice(0, 20) },
    ]);
    const report = await first.head.truncate();
    assert.equal(report.checkpointed, true);
    assert.equal(report.seriesRemoved, 1);
    await first.head.appendBatch([
      { labels: up("a"), t: t.slice(20), v: t.slice(20) },
      { labels: up("late"), t: [250_000], v: [5] },
    ]);
    const before = await samplesByJob(first.head);
    await first.head.close();
    assert.ok((await readdir(join(dir, "wal"))).some((f) => f.startsWith("checkpoint.")), "a checkpoint was written");

    const second = await openHead(dir, opts);
    try {
      assert.deepEqual(second.warnings, []);
      assert.equal(second.replaySkipped, 0);
      // The checkpoint keeps samples from its mint on; memory kept the whole chunk spanning it.
      const kept = Object.fromEntries(Object.entries(before).map(([job, ts]) => [job, ts.filter((x) => x >= report.mint)]));
      assert.deepEqual(kept.a![0], 90_000);
      assert.deepEqual(await samplesByJob(second.head), kept);
      assert.equal(before.old, undefined, "the truncated series does not come back");
      // Refs continue after the replayed ones: a new series does not take a replayed ref.
      await second.head.appendBatch([{ labels: up("new"), t: [300_000], v: [1] }]);
      assert.equal(second.head.numSeries(), 3);
      assert.deepEqual((await samplesByJob(second.head)).late, [250_000]);
    } finally {
      await second.head.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("after a WAL replay, a read near now gets the open chunk's samples decoded, equal to its bytes, and later appends join them", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-replay-tail-"));
  const opts = { fsync: "never" as const, segmentSize: 1 << 16, windowMs: 3_600_000, chunkRangeMs: 3_600_000 };
  const t = Array.from({ length: 50 }, (_, i) => i * 15_000);
  const nearNow = async (head: Head, end: number): Promise<{ decoded: number[]; bytes: number[] }> => {
    const frames = [];
    for await (const f of head.series({ minTime: end - 60_000, maxTime: end, matchers: [] })) frames.push(...f.series);
    const raw = frames[0]!.chunks[0]!.raw!;
    const bytes: number[] = [];
    const it = new XorChunkIterator(raw.data);
    while (it.next()) if (it.t >= end - 60_000 && it.t <= end) bytes.push(it.v);
    assert.ok(raw.decoded !== undefined, "the open chunk comes decoded");
    return { decoded: [...raw.decoded.v], bytes };
  };
  try {
    const first = await openHead(dir, opts);
    await first.head.appendBatch([{ labels: up("a"), t, v: t.map((x) => x / 1000) }]);
    await first.head.close();
    const second = await openHead(dir, opts);
    try {
      const replayed = await nearNow(second.head, t[49]!);
      assert.deepEqual(replayed.decoded, [675, 690, 705, 720, 735]);
      assert.deepEqual(replayed.decoded, replayed.bytes);
      await second.head.appendBatch([{ labels: up("a"), t: [750_000, 765_000], v: [1, 2] }]);
      const later = await nearNow(second.head, 765_000);
      assert.deepEqual(later.decoded, [705, 720, 735, 1, 2]);
      assert.deepEqual(later.decoded, later.bytes);
    } finally {
      await second.head.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
