// Decoding buffers are reused across requests: a smaller request after a bigger one, and requests
// in flight together, each decode and store exactly their own series; a slightly bigger one fits
// in the room kept (scratchCapacity) instead of replacing them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { labelsFromRecord, labelsKey, snappyUncompressInto, xorChunkNumSamples } from "../../../storeapi/index.js";
import { Head, type SeriesHandle, type SeriesSamples } from "../index.js";
import type { HeadWal } from "../types.js";
import { DecodeScratch, DecodeScratchPool, MAX_POOLED_BODY_BYTES, decodeWriteRequest } from "./decode.js";
import { seriesLabels } from "./labels.js";
import { createRemoteWriteContext, encodeRemoteWriteBody, encodeWriteRequest, handleRemoteWrite, type WriteTimeSeries } from "./index.js";

const HEADERS = { "content-encoding": "snappy" };

function series(n: number, job: string, t: number): WriteTimeSeries[] {
  return Array.from({ length: n }, (_, i) => ({ labels: labelsFromRecord({ __name__: "m", i: String(i), job }), samples: [{ value: i, timestamp: t }] }));
}

test("a decode into reused scratch columns sees only its own request", () => {
  const scratch = new DecodeScratch();
  const big = decodeWriteRequest(encodeWriteRequest({ timeseries: series(50, "big", 1000) }), scratch);
  assert.equal(big.seriesCount, 50);
  const t = scratch.t;
  const small = decodeWriteRequest(encodeWriteRequest({ timeseries: series(2, "small", 2000) }), scratch);
  assert.equal(scratch.t, t, "the columns were reused");
  assert.equal(small.seriesCount, 2);
  assert.equal(small.sampleCount, 2);
  assert.deepEqual(
    [0, 1].map((i) => labelsKey(seriesLabels(small, i, Buffer.from(small.buf)) as never)),
    [0, 1].map((i) => labelsKey(labelsFromRecord({ __name__: "m", i: String(i), job: "small" }))),
  );
  assert.deepEqual([...small.t.subarray(0, 2)], [2000, 2000]);
});

test("a request a little bigger than the last one decodes into the same kept columns and buffer", () => {
  const scratch = new DecodeScratch();
  decodeWriteRequest(encodeWriteRequest({ timeseries: series(400, "a", 1000) }), scratch);
  snappyUncompressInto(encodeRemoteWriteBody({ timeseries: series(400, "a", 1000) }), 1 << 24, scratch);
  const kept = { t: scratch.t, v: scratch.v, labelStart: scratch.labelStart, labels: scratch.labels, raw: scratch.raw.buffer };
  // Longer label values: a few bytes more a series.
  const bigger = encodeWriteRequest({ timeseries: series(410, "a-longer-job", 1000) });
  const raw = snappyUncompressInto(encodeRemoteWriteBody({ timeseries: series(410, "a-longer-job", 1000) }), 1 << 24, scratch);
  assert.equal(raw.buffer, kept.raw, "the snappy output went into the kept buffer");
  const req = decodeWriteRequest(bigger, scratch);
  assert.equal(req.seriesCount, 410);
  assert.equal(scratch.t, kept.t);
  assert.equal(scratch.v, kept.v);
  assert.equal(scratch.labelStart, kept.labelStart);
  assert.equal(scratch.labels, kept.labels);
});

test("the pool hands a scratch set to one request at a time and keeps it for the next", () => {
  const pool = new DecodeScratchPool();
  const a = pool.take();
  const b = pool.take();
  assert.notEqual(a, b);
  pool.giveBack(a);
  assert.equal(pool.take(), a);
  const huge = new DecodeScratch();
  huge.raw = new Uint8Array(MAX_POOLED_BODY_BYTES + 1);
  pool.giveBack(huge);
  assert.notEqual(pool.take(), huge, "a huge request's buffers are left to the GC");
});

test("concurrent and successive requests through one context store exactly their own samples", async () => {
  const head = new Head();
  const ctx = createRemoteWriteContext();
  const bodies = [series(300, "a", 1000), series(5, "b", 1000), series(120, "c", 1000)].map((timeseries) => encodeRemoteWriteBody({ timeseries }));
  const answers = await Promise.all(bodies.map((body) => handleRemoteWrite(head, body, HEADERS, ctx)));
  assert.deepEqual(answers.map((a) => a.status), [204, 204, 204]);
  const again = await handleRemoteWrite(head, encodeRemoteWriteBody({ timeseries: series(5, "b", 2000) }), HEADERS, ctx);
  assert.equal(again.status, 204);
  assert.equal(head.numSeries(), 425);
  const request = { minTime: 0, maxTime: 10_000, matchers: [{ name: "job", op: "=" as const, value: "b" }] };
  let samples = 0;
  for await (const frame of head.series(request)) for (const s of frame.series) for (const c of s.chunks) samples += xorChunkNumSamples(c.raw!.data);
  assert.equal(samples, 10);
});

test("the head batch's entries are reused by the next request and hold no labels or series once it is answered", async () => {
  const head = new Head();
  const seen: (readonly SeriesSamples[])[] = [];
  const firstEntries: SeriesSamples[] = [];
  const lengths: number[] = [];
  const appender = {
    appendBatch: (batch: readonly SeriesSamples[], handles?: (SeriesHandle | undefined)[]) => {
      seen.push(batch);
      firstEntries.push(batch[0]!);
      lengths.push(batch.length);
      return head.appendBatch(batch, handles);
    },
    numSeries: () => head.numSeries(),
  };
  const ctx = createRemoteWriteContext();
  for (const [n, t] of [[40, 1000], [40, 2000], [10, 3000]] as const) {
    assert.equal((await handleRemoteWrite(appender, encodeRemoteWriteBody({ timeseries: series(n, "r", t) }), HEADERS, ctx)).status, 204);
  }
  assert.equal(seen[1], seen[0], "the same batch array");
  assert.equal(firstEntries[1], firstEntries[0], "the same entry objects");
  assert.equal(firstEntries[2], firstEntries[0]);
  assert.deepEqual(lengths, [40, 40, 10], "a smaller request's batch is cut to its own series");
  for (const e of seen[2]!) {
    assert.equal(e.labels.length, 0, "no label set kept");
    assert.equal(e.series, undefined, "no series kept");
  }
  assert.equal(head.numSeries(), 40);
  const request = { minTime: 0, maxTime: 10_000, matchers: [{ name: "i", op: "=" as const, value: "5" }] };
  for await (const frame of head.series(request)) for (const s of frame.series) assert.equal(xorChunkNumSamples(s.chunks[0]!.raw!.data), 3);
});

test("requests waiting for the WAL hold no decode buffers: the next one decodes into the same set, unless exemplars still need it", async () => {
  const head = new Head();
  let open = (): void => {};
  const wal = new Promise<void>((resolve) => (open = resolve));
  const batches: (readonly SeriesSamples[])[] = [];
  let called = (): void => {};
  const appender = {
    // Reads the batch before it returns, as the head does; answers once the "WAL" is open.
    appendBatch: (batch: readonly SeriesSamples[], handles?: (SeriesHandle | undefined)[]) => {
      batches.push(batch);
      called();
      const appended = head.appendBatch(batch, handles);
      return wal.then(() => appended);
    },
    numSeries: () => head.numSeries(),
  };
  const ctx = createRemoteWriteContext();
  const withExemplar: WriteTimeSeries = { labels: labelsFromRecord({ __name__: "traced", job: "x" }), samples: [{ value: 1, timestamp: 1000 }], exemplars: [{ labels: labelsFromRecord({ trace_id: "t1" }), value: 1, timestamp: 1000 }] };
  const bodies = [series(30, "a", 1000), series(30, "b", 1000), series(30, "c", 1000), [withExemplar], series(30, "d", 1000)].map((timeseries) => encodeRemoteWriteBody({ timeseries }));
  const answers: Promise<{ status: number }>[] = [];
  // As an HTTP server starts them: each request once the one before is waiting for the WAL.
  for (const body of bodies) {
    const appending = new Promise<void>((resolve) => (called = resolve));
    answers.push(handleRemoteWrite(appender, body, HEADERS, ctx));
    await appending;
  }
  open();
  assert.deepEqual((await Promise.all(answers)).map((a) => a.status), [204, 204, 204, 204, 204]);
  assert.equal(batches[1], batches[0], "the second request decoded into the first one's buffers");
  assert.equal(batches[2], batches[0]);
  assert.equal(batches[3], batches[0]);
  assert.notEqual(batches[4], batches[3], "the exemplars' request still held its buffers");
  assert.equal(head.numSeries(), 121);
  for (const job of ["a", "b", "c", "d"]) {
    let samples = 0;
    for await (const frame of head.series({ minTime: 0, maxTime: 10_000, matchers: [{ name: "job", op: "=", value: job }] })) samples += frame.series.length;
    assert.equal(samples, 30, `job ${job}`);
  }
  assert.deepEqual(ctx.exemplars.select([{ name: "job", op: "=", value: "x" }], 0, 10_000)[0]?.exemplars, [{ labels: labelsFromRecord({ trace_id: "t1" }), value: 1, timestamp: 1000 }]);
});

test("series learned before their WAL write fails are not used again: the retry creates and stores them", async () => {
  let failing = true;
  const wal: HeadWal = {
    logSamples: async () => {
      if (failing) throw new Error("disk full");
    },
    checkpoint: async () => {},
    close: async () => {},
  };
  const head = new Head({ wal });
  const ctx = createRemoteWriteContext();
  const body = encodeRemoteWriteBody({ timeseries: series(20, "r", 1000) });
  const failed = await handleRemoteWrite(head, body, HEADERS, ctx);
  assert.equal(failed.status, 500);
  assert.equal(head.numSeries(), 0, "the failed batch's series were dropped");
  failing = false;
  assert.equal((await handleRemoteWrite(head, body, HEADERS, ctx)).status, 204);
  assert.equal((await handleRemoteWrite(head, encodeRemoteWriteBody({ timeseries: series(20, "r", 2000) }), HEADERS, ctx)).status, 204);
  assert.equal(head.numSeries(), 20);
  let samples = 0;
  for await (const frame of head.series({ minTime: 0, maxTime: 10_000, matchers: [{ name: "job", op: "=", value: "r" }] })) {
    for (const s of frame.series) for (const c of s.chunks) samples += xorChunkNumSamples(c.raw!.data);
  }
  assert.equal(samples, 40);
});
