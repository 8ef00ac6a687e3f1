import { test } from "node:test";
import assert from "node:assert/strict";
import { labelsFromRecord } from "../../storeapi/index.js";
import type { Labels } from "../../storeapi/index.js";
import { Head } from "./head.js";

const up = (job: string): Labels => labelsFromRecord({ __name__: "up", job });

test("truncation boundary: a chunk ending at mint is kept, one ending at mint - 1 goes; appends at mint - 1 are too old", async () => {
  const head = new Head({ windowMs: 1e12 });
  await head.appendBatch([
    { labels: up("ends-at-mint"), t: [0, 10_000], v: [1, 1] },
    { labels: up("ends-before"), t: [0, 9_999], v: [1, 1] },
  ]);
  const report = await head.truncate(10_000);
  assert.deepEqual(report, { mint: 10_000, chunksRemoved: 1, seriesRemoved: 1, checkpointed: false });
  assert.deepEqual((await head.labelValues({ minTime: 0, maxTime: 1e9, matchers: [], label: "job" })).values, ["ends-at-mint"]);
  assert.equal((await head.info()).minTime, 0, "the kept chunk is whole");
  assert.equal(head.minValidTime(), 10_000);
  const r = await head.appendBatch([
    { labels: up("new"), t: [9_999], v: [1] },
    { labels: up("new2"), t: [10_000], v: [1] },
  ]);
  assert.equal(r.accepted, 1);
  assert.deepEqual(r.rejected.map((x) => [x.reason, x.count]), [["too_old", 1]]);
  // A later truncation to an earlier point does not lower the bar.
  await head.truncate(5_000);
  assert.equal(head.minValidTime(), 10_000);
});

test("a series with samples waiting for the WAL is never truncated away", async () => {
  let release!: () => void;
  const head = new Head({
    windowMs: 1e12,
    wal: {
      logSamples: () => new Promise<void>((resolve) => (release = resolve)),
      checkpoint: async () => undefined,
      close: async () => undefined,
    },
  });
  const pending = head.appendBatch([{ labels: up("a"), t: [1000], v: [1] }]);
  assert.equal((await head.truncate(5_000)).seriesRemoved, 0);
  release();
  await pending;
  assert.equal(head.numSeries(), 1);
});

test("truncationLimit: truncation never drops samples at or after the limit, whatever mint or the window ask", async () => {
  let limit = -Infinity;
  const head = new Head({ windowMs: 10_000, chunkRangeMs: 10_000, truncationLimit: () => limit });
  await head.appendBatch([{ labels: up("a"), t: [0, 10_000, 20_000, 30_000, 40_000], v: [1, 2, 3, 4, 5] }]);
  assert.equal((await head.truncate()).chunksRemoved, 0, "no limit yet: nothing may go");
  assert.equal((await head.truncate(35_000)).chunksRemoved, 0);
  assert.equal(head.bounds().minTime, 0);
  limit = 20_000;
  const r = await head.truncate(35_000);
  assert.equal(r.mint, 20_000);
  assert.equal(head.bounds().minTime, 20_000);
  assert.equal(head.minValidTime(), 30_000, "the window still decides what is too old");
});

test("appendFloor: samples before it are too_old whatever the window allows", async () => {
  let floor = -Infinity;
  const head = new Head({ windowMs: 1e12, appendFloor: () => floor });
  assert.equal((await head.appendBatch([{ labels: up("a"), t: [1000], v: [1] }])).accepted, 1);
  floor = 5000;
  assert.equal(head.minValidTime(), 5000);
  const r = await head.appendBatch([{ labels: up("b"), t: [4999, 5000], v: [1, 2] }]);
  assert.equal(r.accepted, 1);
  assert.deepEqual(r.rejected.map((x) => [x.reason, x.count]), [["too_old", 1]]);
});
