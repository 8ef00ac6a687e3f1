// Status endpoints, remote_write, health, readiness, /metrics, limits, 404.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { buildApi } from "./index.js";
import type { ApiDeps } from "./index.js";
import { always, FakeEngine, labels, LabelsStore, result } from "./testkit.js";

function api(extra: Partial<ApiDeps> = {}) {
  const store = new LabelsStore([
    labels({ __name__: "up", job: "api", instance: "a" }),
    labels({ __name__: "up", job: "db", instance: "b" }),
    labels({ __name__: "go_info", job: "api", version: "1" }),
  ]);
  const registry = new Registry();
  const app = buildApi({ engine: new FakeEngine(always(result({ type: "vector", samples: [] }))), store, registry, ...extra });
  return { app, registry };
}

test("status endpoints answer in Prometheus's shapes", async () => {
  const { app } = api({ flags: { "query.timeout": "2m" }, configYaml: "global: {}\n", storageRetention: "1d", buildInfo: { version: "9.9.9" } });
  const build = (await app.inject({ url: "/api/v1/status/buildinfo" })).json();
  assert.equal(build.status, "success");
  assert.deepEqual(Object.keys(build.data), ["version", "revision", "branch", "buildUser", "buildDate", "goVersion"]);
  assert.equal(build.data.version, "9.9.9");
  const runtime = (await app.inject({ url: "/api/v1/status/runtimeinfo" })).json().data;
  for (const key of ["startTime", "CWD", "reloadConfigSuccess", "lastConfigTime", "corruptionCount", "goroutineCount", "GOMAXPROCS", "GOGC", "GODEBUG", "storageRetention"]) {
    assert.ok(key in runtime, key);
  }
  assert.equal(runtime.storageRetention, "1d");
  assert.deepEqual((await app.inject({ url: "/api/v1/status/flags" })).json(), { status: "success", data: { "query.timeout": "2m" } });
  assert.deepEqual((await app.inject({ url: "/api/v1/status/config" })).json(), { status: "success", data: { yaml: "global: {}\n" } });
  assert.deepEqual((await app.inject({ url: "/api/v1/rules" })).json(), { status: "success", data: { groups: [] } });
  assert.deepEqual((await app.inject({ url: "/api/v1/alerts" })).json(), { status: "success", data: { alerts: [] } });
  assert.deepEqual((await app.inject({ url: "/api/v1/targets" })).json(), { status: "success", data: { activeTargets: [], droppedTargets: [] } });
  assert.deepEqual((await app.inject({ url: "/api/v1/targets/metadata" })).json(), { status: "success", data: [] });
});

test("status/tsdb counts series by metric, label and pair", async () => {
  const { app } = api({});
  const data = (await app.inject({ url: "/api/v1/status/tsdb" })).json().data;
  assert.deepEqual(data.headStats, { numSeries: 3, numLabelPairs: 7, chunkCount: 0, minTime: 1000, maxTime: 2000 });
  assert.deepEqual(data.seriesCountByMetricName, [
    { name: "up", value: 2 },
    { name: "go_info", value: 1 },
  ]);
  assert.deepEqual(data.labelValueCountByLabelName[0], { name: "__name__", value: 2 });
  assert.ok(Array.isArray(data.memoryInBytesByLabelName));
  assert.deepEqual(data.seriesCountByLabelValuePair[0], { name: "__name__=up", value: 2 });
  assert.equal((await app.inject({ url: "/api/v1/status/tsdb?limit=1" })).json().data.seriesCountByMetricName.length, 1);
  assert.equal((await app.inject({ url: "/api/v1/status/tsdb?limit=0" })).statusCode, 400);
});

test("status/tsdb reports the head's resident bytes per series and per sample beside Prometheus's headStats", async () => {
  const { app } = api({ headStatus: () => ({ numSeries: 2, chunkCount: 4, numSamples: 500, memoryBytes: 10_001 }) });
  const stats = (await app.inject({ url: "/api/v1/status/tsdb" })).json().data.headStats;
  assert.deepEqual(stats, {
    numSeries: 3,
    numLabelPairs: 7,
    chunkCount: 4,
    minTime: 1000,
    maxTime: 2000,
    numSamples: 500,
    memoryBytes: 10_001,
    memoryBytesPerSeries: 5000.5,
    memoryBytesPerSample: 20,
  });
});

test("/api/v1/write hands the raw protobuf body and headers to the receiver", async () => {
  let got: { body: Buffer; headers: Record<string, unknown> } | undefined;
  const { app } = api({
    remoteWrite: async (body, headers) => {
      got = { body, headers };
      return body.length === 0 ? { status: 400, message: "empty body" } : { status: 204 };
    },
  });
  const payload = Buffer.from([0xff, 0x00, 0x10, 0x80]);
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/write",
    headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" },
    payload,
  });
  assert.equal(res.statusCode, 204);
  assert.deepEqual(got!.body, payload);
  assert.equal(got!.headers["content-encoding"], "snappy");
  const bad = await app.inject({ method: "POST", url: "/api/v1/write", headers: { "content-type": "application/x-protobuf" }, payload: Buffer.alloc(0) });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.body, "empty body\n");
  const off = await api().app.inject({ method: "POST", url: "/api/v1/write", headers: { "content-type": "application/x-protobuf" }, payload });
  assert.equal(off.statusCode, 404);
});

test("health, readiness, /metrics and 404", async () => {
  let ready = false;
  const { app, registry } = api({ ready: () => ready });
  assert.equal((await app.inject({ url: "/-/healthy" })).statusCode, 200);
  assert.equal((await app.inject({ url: "/-/ready" })).statusCode, 503);
  ready = true;
  assert.equal((await app.inject({ url: "/-/ready" })).statusCode, 200);
  await app.inject({ url: "/api/v1/labels" });
  const metrics = await app.inject({ url: "/metrics" });
  assert.equal(metrics.statusCode, 200);
  assert.equal(metrics.headers["content-type"], registry.contentType);
  assert.match(metrics.body, /orrery_http_requests_total\{handler="\/api\/v1\/labels",code="200"\} 1/);
  assert.match(metrics.body, /orrery_http_request_duration_seconds_bucket/);
  const missing = await app.inject({ url: "/api/v1/nope" });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.body, "404 page not found\n");
});

test("a body over the limit is refused with 413 in the API's error shape", async () => {
  const { app } = api({ bodyLimitBytes: 1024 });
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/query",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payload: "query=" + "x".repeat(4096),
  });
  assert.equal(res.statusCode, 413);
  assert.deepEqual(res.json(), { status: "error", errorType: "bad_data", error: "request body too large" });
});

test("a real listen serves the API over HTTP", async () => {
  const { app } = api();
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const addr = app.server.address();
    assert.ok(typeof addr === "object" && addr !== null);
    const res = await fetch(`http://127.0.0.1:${addr.port}/api/v1/label/job/values`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "success", data: ["api", "db"] });
  } finally {
    await app.close();
  }
});

test("CORS headers for browser clients, and OPTIONS preflight", async () => {
  const { app } = api();
  const res = await app.inject({ url: "/api/v1/labels", headers: { origin: "http://localhost:3000" } });
  assert.equal(res.headers["access-control-allow-origin"], "http://localhost:3000");
  assert.equal(res.headers["access-control-allow-methods"], "GET, POST, OPTIONS");
  const pre = await app.inject({ method: "OPTIONS", url: "/api/v1/query", headers: { origin: "http://localhost:3000" } });
  assert.equal(pre.statusCode, 204);
  assert.equal(pre.headers["access-control-allow-origin"], "http://localhost:3000");
  assert.equal((await app.inject({ url: "/api/v1/labels" })).headers["access-control-allow-origin"], undefined);
});
