import { test } from "node:test";
import assert from "node:assert/strict";
import { formatLabels, labelsFromRecord, mergeSeriesChunks } from "../../storeapi/index.js";
import { ChunkEncoding } from "../../storeapi/index.js";
import { Head } from "./head.js";

const HOUR = 3_600_000;

test("blockSeries: own labels (no external ones) in label order, exactly the samples in [mint, maxt)", async () => {
  const head = new Head({ windowMs: 100 * HOUR, chunkRangeMs: 2 * HOUR, externalLabels: labelsFromRecord({ replica: "r1" }) });
  const ts = Array.from({ length: 6 * 60 }, (_, i) => i * 60_000);
  await head.appendBatch([
    { labels: labelsFromRecord({ __name__: "b", job: "x" }), t: ts, v: ts.map((t) => t / 1000) },
    { labels: labelsFromRecord({ __name__: "a", job: "x" }), t: ts, v: ts.map((t) => -t) },
    { labels: labelsFromRecord({ __name__: "late", job: "x" }), t: [5 * HOUR], v: [1] },
  ]);
  const got = await head.blockSeries(2 * HOUR, 4 * HOUR);
  assert.deepEqual(got.map((s) => formatLabels(s.labels)), ['{__name__="a", job="x"}', '{__name__="b", job="x"}']);
  for (const s of got) {
    const m = mergeSeriesChunks({ labels: s.labels, chunks: s.chunks.map((c) => ({ minTime: c.minTime, maxTime: c.maxTime, raw: { encoding: ChunkEncoding.XOR, data: c.data } })) }, 0, 1e15);
    assert.equal(m.length, 120);
    assert.equal(m.ts[0], 2 * HOUR);
    assert.equal(m.ts[m.length - 1], 4 * HOUR - 60_000);
  }
  assert.deepEqual(await head.blockSeries(10 * HOUR, 12 * HOUR), []);
});

test("blockSeries: a chunk crossing the range's edge is an error naming the series, never a split block", async () => {
  const head = new Head({ windowMs: 100 * HOUR, chunkRangeMs: 4 * HOUR });
  await head.appendBatch([{ labels: labelsFromRecord({ __name__: "a" }), t: [HOUR, 3 * HOUR], v: [1, 2] }]);
  await assert.rejects(head.blockSeries(0, 2 * HOUR), /head chunk \[3600000, 10800000\] of \{__name__="a"\} crosses the block range \[0, 7200000\)/);
});
