// orrery's StoreAPI messages read back with an independent raw protobuf reader: tag numbers,
// wire types and values checked field by field against the numbers in Thanos's .proto files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SeriesResponseEncoder, encodeWire, thanosTypes } from "../proto/index.js";
import { ChunkEncoding, type Series } from "../types.js";
import { XorChunk } from "../chunkenc/index.js";
import { labelsFromRecord as L } from "../labels.js";
import { infoToWire, seriesRequestToWire, storeInfoToWire } from "./convert.js";
import { STORE_METHODS } from "./methods.js";

/** The bytes the server writes for a SeriesResponse (the hand-written encoder). */
const seriesResponseBytes = (r: object): Uint8Array => STORE_METHODS.Series.responseSerialize(r);

const VARINT = 0;
const LEN = 2;

interface RawField {
  readonly field: number;
  readonly wireType: number;
  /** varint as bigint (exact int64), or the bytes of a length-delimited field. */
  readonly value: bigint | Uint8Array;
}

function readVarint(b: Uint8Array, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = b[pos.i++];
    if (byte === undefined) throw new Error("truncated varint");
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7n;
  }
}

function readFields(b: Uint8Array): RawField[] {
  const out: RawField[] = [];
  const pos = { i: 0 };
  while (pos.i < b.length) {
    const key = Number(readVarint(b, pos));
    const field = key >>> 3;
    const wireType = key & 7;
    if (wireType === VARINT) out.push({ field, wireType, value: readVarint(b, pos) });
    else if (wireType === LEN) {
      const n = Number(readVarint(b, pos));
      out.push({ field, wireType, value: b.subarray(pos.i, pos.i + n) });
      pos.i += n;
    } else throw new Error(`unexpected wire type ${wireType} for field ${field}`);
  }
  return out;
}

/** The fields with a number, checking their wire type. */
function fields(b: Uint8Array, field: number, wireType: number): (bigint | Uint8Array)[] {
  const found = readFields(b).filter((f) => f.field === field);
  for (const f of found) assert.equal(f.wireType, wireType, `field ${field} wire type`);
  return found.map((f) => f.value);
}
const int64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const varint = (b: Uint8Array, field: number, dflt = 0n): bigint => int64((fields(b, field, VARINT).at(-1) as bigint | undefined) ?? dflt);
const bytes = (b: Uint8Array, field: number): Uint8Array[] => fields(b, field, LEN) as Uint8Array[];
const str = (b: Uint8Array, field: number): string[] => bytes(b, field).map((x) => Buffer.from(x).toString("utf8"));
const one = (b: Uint8Array, field: number): Uint8Array => {
  const all = bytes(b, field);
  assert.equal(all.length, 1, `exactly one field ${field}`);
  return all[0]!;
};

test("SeriesRequest: Thanos field numbers and wire types, int64 bounds as math.MinInt64/MaxInt64", () => {
  const wire = seriesRequestToWire(
    {
      minTime: -Infinity,
      maxTime: 1_700_000_000_123,
      matchers: [
        { name: "__name__", op: "=", value: "up" },
        { name: "job", op: "!=", value: "a" },
        { name: "x", op: "=~", value: "b.*" },
        { name: "y", op: "!~", value: "c" },
      ],
      maxResolutionWindow: 300_000,
      aggregates: ["count", "sum", "counter"],
      partialResponseDisabled: true,
      skipChunks: true,
      queryHints: { stepMillis: 15_000, func: "rate", grouping: { by: true, labels: ["job"] }, rangeMillis: 300_000 },
      limit: 7,
    },
    64,
  );
  const b = encodeWire(thanosTypes.SeriesRequest, wire);
  assert.equal(varint(b, 1), -9223372036854775808n, "min_time = 1");
  assert.equal(varint(b, 2), 1_700_000_000_123n, "max_time = 2");
  const matchers = bytes(b, 3).map((m) => [varint(m, 1), str(m, 2)[0], str(m, 3)[0]]);
  assert.deepEqual(matchers, [
    [0n, "__name__", "up"],
    [1n, "job", "a"],
    [2n, "x", "b.*"],
    [3n, "y", "c"],
  ]);
  assert.equal(varint(b, 4), 300_000n, "max_resolution_window = 4");
  // proto3 packs repeated enums: one length-delimited field of varints.
  assert.deepEqual([...one(b, 5)], [1, 2, 5], "aggregates = 5 (COUNT, SUM, COUNTER)");
  assert.equal(varint(b, 6), 1n, "partial_response_disabled = 6");
  assert.equal(varint(b, 7), 1n, "partial_response_strategy = 7 (ABORT)");
  assert.equal(varint(b, 8), 1n, "skip_chunks = 8");
  assert.equal(varint(b, 10), 15_000n, "step = 10");
  assert.equal(varint(b, 11), 300_000n, "range = 11");
  const hints = one(b, 12);
  assert.equal(varint(hints, 1), 15_000n, "QueryHints.step_millis = 1");
  assert.deepEqual(str(one(hints, 2), 1), ["rate"], "QueryHints.func = 2, Func.name = 1");
  const grouping = one(hints, 4);
  assert.equal(varint(grouping, 1), 1n, "Grouping.by = 1");
  assert.deepEqual(str(grouping, 3), ["job"], "Grouping.labels = 3");
  assert.equal(varint(one(hints, 5), 1), 300_000n, "QueryHints.range = 5, Range.millis = 1");
  assert.equal(varint(b, 15), 7n, "limit = 15");
  assert.equal(varint(b, 16), 64n, "response_batch_size = 16");
  const unbounded = encodeWire(thanosTypes.SeriesRequest, seriesRequestToWire({ minTime: 0, maxTime: Infinity, matchers: [] }, 0));
  assert.equal(varint(unbounded, 2), 9223372036854775807n);
});

test("SeriesResponse: series (labels, AggrChunk, StoreAPI chunk numbering), warning, batch", () => {
  const xor = new XorChunk();
  xor.append(1000, 1.5);
  xor.append(2000, 2.5);
  const data = xor.bytes().slice();
  const series: Series = {
    labels: L({ __name__: "up", replica: "a" }),
    chunks: [
      { minTime: 1000, maxTime: 2000, raw: { encoding: ChunkEncoding.XOR, data } },
      { minTime: 3000, maxTime: 4000, count: { encoding: ChunkEncoding.XOR, data }, sum: { encoding: ChunkEncoding.FloatHistogram, data } },
    ],
  };
  // What the server writes: a store's series straight to bytes.
  const b = new SeriesResponseEncoder().encodeStoreSeries([series], 0, 1, false);
  const s = one(b, 1);
  assert.deepEqual(
    bytes(s, 1).map((l) => [str(l, 1)[0], str(l, 2)[0]]),
    [
      ["__name__", "up"],
      ["replica", "a"],
    ],
  );
  const [c0, c1] = bytes(s, 2);
  assert.equal(varint(c0!, 1), 1000n, "AggrChunk.min_time = 1");
  assert.equal(varint(c0!, 2), 2000n, "AggrChunk.max_time = 2");
  const raw = one(c0!, 3);
  assert.equal(varint(raw, 1, 0n), 0n, "Chunk.type = 1: XOR is 0");
  assert.deepEqual(Buffer.from(one(raw, 2)), Buffer.from(data), "Chunk.data = 2: the chunkenc bytes unchanged");
  assert.equal(bytes(c1!, 3).length, 0, "no raw");
  assert.deepEqual(Buffer.from(one(one(c1!, 4), 2)), Buffer.from(data), "AggrChunk.count = 4");
  assert.equal(varint(one(c1!, 5), 1), 2n, "AggrChunk.sum = 5, FLOAT_HISTOGRAM is 2");

  assert.deepEqual(str(seriesResponseBytes({ warning: "careful" }), 2), ["careful"], "warning = 2");
  const batch = one(new SeriesResponseEncoder().encodeStoreSeries([series, series], 0, 2, true), 4);
  assert.equal(bytes(batch, 1).length, 2, "batch = 4, SeriesBatch.series = 1");
});

test("Info responses: thanos.info.InfoResponse and the deprecated thanos.InfoResponse", () => {
  const info = { labelSets: [L({ region: "eu" })], minTime: 10, maxTime: 20, resolutions: [0, 300_000], supportsAggregationPushdown: false };
  const b = encodeWire(thanosTypes.InfoResponse, infoToWire(info, "store"));
  const set = one(b, 1);
  assert.deepEqual(bytes(set, 1).map((l) => [str(l, 1)[0], str(l, 2)[0]]), [["region", "eu"]], "label_sets = 1 of Label");
  assert.deepEqual(str(b, 2), ["store"], "ComponentType = 2");
  const store = one(b, 3);
  assert.equal(varint(store, 1), 10n, "StoreInfo.min_time = 1");
  assert.equal(varint(store, 2), 20n, "StoreInfo.max_time = 2");
  assert.equal(varint(store, 3), 1n, "supports_sharding = 3 (the server filters by shard_info)");
  assert.equal(varint(store, 5), 0n, "supports_without_replica_labels = 5");
  assert.equal(fields(store, 4, VARINT).length, 0, "4 is reserved");
  // orrery's extension, a field number Thanos does not use (its decoder skips it): packed int64s.
  const packed = one(store, 1001);
  assert.deepEqual([...packed], [0x00, 0xe0, 0xa7, 0x12], "orrery_resolutions = 1001: 0 and 300000, packed");
  const legacy = encodeWire(thanosTypes.StoreInfoResponse, storeInfoToWire(info, 4));
  assert.deepEqual([...one(legacy, 1001)], [0x00, 0xe0, 0xa7, 0x12], "and in the deprecated Store/Info");
});
