// remote_write 2.0: content negotiation, the symbol table, samples with start timestamps,
// histograms, exemplars and metadata, the written-count headers, partial writes, bad references.
import { test } from "node:test";
import assert from "node:assert/strict";
import snappy from "snappyjs";
import { Registry } from "prom-client";
import { labelsFromRecord, writeV2 } from "../../../storeapi/index.js";
import { Head } from "../index.js";
import { floatHistogram, headHistograms, intHistogram } from "../histogram-fixtures.js";
import { ProtoDecodeError, createRemoteWriteContext, decodeWriteRequestV2, encodeWriteRequestV2, handleRemoteWrite, seriesLabels } from "./index.js";

const V2_HEADERS = {
  "content-encoding": "snappy",
  "content-type": "application/x-protobuf;proto=io.prometheus.write.v2.Request",
  "x-prometheus-remote-write-version": "2.0.0",
};

test("remote_write 2.0: series, samples with start timestamps, histograms, exemplars and metadata stored; written counts in the headers", async () => {
  const head = new Head();
  const ctx = createRemoteWriteContext({ registry: new Registry() });
  const body = encodeWriteRequestV2([
    {
      labels: labelsFromRecord({ __name__: "http_requests_total", job: "api" }),
      samples: [
        { value: 1, timestamp: 10_000, startTimestamp: 5_000 },
        { value: 4, timestamp: 20_000, startTimestamp: 5_000 },
      ],
      exemplars: [{ labels: labelsFromRecord({ trace_id: "abc" }), value: 1, timestamp: 20_000 }],
      metadata: { type: "counter", help: "Requests served.", unit: "" },
    },
    {
      labels: labelsFromRecord({ __name__: "latency_seconds", job: "api" }),
      histograms: [
        { timestamp: 10_000, h: intHistogram(0), startTimestamp: 1_000 },
        { timestamp: 20_000, h: intHistogram(1) },
      ],
      metadata: { type: "histogram", help: "Latency.", unit: "seconds" },
    },
    { labels: labelsFromRecord({ __name__: "float_hist" }), histograms: [{ timestamp: 10_000, h: floatHistogram(2) }] },
  ]);
  const res = await handleRemoteWrite(head, snappy.compress(body), V2_HEADERS, ctx);
  assert.deepEqual(res, {
    status: 204,
    headers: {
      "X-Prometheus-Remote-Write-Samples-Written": "2",
      "X-Prometheus-Remote-Write-Histograms-Written": "3",
      "X-Prometheus-Remote-Write-Exemplars-Written": "1",
    },
  });
  const [lat] = await headHistograms(head, "latency_seconds");
  assert.deepEqual(lat!.samples.map(([t, h]) => [t, h.count, h.sum]), [
    [10_000, intHistogram(0).count, intHistogram(0).sum],
    [20_000, intHistogram(1).count, intHistogram(1).sum],
  ]);
  assert.equal((await headHistograms(head, "float_hist"))[0]!.samples[0]![1].float, true);
  assert.deepEqual(ctx.metadata.get(), {
    http_requests_total: [{ type: "counter", help: "Requests served.", unit: "" }],
    latency_seconds: [{ type: "histogram", help: "Latency.", unit: "seconds" }],
  });
  const ex = ctx.exemplars.select([{ name: "__name__", op: "=", value: "http_requests_total" }], 0, 30_000);
  assert.deepEqual(ex[0]!.exemplars, [{ labels: labelsFromRecord({ trace_id: "abc" }), value: 1, timestamp: 20_000 }]);

  const decoded = decodeWriteRequestV2(body);
  assert.deepEqual(Array.from(decoded.st!.subarray(0, 2)), [5_000, 5_000], "sample start timestamps decoded");
  assert.deepEqual(decoded.hst, [1_000, 0, 0], "histogram start timestamps decoded (0: none)");
});

test("remote_write 2.0 partial write: rejected samples and histograms are a 400 naming them, the headers count what was written", async () => {
  const head = new Head();
  const registry = new Registry();
  const ctx = createRemoteWriteContext({ registry });
  await head.appendBatch([{ labels: labelsFromRecord({ __name__: "up" }), t: [50_000], v: [1] }]);
  const body = encodeWriteRequestV2([
    { labels: labelsFromRecord({ __name__: "up" }), samples: [{ value: 1, timestamp: 40_000 }, { value: 1, timestamp: 60_000 }] },
    {
      labels: labelsFromRecord({ __name__: "lat" }),
      histograms: [
        { timestamp: 60_000, h: intHistogram(1) },
        { timestamp: 70_000, h: { ...intHistogram(2), schema: -5 } },
      ],
    },
  ]);
  const res = await handleRemoteWrite(head, snappy.compress(body), V2_HEADERS, ctx);
  assert.equal(res.status, 400);
  assert.match(res.message!, /1 samples rejected as out_of_order \(first: sample at 40000 is before the series' last sample at 50000, series \{__name__="up"\}\)/);
  assert.match(res.message!, /1 histogram samples rejected as histogram_invalid_schema \(first: histogram at 70000, series \{__name__="lat"\}: schema -5 is out of range/);
  assert.deepEqual(res.headers, {
    "X-Prometheus-Remote-Write-Samples-Written": "1",
    "X-Prometheus-Remote-Write-Histograms-Written": "1",
    "X-Prometheus-Remote-Write-Exemplars-Written": "0",
  });
  assert.match(await registry.metrics(), /orrery_remote_write_dropped_total\{kind="histogram",reason="histogram_invalid_schema"\} 1/);
});

test("remote_write 2.0 decoding: symbols after the series they name, refs out of range or unpaired are a ProtoDecodeError (400)", async () => {
  // Series first, symbols after: the decoder reads the symbol table before the series.
  const series = writeV2.TimeSeries.encode(writeV2.TimeSeries.fromObject({ labelsRefs: [1, 2], samples: [{ value: 3, timestamp: 7 }] })).finish();
  const symbols = writeV2.Request.encode(writeV2.Request.fromObject({ symbols: ["", "__name__", "late_symbols"] })).finish();
  const reordered = Buffer.concat([Buffer.from([0x2a, series.length]), series, symbols]);
  const req = decodeWriteRequestV2(reordered);
  assert.deepEqual(seriesLabels(req, 0, reordered), labelsFromRecord({ __name__: "late_symbols" }));
  assert.deepEqual([req.t[0], req.v[0]], [7, 3]);

  const outOfRange = writeV2.Request.encode(writeV2.Request.fromObject({ symbols: ["", "a"], timeseries: [{ labelsRefs: [1, 9] }] })).finish();
  assert.throws(() => decodeWriteRequestV2(outOfRange), (err: Error) => err instanceof ProtoDecodeError && /symbol reference 9 is out of range of the 2 symbols/.test(err.message));
  const odd = writeV2.Request.encode(writeV2.Request.fromObject({ symbols: ["", "a"], timeseries: [{ labelsRefs: [1] }] })).finish();
  assert.throws(() => decodeWriteRequestV2(odd), /TimeSeries\.labels_refs: odd number of references/);
  const res = await handleRemoteWrite(new Head(), snappy.compress(outOfRange), V2_HEADERS);
  assert.equal(res.status, 400);
  assert.match(res.message!, /^protobuf decode error: labels_refs: symbol reference 9/);
  // Every truncation decodes (at a field boundary) or is a ProtoDecodeError, never another throw.
  const whole = writeV2.Request.encode(writeV2.Request.fromObject({ symbols: ["", "a", "b"], timeseries: [{ labelsRefs: [1, 2], samples: [{ value: 1, timestamp: 2 }] }] })).finish();
  let failed = 0;
  for (let cut = 1; cut < whole.length; cut++) {
    try {
      decodeWriteRequestV2(whole.subarray(0, cut));
    } catch (err) {
      assert.ok(err instanceof ProtoDecodeError, `truncated at ${cut}: ${String(err)}`);
      failed++;
    }
  }
  assert.ok(failed > whole.length / 2);
});
