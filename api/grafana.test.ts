// The requests Grafana's Prometheus data source sends (health check, build
// info, instant and range queries by POST form, label and series look-ups
// with match[] and time bounds, metadata, exemplars), with its headers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { Registry } from "prom-client";
import { buildApi } from "./index.js";
import { FakeEngine, labels, LabelsStore, result } from "./testkit.js";

const GRAFANA_HEADERS = {
  "user-agent": "Grafana/11.3.0",
  "x-grafana-org-id": "1",
  "accept-encoding": "gzip",
  "content-type": "application/x-www-form-urlencoded",
};

function form(values: Record<string, string | string[]>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
}

function body(res: { rawPayload: Buffer; headers: Record<string, unknown> }): any {
  const raw = res.headers["content-encoding"] === "gzip" ? gunzipSync(res.rawPayload) : res.rawPayload;
  return JSON.parse(raw.toString());
}

test("Grafana's Prometheus data source requests get Prometheus's status codes and shapes", async () => {
  const engine = new FakeEngine((call) => ({
    exec: async () => {
      if (call.query === "1+1") return result({ type: "scalar", t: call.start, v: 2 });
      if (call.kind === "instant") return result({ type: "vector", samples: [{ labels: labels({ __name__: "up", job: "api" }), t: call.start, v: 1 }] });
      const n = Math.floor((call.end - call.start) / call.step) + 1;
      return result({
        type: "matrix",
        series: [
          {
            labels: labels({ job: "api" }),
            t: Float64Array.from({ length: n }, (_, i) => call.start + i * call.step),
            v: Float64Array.from({ length: n }, (_, i) => i * 0.5),
          },
        ],
      });
    },
  }));
  const store = new LabelsStore([labels({ __name__: "up", job: "api", instance: "a:9100" }), labels({ __name__: "node_load1", job: "node", instance: "b:9100" })]);
  const app = buildApi({
    engine,
    store,
    registry: new Registry(),
    metadata: { get: () => ({ up: [{ type: "gauge", help: "Whether the target is up.", unit: "" }] }) },
    exemplars: { select: () => [] },
  });
  const post = (url: string, values: Record<string, string | string[]>) => app.inject({ method: "POST", url, headers: GRAFANA_HEADERS, payload: form(values) });
  const get = (url: string) => app.inject({ method: "GET", url, headers: { ...GRAFANA_HEADERS, "content-type": undefined } });

  // "Save & test": a health-check query, then build info.
  const health = await post("/api/v1/query", { query: "1+1", time: "1700000000.123" });
  assert.equal(health.statusCode, 200);
  // Too small to be worth compressing: sent as is even though Grafana accepts gzip.
  assert.equal(health.headers["content-encoding"], undefined);
  assert.deepEqual(body(health), { status: "success", data: { resultType: "scalar", result: [1700000000.123, "2"] } });
  const build = await get("/api/v1/status/buildinfo");
  assert.equal(build.statusCode, 200);
  assert.equal(typeof body(build).data.version, "string");

  // Panels: instant and range queries by POST form.
  const instant = await post("/api/v1/query", { query: 'up{job="api"}', time: "1700000000" });
  assert.equal(instant.statusCode, 200);
  const iv = body(instant);
  assert.equal(iv.data.resultType, "vector");
  assert.deepEqual(iv.data.result[0], { metric: { __name__: "up", job: "api" }, value: [1700000000, "1"] });
  const range = await post("/api/v1/query_range", { query: 'rate(up{job="api"}[1m])', start: "1700000000", end: "1700003600", step: "60" });
  assert.equal(range.statusCode, 200);
  const rv = body(range);
  assert.equal(rv.data.resultType, "matrix");
  assert.equal(rv.data.result[0].values.length, 61);
  assert.deepEqual(rv.data.result[0].values[1], [1700000060, "0.5"]);
  assert.deepEqual(engine.calls.at(-1), {
    kind: "range",
    query: 'rate(up{job="api"}[1m])',
    start: 1700000000000,
    end: 1700003600000,
    step: 60000,
    opts: engine.calls.at(-1)!.opts,
  });
  // Grafana's step as a duration string is accepted too.
  assert.equal((await post("/api/v1/query_range", { query: "up", start: "1700000000", end: "1700003600", step: "1m" })).statusCode, 200);

  // Query editor: metric names, label names and values, series, metadata.
  const names = await get("/api/v1/label/__name__/values?start=1700000000&end=1700003600");
  assert.deepEqual(body(names), { status: "success", data: ["node_load1", "up"] });
  const labelNames = await post("/api/v1/labels", { "match[]": 'up{job="api"}', start: "1700000000", end: "1700003600" });
  assert.deepEqual(body(labelNames), { status: "success", data: ["__name__", "instance", "job"] });
  const values = await get(`/api/v1/label/job/values?match[]=${encodeURIComponent("{__name__=~\"up|node_load1\"}")}&start=1700000000&end=1700003600`);
  assert.deepEqual(body(values), { status: "success", data: ["api", "node"] });
  const series = await post("/api/v1/series", { "match[]": ["up", "node_load1"], start: "1700000000", end: "1700003600" });
  assert.deepEqual(body(series), {
    status: "success",
    data: [
      { __name__: "node_load1", instance: "b:9100", job: "node" },
      { __name__: "up", instance: "a:9100", job: "api" },
    ],
  });
  const meta = await get("/api/v1/metadata");
  assert.deepEqual(body(meta), { status: "success", data: { up: [{ type: "gauge", help: "Whether the target is up.", unit: "" }] } });
  const exemplars = await post("/api/v1/query_exemplars", { query: "up", start: "1700000000", end: "1700003600" });
  assert.deepEqual(body(exemplars), { status: "success", data: [] });

  // A query error reaches Grafana as Prometheus's error object.
  const bad = await post("/api/v1/query_range", { query: "up", start: "1700003600", end: "1700000000", step: "60" });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(body(bad), { status: "error", errorType: "bad_data", error: 'invalid parameter "end": end timestamp must not be before start time' });
});
