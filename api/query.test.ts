// /api/v1/query and /api/v1/query_range through HTTP, with a scripted engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { get as httpGet } from "node:http";
import { gunzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { QueryError } from "../engine/index.js";
import type { MatrixSeries, QueryResult } from "../engine/index.js";
import { buildApi } from "./index.js";
import type { ApiDeps } from "./index.js";
import { always, FakeEngine, hang, labels, LabelsStore, randomMatrix, referenceMatrix, result, sameText, type FakeAnswer } from "./testkit.js";

const NOW = 1700000000000;

function api(answer: FakeAnswer, extra: Partial<ApiDeps> = {}) {
  const engine = new FakeEngine(answer);
  const store = new LabelsStore([]);
  const app = buildApi({ engine, store, registry: new Registry(), now: () => NOW, ...extra });
  return { app, engine, store };
}

const vector = result({
  type: "vector",
  samples: [
    { labels: labels({ __name__: "up", job: "a<b>", instance: "x" }), t: 1435781451781, v: 1 },
    { labels: labels({ __name__: "up", job: "b" }), t: 1500, v: 1e-7 },
  ],
});

test("instant query by GET: vector encoded byte for byte as Prometheus", async () => {
  const { app, engine } = api(always(vector));
  const res = await app.inject({ url: "/api/v1/query?query=up&time=1435781451.781" });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers["content-type"], "application/json");
  assert.equal(
    res.body,
    '{"status":"success","data":{"resultType":"vector","result":[' +
      '{"metric":{"__name__":"up","instance":"x","job":"a\\u003cb\\u003e"},"value":[1435781451.781,"1"]},' +
      '{"metric":{"__name__":"up","job":"b"},"value":[1.500,"1e-07"]}]}}',
  );
  assert.equal(engine.calls[0].kind, "instant");
  assert.equal(engine.calls[0].query, "up");
  assert.equal(engine.calls[0].start, 1435781451781);
});

test("instant query defaults time to now and passes timeout, samples limit and lookback to the engine", async () => {
  const { app, engine } = api(always(vector), { queryTimeoutMs: 60000, maxSamples: 1234, lookbackDeltaMs: 300000 });
  await app.inject({ url: "/api/v1/query?query=up" });
  assert.equal(engine.calls[0].start, NOW);
  const opts = engine.calls[0].opts!;
  assert.equal(opts.maxSamples, 1234);
  assert.equal(opts.lookbackDeltaMs, 300000);
  assert.ok(opts.timeoutMs! <= 60000 && opts.timeoutMs! > 59000);
  await app.inject({ url: "/api/v1/query?query=up&timeout=5s&lookback_delta=1m" });
  assert.ok(engine.calls[1].opts!.timeoutMs! <= 5000);
  assert.equal(engine.calls[1].opts!.lookbackDeltaMs, 60000);
  // A client cannot lengthen the server's timeout.
  await app.inject({ url: "/api/v1/query?query=up&timeout=1h" });
  assert.ok(engine.calls[2].opts!.timeoutMs! <= 60000);
});

test("query by form POST (as Grafana sends it): body values win over the URL's", async () => {
  const { app, engine } = api(always(vector));
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/query?query=ignored",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "query=sum+by+(job)+(up)&time=1.5",
  });
  assert.equal(res.statusCode, 200);
  assert.equal(engine.calls[0].query, "sum by (job) (up)");
  assert.equal(engine.calls[0].start, 1500);
});

test("range query: matrix encoded as Prometheus; start/end/step passed in ms", async () => {
  const matrix = result({
    type: "matrix",
    series: [
      { labels: labels({ __name__: "x" }), t: new Float64Array([1500, 2000, 2500]), v: new Float64Array([1, NaN, -Infinity]) },
      { labels: labels({ a: 'q"' }), t: new Float64Array([1000]), v: new Float64Array([1e21]) },
    ],
  });
  const { app, engine } = api(always(matrix));
  const res = await app.inject({ url: "/api/v1/query_range?query=x&start=1.5&end=2.5&step=0.5" });
  assert.equal(res.statusCode, 200);
  assert.equal(
    res.body,
    '{"status":"success","data":{"resultType":"matrix","result":[' +
      '{"metric":{"__name__":"x"},"values":[[1.500,"1"],[2,"NaN"],[2.500,"-Inf"]]},' +
      '{"metric":{"a":"q\\""},"values":[[1,"1e+21"]]}]}}',
  );
  assert.deepEqual([engine.calls[0].start, engine.calls[0].end, engine.calls[0].step], [1500, 2500, 500]);
  const res2 = await app.inject({ url: "/api/v1/query_range?query=x&start=2015-07-01T20:10:51.781Z&end=1435781511.781&step=1m" });
  assert.equal(res2.statusCode, 200);
  assert.deepEqual([engine.calls[1].start, engine.calls[1].end, engine.calls[1].step], [1435781451781, 1435781511781, 60000]);
});

test("range query with layout=grid: each series' values on the step grid as numbers, null where missing; a bad layout is 400", async () => {
  const matrix = result({
    type: "matrix",
    series: [
      { labels: labels({ __name__: "x" }), t: new Float64Array([1500, 2500, 3000]), v: new Float64Array([1e-7, NaN, -Infinity]) },
      { labels: labels({ a: "b" }), t: new Float64Array([2000]), v: new Float64Array([-0]) },
    ],
  });
  const { app } = api(always(matrix));
  const res = await app.inject({ url: "/api/v1/query_range?query=x&start=1.5&end=3&step=0.5&layout=grid" });
  assert.equal(res.statusCode, 200);
  assert.equal(
    res.body,
    '{"status":"success","data":{"resultType":"matrix","layout":"grid","start":1.5,"step":0.5,"result":[' +
      '{"metric":{"__name__":"x"},"values":[1e-07,null,"NaN","-Inf"]},' +
      '{"metric":{"a":"b"},"values":[null,-0,null,null]}]}}',
  );
  const parsed = JSON.parse(res.body) as { data: { result: { values: unknown[] }[] } };
  assert.ok(Object.is(parsed.data.result[1]!.values[1], -0), "-0 reads back as -0");
  const bad = await app.inject({ url: "/api/v1/query_range?query=x&start=1.5&end=3&step=0.5&layout=columns" });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /invalid parameter \\"layout\\": unknown layout/);
});

test("scalar and string results use Prometheus's scalar formatting", async () => {
  const { app } = api((call) => ({
    exec: async () =>
      call.query === "s" ? result({ type: "string", t: 1500, v: "a<b\"\n" }) : result({ type: "scalar", t: 1435781451780, v: 1e-7 }),
  }));
  const scalar = await app.inject({ url: "/api/v1/query?query=1e-7&time=1435781451.780" });
  assert.equal(scalar.body, '{"status":"success","data":{"resultType":"scalar","result":[1435781451.78,"0.0000001"]}}');
  const str = await app.inject({ url: "/api/v1/query?query=s&time=1.5" });
  assert.equal(str.body, '{"status":"success","data":{"resultType":"string","result":[1.5,"a\\u003cb\\"\\n"]}}');
});

test("a range query answered with anything but a matrix is refused, never passed on", async () => {
  const { app } = api(always(result({ type: "string", t: 0, v: "a" })));
  const res = await app.inject({ url: "/api/v1/query_range?query=%22a%22&start=0&end=1&step=1" });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), {
    status: "error",
    errorType: "bad_data",
    error: 'invalid expression type "string" for range query, must be Scalar or instant Vector',
  });
});

test("empty results are empty arrays", async () => {
  const { app } = api((call) => ({
    exec: async () => (call.kind === "instant" ? result({ type: "vector", samples: [] }) : result({ type: "matrix", series: [] })),
  }));
  assert.equal((await app.inject({ url: "/api/v1/query?query=x" })).body, '{"status":"success","data":{"resultType":"vector","result":[]}}');
  assert.equal(
    (await app.inject({ url: "/api/v1/query_range?query=x&start=0&end=1&step=1" })).body,
    '{"status":"success","data":{"resultType":"matrix","result":[]}}',
  );
});

test("malformed parameters are 400 bad_data naming the parameter, with Prometheus's messages", async () => {
  const { app, engine } = api(always(vector));
  const cases: [string, string][] = [
    ["/api/v1/query?query=up&time=abc", `invalid parameter "time": Invalid time value for 'time': cannot parse "abc" to a valid timestamp`],
    ["/api/v1/query?query=up&timeout=abc", `invalid parameter "timeout": cannot parse "abc" to a valid duration`],
    ["/api/v1/query?query=up&limit=x", `invalid parameter "limit": strconv.Atoi: parsing "x": invalid syntax`],
    ["/api/v1/query?query=up&limit=-1", `invalid parameter "limit": limit must be non-negative`],
    ["/api/v1/query?query=up&lookback_delta=x", `invalid parameter "lookback_delta": cannot parse "x" to a valid duration`],
    ["/api/v1/query_range?query=up&start=abc&end=1&step=1", `invalid parameter "start": cannot parse "abc" to a valid timestamp`],
    ["/api/v1/query_range?query=up&start=1&end=abc&step=1", `invalid parameter "end": cannot parse "abc" to a valid timestamp`],
    ["/api/v1/query_range?query=up&end=1&step=1", `invalid parameter "start": cannot parse "" to a valid timestamp`],
    ["/api/v1/query_range?query=up&start=2&end=1&step=1", `invalid parameter "end": end timestamp must not be before start time`],
    ["/api/v1/query_range?query=up&start=1&end=10", `invalid parameter "step": cannot parse "" to a valid duration`],
    ["/api/v1/query_range?query=up&start=1&end=10&step=x", `invalid parameter "step": cannot parse "x" to a valid duration`],
    [
      "/api/v1/query_range?query=up&start=1&end=10&step=0",
      `invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer`,
    ],
    [
      "/api/v1/query_range?query=up&start=1&end=10&step=-1",
      `invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer`,
    ],
    [
      "/api/v1/query_range?query=up&start=0&end=0&step=0.0001",
      `invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer`,
    ],
    [
      "/api/v1/query_range?query=up&start=1&end=100000&step=1",
      "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
    ],
  ];
  for (const [url, message] of cases) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 400, url);
    assert.deepEqual(res.json(), { status: "error", errorType: "bad_data", error: message }, url);
  }
  assert.equal(engine.calls.length, 0);
  // Exactly 11,000 points is allowed.
  const ok = api(always(result({ type: "matrix", series: [] })));
  assert.equal((await ok.app.inject({ url: "/api/v1/query_range?query=up&start=0&end=11000&step=1" })).statusCode, 200);
});

test("a query the engine rejects is 400, naming the query parameter on /query (bare on /query_range, as Prometheus 2.42)", async () => {
  const { app } = api(() => ({
    prepare: () => {
      throw new QueryError("bad_data", '1:5: parse error: unclosed left parenthesis', { start: 4, end: 4 });
    },
    exec: async () => vector,
  }));
  const cases: [string, string][] = [
    ["/api/v1/query?query=sum(", 'invalid parameter "query": 1:5: parse error: unclosed left parenthesis'],
    ["/api/v1/query_range?query=sum(&start=0&end=1&step=1", "1:5: parse error: unclosed left parenthesis"],
  ];
  for (const [url, error] of cases) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json(), { status: "error", errorType: "bad_data", error });
  }
});

test("execution errors map to Prometheus's error types and status codes", async () => {
  const cases: [QueryError | Error, number, string, string][] = [
    [new QueryError("execution", "vector cannot contain metrics with the same labelset"), 422, "execution", "vector cannot contain metrics with the same labelset"],
    [
      new QueryError("too_many_samples", "query processing would load too many samples into memory in query execution"),
      422,
      "execution",
      "query processing would load too many samples into memory in query execution",
    ],
    [new QueryError("timeout", "query timed out in expression evaluation"), 503, "timeout", "query timed out in expression evaluation"],
    [new QueryError("canceled", "query was canceled in query execution"), 499, "canceled", "query was canceled in query execution"],
    [new QueryError("internal", "boom"), 500, "internal", "boom"],
    [new TypeError("x is undefined"), 500, "internal", "x is undefined"],
  ];
  for (const [err, status, type, message] of cases) {
    const { app } = api(() => ({ exec: async () => Promise.reject(err) }));
    const res = await app.inject({ url: "/api/v1/query?query=up" });
    assert.equal(res.statusCode, status, message);
    assert.deepEqual(res.json(), { status: "error", errorType: type, error: message });
  }
});

test("a query over its timeout is canceled and answered 503 timeout", async () => {
  const { app, engine } = api(hang, { queryTimeoutMs: 5000 });
  const res = await app.inject({ url: "/api/v1/query?query=up&timeout=0.05" });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { status: "error", errorType: "timeout", error: "query timed out in query execution" });
  assert.equal(engine.canceled, 1);
  const res2 = await api(hang, { queryTimeoutMs: 50 }).app.inject({ url: "/api/v1/query_range?query=up&start=0&end=1&step=1" });
  assert.equal(res2.statusCode, 503);
});

test("beyond max concurrency and queue capacity a query gets a clear 503 unavailable", async () => {
  let releaseFirst!: (r: QueryResult) => void;
  const first = new Promise<QueryResult>((resolve) => (releaseFirst = resolve));
  const { app, engine } = api((call) => ({ exec: () => (call.query === "slow" ? first : Promise.resolve(vector)) }), {
    maxConcurrency: 1,
    maxQueuedQueries: 1,
  });
  const slow = app.inject({ url: "/api/v1/query?query=slow" });
  while (engine.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
  const queued = app.inject({ url: "/api/v1/query?query=queued" });
  await new Promise((r) => setTimeout(r, 20));
  const refused = await app.inject({ url: "/api/v1/query?query=refused" });
  assert.equal(refused.statusCode, 503);
  assert.equal(refused.json().errorType, "unavailable");
  assert.match(refused.json().error, /too many concurrent queries: 1 running and 1 queued/);
  const metrics = await app.inject({ url: "/metrics" });
  assert.match(metrics.body, /orrery_queries_running 1/);
  assert.match(metrics.body, /orrery_queries_queued 1/);
  releaseFirst(vector);
  assert.equal((await slow).statusCode, 200);
  assert.equal((await queued).statusCode, 200);
  assert.deepEqual(
    engine.calls.map((c) => c.query),
    ["slow", "queued"],
  );
});

test("warnings and infos are formatted as Prometheus formats annotations", async () => {
  const r = result(
    { type: "vector", samples: [] },
    {
      warnings: [{ kind: "warning", message: 'metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "foo"', pos: { start: 6, end: 9 } }],
      infos: [{ kind: "info", message: "ignored", pos: { start: 9, end: 10 } }, { kind: "info", message: "no position" }],
    },
  );
  const { app } = api(always(r));
  const res = await app.inject({ url: "/api/v1/query?query=" + encodeURIComponent("rate(\nfoo[5m])") });
  assert.deepEqual(res.json().warnings, ['PromQL warning: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "foo" (2:1)']);
  assert.deepEqual(res.json().infos, ["PromQL info: ignored (2:4)", "PromQL info: no position"]);
});

test("limit truncates vector and matrix results with a warning", async () => {
  const { app } = api(always(vector));
  const res = await app.inject({ url: "/api/v1/query?query=up&limit=1" });
  assert.equal(res.json().data.result.length, 1);
  assert.deepEqual(res.json().warnings, ["results truncated due to limit"]);
  const res2 = await app.inject({ url: "/api/v1/query?query=up&limit=2" });
  assert.equal(res2.json().data.result.length, 2);
  assert.equal(res2.json().warnings, undefined);
});

test("stats=all adds Prometheus's stats object", async () => {
  const r = result({ type: "scalar", t: 0, v: 1 }, { stats: { totalSamples: 42, peakSamples: 7, evalTimeMs: 1.5 } });
  const { app } = api(always(r));
  const res = await app.inject({ url: "/api/v1/query?query=1&stats=all" });
  const stats = res.json().data.stats;
  assert.deepEqual(Object.keys(stats.timings), ["evalTotalTime", "resultSortTime", "queryPreparationTime", "innerEvalTime", "execQueueTime", "execTotalTime"]);
  assert.equal(stats.timings.evalTotalTime, 0.0015);
  assert.deepEqual(stats.samples, { totalQueryableSamples: 42, peakSamples: 7 });
  assert.equal((await app.inject({ url: "/api/v1/query?query=1" })).json().data.stats, undefined);
});

test("responses are gzipped when the client accepts gzip, large ones streamed", async () => {
  const many = result({
    type: "matrix",
    series: Array.from({ length: 200 }, (_, i) => ({
      labels: labels({ __name__: "m", i: String(i) }),
      t: Float64Array.from({ length: 100 }, (_, j) => j * 15000),
      v: Float64Array.from({ length: 100 }, (_, j) => j / 7),
    })),
  });
  const { app } = api(always(many));
  const url = "/api/v1/query_range?query=m&start=0&end=1500&step=15";
  const plain = await app.inject({ url });
  const zipped = await app.inject({ url, headers: { "accept-encoding": "gzip, deflate" } });
  assert.equal(zipped.headers["content-encoding"], "gzip");
  assert.equal(plain.headers["content-encoding"], undefined);
  const body = gunzipSync(zipped.rawPayload).toString();
  assert.equal(body, plain.body);
  assert.ok(body.length > 200_000);
  assert.equal(JSON.parse(body).data.result.length, 200);
  // Under 2 KiB a body goes out as it is, whichever endpoint answers it.
  const small = await app.inject({ url: "/api/v1/status/buildinfo", headers: { "accept-encoding": "gzip" } });
  assert.equal(small.headers["content-encoding"], undefined);
  assert.equal(small.json().status, "success");
});

test("a query response is sent whole (with a length) up to 1M chars, or 256K gzipped; a larger one streamed; both bodies complete", async () => {
  const matrix = (n: number) =>
    result({
      type: "matrix",
      series: Array.from({ length: n }, (_, i) => ({
        labels: labels({ __name__: "m", i: String(i) }),
        t: Float64Array.from({ length: 100 }, (_, j) => j * 15000),
        v: Float64Array.from({ length: 100 }, (_, j) => j / 7),
      })),
    });
  const url = "/api/v1/query_range?query=m&start=0&end=1500&step=15";
  // [series, body chars, streamed plain, streamed gzipped]
  for (const [n, chars, streamedPlain, streamedGzipped] of [[2, 5_000, false, false], [200, 500_000, false, true], [2000, 5_000_000, true, true]] as const) {
    const { app } = api(always(matrix(n)));
    for (const headers of [{}, { "accept-encoding": "gzip" }]) {
      const res = await app.inject({ url, headers });
      const gzipped = res.headers["content-encoding"] === "gzip";
      const body = gzipped ? gunzipSync(res.rawPayload).toString() : res.body;
      assert.equal(JSON.parse(body).data.result.length, n);
      assert.ok(body.length > chars / 2 && body.length < chars * 2, `${n} series: ${body.length} chars`);
      assert.equal(res.headers["content-length"] === undefined, gzipped ? streamedGzipped : streamedPlain, `${n} series, ${JSON.stringify(headers)}`);
    }
  }
});

test("a tiny query response is not compressed (zlib would cost more than it saves); a bigger one is", async () => {
  const vec = (n: number) => result({ type: "vector", samples: Array.from({ length: n }, (_, i) => ({ labels: labels({ __name__: "m", i: String(i) }), t: 1000, v: i })) });
  const tiny = await api(always(vec(1))).app.inject({ url: "/api/v1/query?query=m", headers: { "accept-encoding": "gzip" } });
  assert.equal(tiny.headers["content-encoding"], undefined);
  assert.equal(tiny.headers["content-type"], "application/json");
  assert.equal(tiny.json().data.result.length, 1);
  const bigger = await api(always(vec(100))).app.inject({ url: "/api/v1/query?query=m", headers: { "accept-encoding": "gzip" } });
  assert.equal(bigger.headers["content-encoding"], "gzip");
  assert.equal(JSON.parse(gunzipSync(bigger.rawPayload).toString()).data.result.length, 100);
});

test("a client that disconnects cancels its query", async () => {
  const { app, engine } = api(hang);
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const addr = app.server.address();
    const port = typeof addr === "object" && addr !== null ? addr.port : 0;
    const controller = new AbortController();
    const pending = fetch(`http://127.0.0.1:${port}/api/v1/query?query=up`, { signal: controller.signal }).catch((e: Error) => e);
    while (engine.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await pending;
    const deadline = Date.now() + 5000;
    while (engine.canceled === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(engine.canceled, 1);
  } finally {
    app.server.closeAllConnections();
    await app.close();
  }
});

test("a range query's matrix over HTTP is byte for byte the point-by-point formatting, whole or streamed, plain or gzipped", async () => {
  const url = "/api/v1/query_range?query=m&start=0&end=1500&step=15";
  for (const [n, streamed] of [[3, false], [400, true]] as const) {
    const series = randomMatrix(n, n, 400);
    const { app } = api(always(result({ type: "matrix", series })));
    for (const headers of [{}, { "accept-encoding": "gzip" }]) {
      const res = await app.inject({ url, headers });
      assert.equal(res.headers["content-length"] === undefined, streamed, `${n} series, ${JSON.stringify(headers)}`);
      const body = res.headers["content-encoding"] === "gzip" ? gunzipSync(res.rawPayload).toString() : res.body;
      sameText(body, referenceMatrix(series), `${n} series, ${JSON.stringify(headers)}`);
    }
  }
});

/** A matrix of `count` series whose labels are read only when the encoder reaches them; `reached()` says how many it did. */
function watchedMatrix(count: number, points: number, failAt = -1) {
  let reached = 0;
  const t = Float64Array.from({ length: points }, (_, j) => 1700000000000 + j * 15000);
  const v = Float64Array.from({ length: points }, (_, j) => j / 7);
  const series = Array.from({ length: count }, (_, i) => {
    const s = { t, v } as MatrixSeries;
    Object.defineProperty(s, "labels", {
      get: () => {
        reached++;
        if (i === failAt) throw new Error("encoding failed");
        return labels({ __name__: "m", i: String(i) });
      },
    });
    return s;
  });
  return { value: result({ type: "matrix", series }), reached: () => reached };
}

/** GETs a URL on a listening app and stops reading after the first chunk of the body. */
async function readFirstChunkThenHangUp(app: FastifyInstance, path: string, headers: Record<string, string>): Promise<void> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  await new Promise<void>((resolve, reject) => {
    const req = httpGet({ host: "127.0.0.1", port, path, headers }, (res) => {
      res.once("data", () => {
        req.destroy();
        resolve();
      });
    });
    req.on("error", reject);
  });
}

test("a client that hangs up mid-stream stops the encoding (the rest of the matrix is never written), plain or gzipped", async () => {
  for (const headers of [{}, { "accept-encoding": "gzip" }] as Record<string, string>[]) {
    const watched = watchedMatrix(20_000, 500);
    const { app } = api(always(watched.value));
    try {
      await readFirstChunkThenHangUp(app, "/api/v1/query_range?query=m&start=0&end=1500&step=15", headers);
      await new Promise((r) => setTimeout(r, 300));
      const after = watched.reached();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(watched.reached(), after, `the encoder went on after the hang-up (${JSON.stringify(headers)})`);
      assert.ok(after < 20_000 / 4, `encoded ${after} of 20000 series after the hang-up (${JSON.stringify(headers)})`);
    } finally {
      app.server.closeAllConnections();
      await app.close();
    }
  }
});

test("an encoding failure after the head was sent cuts the connection: the client never gets a complete-looking body", async () => {
  const watched = watchedMatrix(2_000, 500, 1_500);
  const { app } = api(always(watched.value));
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const addr = app.server.address();
    const port = typeof addr === "object" && addr !== null ? addr.port : 0;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query_range?query=m&start=0&end=1500&step=15`);
    assert.equal(res.status, 200);
    await assert.rejects(res.arrayBuffer());
  } finally {
    app.server.closeAllConnections();
    await app.close();
  }
});
