// The two WriteRequest decoders give the same request on the same bodies.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeWriteRequest,
  decodeWriteRequestProtobufjs,
  encodeWriteRequest,
  exemplarLabels,
  seriesLabels,
  ProtoDecodeError,
  type DecodedWriteRequest,
  type WriteRequestDecoder,
  type WriteTimeSeries,
} from "./index.js";
import { STALE_NAN, isStaleNaN, type NativeHistogram } from "../../../storeapi/index.js";

const DECODERS: [string, WriteRequestDecoder][] = [
  ["hand-written", decodeWriteRequest],
  ["protobufjs", decodeWriteRequestProtobufjs],
];

const bits = (vs: Float64Array, from: number, to: number): string =>
  Buffer.from(vs.buffer, vs.byteOffset + from * 8, (to - from) * 8).toString("hex");

/** Everything a reader of a DecodedWriteRequest sees, byte positions aside. */
function view(req: DecodedWriteRequest): unknown {
  const text = Buffer.from(req.buf.buffer, req.buf.byteOffset, req.buf.byteLength);
  const series = [];
  for (let i = 0; i < req.seriesCount; i++) {
    const from = req.sampleStart[i];
    const to = req.sampleStart[i + 1];
    series.push({
      labels: seriesLabels(req, i, text),
      t: Array.from(req.t.subarray(from, to)),
      vBits: bits(req.v, from, to),
      histograms: req.hs.slice(req.histogramStart[i], req.histogramStart[i + 1]).map((h, k) => ({ t: req.ht[req.histogramStart[i] + k], h })),
    });
  }
  const exemplars = [];
  for (let j = 0; j < req.exemplarCount; j++) {
    exemplars.push({ series: req.exSeries[j], labels: exemplarLabels(req, j, text), t: req.exT[j], vBits: bits(req.exV, j, j + 1) });
  }
  return { sampleCount: req.sampleCount, histogramCount: req.histogramCount, series, exemplars, metadata: req.metadata };
}

/** Histograms with the stale sum as its bit pattern (deepEqual treats every NaN as equal). */
function sumBits(h: NativeHistogram): string {
  return Buffer.from(new Float64Array([h.sum]).buffer).toString("hex");
}

const span = (offset: number, length: number) => ({ offset, length });
/** Integer and float histograms, NHCB, negative buckets and offsets, a stale marker, every reset hint. */
export const HISTOGRAMS: NativeHistogram[] = [
  { float: false, counterResetHint: 0, schema: 3, zeroThreshold: 1e-128, zeroCount: 2, count: 14, sum: 18.5, positiveSpans: [span(-2, 2), span(3, 1)], positiveBuckets: [1, 5, 2], negativeSpans: [span(0, 1)], negativeBuckets: [4] },
  { float: true, counterResetHint: 1, schema: -4, zeroThreshold: 0.25, zeroCount: 0.5, count: 7.25, sum: -3, positiveSpans: [span(1, 2)], positiveBuckets: [2.5, 4.25], negativeSpans: [], negativeBuckets: [] },
  { float: false, counterResetHint: 2, schema: -53, zeroThreshold: 0, zeroCount: 0, count: 6, sum: 2, positiveSpans: [span(0, 3)], positiveBuckets: [1, 0, 5], negativeSpans: [], negativeBuckets: [], customValues: [0.1, 0.5, 1] },
  { float: false, counterResetHint: 3, schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum: STALE_NAN, positiveSpans: [], positiveBuckets: [], negativeSpans: [], negativeBuckets: [] },
];

function bodies(): Uint8Array[] {
  const l = (name: string, value: string) => ({ name, value });
  const stale = new Float64Array(1);
  stale[0] = STALE_NAN;
  const many: WriteTimeSeries[] = [];
  for (let i = 0; i < 300; i++) {
    many.push({
      labels: [l("__name__", `m${i % 7}`), l("instance", `host-${i}:9100`), l("job", "node"), l("zone", "ü-ß")],
      samples: Array.from({ length: 1 + (i % 5) }, (_, k) => ({ value: i * 1.5 + k / 3, timestamp: 1_700_000_000_000 + k * 15_000 - i })),
    });
  }
  return [
    encodeWriteRequest({ timeseries: [] }),
    encodeWriteRequest({
      timeseries: [
        {
          labels: [l("__name__", "up"), l("job", "api")],
          samples: [
            { value: 1, timestamp: -1_700_000_000_123 },
            { value: stale[0], timestamp: 0 },
            { value: NaN, timestamp: 2 ** 53 - 1 },
            { value: -0, timestamp: 5 },
            { value: Infinity, timestamp: 6 },
          ],
          exemplars: [
            { labels: [l("trace_id", "abc")], value: 0.25, timestamp: 1000 },
            { labels: [], value: stale[0], timestamp: -5 },
          ],
        },
        { labels: [l("b", "2"), l("a", "1"), l("empty", "")], samples: [] },
        { labels: [l("__name__", "late")], samples: [{ value: 3, timestamp: 9 }], exemplars: [{ labels: [l("span", "x")], value: 1, timestamp: 9 }] },
        { labels: [l("__name__", "lat")], samples: [], histograms: HISTOGRAMS.map((h, k) => ({ timestamp: 1000 * k - 500, h })) },
      ],
      metadata: [
        { type: "counter", metricFamilyName: "up", help: "Up or down.", unit: "" },
        { type: "stateset", metricFamilyName: "s", help: "", unit: "bytes" },
      ],
    }),
    encodeWriteRequest({ timeseries: many }),
  ];
}

test("hand-written and protobufjs decoders agree: labels, samples (stale NaN bits), exemplars, metadata", () => {
  for (const body of bodies()) {
    const [want, got] = DECODERS.map(([, decode]) => view(decode(body)));
    assert.deepEqual(got, want);
  }
  const [stale] = DECODERS.map(([, decode]) => decode(bodies()[1]!));
  assert.equal(bits(stale!.v, 1, 2), "020000000000f07f", "the stale marker's bits survive");
});

test("both decoders reject a truncated body with a ProtoDecodeError", () => {
  const body = bodies()[2]!;
  for (const [name, decode] of DECODERS) {
    assert.throws(() => decode(body.subarray(0, body.length - 3)), ProtoDecodeError, name);
  }
});

test("both decoders read native histograms: delta-encoded integer buckets summed, float counts, NHCB bounds, hints, the stale sum", () => {
  const body = bodies()[1]!;
  for (const [name, decode] of DECODERS) {
    const req = decode(body);
    assert.equal(req.histogramCount, HISTOGRAMS.length, name);
    assert.deepEqual(req.hs, HISTOGRAMS, name);
    assert.deepEqual(req.ht, HISTOGRAMS.map((_, k) => 1000 * k - 500), name);
    // A NaN held in an object field may be quieted by V8: the stale marker is recognised in both forms.
    assert.ok(isStaleNaN(req.hs[3]!.sum), `${name}: the stale marker survives in the sum (${sumBits(req.hs[3]!)})`);
  }
});
