// Native histograms through remote_write into a real head: stored as HISTOGRAM / FLOAT_HISTOGRAM
// chunks, bad ones rejected with a 400 naming the series and reason, counted, the rest kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { ChunkEncoding, labelsFromRecord, type NativeHistogram } from "../../../storeapi/index.js";
import { Head } from "../index.js";
import { floatHistogram, headHistograms, intHistogram, nhcb } from "../histogram-fixtures.js";
import { createRemoteWriteContext, encodeRemoteWriteBody, handleRemoteWrite, type WriteTimeSeries } from "./index.js";

const HEADERS = { "content-encoding": "snappy", "content-type": "application/x-protobuf" };
/** The histogram's fields a chunk keeps (its hint is the chunk's to decide). */
function content(h: NativeHistogram): unknown {
  const { counterResetHint: _hint, customValues, ...rest } = h;
  return { ...rest, customValues: customValues ?? undefined };
}

test("remote_write 1.0 histograms (integer, float, NHCB) land in the head as HISTOGRAM / FLOAT_HISTOGRAM chunks", async () => {
  const head = new Head();
  const registry = new Registry();
  const ctx = createRemoteWriteContext({ registry });
  const series = (name: string, make: (k: number) => NativeHistogram): WriteTimeSeries => ({
    labels: labelsFromRecord({ __name__: name, job: "api" }),
    samples: [],
    histograms: [0, 1, 2].map((k) => ({ timestamp: 60_000 * (k + 1), h: make(k) })),
  });
  const body = encodeRemoteWriteBody({
    timeseries: [series("lat_int", intHistogram), series("lat_float", floatHistogram), series("lat_nhcb", nhcb)],
  });
  assert.deepEqual(await handleRemoteWrite(head, body, HEADERS, ctx), { status: 204 });
  for (const [name, make, encoding] of [
    ["lat_int", intHistogram, ChunkEncoding.Histogram],
    ["lat_float", floatHistogram, ChunkEncoding.FloatHistogram],
    ["lat_nhcb", nhcb, ChunkEncoding.Histogram],
  ] as const) {
    const [got] = await headHistograms(head, name);
    assert.ok(got, `${name} stored`);
    assert.deepEqual(got.encodings, [encoding], name);
    assert.deepEqual(
      got.samples.map(([t, h]) => [t, content(h)]),
      [0, 1, 2].map((k) => [60_000 * (k + 1), content(make(k))]),
      name,
    );
  }
  assert.match(await registry.metrics(), /orrery_remote_write_histograms_received_total 9/);
});

test("bad histograms: 400 naming each series and reason, counted by reason, the rest of the request stored", async () => {
  const head = new Head();
  const registry = new Registry();
  const ctx = createRemoteWriteContext({ registry });
  const good = intHistogram(1);
  const bad: [string, NativeHistogram, string, RegExp][] = [
    ["spans", { ...good, positiveBuckets: [1, 2] }, "histogram_spans_buckets_mismatch", /positive side: spans need 3 buckets, have 2 buckets/],
    ["negative_bucket", { ...good, float: true, positiveBuckets: [1, -2, 3] }, "histogram_negative_bucket_count", /bucket number 2 has observation count of -2/],
    ["negative_count", { ...good, float: true, count: -1 }, "histogram_negative_count", /observation count is -1/],
    ["count", { ...good, count: good.count - 1 }, "histogram_count_mismatch", /10 observations found in buckets, but the Count field is 9/],
    ["schema", { ...good, schema: 9 }, "histogram_invalid_schema", /schema 9 is out of range: it must be between -4 and 8/],
    ["threshold", { ...good, zeroThreshold: NaN }, "histogram_invalid_zero_threshold", /zero threshold NaN must be a finite number of at least 0/],
    ["nhcb", { ...nhcb(1), customValues: [1, 0.5, 10] }, "histogram_invalid_custom_buckets", /custom bounds must be strictly increasing: 1 is followed by 0\.5/],
  ];
  const body = encodeRemoteWriteBody({
    timeseries: [
      { labels: labelsFromRecord({ __name__: "up" }), samples: [{ value: 1, timestamp: 1000 }] },
      { labels: labelsFromRecord({ __name__: "ok" }), samples: [], histograms: [{ timestamp: 1000, h: good }] },
      ...bad.map(([name, h]) => ({ labels: labelsFromRecord({ __name__: "bad", case: name }), samples: [], histograms: [{ timestamp: 1000, h }] })),
    ],
  });
  const res = await handleRemoteWrite(head, body, HEADERS, ctx);
  assert.equal(res.status, 400);
  const metrics = await registry.metrics();
  for (const [name, , reason, message] of bad) {
    assert.match(res.message!, new RegExp(`1 histogram samples rejected as ${reason} \\(first: histogram at 1000, series \\{__name__="bad", case="${name}"\\}: `), name);
    assert.match(res.message!, message, name);
    assert.match(metrics, new RegExp(`orrery_remote_write_dropped_total\\{kind="histogram",reason="${reason}"\\} 1`), name);
  }
  assert.equal((await headHistograms(head, "ok"))[0]?.samples.length, 1, "the valid histogram is stored");
  assert.equal((await headHistograms(head, "bad")).length, 0, "no bad histogram is stored");
  assert.equal((await headHistograms(head, "up"))[0]?.encodings[0], ChunkEncoding.XOR, "the float series is stored");
});

test("a series switching between floats and histograms cuts chunks of each kind; duplicates and out-of-order histograms are rejected", async () => {
  const head = new Head();
  const labels = labelsFromRecord({ __name__: "mixed" });
  const r1 = await head.appendBatch([{ labels, t: [1000, 2000], v: [1, 2], histograms: { t: [3000, 4000], h: [intHistogram(0), intHistogram(1)] } }]);
  assert.deepEqual([r1.accepted, r1.rejected], [4, []]);
  const r2 = await head.appendBatch([
    { labels, t: [5000], v: [3], histograms: { t: [6000, 6000, 5500], h: [floatHistogram(2), floatHistogram(3), floatHistogram(1)] } },
  ]);
  assert.equal(r2.accepted, 2);
  assert.deepEqual(
    r2.rejected.map((r) => [r.kind, r.reason, r.count]),
    [
      ["histogram", "duplicate_sample_for_timestamp", 1],
      ["histogram", "out_of_order", 1],
    ],
  );
  const again = await head.appendBatch([{ labels, t: [], v: [], histograms: { t: [6000], h: [floatHistogram(2)] } }]);
  assert.deepEqual([again.accepted, again.rejected], [1, []], "the same histogram again is an accepted duplicate");
  const [got] = await headHistograms(head, "mixed");
  assert.deepEqual(got!.encodings, [ChunkEncoding.XOR, ChunkEncoding.Histogram, ChunkEncoding.XOR, ChunkEncoding.FloatHistogram]);
  assert.deepEqual(got!.samples.map(([t]) => t), [3000, 4000, 6000]);
});
