// PrometheusStore against a fake remote_read server: framing, CRCs, garbage, HTTP errors, timeouts.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import snappy from "snappyjs";
import {
  CounterResetHint,
  FloatHistogramChunkIterator,
  HistogramChunkIterator,
  crc32c,
  prompb,
  XorChunk,
  type Matcher,
  type NativeHistogram,
  type SeriesFrame,
} from "../../storeapi/index.js";
import { PrometheusStore, PrometheusStoreError, externalLabelsFromConfig } from "./index.js";

const STREAMED = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";
type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end();
let lastRead: Record<string, unknown> | undefined;

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    const body = Buffer.concat(parts);
    if (req.url === "/api/v1/status/config") {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ status: "success", data: { yaml: "global:\n  scrape_interval: 1m\n  external_labels:\n    region: eu-1\nscrape_configs:\n- job_name: x\n  static_configs:\n  - targets:\n    - a:1\n" } }));
      return;
    }
    if (req.url === "/api/v1/read") {
      lastRead = prompb.ReadRequest.toObject(prompb.ReadRequest.decode(snappy.uncompress(body)), { longs: Number, enums: Number, defaults: true });
    }
    handler(req, body, res);
  });
});
const url = await new Promise<string>((resolve) =>
  server.listen(0, "127.0.0.1", () => {
    const a = server.address();
    resolve(`http://127.0.0.1:${typeof a === "object" && a !== null ? a.port : 0}`);
  }),
);
after(() => server.close());

function chunkBytes(ts: number[]): Uint8Array {
  const c = new XorChunk();
  for (const t of ts) c.append(t, t / 10);
  return c.bytes().slice();
}

function frame(series: { labels: Record<string, string>; ts: number[] }[], queryIndex = 0): Buffer {
  const msg = prompb.ChunkedReadResponse.encode({
    chunkedSeries: series.map((s) => ({
      labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
      chunks: [{ minTimeMs: s.ts[0], maxTimeMs: s.ts[s.ts.length - 1], type: 1, data: chunkBytes(s.ts) }],
    })),
    queryIndex,
  }).finish();
  return withHeader(Buffer.from(msg));
}

function withHeader(msg: Buffer, crc = crc32c(msg)): Buffer {
  const len: number[] = [];
  let n = msg.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc);
  return Buffer.concat([Buffer.from(len), c, msg]);
}

function streamed(...pieces: Buffer[]): Handler {
  return (_req, _body, res) => {
    res.setHeader("Content-Type", STREAMED);
    for (const p of pieces) res.write(p);
    res.end();
  };
}

const store = (timeoutMs = 5_000) => new PrometheusStore({ url, timeoutMs });
const request = (matchers: Matcher[] = [{ name: "__name__", op: "=", value: "up" }]) => ({ minTime: 0, maxTime: 10_000, matchers });

async function read(s: PrometheusStore, matchers?: Matcher[], signal?: AbortSignal): Promise<SeriesFrame[]> {
  const out: SeriesFrame[] = [];
  for await (const f of s.series(request(matchers), signal)) out.push(f);
  return out;
}

test("streamed frames: split across writes, a series continued in the next frame is joined, CRCs checked", async () => {
  const f1 = frame([{ labels: { __name__: "up", job: "a", region: "eu-1" }, ts: [1000, 2000] }]);
  const f2 = frame([
    { labels: { __name__: "up", job: "a", region: "eu-1" }, ts: [3000] },
    { labels: { __name__: "up", job: "b", region: "eu-1" }, ts: [1000] },
  ]);
  const whole = Buffer.concat([f1, f2]);
  handler = streamed(whole.subarray(0, 3), whole.subarray(3, 20), whole.subarray(20));
  const frames = await read(store(), [
    { name: "__name__", op: "=", value: "up" },
    { name: "region", op: "=~", value: "eu.*" },
  ]);
  const series = frames.flatMap((f) => f.series);
  assert.deepEqual(frames.flatMap((f) => f.warnings), []);
  assert.deepEqual(series.map((s) => [s.labels.map((l) => l.value).join(","), s.chunks.length]), [["up,a,eu-1", 2], ["up,b,eu-1", 1]]);
  // Chunks pass through byte for byte, with their time bounds.
  const first = series[0]!.chunks.map((c) => [c.minTime, c.maxTime, c.raw!.encoding, Buffer.from(c.raw!.data).toString("hex")]);
  assert.deepEqual(first, [
    [1000, 2000, 1, Buffer.from(chunkBytes([1000, 2000])).toString("hex")],
    [3000, 3000, 1, Buffer.from(chunkBytes([3000])).toString("hex")],
  ]);
  // The external label's matcher was settled here, not sent; streamed chunks were offered first.
  const sent = lastRead as { queries: { matchers: unknown[] }[]; acceptedResponseTypes: number[] };
  assert.deepEqual(sent.queries[0]!.matchers, [{ type: 0, name: "__name__", value: "up" }]);
  assert.deepEqual(sent.acceptedResponseTypes, [1, 0]);
});

test("series out of label order are passed on with a warning", async () => {
  handler = streamed(frame([{ labels: { __name__: "up", job: "b" }, ts: [1] }]), frame([{ labels: { __name__: "up", job: "a" }, ts: [1] }]));
  const frames = await read(store());
  assert.match(frames.flatMap((f) => f.warnings).join("\n"), /out of label order: \{__name__="up", job="a"\} after \{__name__="up", job="b"\}/);
});

test("a matcher on an external label that fails sends nothing and returns no series", async () => {
  lastRead = undefined;
  assert.deepEqual(await read(store(), [{ name: "region", op: "=", value: "us-1" }]), []);
  assert.equal(lastRead, undefined);
});

const bad: [string, Handler, RegExp][] = [
  ["a bad CRC", streamed(withHeader(frame([{ labels: { __name__: "up" }, ts: [1] }]).subarray(5), 12345)), /frame 0 at byte 0: CRC32C mismatch \(got 0x[0-9a-f]{8}, frame says 0x00003039\)/],
  ["a bad CRC in an empty frame", streamed(frame([]), withHeader(Buffer.alloc(0), 1)), /frame 1 at byte 5: CRC32C mismatch/],
  ["a truncated frame", streamed(frame([{ labels: { __name__: "up" }, ts: [1] }]).subarray(0, 12)), /truncated frame 0 at byte 0/],
  ["a second frame truncated", streamed(Buffer.concat([frame([{ labels: { __name__: "up" }, ts: [1] }]), Buffer.from([0x05, 0, 0])])), /truncated frame 1 at byte \d+: 3 bytes left/],
  ["a message that is not protobuf", streamed(withHeader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]))), /frame 0 at byte 0: not a ChunkedReadResponse/],
  ["garbage bytes", streamed(Buffer.from("<html>Not remote read at all, just an HTML page</html>")), /truncated frame 0 at byte 0: 54 bytes left/],
  ["a frame for another query", streamed(frame([{ labels: { __name__: "up" }, ts: [1] }], 3)), /streamed frame for query 3/],
  [
    "a SAMPLES body that is not snappy",
    (_q, _b, res) => {
      res.setHeader("Content-Type", "application/x-protobuf");
      res.end("definitely not snappy");
    },
    /SAMPLES response is not a snappy ReadResponse/,
  ],
  [
    "an HTTP error",
    (_q, _b, res) => {
      res.statusCode = 400;
      res.end("remote read: bad matcher\n");
    },
    /POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/read: HTTP 400: "remote read: bad matcher"/,
  ],
  [
    "an unexpected Content-Type",
    (_q, _b, res) => {
      res.setHeader("Content-Type", "text/html");
      res.end("<html></html>");
    },
    /unexpected Content-Type "text\/html"/,
  ],
];

for (const [what, h, want] of bad) {
  test(`${what} is an error naming the store`, async () => {
    handler = h;
    await assert.rejects(read(store()), (err: unknown) => {
      assert.ok(err instanceof PrometheusStoreError, String(err));
      assert.match(err.message, new RegExp(`^prometheus store ${url.replace(/[.]/g, "\\.")}: `));
      assert.match(err.message, want);
      return true;
    });
  });
}

test("a server that does not answer times out; the caller's abort cancels the request", async () => {
  const hung: ServerResponse[] = [];
  handler = (_q, _b, res) => {
    res.setHeader("Content-Type", STREAMED);
    res.flushHeaders();
    hung.push(res);
  };
  await assert.rejects(read(store(200)), /POST .*\/api\/v1\/read: timed out after 200 ms/);
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error("query cancelled")), 100);
  await assert.rejects(read(store(), undefined, ac.signal), /^Error: query cancelled$/);
  for (const r of hung) r.destroy();
});

test("an unreachable server is an error naming it", async () => {
  const s = new PrometheusStore({ url: "http://127.0.0.1:1", timeoutMs: 2_000 });
  await assert.rejects(s.info(), /^PrometheusStoreError: prometheus store http:\/\/127\.0\.0\.1:1: GET http:\/\/127\.0\.0\.1:1\/api\/v1\/status\/config: fetch failed/);
});

test("external labels from Prometheus's configuration YAML", () => {
  const yaml = [
    "global:",
    "  scrape_interval: 15s",
    "  external_labels:",
    "    cluster: prod",
    '    replica: "1"',
    '    zone: "a: b"',
    "  evaluation_interval: 1m",
    "scrape_configs:",
    "- job_name: prometheus",
    "  external_labels: not-these",
    "",
  ].join("\n");
  assert.deepEqual(externalLabelsFromConfig(yaml), [
    { name: "cluster", value: "prod" },
    { name: "replica", value: "1" },
    { name: "zone", value: "a: b" },
  ]);
  assert.deepEqual(externalLabelsFromConfig("global:\n  scrape_interval: 1m\n"), []);
  assert.throws(() => externalLabelsFromConfig("global:\n  external_labels: [a]\n"), /unsupported form/);
});

test("limit stops after that many series; skipChunks returns labels only", async () => {
  const three = [1, 2, 3].map((i) => frame([{ labels: { __name__: "up", job: `j${i}` }, ts: [i] }]));
  handler = streamed(...three);
  const s = store();
  const limited: string[] = [];
  for await (const f of s.series({ ...request(), limit: 2 })) limited.push(...f.series.map((x) => x.labels[1]!.value));
  assert.deepEqual(limited, ["j1", "j2"]);
  const bare = [];
  for await (const f of s.series({ ...request(), skipChunks: true })) bare.push(...f.series);
  assert.deepEqual(bare.map((x) => x.chunks.length), [0, 0, 0]);
});

test("SAMPLES answers with native histograms (integer deltas, float counts) become histogram chunks; bad ones are errors", async () => {
  const labels = [{ name: "__name__", value: "lat" }];
  const answer = (histograms: object[]): void => {
    handler = (_req, _body, res) => {
      res.setHeader("Content-Type", "application/x-protobuf");
      const msg = prompb.ReadResponse.encode(prompb.ReadResponse.fromObject({ results: [{ timeseries: [{ labels, samples: [{ value: 7, timestamp: 500 }], histograms }] }] })).finish();
      res.end(Buffer.from(snappy.compress(msg)));
    };
  };
  const span = [{ offset: -1, length: 3 }];
  answer([
    { countInt: 9, sum: 4.5, schema: 1, zeroThreshold: 2 ** -128, zeroCountInt: 1, positiveSpans: span, positiveDeltas: [2, 1, -1], timestamp: 1000 },
    { countInt: 12, sum: 6, schema: 1, zeroThreshold: 2 ** -128, zeroCountInt: 2, positiveSpans: span, positiveDeltas: [3, 1, -1], timestamp: 2000 },
    { countFloat: 2.5, sum: 1, schema: 0, zeroThreshold: 0, zeroCountFloat: 0.5, positiveSpans: [{ offset: 0, length: 1 }], positiveCounts: [2], resetHint: 3, timestamp: 3000 },
  ]);
  const store = new PrometheusStore({ url, timeoutMs: 5000, responseTypes: ["samples"] });
  const frames: SeriesFrame[] = [];
  for await (const f of store.series({ minTime: 0, maxTime: 10_000, matchers: [] })) frames.push(f);
  const chunks = frames.flatMap((f) => f.series).flatMap((s) => s.chunks);
  assert.deepEqual(chunks.map((c) => [c.raw!.encoding, c.minTime, c.maxTime]), [[1, 500, 500], [2, 1000, 2000], [3, 3000, 3000]]);
  const it = new HistogramChunkIterator(chunks[1]!.raw!.data);
  const got: NativeHistogram[] = [];
  while (it.next()) got.push(it.at());
  assert.deepEqual(got.map((h) => [h.count, h.zeroCount, h.positiveBuckets, h.positiveSpans]), [
    [9, 1, [2, 3, 2], span],
    [12, 2, [3, 4, 3], span],
  ]);
  const f = new FloatHistogramChunkIterator(chunks[2]!.raw!.data);
  assert.ok(f.next());
  assert.deepEqual([f.at().count, f.at().zeroCount, f.at().positiveBuckets, f.at().counterResetHint], [2.5, 0.5, [2], CounterResetHint.Gauge]);

  answer([{ countInt: 1, sum: 1, schema: 1, positiveSpans: span, positiveDeltas: [1], timestamp: 1000 }]);
  await assert.rejects(async () => {
    for await (const _ of store.series({ minTime: 0, maxTime: 10_000, matchers: [] })) void _;
  }, /SAMPLES response: \{__name__="lat"\} has a bad histogram at 1000: positive spans cover 3 buckets but 1 bucket counts/);
});
