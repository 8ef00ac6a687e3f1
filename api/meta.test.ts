// series, labels, label values, metadata, exemplars, format_query, parse_query.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { Registry } from "prom-client";
import { buildApi } from "./index.js";
import type { ApiDeps } from "./index.js";
import { always, FakeEngine, labels, LabelsStore, result } from "./testkit.js";

const SETS = [
  labels({ __name__: "up", job: "api", instance: "a:1" }),
  labels({ __name__: "up", job: "api", instance: "b:1" }),
  labels({ __name__: "up", job: "db", instance: "c:1" }),
  labels({ __name__: "http_requests_total", job: "api", code: "200" }),
];

function api(extra: Partial<ApiDeps> = {}) {
  const store = new LabelsStore(SETS);
  const app = buildApi({ engine: new FakeEngine(always(result({ type: "vector", samples: [] }))), store, registry: new Registry(), ...extra });
  return { app, store };
}

test("series returns label sets matching any match[], deduplicated and sorted", async () => {
  const { app, store } = api();
  const res = await app.inject({ url: "/api/v1/series?match[]=up{job=%22api%22}&match[]=%7Bjob%3D%22api%22%7D&start=1&end=2" });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    status: "success",
    data: [
      { __name__: "http_requests_total", code: "200", job: "api" },
      { __name__: "up", instance: "a:1", job: "api" },
      { __name__: "up", instance: "b:1", job: "api" },
    ],
  });
  assert.equal(store.requests[0].skipChunks, true);
  assert.equal(store.requests[0].minTime, 1000);
  assert.equal(store.requests[0].maxTime, 2000);
});

test("series by POST form, with limit and its truncation warning", async () => {
  const { app } = api();
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/series",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "match%5B%5D=up&limit=2",
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().data.length, 2);
  assert.deepEqual(res.json().warnings, ["results truncated due to limit"]);
});

test("series errors: no match[], a bad selector, an all-empty matcher, bad times", async () => {
  const { app } = api();
  const cases: [string, string][] = [
    ["/api/v1/series", "no match[] parameter provided"],
    ["/api/v1/series?match[]=%7B%7D", 'invalid parameter "match[]": match[] must contain at least one non-empty matcher'],
    ["/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D", 'invalid parameter "match[]": match[] must contain at least one non-empty matcher'],
    ["/api/v1/series?match[]=up&start=abc", `invalid parameter "start": Invalid time value for 'start': cannot parse "abc" to a valid timestamp`],
    ["/api/v1/series?match[]=up&end=abc", `invalid parameter "end": Invalid time value for 'end': cannot parse "abc" to a valid timestamp`],
  ];
  for (const [url, message] of cases) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 400, url);
    assert.deepEqual(res.json(), { status: "error", errorType: "bad_data", error: message }, url);
  }
  const bad = await app.inject({ url: "/api/v1/series?match[]=up%7B" });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error, /^invalid parameter "match\[\]": 1:\d+: parse error: /);
});

test("labels and label values, with match[], limit and store warnings", async () => {
  const { app, store } = api();
  store.warnings = ["store b is down"];
  const names = await app.inject({ url: "/api/v1/labels" });
  assert.deepEqual(names.json(), { status: "success", data: ["__name__", "code", "instance", "job"], warnings: ["store b is down"] });
  const filtered = await app.inject({ url: "/api/v1/labels?match[]=up" });
  assert.deepEqual(filtered.json().data, ["__name__", "instance", "job"]);
  const values = await app.inject({ url: "/api/v1/label/job/values" });
  assert.deepEqual(values.json().data, ["api", "db"]);
  const byMatch = await app.inject({ url: "/api/v1/label/instance/values?match[]=up{job=%22api%22}&start=0&end=10" });
  assert.deepEqual(byMatch.json().data, ["a:1", "b:1"]);
  const limited = await app.inject({ url: "/api/v1/label/__name__/values?limit=1" });
  assert.deepEqual(limited.json().data, ["http_requests_total"]);
  assert.deepEqual(limited.json().warnings, ["store b is down", "results truncated due to limit"]);
  const post = await app.inject({
    method: "POST",
    url: "/api/v1/labels",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "match[]=http_requests_total&start=1&end=2",
  });
  assert.deepEqual(post.json().data, ["__name__", "code", "job"]);
});

test("label values accept UTF-8 names and U__ escapes; a bad escape is 400", async () => {
  const store = new LabelsStore([labels({ __name__: "x", "a.b": "1", "service/name": "2" })]);
  const app = buildApi({ engine: new FakeEngine(always(result({ type: "vector", samples: [] }))), store, registry: new Registry() });
  assert.deepEqual((await app.inject({ url: "/api/v1/label/a.b/values" })).json().data, ["1"]);
  assert.deepEqual((await app.inject({ url: "/api/v1/label/U__service_2f_name/values" })).json().data, ["2"]);
  const bad = await app.inject({ url: "/api/v1/label/U__a_zz_/values" });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json(), { status: "error", errorType: "bad_data", error: 'invalid label name: "U__a_zz_"' });
  const badTime = await app.inject({ url: "/api/v1/labels?start=x" });
  assert.equal(badTime.json().error, `invalid parameter "start": Invalid time value for 'start': cannot parse "x" to a valid timestamp`);
});

test("metadata with limit, limit_per_metric and metric", async () => {
  const metadata = {
    get: () => ({
      up: [{ type: "gauge", help: "Target up.", unit: "" }],
      http_requests_total: [
        { type: "counter", help: "Requests.", unit: "" },
        { type: "counter", help: "Requests (other).", unit: "" },
      ],
    }),
  };
  const { app } = api({ metadata });
  assert.deepEqual((await app.inject({ url: "/api/v1/metadata" })).json().data.up, [{ type: "gauge", help: "Target up.", unit: "" }]);
  assert.deepEqual(Object.keys((await app.inject({ url: "/api/v1/metadata?limit=1" })).json().data).length, 1);
  assert.equal((await app.inject({ url: "/api/v1/metadata?limit_per_metric=1" })).json().data.http_requests_total.length, 1);
  assert.deepEqual(Object.keys((await app.inject({ url: "/api/v1/metadata?metric=up" })).json().data), ["up"]);
  const bad = await app.inject({ url: "/api/v1/metadata?limit=x" });
  assert.deepEqual(bad.json(), { status: "error", errorType: "bad_data", error: "limit must be a number" });
  assert.deepEqual((await api().app.inject({ url: "/api/v1/metadata" })).json(), { status: "success", data: {} });
});

test("query_exemplars passes the query's selectors and encodes exemplars as Prometheus", async () => {
  let seen: unknown;
  const exemplars = {
    select: (start: number, end: number, sets: unknown) => {
      seen = { start, end, sets };
      return [
        {
          seriesLabels: labels({ __name__: "rpc_bucket", le: "1" }),
          exemplars: [{ labels: labels({ trace_id: "abc" }), value: 6, t: 1600096945479 }],
        },
      ];
    },
  };
  const { app } = api({ exemplars });
  const res = await app.inject({ url: "/api/v1/query_exemplars?query=" + encodeURIComponent('rate(rpc_bucket{a="b"}[5m]) + x') + "&start=1&end=2" });
  assert.equal(
    res.body,
    '{"status":"success","data":[{"seriesLabels":{"__name__":"rpc_bucket","le":"1"},"exemplars":[{"labels":{"trace_id":"abc"},"value":"6","timestamp":1600096945.479}]}]}',
  );
  const s = seen as { start: number; end: number; sets: { name: string; op: string; value: string }[][] };
  assert.deepEqual([s.start, s.end, s.sets.length], [1000, 2000, 2]);
  const bad = await app.inject({ url: "/api/v1/query_exemplars?query=up&start=2&end=1" });
  assert.deepEqual(bad.json(), { status: "error", errorType: "bad_data", error: "end timestamp must not be before start timestamp" });
  const badQuery = await app.inject({ url: "/api/v1/query_exemplars?query=up(" });
  assert.equal(badQuery.statusCode, 400);
  // Prometheus 2.42 answers an exemplar query's parse error bare, without naming the parameter.
  assert.match(badQuery.json().error, /^1:\d+: parse error/);
  assert.deepEqual((await api().app.inject({ url: "/api/v1/query_exemplars?query=up" })).json(), { status: "success", data: [] });
});

test("format_query and parse_query", async () => {
  const { app } = api();
  const f = await app.inject({ url: "/api/v1/format_query?query=" + encodeURIComponent("sum(up)by(job)") });
  assert.deepEqual(f.json(), { status: "success", data: "sum by (job) (up)" });
  const long = 'sum by (job, instance) (rate(http_requests_total{job="api-server"}[5m])) / on (job) group_left sum by (job) (rate(http_requests_total[5m]))';
  const pretty = await app.inject({ url: "/api/v1/format_query?query=" + encodeURIComponent(long) });
  assert.equal(
    pretty.json().data,
    '  sum by (job, instance) (rate(http_requests_total{job="api-server"}[5m]))\n/ on (job) group_left ()\n  sum by (job) (rate(http_requests_total[5m]))',
  );
  const fe = await app.inject({ url: "/api/v1/format_query?query=up(" });
  assert.equal(fe.statusCode, 400);
  assert.match(fe.json().error, /^invalid parameter "query": 1:\d+: parse error: /);
  const p = await app.inject({ method: "POST", url: "/api/v1/parse_query", headers: { "content-type": "application/x-www-form-urlencoded" }, payload: "query=" + encodeURIComponent('sum by (job) (rate(up{a="b"}[5m] offset 1m)) > 2') });
  assert.equal(p.statusCode, 200);
  const ast = p.json().data;
  assert.equal(ast.type, "binaryExpr");
  assert.equal(ast.op, ">");
  assert.equal(ast.bool, false);
  assert.equal(ast.matching, null);
  assert.deepEqual(ast.rhs, { type: "numberLiteral", val: "2" });
  assert.equal(ast.lhs.type, "aggregation");
  assert.deepEqual(ast.lhs.grouping, ["job"]);
  assert.equal(ast.lhs.param, null);
  const call = ast.lhs.expr;
  assert.equal(call.type, "call");
  assert.equal(call.func.name, "rate");
  const ms = call.args[0];
  assert.equal(ms.type, "matrixSelector");
  assert.equal(ms.name, "up");
  assert.equal(ms.range, 300000);
  assert.equal(ms.offset, 60000);
  assert.equal(ms.timestamp, null);
  assert.equal(ms.startOrEnd, null);
  assert.deepEqual(
    ms.matchers.find((m: { name: string }) => m.name === "a"),
    { name: "a", value: "b", type: "=" },
  );
});

test("a store failure in a look-up is a 422 execution error", async () => {
  class FailingStore extends LabelsStore {
    override async labelNames(): Promise<never> {
      throw new Error("store unreachable: connection refused");
    }
  }
  const app = buildApi({ engine: new FakeEngine(always(result({ type: "vector", samples: [] }))), store: new FailingStore([]), registry: new Registry() });
  const res = await app.inject({ url: "/api/v1/labels" });
  assert.equal(res.statusCode, 422);
  assert.deepEqual(res.json(), { status: "error", errorType: "execution", error: "store unreachable: connection refused" });
});

test("a large series answer is gzipped in blocks that gunzip back to the plain answer", async () => {
  const many = Array.from({ length: 20_000 }, (_, i) => labels({ __name__: "up", job: "api", instance: `host-${i}.example:9100` }));
  const app = buildApi({ engine: new FakeEngine(always(result({ type: "vector", samples: [] }))), store: new LabelsStore(many), registry: new Registry() });
  const url = "/api/v1/series?match[]=up&start=1&end=2";
  const plain = await app.inject({ url });
  const zipped = await app.inject({ url, headers: { "accept-encoding": "gzip" } });
  assert.equal(zipped.headers["content-encoding"], "gzip");
  assert.ok(plain.body.length > 1_000_000);
  assert.equal(gunzipSync(zipped.rawPayload).toString(), plain.body);
});

test("a tiny answer of a non-query endpoint is not compressed, a bigger one is, as query answers are", async () => {
  const few = [labels({ __name__: "up", job: "api" })];
  const many = Array.from({ length: 200 }, (_, i) => labels({ __name__: "up", job: "api", instance: `host-${i}.example:9100` }));
  const url = "/api/v1/series?match[]=up&start=1&end=2";
  const headers = { "accept-encoding": "gzip" };
  const engine = new FakeEngine(always(result({ type: "vector", samples: [] })));
  const tiny = await buildApi({ engine, store: new LabelsStore(few), registry: new Registry() }).inject({ url, headers });
  assert.equal(tiny.headers["content-encoding"], undefined);
  assert.equal(tiny.json().data.length, 1);
  const bigger = await buildApi({ engine, store: new LabelsStore(many), registry: new Registry() }).inject({ url, headers });
  assert.equal(bigger.headers["content-encoding"], "gzip");
  assert.equal(JSON.parse(gunzipSync(bigger.rawPayload).toString()).data.length, 200);
});
