// The known-series fast path: a series already in the head is found from its label bytes, and every
// request is answered and stored exactly as without it (label order, values, collisions, invalid
// labels, tenants, rejections, series removed by truncation).
import { test } from "node:test";
import assert from "node:assert/strict";
import snappy from "snappyjs";
import { labelsFromRecord, labelsKey, mergeSeriesChunks, type Label, type Labels } from "../../../storeapi/index.js";
import { Head, type SeriesHandle } from "../index.js";
import {
  KnownSeries,
  createRemoteWriteContext,
  decodeWriteRequest,
  encodeRemoteWriteBody,
  encodeWriteRequest,
  encodeWriteRequestV2,
  handleRemoteWrite,
  sameLabelBytes,
  type RemoteWriteAppender,
  type RemoteWriteContext,
  type WriteTimeSeries,
} from "./index.js";

const HEADERS = { "content-encoding": "snappy", "content-type": "application/x-protobuf" };
const V2_HEADERS = { "content-encoding": "snappy", "content-type": "application/x-protobuf;proto=io.prometheus.write.v2.Request" };

/** Labels in the order given (labelsFromRecord would sort them). */
const inOrder = (...pairs: [string, string][]): Labels => pairs.map(([name, value]) => ({ name, value }));

const series = (labels: Labels, ...samples: [number, number][]): WriteTimeSeries => ({
  labels,
  samples: samples.map(([timestamp, value]) => ({ timestamp, value })),
});

const body = (...timeseries: WriteTimeSeries[]): Uint8Array => encodeRemoteWriteBody({ timeseries });

async function dump(head: Head): Promise<Record<string, [number, number][]>> {
  const out: Record<string, [number, number][]> = {};
  const request = { minTime: -8.64e15, maxTime: 8.64e15, matchers: [{ name: "__name__", op: "=~" as const, value: ".*" }] };
  for await (const frame of head.series(request)) {
    for (const s of frame.series) {
      const { ts, vs, length } = mergeSeriesChunks(s, request.minTime, request.maxTime);
      out[labelsKey(s.labels)] = Array.from({ length }, (_, i) => [ts[i], vs[i]] as [number, number]);
    }
  }
  return out;
}

/** Counts the labels and label strings the slow path decodes (the fast path decodes none). */
function countDecodes(ctx: RemoteWriteContext): { n: number } {
  const counter = { n: 0 };
  const get = ctx.strings.get.bind(ctx.strings);
  ctx.strings.get = (...args) => {
    counter.n++;
    return get(...args);
  };
  const getPair = ctx.pairs.get.bind(ctx.pairs);
  ctx.pairs.get = (...args) => {
    counter.n++;
    return getPair(...args);
  };
  return counter;
}

test("sameLabelBytes: exact bytes in order match the head's label set; order, values, empties and tenants are told apart", () => {
  const decoded = (labels: Labels) => decodeWriteRequest(encodeWriteRequest({ timeseries: [series(labels, [1, 1])] }));
  const head = labelsFromRecord({ __name__: "up", job: "api" });
  assert.equal(sameLabelBytes(decoded(inOrder(["__name__", "up"], ["job", "api"])), 0, head, undefined), true);
  assert.equal(sameLabelBytes(decoded(inOrder(["job", "api"], ["__name__", "up"])), 0, head, undefined), false);
  assert.equal(sameLabelBytes(decoded(inOrder(["__name__", "up"], ["job", "apj"])), 0, head, undefined), false);
  assert.equal(sameLabelBytes(decoded(inOrder(["__name__", "up"])), 0, head, undefined), false);
  assert.equal(sameLabelBytes(decoded(inOrder(["__name__", "up"], ["job", "api"], ["zone", ""])), 0, head, undefined), false);
  // Non-ASCII text is left to the slow path, which checks its UTF-8.
  const accented = labelsFromRecord({ __name__: "up", job: "é" });
  assert.equal(sameLabelBytes(decoded(accented), 0, accented, undefined), false);
  const tenant: Label = { name: "tenant_id", value: "t1" };
  const withTenant = labelsFromRecord({ __name__: "up", job: "api", tenant_id: "t1" });
  assert.equal(sameLabelBytes(decoded(inOrder(["__name__", "up"], ["job", "api"])), 0, withTenant, tenant), true);
  assert.equal(sameLabelBytes(decoded(inOrder(["__name__", "up"], ["job", "api"])), 0, withTenant, { name: "tenant_id", value: "t2" }), false);
  assert.equal(sameLabelBytes(decoded(inOrder(["__name__", "up"], ["job", "api"])), 0, head, tenant), false);
  // The sender's own tenant label is replaced on the slow path, so those bytes are not the stored set.
  assert.equal(sameLabelBytes(decoded(inOrder(["__name__", "up"], ["job", "api"], ["tenant_id", "t1"])), 0, withTenant, tenant), false);
  // No labels at all is invalid, even when the tenant label would be the only one.
  assert.equal(sameLabelBytes(decoded([]), 0, labelsFromRecord({ tenant_id: "t1" }), tenant), false);
});

test("a series seen before is found from its label bytes: no label string decoded, samples in its series", async () => {
  const head = new Head();
  const ctx = createRemoteWriteContext();
  const decodes = countDecodes(ctx);
  const labels = inOrder(["__name__", "up"], ["instance", "a:9100"], ["job", "node"]);
  assert.equal((await handleRemoteWrite(head, body(series(labels, [1000, 1])), HEADERS, ctx)).status, 204);
  assert.equal(ctx.known.size, 1);
  const first = decodes.n;
  assert.ok(first > 0);
  assert.equal((await handleRemoteWrite(head, body(series(labels, [2000, 2])), HEADERS, ctx)).status, 204);
  assert.equal(decodes.n, first, "the known series decoded no label string");
  assert.deepEqual(await dump(head), { [labelsKey(labelsFromRecord({ __name__: "up", instance: "a:9100", job: "node" }))]: [[1000, 1], [2000, 2]] });
});

test("label bytes in another order or with another value map to the right series", async () => {
  const head = new Head();
  const ctx = createRemoteWriteContext();
  const sorted = inOrder(["__name__", "up"], ["job", "api"]);
  const reversed = inOrder(["job", "api"], ["__name__", "up"]);
  const other = inOrder(["__name__", "up"], ["job", "apj"]);
  assert.equal((await handleRemoteWrite(head, body(series(sorted, [1000, 1])), HEADERS, ctx)).status, 204);
  assert.equal((await handleRemoteWrite(head, body(series(reversed, [2000, 2]), series(other, [2000, 5])), HEADERS, ctx)).status, 204);
  assert.equal((await handleRemoteWrite(head, body(series(other, [3000, 6]), series(reversed, [3000, 3]), series(sorted, [4000, 4])), HEADERS, ctx)).status, 204);
  // The reversed bytes are not the stored set's, so they are never remembered: they take the slow path.
  assert.equal(ctx.known.size, 2);
  assert.deepEqual(await dump(head), {
    [labelsKey(labelsFromRecord({ __name__: "up", job: "api" }))]: [[1000, 1], [2000, 2], [3000, 3], [4000, 4]],
    [labelsKey(labelsFromRecord({ __name__: "up", job: "apj" }))]: [[2000, 5], [3000, 6]],
  });
});

test("a series created from bytes that are not its label set exactly (out of order, an empty value, not ASCII) is never remembered, however often it comes", async () => {
  const head = new Head();
  const ctx = createRemoteWriteContext();
  const reversed = inOrder(["job", "api"], ["__name__", "up"]);
  const withEmpty = inOrder(["__name__", "up"], ["a", ""], ["job", "db"]);
  const notAscii = inOrder(["__name__", "up"], ["job", "zoné"]);
  const plain = inOrder(["__name__", "up"], ["job", "web"]);
  for (let r = 0; r < 3; r++) {
    const t = 1000 * (r + 1);
    assert.equal((await handleRemoteWrite(head, body(series(reversed, [t, r]), series(withEmpty, [t, 10 + r]), series(notAscii, [t, 20 + r]), series(plain, [t, 30 + r])), HEADERS, ctx)).status, 204);
    assert.equal(ctx.known.size, 1, `round ${r}: only the series sent as its label set is remembered`);
  }
  assert.deepEqual(await dump(head), {
    [labelsKey(labelsFromRecord({ __name__: "up", job: "api" }))]: [[1000, 0], [2000, 1], [3000, 2]],
    [labelsKey(labelsFromRecord({ __name__: "up", job: "db" }))]: [[1000, 10], [2000, 11], [3000, 12]],
    [labelsKey(labelsFromRecord({ __name__: "up", job: "zoné" }))]: [[1000, 20], [2000, 21], [3000, 22]],
    [labelsKey(labelsFromRecord({ __name__: "up", job: "web" }))]: [[1000, 30], [2000, 31], [3000, 32]],
  });
});

test("label-bytes hash collisions: series sharing a hash are told apart byte for byte", async () => {
  const head = new Head();
  const ctx = createRemoteWriteContext({ known: new KnownSeries({ hash: () => 7 }) });
  const decodes = countDecodes(ctx);
  const sets = ["a", "b", "c"].map((job) => inOrder(["__name__", "up"], ["job", job]));
  assert.equal((await handleRemoteWrite(head, body(...sets.map((l, i) => series(l, [1000, i]))), HEADERS, ctx)).status, 204);
  assert.equal(ctx.known.size, 3);
  const before = decodes.n;
  assert.equal((await handleRemoteWrite(head, body(...sets.reverse().map((l, i) => series(l, [2000, 10 + i]))), HEADERS, ctx)).status, 204);
  assert.equal(decodes.n, before, "all three found despite the shared hash");
  assert.deepEqual(await dump(head), {
    [labelsKey(labelsFromRecord({ __name__: "up", job: "a" }))]: [[1000, 0], [2000, 12]],
    [labelsKey(labelsFromRecord({ __name__: "up", job: "b" }))]: [[1000, 1], [2000, 11]],
    [labelsKey(labelsFromRecord({ __name__: "up", job: "c" }))]: [[1000, 2], [2000, 10]],
  });
});

test("the same label bytes from two tenants are two series, each with its tenant label", async () => {
  const head = new Head();
  const ctx = createRemoteWriteContext();
  const labels = inOrder(["__name__", "up"], ["job", "api"]);
  for (const [t, tenant] of [[1000, "t1"], [1000, "t2"], [2000, "t1"], [2000, "t2"]] as const) {
    const res = await handleRemoteWrite(head, body(series(labels, [t, tenant === "t1" ? 1 : 2])), HEADERS, ctx, { name: "tenant_id", value: tenant });
    assert.equal(res.status, 204);
  }
  assert.deepEqual(await dump(head), {
    [labelsKey(labelsFromRecord({ __name__: "up", job: "api", tenant_id: "t1" }))]: [[1000, 1], [2000, 1]],
    [labelsKey(labelsFromRecord({ __name__: "up", job: "api", tenant_id: "t2" }))]: [[1000, 2], [2000, 2]],
  });
});

/** A request sequence touching every rule: known series, invalid labels, rejections, exemplars, 2.0. */
function sequence(): { body: Uint8Array; headers: Record<string, string>; tenant?: Label }[] {
  const a = inOrder(["__name__", "up"], ["job", "api"]);
  const b = inOrder(["__name__", "up"], ["job", "db"]);
  const repeated = inOrder(["__name__", "up"], ["__name__", "up"]);
  const emptyValue = inOrder(["__name__", "up"], ["job", "api"], ["zone", ""]);
  const utf8 = inOrder(["__name__", "up"], ["job", "ü"]);
  const withExemplar: WriteTimeSeries = { ...series(a, [5000, 5]), exemplars: [{ labels: labelsFromRecord({ trace_id: "x" }), value: 5, timestamp: 5000 }] };
  // Invalid UTF-8 in a value: "ü" is c3 bc; replacing it with ff ff keeps every length.
  const badUtf8 = Buffer.from(encodeWriteRequest({ timeseries: [series(utf8, [9000, 1])] }));
  badUtf8.set([0xff, 0xff], badUtf8.indexOf(Buffer.from("ü")));
  return [
    { body: body(series(a, [1000, 1]), series(b, [1000, 1])), headers: HEADERS },
    { body: body(series(a, [2000, 2]), series(repeated, [2000, 2]), series(b, [500, 9])), headers: HEADERS },
    { body: body(series(a, [2000, 3]), series(b, [2000, 2])), headers: HEADERS },
    { body: body(series(a, [2000, 2]), series(emptyValue, [3000, 3]), series(utf8, [3000, 4])), headers: HEADERS },
    { body: snappy.compress(badUtf8), headers: HEADERS },
    { body: body(series(inOrder(), [4000, 1]), series(b, [4000, 4])), headers: HEADERS },
    { body: body(withExemplar), headers: HEADERS },
    { body: body(series(a, [6000, 6])), headers: HEADERS, tenant: { name: "tenant_id", value: "t1" } },
    { body: body(series(a, [7000, 7])), headers: HEADERS, tenant: { name: "tenant_id", value: "t1" } },
    { body: snappy.compress(encodeWriteRequestV2([{ labels: a, samples: [{ value: 8, timestamp: 8000 }] }, { labels: b, samples: [{ value: 1, timestamp: 100 }] }])), headers: V2_HEADERS },
    { body: body(series(a, [9000, 9]), series(utf8, [9000, 9])), headers: HEADERS },
  ];
}

test("every request is answered and stored exactly as without the fast path", async () => {
  const fastHead = new Head();
  const fast = createRemoteWriteContext();
  const slowHead = new Head();
  // Without labelsOf the receiver has no way to the head's series: every label set is decoded.
  const slowAppender: RemoteWriteAppender = { appendBatch: (batch) => slowHead.appendBatch(batch) };
  const slow = createRemoteWriteContext();
  const statuses = new Set<number>();
  for (const [i, req] of sequence().entries()) {
    const got = await handleRemoteWrite(fastHead, req.body, req.headers, fast, req.tenant);
    const want = await handleRemoteWrite(slowAppender, req.body, req.headers, slow, req.tenant);
    assert.deepEqual(got, want, `request ${i}`);
    statuses.add(got.status);
  }
  assert.deepEqual([...statuses].sort(), [204, 400]);
  assert.ok(fast.known.size >= 2);
  assert.equal(slow.known.size, 0);
  assert.deepEqual(await dump(fastHead), await dump(slowHead));
  const exemplars = (ctx: RemoteWriteContext) => ctx.exemplars.select([[{ name: "__name__", op: "=", value: "up" }]], 0, 10_000);
  assert.deepEqual(exemplars(fast), exemplars(slow));
});

test("a known series the head has since removed is created again", async () => {
  const head = new Head({ minValidTime: -Infinity });
  const ctx = createRemoteWriteContext();
  const labels = inOrder(["__name__", "up"], ["job", "api"]);
  assert.equal((await handleRemoteWrite(head, body(series(labels, [1000, 1])), HEADERS, ctx)).status, 204);
  await head.truncate(10_000);
  assert.equal(head.numSeries(), 0);
  assert.equal((await handleRemoteWrite(head, body(series(labels, [20_000, 2])), HEADERS, ctx)).status, 204);
  assert.equal((await handleRemoteWrite(head, body(series(labels, [30_000, 3])), HEADERS, ctx)).status, 204);
  assert.deepEqual(await dump(head), { [labelsKey(labelsFromRecord({ __name__: "up", job: "api" }))]: [[20_000, 2], [30_000, 3]] });
});

test("Head.appendBatch: handles out, and a handle is taken only with its series' own label set, from this head, while held", async () => {
  const head = new Head({ minValidTime: -Infinity });
  const a = labelsFromRecord({ __name__: "up", job: "a" });
  const b = labelsFromRecord({ __name__: "up", job: "b" });
  const handles: (SeriesHandle | undefined)[] = [];
  await head.appendBatch([{ labels: a, t: [1000], v: [1] }, { labels: b, t: [1000], v: [2] }, { labels: [], t: [1000], v: [3] }], handles);
  const [ha, hb] = handles;
  assert.ok(ha !== undefined && hb !== undefined && ha !== hb);
  assert.equal(handles[2], undefined);
  assert.equal(labelsKey(ha.labels), labelsKey(a));
  // b's handle with a's labels: a's series (the labels win); a's handle with its own set: a's series.
  await head.appendBatch([{ labels: a, t: [2000], v: [10], series: hb }, { labels: ha.labels, t: [3000], v: [11], series: ha }], handles);
  assert.equal(handles[0], ha);
  // Another head's handle with its own labels: this head's series of those labels.
  const other = new Head();
  const otherHandles: (SeriesHandle | undefined)[] = [];
  await other.appendBatch([{ labels: b, t: [1000], v: [1] }], otherHandles);
  await head.appendBatch([{ labels: otherHandles[0]!.labels, t: [2000], v: [20], series: otherHandles[0] }], handles);
  assert.equal(handles[0], hb);
  // Samples from an offset into shared columns.
  await head.appendBatch([{ labels: b, t: [0, 3000, 4000, 0], v: Float64Array.of(0, 30, 40, 0), from: 1, n: 2 }]);
  assert.deepEqual(await dump(head), {
    [labelsKey(a)]: [[1000, 1], [2000, 10], [3000, 11]],
    [labelsKey(b)]: [[1000, 2], [2000, 20], [3000, 30], [4000, 40]],
  });
  // A removed series' handle is refused: the labels create the series again.
  await head.truncate(10_000);
  assert.equal(head.numSeries(), 0);
  await head.appendBatch([{ labels: ha.labels, t: [20_000], v: [1], series: ha }], handles);
  assert.notEqual(handles[0], ha);
  assert.equal(head.numSeries(), 1);
});
