// Native histograms in query responses, in the shape Prometheus's JSON codec writes
// (web/api/v1/json_codec.go, util/jsonutil.MarshalHistogram).
import { test } from "node:test";
import assert from "node:assert/strict";
import { FloatHistogram, type MatrixSeries, type Value } from "../engine/index.js";
import { CounterResetHint, CUSTOM_BUCKETS_SCHEMA, type Labels } from "../storeapi/index.js";
import { CHUNK_BYTES } from "./chunks.js";
import { ChunkWriter } from "./chunks.js";
import { encodeQueryResponse, histogramJson, labelsJson, queryResponseText, writeLabelsJson } from "./encode.js";
import { formatSampleTime, formatSampleValue } from "./format.js";
import { randomMatrix, referenceMatrix, sameText } from "./testkit.js";

const X: Labels = [{ name: "__name__", value: "x" }];

/** Schema 0, zero bucket ±0.001 with 2, (0.5,1] 3, (1,2] empty, (2,4] 1, and [-1,-0.5) 1. */
export function exponential(): FloatHistogram {
  return FloatHistogram.fromNative({
    float: true,
    counterResetHint: CounterResetHint.Unknown,
    schema: 0,
    zeroThreshold: 0.001,
    zeroCount: 2,
    count: 7,
    sum: 3.5,
    positiveSpans: [{ offset: 0, length: 3 }],
    positiveBuckets: [3, 0, 1],
    negativeSpans: [{ offset: 0, length: 1 }],
    negativeBuckets: [1],
  });
}

const body = (value: Value): string => queryResponseText({ value, warnings: [], infos: [] });

test("a histogram: count and sum as strings, non-empty buckets low to high with Prometheus's boundary rules", () => {
  assert.equal(
    histogramJson(exponential()),
    '{"count":"7","sum":"3.5","buckets":[[1,"-1","-0.5","1"],[3,"-0.001","0.001","2"],[0,"0.5","1","3"],[0,"2","4","1"]]}',
  );
});

test("custom buckets: the first is closed at -Inf, the overflow bucket ends at +Inf; no buckets field when all are empty", () => {
  const nhcb = FloatHistogram.fromNative({
    float: false,
    counterResetHint: CounterResetHint.Unknown,
    schema: CUSTOM_BUCKETS_SCHEMA,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 6,
    sum: 12,
    positiveSpans: [{ offset: 0, length: 3 }],
    positiveBuckets: [1, 2, 3],
    negativeSpans: [],
    negativeBuckets: [],
    customValues: [1, 5],
  });
  assert.equal(histogramJson(nhcb), '{"count":"6","sum":"12","buckets":[[3,"-Inf","1","1"],[0,"1","5","2"],[0,"5","+Inf","3"]]}');
  assert.equal(histogramJson(new FloatHistogram()), '{"count":"0","sum":"0"}');
});

test('vector samples carry "histogram" in place of "value"', () => {
  const json = body({ type: "vector", samples: [{ labels: X, t: 1500, v: 0, h: exponential() }, { labels: [], t: 1500, v: 2 }] });
  const parsed = JSON.parse(json) as { data: { result: Record<string, unknown>[] } };
  assert.deepEqual(Object.keys(parsed.data.result[0]!), ["metric", "histogram"]);
  assert.deepEqual(parsed.data.result[0]!.histogram, [1.5, JSON.parse(histogramJson(exponential()))]);
  assert.deepEqual(parsed.data.result[1]!.value, [1.5, "2"]);
});

test('matrix series: "values" only with float points, "histograms" only with histogram points', () => {
  const h = exponential();
  const json = body({
    type: "matrix",
    series: [
      { labels: X, t: new Float64Array(0), v: new Float64Array(0), histograms: { t: [1000, 2000], h: [h, h] } },
      { labels: [], t: Float64Array.from([1000]), v: Float64Array.from([1]), histograms: { t: [2000], h: [h] } },
      { labels: [{ name: "a", value: "b" }], t: Float64Array.from([1000]), v: Float64Array.from([3]) },
    ],
  });
  const [onlyH, both, onlyF] = (JSON.parse(json) as { data: { result: Record<string, unknown>[] } }).data.result;
  assert.deepEqual(Object.keys(onlyH!), ["metric", "histograms"]);
  assert.deepEqual(Object.keys(both!), ["metric", "values", "histograms"]);
  assert.deepEqual(Object.keys(onlyF!), ["metric", "values"]);
  assert.deepEqual((both!.histograms as unknown[])[0], [2, JSON.parse(histogramJson(h))]);
});

const WARNED = ',"warnings":["w\\u003c"]';

test("a matrix is written byte for byte as the point-by-point formatting writes it, whatever its values and grid", () => {
  for (let seed = 1; seed <= 40; seed++) {
    const series = randomMatrix(seed, 1 + (seed % 7) * 3, seed * 37, exponential);
    const want = referenceMatrix(series, WARNED);
    const chunks = [...encodeQueryResponse({ value: { type: "matrix", series }, warnings: ["w<"], infos: [] })];
    sameText(Buffer.concat(chunks).toString("utf8"), want, `seed ${seed}`);
  }
});

test("label sets are written into the response byte for byte as labelsJson escapes them, whatever their characters", () => {
  const odd = ["", "plain-ASCII_0.9:~ /", 'q"uote', "back\\slash", "<a&b>", "tab\tnew\nline\u0001", "del\u007f", "é ü 漢", "\u2028\u2029", "pair \ud83d\ude00", "lone \ud800 x", "\udc00"];
  const sets: Labels[] = [[], X];
  for (const v of odd) sets.push([{ name: "__name__", value: "x" }, { name: "job", value: v }], [{ name: v === "" ? "e" : "n" + v, value: "1" }]);
  for (const labels of sets) {
    const w = new ChunkWriter(8);
    w.ascii("[");
    writeLabelsJson(w, labels);
    writeLabelsJson(w, labels);
    assert.equal(w.last().toString("utf8"), "[" + labelsJson(labels) + labelsJson(labels), JSON.stringify(labels));
  }
  const samples = sets.map((labels, i) => ({ labels, t: 1000 * i, v: i }));
  const text = body({ type: "vector", samples });
  for (const labels of sets) assert.ok(text.includes('{"metric":' + labelsJson(labels) + ',"value":'), JSON.stringify(labels));
});

test("a vector is written byte for byte as the sample-by-sample formatting writes it, whatever its times and values", () => {
  const times = [0, 1, -1, 999, -1500, 1796231040123, 1796231040000, 2 ** 53 - 1, -(2 ** 52) + 7, 1.5];
  const values = [0, -0, 1, -1, 0.1, 1 / 3, 1e-7, 1e21, 2 ** 49, 2 ** 53 + 2, NaN, Infinity, -Infinity, 123456.789, -5e-324];
  for (const count of [1, 7, 300, 3000]) {
    const samples = Array.from({ length: count }, (_, i) => ({
      labels: [{ name: "__name__", value: "x" }, { name: "i", value: "v".repeat(i % 300) + i }],
      t: times[i % times.length]!,
      v: values[(i * 7) % values.length]!,
    }));
    const want = samples.map((s) => '{"metric":' + labelsJson(s.labels) + ',"value":[' + formatSampleTime(s.t) + ',"' + formatSampleValue(s.v) + '"]}').join(",");
    sameText(body({ type: "vector", samples }), '{"status":"success","data":{"resultType":"vector","result":[' + want + "]}}", `${count} samples`);
  }
});

test("a large matrix comes in chunks of about 64 KiB, every chunk its own Buffer", () => {
  const series = randomMatrix(99, 300, 720, exponential);
  const chunks = [...encodeQueryResponse({ value: { type: "matrix", series }, warnings: ["w<"], infos: [] })];
  assert.ok(chunks.length > 50);
  for (const c of chunks.slice(0, -1)) assert.ok(c.length >= CHUNK_BYTES && c.length < CHUNK_BYTES + 4096, `chunk of ${c.length} bytes`);
  assert.equal(new Set(chunks.map((c) => c.buffer)).size, chunks.length);
  sameText(Buffer.concat(chunks).toString("utf8"), referenceMatrix(series, WARNED), "300 series");
});


test("a small matrix is one chunk in a Buffer sized to it, not a 64 KiB one", () => {
  const t = Float64Array.from({ length: 721 }, (_, j) => 1796199480000 + j * 30000);
  const series: MatrixSeries[] = [{ labels: X, t, v: Float64Array.from(t, (_, j) => j * 1e6 + 0.25) }];
  const chunks = [...encodeQueryResponse({ value: { type: "matrix", series }, warnings: [], infos: [] })];
  assert.equal(chunks.length, 1);
  assert.ok(chunks[0]!.buffer.byteLength < 2 * chunks[0]!.length, `${chunks[0]!.buffer.byteLength} bytes held for ${chunks[0]!.length}`);
  sameText(chunks[0]!.toString("utf8"), referenceMatrix(series), "721 points");
});
