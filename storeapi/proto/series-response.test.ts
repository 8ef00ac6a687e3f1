// The hand-written SeriesResponse codec against protobufjs on the same definitions: each decodes
// what the other writes, to the same values; bad bytes are a WireDecodeError saying where.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WireDecodeError, decodeWire, encodeWire, thanosTypes, type WireChunk, type WireSeries, type WireSeriesResponse } from "./thanos.js";
import { ChunkEncoding, type Chunk, type Series } from "../types.js";
import { SeriesResponseDecoder, SeriesResponseEncoder, decodeSeriesResponse, encodeSeriesResponse, type LabelFieldsCache, type StoreSeriesRead } from "./series-response.js";
import { XorChunk } from "../chunkenc/index.js";

const data = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

const SERIES: WireSeries = {
  labels: [
    { name: "__name__", value: "http_requests_total" },
    { name: "city", value: "Zürich — 東京" },
    { name: "long", value: "x".repeat(300) },
  ],
  chunks: [
    { minTime: 1_700_000_000_000, maxTime: 1_700_000_119_000, raw: { type: 0, data: data(200, 1) } },
    { minTime: -5, maxTime: 0, count: { type: 0, data: data(3, 2) }, counter: { type: 2, data: data(1, 3), hash: 2 ** 40 + 7 } },
    { minTime: -9_007_199_254_740_991, maxTime: 9_007_199_254_740_991, sum: { type: 1, data: new Uint8Array(0) } },
  ],
};

const RESPONSES: WireSeriesResponse[] = [
  { series: SERIES },
  { series: { labels: [], chunks: [] } },
  { batch: { series: [SERIES, { labels: [{ name: "a", value: "" }], chunks: [] }, SERIES] } },
  { warning: "store x: careful ⚠" },
  { warning: "" },
  { hints: { typeUrl: "type.googleapis.com/thanos.hintspb.SeriesResponseHints", value: data(17, 4) } },
];

/** XOR chunk bytes of n samples from t0 (a valid header, as a reader checks). */
function xor(n: number, t0: number): Uint8Array {
  const c = new XorChunk();
  for (let i = 0; i < n; i++) c.append(t0 + i * 15_000, i * 1.5);
  return c.bytes().slice();
}

/** A histogram chunk of no samples: its 3-byte header alone. */
const EMPTY_HISTOGRAM = new Uint8Array(3);

/** A store's series: raw, aggregate, histogram and empty chunks, extreme times, non-ASCII and long labels. */
const STORE_SERIES: Series[] = [
  {
    labels: [
      { name: "__name__", value: "http_requests_total" },
      { name: "city", value: "Zürich — 東京" },
    ],
    chunks: [
      { minTime: 1_700_000_000_000, maxTime: 1_700_000_060_000, raw: { encoding: ChunkEncoding.XOR, data: xor(5, 1_700_000_000_000) } },
      { minTime: -5, maxTime: 0, count: { encoding: ChunkEncoding.XOR, data: xor(1, -5) }, counter: { encoding: ChunkEncoding.FloatHistogram, data: EMPTY_HISTOGRAM } },
      { minTime: -9_007_199_254_740_991, maxTime: 9_007_199_254_740_991, sum: { encoding: ChunkEncoding.Histogram, data: EMPTY_HISTOGRAM } },
    ],
  },
  { labels: [{ name: "a", value: "" }], chunks: [] },
  { labels: [{ name: "job", value: "x".repeat(300) }], chunks: [{ minTime: 1, maxTime: 2, raw: { encoding: ChunkEncoding.Histogram, data: EMPTY_HISTOGRAM } }] },
];

/** protobufjs's plain-object view (what decodeWire returns) of some bytes, as JSON for comparing. */
function viaProtobufjs(bytes: Uint8Array): unknown {
  return normalise(decodeWire(thanosTypes.SeriesResponse, bytes));
}

/** Absent and default-valued fields alike, bytes as arrays: only the values count. */
function normalise(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(normalise);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined || x === 0 || x === "" || (x instanceof Uint8Array && x.length === 0)) continue;
    out[k] = normalise(x);
  }
  return out;
}

test("encodeSeriesResponse: protobufjs decodes every oneof case to the values written", () => {
  for (const r of RESPONSES) {
    const ours = encodeSeriesResponse(r);
    assert.deepEqual(viaProtobufjs(ours), normalise({ ...r, result: Object.keys(r)[0] }), JSON.stringify(Object.keys(r)));
  }
});

test("decodeSeriesResponse: reads what protobufjs writes, and what it writes itself, to the same values", () => {
  for (const r of RESPONSES) {
    const want = normalise({ ...r, result: Object.keys(r)[0] });
    assert.deepEqual(normalise(decodeSeriesResponse(encodeWire(thanosTypes.SeriesResponse, r))), want);
    assert.deepEqual(normalise(decodeSeriesResponse(encodeSeriesResponse(r))), want);
  }
  const decoded = decodeSeriesResponse(encodeSeriesResponse({ series: SERIES }));
  const raw = decoded.series!.chunks[0]!.raw!.data;
  assert.equal(raw.length, 200);
  assert.ok(raw.buffer.byteLength >= 200 && raw.byteOffset > 0, "chunk data is a view into the message, not a copy");
});

test("encodeSeriesResponse: int64 bounds given as decimal strings are Go's math.MinInt64 and MaxInt64", () => {
  const r = { series: { labels: [], chunks: [{ minTime: "-9223372036854775808", maxTime: "9223372036854775807", raw: { type: 0, data: data(2, 5) } }] } };
  const ours = encodeSeriesResponse(r);
  assert.deepEqual(Buffer.from(ours), Buffer.from(encodeWire(thanosTypes.SeriesResponse, r)), "the same bytes as protobufjs");
  const chunk = decodeSeriesResponse(ours).series!.chunks[0]!;
  assert.equal(chunk.minTime, -(2 ** 63));
  assert.equal(chunk.maxTime, 2 ** 63);
});

test("decodeSeriesResponse: unknown fields of every wire type are skipped; the last oneof case wins", () => {
  const series = encodeSeriesResponse({ series: SERIES });
  const unknown = Buffer.from([
    (9 << 3) | 0, 0x96, 0x01, // varint
    (10 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8, // fixed64
    (11 << 3) | 2, 2, 0xaa, 0xbb, // length-delimited
    (12 << 3) | 5, 1, 2, 3, 4, // fixed32
  ]);
  const warning = encodeSeriesResponse({ warning: "later" });
  assert.deepEqual(normalise(decodeSeriesResponse(Buffer.concat([unknown, series]))), normalise({ series: SERIES, result: "series" }));
  assert.deepEqual(decodeSeriesResponse(Buffer.concat([series, unknown, warning])), { warning: "later", result: "warning" });
  assert.deepEqual(decodeSeriesResponse(new Uint8Array(0)), {}, "an empty message has no case set");
});

test("decodeSeriesResponse: truncated, overlong and mistyped input is a WireDecodeError saying where", () => {
  const good = encodeSeriesResponse({ series: SERIES });
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, good.length - 3), /runs past the end|truncated/],
    [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), /field length \d+ at byte 5 runs past the end \(0 bytes left\)/],
    [Buffer.from([0x08, 0x01]), /field 1 has wire type 0/],
    [Buffer.from([0x0a, 0x02, 0x0a, 0x05]), /runs past the end/],
    [Buffer.from([0x0a, 0x04, 0x0a, 0x02, 0x08, 0x01]), /field 1 has wire type 0 at byte 5/],
    [Buffer.from([0x0b]), /field 1 has wire type 3/],
    [Buffer.from([0x00, 0x00]), /field number 0/],
    [Buffer.from([(9 << 3) | 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /varint longer than 10 bytes/],
    [Buffer.from([(9 << 3) | 1, 1, 2]), /truncated/],
    // A length whose varint is a negative int64 must not send the reader backwards.
    [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x0a, 0x00]), /negative field length at byte 11/],
  ];
  for (const [bytes, why] of cases) {
    assert.throws(
      () => decodeSeriesResponse(bytes),
      (err: Error) => {
        assert.ok(err instanceof WireDecodeError, `${err}`);
        assert.match(err.message, new RegExp(`^cannot decode thanos.SeriesResponse from ${bytes.length} bytes: `));
        assert.match(err.message, why);
        return true;
      },
      `${Buffer.from(bytes).toString("hex")}`,
    );
  }
});

test("SeriesResponseDecoder: a label equal to the one at its place in the series before is that label again, across messages", () => {
  const series = (instance: string, city: string): WireSeries => ({
    labels: [
      { name: "__name__", value: "up" },
      { name: "city", value: city },
      { name: "instance", value: instance },
    ],
    chunks: [],
  });
  const decoder = new SeriesResponseDecoder();
  const [a, b] = decoder.decode(encodeSeriesResponse({ batch: { series: [series("h1", "Zürich"), series("h2", "Zürich")] } })).batch!.series;
  const c = decoder.decode(encodeSeriesResponse({ series: series("h2", "Ã©") })).series!;
  const d = decoder.decode(encodeSeriesResponse({ series: series("h2", "é") })).series!;
  assert.equal(b!.labels[0], a!.labels[0], "the same label object");
  assert.notEqual(b!.labels[2], a!.labels[2]);
  assert.equal(b!.labels[2]!.name, a!.labels[2]!.name);
  assert.deepEqual(b!.labels[1], { name: "city", value: "Zürich" }, "non-ASCII values are decoded anew, and right");
  assert.equal(c.labels[2], b!.labels[2], "the series of the message before counts");
  assert.deepEqual(
    d.labels.map((l) => l.value),
    ["up", "é", "h2"],
    "bytes C3 A9 are é, not the Ã© before, whose char codes they equal",
  );
});

test("SeriesResponseEncoder: a label set met before is copied from the shared LabelFieldsCache; the bytes are those encoded afresh", () => {
  const cache: LabelFieldsCache = new WeakMap();
  const other = { labels: [{ name: "job", value: "api" }], chunks: [] };
  const batch: WireSeriesResponse = { batch: { series: [SERIES, other, SERIES] } };
  const fresh = encodeSeriesResponse(batch);
  assert.deepEqual([...new SeriesResponseEncoder(cache).encode(batch)], [...fresh]);
  assert.ok(cache.has(SERIES.labels) && cache.has(other.labels), "both label sets kept");
  // A second stream's encoder reads the cache: what it holds is what goes out (here a stand-in for `job`).
  const kept = cache.get(other.labels)!;
  cache.set(other.labels, encodeSeriesResponse({ series: { labels: [{ name: "job", value: "web" }], chunks: [] } }).subarray(2));
  const decoded = decodeSeriesResponse(new SeriesResponseEncoder(cache).encode({ series: other }));
  assert.deepEqual(decoded.series?.labels, [{ name: "job", value: "web" }]);
  cache.set(other.labels, kept);
  assert.deepEqual([...new SeriesResponseEncoder(cache).encode(batch)], [...fresh]);
  // A new label set object with equal labels is encoded on its own (the cache goes by object).
  const copy = { labels: SERIES.labels.map((l) => ({ ...l })), chunks: SERIES.chunks };
  assert.deepEqual([...new SeriesResponseEncoder(cache).encode({ series: copy })], [...encodeSeriesResponse({ series: SERIES })]);
  assert.ok(cache.has(copy.labels));
});

test("encodeStoreSeries: a store's series written straight to bytes, the same bytes encode() writes for them as wire objects; an encoding the wire lacks is an error naming it", () => {
  const store = STORE_SERIES;
  const type = (e: ChunkEncoding): number => [ChunkEncoding.XOR, ChunkEncoding.Histogram, ChunkEncoding.FloatHistogram].indexOf(e);
  const part = (c: Chunk | undefined): WireChunk | null => (c === undefined ? null : { type: type(c.encoding), data: c.data });
  const wire: WireSeries[] = store.map((s) => ({
    labels: [...s.labels],
    chunks: s.chunks.map((c) => ({ minTime: c.minTime, maxTime: c.maxTime, raw: part(c.raw), count: part(c.count), sum: part(c.sum), min: part(c.min), max: part(c.max), counter: part(c.counter) })),
  }));
  const encoder = new SeriesResponseEncoder();
  assert.deepEqual([...encoder.encodeStoreSeries(store, 0, 3, true)], [...encodeSeriesResponse({ batch: { series: wire } })]);
  assert.deepEqual([...encoder.encodeStoreSeries(store, 1, 3, true)], [...encodeSeriesResponse({ batch: { series: wire.slice(1) } })]);
  for (let i = 0; i < 3; i++) assert.deepEqual([...encoder.encodeStoreSeries(store, i, i + 1, false)], [...encodeSeriesResponse({ series: wire[i]! })]);
  assert.deepEqual(normalise(decodeSeriesResponse(encoder.encodeStoreSeries(store, 0, 3, true))), normalise({ batch: { series: wire }, result: "batch" }));
  const downsampled: Series = { labels: [{ name: "a", value: "b" }], chunks: [{ minTime: 0, maxTime: 1, raw: { encoding: ChunkEncoding.Aggr, data: data(4, 5) } }] };
  assert.throws(() => encoder.encodeStoreSeries([downsampled], 0, 1, true), /store returned a chunk with unknown encoding 255/);
});

test("decodeInto: a stream read straight into the store's types is the series written, warnings and chunks left out noted in arrival order; the last oneof case wins; skipChunks reads none", () => {
  const series = STORE_SERIES;
  const encoder = new SeriesResponseEncoder();
  const decoder = new SeriesResponseDecoder();
  const read: StoreSeriesRead = { series: [], notes: [] };
  decoder.decodeInto(encoder.encodeStoreSeries(series, 0, 2, true), read, false);
  decoder.decodeInto(encodeSeriesResponse({ warning: "careful" }), read, false);
  decoder.decodeInto(encoder.encodeStoreSeries(series, 2, 3, false), read, false);
  assert.deepEqual(normalise(read), normalise({ series, notes: ["careful"] }));

  // Chunks a reader cannot use are left out of their series and noted, with the series' index.
  const good = { minTime: 0, maxTime: 15_000, raw: { type: 0, data: xor(2, 0) } };
  const bad: WireSeries = {
    labels: [{ name: "__name__", value: "bad" }],
    chunks: [
      { minTime: 1, maxTime: 2, raw: { type: 9, data: xor(1, 1) } },
      good,
      { minTime: 3, maxTime: 4, raw: { type: 0, data: Uint8Array.of(0, 5, 1) } },
      { minTime: 6, maxTime: 5, raw: { type: 0, data: xor(1, 5) } },
      { minTime: 7, maxTime: 8 },
      { minTime: 9, maxTime: 10, count: { type: 0, data: xor(1, 9) }, max: { type: 1, data: Uint8Array.of(1) } },
    ],
  };
  const after = { series: [], notes: [] } as StoreSeriesRead;
  decoder.decodeInto(encodeSeriesResponse({ batch: { series: [{ labels: [{ name: "__name__", value: "a" }], chunks: [] }, bad] } }), after, false);
  assert.deepEqual(after.series.map((s) => s.chunks.length), [0, 1]);
  assert.deepEqual([...after.series[1]!.chunks[0]!.raw!.data], [...good.raw.data]);
  assert.deepEqual(after.notes, [
    { series: 1, minTime: 1, maxTime: 2, reason: "unknown_encoding", why: "raw chunk has unknown encoding 9" },
    { series: 1, minTime: 3, maxTime: 4, reason: "corrupt_chunk", why: "raw XOR chunk: header says 5 samples but only 3 bytes (at least 13 needed)" },
    { series: 1, minTime: 6, maxTime: 5, reason: "corrupt_chunk", why: "min_time after max_time" },
    { series: 1, minTime: 7, maxTime: 8, reason: "corrupt_chunk", why: "no chunk data" },
    { series: 1, minTime: 9, maxTime: 10, reason: "corrupt_chunk", why: "max histogram chunk: 1 bytes, shorter than the 3-byte header" },
  ]);

  // A later oneof case in the same message replaces an earlier one, with what it noted.
  const replaced: StoreSeriesRead = { series: [], notes: [] };
  decoder.decodeInto(Buffer.concat([encodeSeriesResponse({ series: bad }), encodeSeriesResponse({ warning: "later" })]), replaced, false);
  assert.deepEqual(replaced, { series: [], notes: ["later"] });

  // skip_chunks: no chunk read, so none noted.
  const labelsOnly: StoreSeriesRead = { series: [], notes: [] };
  decoder.decodeInto(encodeSeriesResponse({ series: bad }), labelsOnly, true);
  assert.deepEqual(labelsOnly, { series: [{ labels: bad.labels, chunks: [] }], notes: [] });

  assert.throws(
    () => decoder.decodeInto(encoder.encodeStoreSeries(series, 0, 1, false).subarray(0, 40), { series: [], notes: [] }, false),
    (e: unknown) => e instanceof WireDecodeError && /^cannot decode thanos\.SeriesResponse from 40 bytes: field length \d+ at byte \d+ runs past the end/.test(e.message),
  );
});
