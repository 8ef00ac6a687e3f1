// Start (created) timestamps in the head: kept per sample beside the chunk bytes (which stay
// Prometheus's encodings), returned with the chunks, logged to the WAL only when given, and
// rebuilt by replay, from segments and from a checkpoint.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XorChunkIterator, labelsFromRecord, type AggrChunk, type Labels } from "../../storeapi/index.js";
import type { Head } from "./head.js";
import { openHead } from "./open.js";
import { intHistogram } from "./histogram-fixtures.js";
import { RECORD_HEADER_SIZE, RecordType, SampleColumns, decodeSamplesPayload, encodeSamplesRecord } from "./wal/records.js";

const c = (job: string): Labels => labelsFromRecord({ __name__: "c_total", job });

async function chunksByJob(head: Head): Promise<Record<string, readonly AggrChunk[]>> {
  const out: Record<string, readonly AggrChunk[]> = {};
  for await (const frame of head.series({ minTime: -Infinity, maxTime: Infinity, matchers: [] })) {
    for (const s of frame.series) out[s.labels.find((l) => l.name === "job")!.value] = s.chunks;
  }
  return out;
}

/** Every chunk's start column concatenated (0 where a chunk has none), one entry per sample. */
function startColumn(chunks: readonly AggrChunk[], samplesPerChunk: (c: AggrChunk) => number): number[] {
  const out: number[] = [];
  for (const ch of chunks) {
    const col = ch.raw!.startTimestamps;
    const n = samplesPerChunk(ch);
    for (let i = 0; i < n; i++) out.push(col?.[i] ?? 0);
  }
  return out;
}

const numSamples = (ch: AggrChunk): number => (ch.raw!.data[0]! << 8) | ch.raw!.data[1]!;

/** A float series' samples as time → start timestamp. */
function startsByTime(chunks: readonly AggrChunk[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const ch of chunks) {
    const it = new XorChunkIterator(ch.raw!.data);
    for (let i = 0; it.next(); i++) out.set(it.t, ch.raw!.startTimestamps?.[i] ?? 0);
  }
  return out;
}

test("start timestamps: kept beside the chunks across a chunk cut, absent where none is given; WAL replay and checkpoint keep them", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-st-"));
  const opts = { fsync: "never" as const, segmentSize: 4096, windowMs: 100_000, chunkRangeMs: 1_000_000, checkpointIntervalMs: 1 };
  try {
    const first = await openHead(dir, opts);
    // 130 floats (a cut at 120) whose start moves on every 50 samples; the first one has none.
    const t = Array.from({ length: 130 }, (_, i) => (i + 1) * 1000);
    const st = t.map((x, i) => (i === 0 ? 0 : Math.floor(i / 50) * 50_000 + 1));
    await first.head.appendBatch([
      { labels: c("floats"), t, v: t, st },
      { labels: c("plain"), t, v: t },
      { labels: c("hist"), t: [], v: [], histograms: { t: [1000, 2000, 3000], h: [intHistogram(1), intHistogram(2), intHistogram(3)], st: [500, 500, 2500] } },
    ]);
    const before = await chunksByJob(first.head);
    assert.equal(before.floats!.length, 2);
    assert.deepEqual(startColumn(before.floats!, numSamples), st);
    assert.ok(before.plain!.every((ch) => ch.raw!.startTimestamps === undefined), "no column without start timestamps");
    assert.deepEqual(before.plain!.map((ch) => ch.raw!.data), before.floats!.map((ch) => ch.raw!.data), "the XOR bytes are the same with or without");
    assert.deepEqual(startColumn(before.hist!, numSamples), [500, 500, 2500]);
    assert.deepEqual(
      await first.head.appendBatch([{ labels: c("floats"), t: [131_000], v: [1], st: [0.5] }]).then((r) => r.rejected.map((x) => [x.reason, x.firstError])),
      [["invalid_timestamp", 'start timestamp 0.5 of the sample at 131000 is not an integer of ms, series {__name__="c_total", job="floats"}']],
    );
    await first.head.close();

    const second = await openHead(dir, opts);
    try {
      assert.deepEqual(second.warnings, []);
      const replayed = await chunksByJob(second.head);
      assert.deepEqual(startColumn(replayed.floats!, numSamples), st);
      assert.deepEqual(startColumn(replayed.hist!, numSamples), [500, 500, 2500]);
      assert.ok(replayed.plain!.every((ch) => ch.raw!.startTimestamps === undefined));
      // A checkpoint rewrites the records from its mint on: the start timestamps go with them.
      await second.head.appendBatch([{ labels: c("floats"), t: [150_000], v: [1], st: [140_000] }]);
      const report = await second.head.truncate();
      assert.equal(report.checkpointed, true);
      assert.equal(report.mint, 50_000);
    } finally {
      await second.head.close();
    }
    const third = await openHead(dir, opts);
    try {
      const got = startsByTime((await chunksByJob(third.head)).floats!);
      const want = new Map(t.map((x, i) => [x, st[i]!] as [number, number]).filter(([x]) => x >= 50_000));
      want.set(150_000, 140_000);
      assert.deepEqual(got, want);
    } finally {
      await third.head.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("WAL samples record: no start timestamps (or all 0) writes the plain record byte for byte; given ones round-trip", () => {
  const refs = Float64Array.from([1, 1, 2]);
  const ts = Float64Array.from([1000, 2000, 3000]);
  const vs = Float64Array.from([1, 2, 3]);
  const plain = encodeSamplesRecord(refs, ts, vs, 0, 3);
  assert.deepEqual(encodeSamplesRecord(refs, ts, vs, 0, 3, new Float64Array(3)), plain);
  assert.equal(plain[8], RecordType.Samples);
  const sts = Float64Array.from([500, 0, 3000]);
  const withStart = encodeSamplesRecord(refs, ts, vs, 0, 3, sts);
  assert.equal(withStart[8], RecordType.SamplesWithStart);
  const cols = new SampleColumns();
  decodeSamplesPayload(withStart, RECORD_HEADER_SIZE, withStart.length, cols, true);
  assert.deepEqual([...cols.sts.subarray(0, cols.n)], [500, 0, 3000]);
  assert.deepEqual([...cols.vs.subarray(0, cols.n)], [1, 2, 3]);
  // A plain payload read as one with starts runs out of bytes: an error, never a guess.
  assert.throws(() => decodeSamplesPayload(plain, RECORD_HEADER_SIZE, plain.length, new SampleColumns(), true));
});
