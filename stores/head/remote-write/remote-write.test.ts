import { test } from "node:test";
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import snappy from "snappyjs";
import { Registry } from "prom-client";
import { Head, type AppendBatch, type AppendResult, type SeriesSamples } from "../index.js";
import { prompb, SnappyWorker } from "../../../storeapi/index.js";
import {
  ExemplarStore,
  MetadataStore,
  ProtoDecodeError,
  createRemoteWriteContext,
  decodeWriteRequest,
  encodeRemoteWriteBody,
  encodeWriteRequest,
  handleRemoteWrite,
  seriesLabels,
  type RemoteWriteAppender,
} from "./index.js";

// storeapi's prompb types, plus fields a newer sender might add (the decoder must skip them).
const root = protobuf.Root.fromJSON(prompb.root.toJSON());
root.lookupType("prometheus.WriteRequest").add(new protobuf.Field("future", 9, "string"));
root.lookupType("prometheus.TimeSeries").add(new protobuf.Field("extra32", 14, "fixed32")).add(new protobuf.Field("extra64", 15, "fixed64"));
const WriteRequest = root.lookupType("prometheus.WriteRequest");

function pbEncode(obj: Record<string, unknown>, verify = true): Uint8Array {
  const err = verify ? WriteRequest.verify(obj) : null;
  if (err) throw new Error(err);
  return WriteRequest.encode(WriteRequest.fromObject(obj)).finish();
}

const STALE_BYTES = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

function bitsAt(vs: Float64Array, i: number): string {
  return Buffer.from(vs.buffer, vs.byteOffset + i * 8, 8).toString("hex");
}

const lbl = (name: string, value: string) => ({ name, value });

test("decodes protobufjs-encoded WriteRequests: labels, samples, int64 edges, exemplars, metadata, unknown fields", () => {
  const timestamps = [0, 1, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1_700_000_000_123, 2 ** 53 - 1, -1, -1_700_000_000_123, -(2 ** 53 - 1)];
  const bytes = pbEncode({
    timeseries: [
      {
        labels: [lbl("__name__", "up"), lbl("job", "api"), lbl("zone", "ü-1")],
        samples: timestamps.map((timestamp, i) => ({ value: i + 0.5, timestamp })),
        exemplars: [{ labels: [lbl("trace_id", "abc")], value: 0.25, timestamp: 1000 }],
        extra32: 7,
        extra64: 9,
      },
      { labels: [lbl("__name__", "marker")], samples: [{ value: 12345.678, timestamp: 5 }] },
      { labels: [lbl("__name__", "h")], histograms: [{ countInt: 3, sum: 1, schema: 0, timestamp: 9 }, { countFloat: 2, timestamp: 10 }] },
    ],
    metadata: [{ type: 1, metricFamilyName: "up", help: "Up or down.", unit: "" }],
    future: "ignored",
  });
  // Put Prometheus's stale marker where 12345.678 was: the decoder must keep the exact bits.
  const raw = Buffer.from(bytes);
  const marker = Buffer.alloc(8);
  marker.writeDoubleLE(12345.678);
  const at = raw.indexOf(marker);
  assert.ok(at > 0);
  STALE_BYTES.copy(raw, at);

  const req = decodeWriteRequest(raw);
  assert.equal(req.seriesCount, 3);
  assert.equal(req.sampleCount, timestamps.length + 1);
  const l0 = seriesLabels(req, 0, raw);
  assert.deepEqual(l0, [lbl("__name__", "up"), lbl("job", "api"), lbl("zone", "ü-1")]);
  assert.deepEqual(Array.from(req.t.subarray(0, timestamps.length)), timestamps);
  assert.deepEqual(Array.from(req.v.subarray(0, timestamps.length)), timestamps.map((_, i) => i + 0.5));
  assert.equal(bitsAt(req.v, timestamps.length), STALE_BYTES.toString("hex"));
  assert.deepEqual([req.sampleStart[0], req.sampleStart[1], req.sampleStart[2], req.sampleStart[3]], [0, 12, 13, 13]);
  assert.equal(req.histogramCount, 2);
  assert.deepEqual([req.histogramStart[2], req.histogramStart[3]], [0, 2]);
  assert.deepEqual(req.hs.map((h) => [h.float, h.count]), [[false, 3], [true, 2]]);
  assert.equal(req.exemplarCount, 1);
  assert.equal(req.exSeries[0], 0);
  assert.equal(req.exV[0], 0.25);
  assert.equal(req.exT[0], 1000);
  assert.deepEqual(req.metadata, [{ type: "counter", metricFamilyName: "up", help: "Up or down.", unit: "" }]);
});

test("int64 timestamps beyond 2^53 are rejected with their offset, not rounded", () => {
  const bytes = pbEncode({ timeseries: [{ labels: [lbl("a", "b")], samples: [{ value: 1, timestamp: "1152921504606846976" }] }] }, false);
  assert.throws(() => decodeWriteRequest(bytes), (err: unknown) => err instanceof ProtoDecodeError && /beyond ±2\^53 at byte \d+/.test(err.message));
});

test("our encoder round-trips through protobufjs and through our decoder", () => {
  const input = {
    timeseries: [
      { labels: [lbl("__name__", "x"), lbl("i", "1")], samples: [{ value: 1.5, timestamp: 1_700_000_000_000 }, { value: -2, timestamp: -7 }] },
      { labels: [lbl("__name__", "y")], samples: [{ value: 3, timestamp: 0 }], exemplars: [{ labels: [lbl("t", "z")], value: 9, timestamp: 11 }] },
    ],
    metadata: [{ type: "gauge" as const, metricFamilyName: "y", help: "why", unit: "seconds" }],
  };
  const bytes = encodeWriteRequest(input);
  const viaPb = WriteRequest.toObject(WriteRequest.decode(bytes), { longs: Number, defaults: true }) as {
    timeseries: { labels: unknown[]; samples: { value: number; timestamp: number }[] }[];
  };
  assert.deepEqual(viaPb.timeseries[0].labels, input.timeseries[0].labels);
  assert.deepEqual(viaPb.timeseries[0].samples, input.timeseries[0].samples);
  const req = decodeWriteRequest(bytes);
  assert.equal(req.seriesCount, 2);
  assert.deepEqual(Array.from(req.t.subarray(0, 3)), [1_700_000_000_000, -7, 0]);
  assert.deepEqual(Array.from(req.v.subarray(0, 3)), [1.5, -2, 3]);
  assert.equal(req.exT[0], 11);
  assert.deepEqual(req.metadata, [{ type: "gauge", metricFamilyName: "y", help: "why", unit: "seconds" }]);
  // Large bodies: length prefixes of several bytes.
  const many = { timeseries: Array.from({ length: 3000 }, (_, i) => ({ labels: [lbl("__name__", "m"), lbl("i", String(i))], samples: [{ value: i, timestamp: i }] })) };
  const big = decodeWriteRequest(encodeWriteRequest(many));
  assert.equal(big.seriesCount, 3000);
  assert.equal(big.v[2999], 2999);
});

test("malformed protobuf: every truncation and wrong wire types give ProtoDecodeError, never a crash", () => {
  const bytes = pbEncode({
    timeseries: [{ labels: [lbl("__name__", "up")], samples: [{ value: 1, timestamp: 1_700_000_000_000 }] }],
    metadata: [{ type: 2, metricFamilyName: "up", help: "h" }],
  });
  for (let cut = 1; cut < bytes.length; cut++) {
    try {
      decodeWriteRequest(bytes.subarray(0, cut));
    } catch (err) {
      assert.ok(err instanceof ProtoDecodeError, `cut ${cut}: ${String(err)}`);
    }
  }
  // TimeSeries (field 1) sent as a varint.
  assert.throws(() => decodeWriteRequest(Uint8Array.from([0x08, 0x01])), /WriteRequest\.1: wire type 0, want 2 at byte 0/);
  // Sample.value sent as a varint.
  const badSample = Uint8Array.from([0x0a, 0x04, 0x12, 0x02, 0x08, 0x01]);
  assert.throws(() => decodeWriteRequest(badSample), /Sample\.1: wire type 0, want 1/);
  // A group wire type, field number 0, a length running past the end.
  assert.throws(() => decodeWriteRequest(Uint8Array.from([0x0b])), ProtoDecodeError);
  assert.throws(() => decodeWriteRequest(Uint8Array.from([0x00])), /field number 0/);
  assert.throws(() => decodeWriteRequest(Uint8Array.from([0x0a, 0x7f, 0x00])), /runs past the end/);
});

/** An entry with its own copy of its samples, from index 0. */
function copyEntry(e: SeriesSamples): SeriesSamples {
  const from = e.from ?? 0;
  const n = e.n ?? e.t.length;
  const t = Array.from({ length: n }, (_, i) => e.t[from + i]!);
  const v = Float64Array.from({ length: n }, (_, i) => e.v[from + i]!);
  return { labels: e.labels, t, v, n, from: 0, histograms: e.histograms, series: e.series };
}

/** An appender that records batches (copied: the receiver reuses its entries and columns) and answers as configured. */
class FakeHead implements RemoteWriteAppender {
  batches: AppendBatch[] = [];
  constructor(private readonly answer: (batch: AppendBatch) => AppendResult | Error = () => ({ accepted: 0, rejected: [] })) {}
  async appendBatch(batch: AppendBatch): Promise<AppendResult> {
    this.batches.push(batch.map(copyEntry));
    const a = this.answer(batch);
    if (a instanceof Error) throw a;
    return a;
  }
}

const HEADERS = { "content-encoding": "snappy", "content-type": "application/x-protobuf", "x-prometheus-remote-write-version": "0.1.0" };

test("handler: 204 on success; header checks as Prometheus (absent or another Content-Type → v1; gzip or an unknown proto → 415)", async () => {
  const head = new FakeHead();
  const body = encodeRemoteWriteBody({ timeseries: [{ labels: [lbl("job", "a"), lbl("__name__", "up")], samples: [{ value: 1, timestamp: 10 }] }] });
  assert.deepEqual(await handleRemoteWrite(head, body, HEADERS), { status: 204 });
  assert.deepEqual(head.batches[0][0].labels, [lbl("__name__", "up"), lbl("job", "a")], "labels sorted");
  assert.equal((await handleRemoteWrite(head, body, {})).status, 204);
  assert.equal((await handleRemoteWrite(head, body, new Headers(HEADERS))).status, 204);
  assert.equal((await handleRemoteWrite(head, body, { ...HEADERS, "content-encoding": "gzip" })).status, 415);
  for (const type of ["application/json", "text/plain; charset=utf-8", "application/octet-stream", ""]) {
    assert.equal((await handleRemoteWrite(head, body, { ...HEADERS, "content-type": type })).status, 204, `read by its encoding when sent as ${type}`);
  }
  const v3 = await handleRemoteWrite(head, body, { ...HEADERS, "content-type": "application/x-protobuf;proto=io.prometheus.write.v3.Request" });
  assert.equal(v3.status, 415);
  assert.match(v3.message!, /unsupported protobuf message "io\.prometheus\.write\.v3\.Request": accepted are prometheus\.WriteRequest \(remote_write 1\.0\) and io\.prometheus\.write\.v2\.Request \(2\.0\)/);
  assert.equal((await handleRemoteWrite(head, body, { ...HEADERS, "content-type": "application/x-protobuf;proto=prometheus.WriteRequest" })).status, 204);
});

test("handler: bad snappy, bad protobuf and random bytes → 400 with a message, never a throw", async () => {
  const head = new FakeHead();
  const r1 = await handleRemoteWrite(head, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), HEADERS);
  assert.equal(r1.status, 400);
  assert.match(r1.message!, /snappy/);
  const r2 = await handleRemoteWrite(head, snappy.compress(Uint8Array.from([0x08, 0x01])), HEADERS);
  assert.equal(r2.status, 400);
  assert.match(r2.message!, /protobuf decode error: WriteRequest\.1: wire type 0/);
  assert.equal((await handleRemoteWrite(head, new Uint8Array(0), HEADERS)).status, 400);
  // A literal whose 4-byte length has the top bit set: snappyjs's decoder loops on it forever (found by npm run fuzz).
  const loop = await handleRemoteWrite(head, Buffer.from("18fc1a598af59128e4fd3a4111212734cc0a320a10", "hex"), HEADERS);
  assert.equal(loop.status, 400);
  assert.match(loop.message!, /^snappy decode error: /);
  const bomb = await handleRemoteWrite(head, Uint8Array.from([0xff, 0xff, 0xff, 0x7f, 0x00]), HEADERS);
  assert.match(bomb.message!, /declared length \d+ is impossible/);
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const good = encodeWriteRequest({ timeseries: [{ labels: [lbl("__name__", "up")], samples: [{ value: 1, timestamp: 5 }] }] });
  for (let k = 0; k < 500; k++) {
    const junk = Uint8Array.from(good);
    for (let f = 0; f < 3; f++) junk[Math.floor(rand() * junk.length)] = Math.floor(rand() * 256);
    const res = await handleRemoteWrite(head, snappy.compress(junk), HEADERS);
    assert.ok(res.status === 204 || res.status === 400, `status ${res.status}: ${res.message}`);
    const garbage = Uint8Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256));
    const res2 = await handleRemoteWrite(head, garbage, HEADERS);
    assert.ok(res2.status === 204 || res2.status === 400, `status ${res2.status}`);
  }
});

test("handler: with a snappy thread, every request is answered and stored as on the event loop, good or damaged", async () => {
  const snappyThread = new SnappyWorker();
  const onLoop = { head: new FakeHead(), ctx: createRemoteWriteContext() };
  const onThread = { head: new FakeHead(), ctx: createRemoteWriteContext({ snappy: snappyThread }) };
  try {
    let seed = 11;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const requests: Uint8Array[] = [];
    for (let k = 0; k < 60; k++) {
      const timeseries = Array.from({ length: 1 + Math.floor(rand() * 50) }, (_, i) => ({
        labels: [lbl("__name__", "m" + (k % 5)), lbl("i", String(i)), lbl("k", String(k % 3))],
        samples: [{ value: rand() * 100, timestamp: 1000 * k + i }],
      }));
      const body = encodeRemoteWriteBody({ timeseries });
      if (k % 4 === 3) for (let f = 0; f < 2; f++) body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
      requests.push(body);
    }
    // Four at a time, as concurrent senders: each request's buffers go to the thread and back.
    for (let k = 0; k < requests.length; k += 4) {
      const group = requests.slice(k, k + 4);
      const want = await Promise.all(group.map((b) => handleRemoteWrite(onLoop.head, b, HEADERS, onLoop.ctx)));
      const got = await Promise.all(group.map((b) => handleRemoteWrite(onThread.head, b, HEADERS, onThread.ctx)));
      assert.deepEqual(got, want, `requests ${k}..${k + group.length - 1}`);
    }
    assert.ok(onLoop.head.batches.length > 30, "most requests stored");
    assert.deepEqual(onThread.head.batches, onLoop.head.batches);
    assert.equal(snappyThread.fallbacks, 0, "decoded on the thread");
  } finally {
    await snappyThread.close();
  }
});

test("handler: rejected samples → 400 naming them, accepted ones stay; WAL failure → 500", async () => {
  const head = new Head();
  const ctx = createRemoteWriteContext({ registry: new Registry() });
  const first = encodeRemoteWriteBody({
    timeseries: [{ labels: [lbl("__name__", "a")], samples: [{ value: 1, timestamp: 1000 }, { value: 2, timestamp: 2000 }] }],
  });
  assert.equal((await handleRemoteWrite(head, first, HEADERS, ctx)).status, 204);
  const second = encodeRemoteWriteBody({
    timeseries: [
      { labels: [lbl("__name__", "a")], samples: [{ value: 9, timestamp: 1500 }, { value: 3, timestamp: 3000 }] },
      { labels: [lbl("__name__", "b")], samples: [{ value: 4, timestamp: 3000 }] },
      { labels: [lbl("__name__", "c"), lbl("__name__", "d")], samples: [{ value: 4, timestamp: 3000 }] },
    ],
  });
  const res = await handleRemoteWrite(head, second, HEADERS, ctx);
  assert.equal(res.status, 400);
  assert.match(res.message!, /1 samples rejected as out_of_order/);
  assert.match(res.message!, /1 series with invalid labels .*repeated/);
  const names: string[] = [];
  let samples = 0;
  for await (const frame of head.series({ minTime: 0, maxTime: 10_000, matchers: [{ name: "__name__", op: "=~", value: ".+" }] })) {
    for (const s of frame.series) {
      names.push(s.labels[0].value);
      samples += s.chunks.length;
    }
  }
  assert.deepEqual(names, ["a", "b"], "the accepted part of the request is stored");
  const failing = new FakeHead(() => new Error("disk full"));
  const r500 = await handleRemoteWrite(failing, first, HEADERS);
  assert.equal(r500.status, 500);
  assert.match(r500.message!, /disk full/);
});

test("handler: exemplars and metadata are kept and queryable", async () => {
  const head = new FakeHead();
  const ctx = createRemoteWriteContext({ maxExemplars: 3 });
  const body = encodeRemoteWriteBody({
    timeseries: [
      {
        labels: [lbl("__name__", "req_total"), lbl("job", "api")],
        samples: [{ value: 1, timestamp: 100 }],
        exemplars: [
          { labels: [lbl("trace_id", "t1")], value: 1, timestamp: 100 },
          { labels: [lbl("trace_id", "t0")], value: 1, timestamp: 50 },
        ],
      },
      { labels: [lbl("__name__", "other")], samples: [], exemplars: [{ labels: [lbl("trace_id", "t2")], value: 2, timestamp: 200 }] },
    ],
    metadata: [{ type: "counter", metricFamilyName: "req_total", help: "Requests.", unit: "" }],
  });
  assert.equal((await handleRemoteWrite(head, body, HEADERS, ctx)).status, 204);
  const sel = ctx.exemplars.select([{ name: "job", op: "=", value: "api" }], 0, 1000);
  assert.deepEqual(sel, [
    { seriesLabels: [lbl("__name__", "req_total"), lbl("job", "api")], exemplars: [{ labels: [lbl("trace_id", "t1")], value: 1, timestamp: 100 }] },
  ]);
  assert.equal(ctx.exemplars.select([[{ name: "__name__", op: "=~", value: "other|req_total" }]], 150, 1000).length, 1);
  assert.deepEqual(ctx.metadata.get("req_total"), { req_total: [{ type: "counter", help: "Requests.", unit: "" }] });
});

test("ExemplarStore is a bounded ring; MetadataStore bounds families and honours limits", () => {
  const store = new ExemplarStore(3);
  const s = [lbl("__name__", "x")];
  for (let t = 1; t <= 5; t++) assert.equal(store.add(s, [lbl("trace_id", String(t))], t, t), "added");
  assert.equal(store.add(s, [], 0, 5), "duplicate");
  assert.equal(store.add(s, [], 0, 4), "out_of_order");
  assert.equal(store.length, 3);
  assert.deepEqual(store.select([], 0, 100)[0].exemplars.map((e) => e.timestamp), [3, 4, 5]);

  const md = new MetadataStore({ maxFamilies: 2, maxPerFamily: 2 });
  md.add({ type: "gauge", metricFamilyName: "a", help: "1", unit: "" });
  md.add({ type: "gauge", metricFamilyName: "a", help: "2", unit: "" });
  md.add({ type: "gauge", metricFamilyName: "a", help: "3", unit: "" });
  md.add({ type: "counter", metricFamilyName: "b", help: "", unit: "" });
  assert.deepEqual(md.get("a")["a"].map((e) => e.help), ["3", "2"]);
  md.add({ type: "counter", metricFamilyName: "c", help: "", unit: "" });
  assert.deepEqual(Object.keys(md.get()), ["b", "c"]);
  assert.deepEqual(Object.keys(md.get(undefined, 1)), ["b"]);
  assert.deepEqual(md.get("a", undefined), {});
});

test("ExemplarStore keeps series apart whatever characters their label values hold", () => {
  const store = new ExemplarStore(10);
  // Joined with a separator character these would be one series: a="xÿbÿy" vs a="x",b="y".
  assert.equal(store.add([lbl("a", "x\xffb\xffy")], [], 1, 100), "added");
  assert.equal(store.add([lbl("a", "x"), lbl("b", "y")], [], 2, 100), "added");
  assert.equal(store.select([], 0, 1000).length, 2);
});

test("StringInterner returns one shared string per ASCII value, decodes UTF-8, and stays bounded", async () => {
  const { StringInterner } = await import("./intern.js");
  const strings = new StringInterner(3);
  const buf = Buffer.from("job|api|job|zoné|x|y|z");
  const a = strings.get(buf, 0, 3, buf);
  const b = strings.get(buf, 8, 11, buf);
  assert.equal(a, "job");
  assert.ok(Object.is(a, b));
  assert.equal(strings.get(buf, 12, 17, buf), "zoné");
  assert.equal(strings.get(buf, 4, 7, buf), "api");
  strings.get(buf, 18, 19, buf);
  strings.get(buf, 20, 21, buf);
  assert.ok(strings.size <= 3);
});

test("LabelInterner returns one shared label per ASCII pair, tells pairs apart byte for byte, decodes UTF-8, and stays bounded", async () => {
  const { LabelInterner, StringInterner } = await import("./intern.js");
  const strings = new StringInterner();
  const pairs = new LabelInterner(strings, 4);
  const buf = Buffer.from("jobapi|jobapi|abc|zoné");
  const a = pairs.get(buf, 0, 3, 3, 6, buf);
  assert.deepEqual(a, { name: "job", value: "api" });
  assert.equal(pairs.get(buf, 7, 10, 10, 13, buf), a, "the same pair is the same object");
  assert.deepEqual(pairs.get(buf, 14, 16, 16, 17, buf), { name: "ab", value: "c" });
  assert.deepEqual(pairs.get(buf, 14, 15, 15, 17, buf), { name: "a", value: "bc" });
  assert.deepEqual(pairs.get(buf, 14, 15, 16, 17, buf), { name: "a", value: "c" });
  assert.deepEqual(pairs.get(buf, 18, 23, 14, 15, buf), { name: "zoné", value: "a" });
  assert.equal(pairs.get(Buffer.from([0x61, 0xc3, 0x28]), 0, 1, 1, 3, Buffer.from([0x61, 0xc3, 0x28])), undefined, "invalid UTF-8");
  assert.equal(pairs.size, 4);
  pairs.get(buf, 15, 16, 16, 17, buf);
  assert.ok(pairs.size <= 4);
  assert.deepEqual(pairs.get(buf, 0, 3, 3, 6, buf), { name: "job", value: "api" });
});

test("series labels: sorted in UTF-8 order, empty values dropped, bad UTF-8 / empty names / repeats rejected", async () => {
  const { LabelInterner, StringInterner } = await import("./intern.js");
  const cases: [{ name: string | Buffer; value: string | Buffer }[], unknown][] = [
    [[lbl("zeta", "1"), lbl("__name__", "m"), lbl("empty", "")], [lbl("__name__", "m"), lbl("zeta", "1")]],
    [[lbl("\uffff", "a"), lbl("\u{10000}", "b")], [lbl("\uffff", "a"), lbl("\u{10000}", "b")]],
    [[lbl("__name__", "m"), { name: "bad", value: Buffer.from([0xc3, 0x28]) }], /not valid UTF-8/],
    [[{ name: Buffer.from([0xff]), value: "" }], /not valid UTF-8/],
    [[lbl("", "x")], /empty label name/],
    [[lbl("b", "1"), lbl("a", "2"), lbl("b", "3")], /label name "b" repeated/],
    [[lbl("a", "")], /all label values are empty/],
  ];
  const Raw = protobuf.parse(`syntax = "proto3"; package r;
    message L { bytes name = 1; bytes value = 2; } message T { repeated L labels = 1; } message W { repeated T timeseries = 1; }`).root.lookupType("r.W");
  for (const [labels, want] of cases) {
    const bytes = Raw.encode(Raw.fromObject({ timeseries: [{ labels: labels.map((l) => ({ name: Buffer.from(l.name), value: Buffer.from(l.value) })) }] })).finish();
    const req = decodeWriteRequest(bytes);
    const strings = new StringInterner();
    for (const [s, pairs] of [[undefined, undefined], [strings, undefined], [strings, new LabelInterner(strings)]] as const) {
      const got = seriesLabels(req, 0, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), s, pairs);
      if (want instanceof RegExp) assert.match(String(got), want);
      else assert.deepEqual(got, want);
    }
  }
});

test("handler: a request that lost data is logged with its first series and reason, at most once per interval", async () => {
  let answer: AppendResult = { accepted: 1, rejected: [{ reason: "too_far_in_future", kind: "sample", count: 2, firstError: 'sample at 9e12 is more than 600000 ms ahead of the clock, series {__name__="up"}' }] };
  const head = new FakeHead(() => answer);
  const lines: string[] = [];
  let now = 0;
  const ctx = createRemoteWriteContext({ log: (l) => lines.push(l), logIntervalMs: 10_000, now: () => now });
  const body = encodeRemoteWriteBody({ timeseries: [{ labels: [lbl("__name__", "up")], samples: [{ value: 1, timestamp: 10 }] }] });
  for (let i = 0; i < 3; i++) assert.equal((await handleRemoteWrite(head, body, HEADERS, ctx)).status, 400);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^remote_write: answered 400, data not stored: 2 samples rejected as too_far_in_future \(first: .*series \{__name__="up"\}\)$/);
  now = 10_000;
  await handleRemoteWrite(head, body, HEADERS, ctx);
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /\(2 more such requests since the last message\)$/);
  answer = { accepted: 1, rejected: [] };
  now = 30_000;
  assert.equal((await handleRemoteWrite(head, body, HEADERS, ctx)).status, 204);
  assert.equal(lines.length, 2, "a request that stored everything is not logged");
});
