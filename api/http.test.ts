// HTTP behaviour as Prometheus's server has it: methods (405, HEAD, OPTIONS), long URLs,
// multipart forms, remote_write whatever its Content-Type, limit errors, buildinfo.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { Registry } from "prom-client";
import { buildApi, buildWriteApi } from "./index.js";
import type { ApiDeps } from "./index.js";
import { ORRERY_VERSION, PROMETHEUS_API_VERSION } from "./server.js";
import { always, FakeEngine, labels, LabelsStore, result } from "./testkit.js";

function api(extra: Partial<ApiDeps> = {}) {
  const store = new LabelsStore([labels({ __name__: "up", job: "api" })]);
  const scalar = always(result({ type: "scalar", t: 1000, v: 1 }));
  const matrix = always(result({ type: "matrix", series: [] }));
  const engine = new FakeEngine((call) => (call.kind === "range" ? matrix(call) : scalar(call)));
  const app = buildApi({ engine, store, registry: new Registry(), ...extra });
  return { app, engine };
}

test("a known path asked with a method it does not serve is 405 with Allow, as Prometheus answers", async () => {
  const { app } = api({ remoteWrite: async () => ({ status: 204 }) });
  const cases: [string, string, string][] = [
    ["PUT", "/api/v1/query", "GET, OPTIONS, POST"],
    ["DELETE", "/api/v1/query_range", "GET, OPTIONS, POST"],
    ["HEAD", "/api/v1/query", "GET, OPTIONS, POST"],
    ["POST", "/api/v1/label/job/values", "GET, OPTIONS"],
    ["PATCH", "/api/v1/status/buildinfo", "GET, OPTIONS"],
    ["GET", "/api/v1/write", "OPTIONS, POST"],
    ["POST", "/metrics", "GET, OPTIONS"],
    ["PUT", "/-/healthy", "GET, HEAD, OPTIONS"],
  ];
  for (const [method, url, allow] of cases) {
    const res = await app.inject({ method: method as "GET", url });
    assert.equal(res.statusCode, 405, `${method} ${url}`);
    assert.equal(res.headers["allow"], allow, `${method} ${url}`);
    if (method !== "HEAD") assert.equal(res.body, "Method Not Allowed\n");
  }
  assert.equal((await app.inject({ method: "PUT", url: "/api/v1/nope" })).statusCode, 404);
  assert.equal((await app.inject({ method: "HEAD", url: "/-/healthy" })).statusCode, 200);
  assert.equal((await app.inject({ method: "HEAD", url: "/-/ready" })).statusCode, 200);
});

test("OPTIONS on any API path is 204 with no body (CORS preflight), in both servers", async () => {
  const { app } = api();
  for (const url of ["/api/v1/query", "/api/v1/label/job/values", "/api/v1/nope"]) {
    const res = await app.inject({ method: "OPTIONS", url, headers: { origin: "http://localhost:3000" } });
    assert.equal(res.statusCode, 204, url);
    assert.equal(res.body, "");
    assert.equal(res.headers["access-control-allow-origin"], "http://localhost:3000");
  }
  const writer = buildWriteApi({ remoteWrite: async () => ({ status: 204 }), registry: new Registry() });
  assert.equal((await writer.inject({ method: "OPTIONS", url: "/api/v1/write" })).statusCode, 204);
  assert.equal((await writer.inject({ method: "GET", url: "/api/v1/write" })).statusCode, 405);
});

/** A raw GET over a real socket (fetch refuses nothing, but inject would skip Node's header limit). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), type: String(res.headers["content-type"]) }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("GET URLs of 100 KB are served; past the 1 MiB limit it is 431 in Go's plain-text form", async () => {
  const { app, engine } = api();
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const addr = app.server.address();
    assert.ok(typeof addr === "object" && addr !== null);
    const alternatives = Array.from({ length: 14_000 }, (_, i) => `v${i}`).join("|");
    const query = `up{job=~"${alternatives}"}`;
    const path = `/api/v1/query?query=${encodeURIComponent(query)}&time=1`;
    assert.ok(path.length > 100_000, `URL of ${path.length} bytes`);
    const ok = await rawGet(addr.port, path);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(engine.calls.at(-1)?.query, query);
    const tooLong = await rawGet(addr.port, `/api/v1/query?query=${"x".repeat(1100 * 1024)}`);
    assert.equal(tooLong.status, 431);
    assert.equal(tooLong.body, "431 Request Header Fields Too Large");
    assert.equal(tooLong.type, "text/plain; charset=utf-8");
  } finally {
    await app.close();
  }
});

function multipart(fields: [string, string][], boundary = "----orrery-test"): { payload: Buffer; headers: Record<string, string> } {
  const parts = fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  return { payload: Buffer.from(parts.join("") + `--${boundary}--\r\n`), headers: { "content-type": `multipart/form-data; boundary=${boundary}` } };
}

test("multipart/form-data query forms are read as Prometheus reads them (after the URL's values)", async () => {
  const { app, engine } = api();
  const form = multipart([
    ["query", 'sum(rate(x{a="1"}[5m]))'],
    ["time", "100"],
  ]);
  const res = await app.inject({ method: "POST", url: "/api/v1/query", ...form });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(engine.calls.at(-1)?.query, 'sum(rate(x{a="1"}[5m]))');
  assert.equal(engine.calls.at(-1)?.start, 100_000);
  // Go's r.Form puts a multipart form's values after the URL's.
  await app.inject({ method: "POST", url: "/api/v1/query?query=3", ...multipart([["query", "1"]]) });
  assert.equal(engine.calls.at(-1)?.query, "3");
  const range = multipart([
    ["query", "up"],
    ["start", "0"],
    ["end", "60"],
    ["step", "15"],
  ]);
  assert.equal((await app.inject({ method: "POST", url: "/api/v1/query_range", ...range })).statusCode, 200);
  assert.equal(engine.calls.at(-1)?.step, 15_000);
  const formatted = await app.inject({ method: "POST", url: "/api/v1/format_query", ...multipart([["query", 'foo{b="1",a="2"}']]) });
  assert.deepEqual(formatted.json(), { status: "success", data: 'foo{a="2",b="1"}' });
  // As in Prometheus, series reads match[] from r.Form, which a multipart body does not fill.
  const series = await app.inject({ method: "POST", url: "/api/v1/series", ...multipart([["match[]", "up"]]) });
  assert.deepEqual(series.json(), { status: "error", errorType: "bad_data", error: "no match[] parameter provided" });
  // A malformed body carries no fields: the query is missing, as Prometheus says.
  const broken = await app.inject({ method: "POST", url: "/api/v1/format_query", headers: { "content-type": "multipart/form-data; boundary=xx" }, payload: "garbage" });
  assert.equal(broken.statusCode, 400);
  assert.match(broken.json().error, /no expression found in input/);
});

test("remote_write takes the raw body whatever its Content-Type; its 413 is plain text like its other errors", async () => {
  const got: Buffer[] = [];
  const { app } = api({
    bodyLimitBytes: 1024,
    remoteWrite: async (body) => {
      got.push(body);
      return { status: 204 };
    },
  });
  const payload = Buffer.from([0x7b, 0x00, 0xff, 0x26, 0x3d]);
  for (const type of ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
    const res = await app.inject({ method: "POST", url: "/api/v1/write", headers: { "content-type": type }, payload });
    assert.equal(res.statusCode, 204, `${type}: ${res.body}`);
    assert.deepEqual(got.at(-1), payload, type);
  }
  const big = await app.inject({ method: "POST", url: "/api/v1/write", headers: { "content-type": "application/x-protobuf" }, payload: Buffer.alloc(4096) });
  assert.equal(big.statusCode, 413);
  assert.equal(big.headers["content-type"], "text/plain; charset=utf-8");
  assert.match(big.body, /^request body too large: more than \d+ bytes\n$/);
});

test("buildinfo reports a Prometheus version Grafana's semver check reads, and orrery's own in build metadata", async () => {
  const { app } = api();
  const data = (await app.inject({ url: "/api/v1/status/buildinfo" })).json().data;
  assert.equal(data.version, `${PROMETHEUS_API_VERSION}+orrery.${ORRERY_VERSION}`);
  // Semantic versioning 2.0: MAJOR.MINOR.PATCH, optional +build metadata of dot-separated [0-9A-Za-z-] parts.
  assert.match(data.version, /^2\.\d+\.\d+\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/);
  assert.equal(data.revision, `orrery-${ORRERY_VERSION}`);
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  assert.equal(ORRERY_VERSION, pkg.version, "ORRERY_VERSION follows package.json");
});
