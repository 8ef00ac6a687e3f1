import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { labelsFromRecord } from "../storeapi/index.js";
import { encodeRemoteWriteBody } from "../stores/index.js";
import { buildApi } from "./index.js";
import { always, FakeEngine, LabelsStore, result, startOrreryApi } from "./testkit.js";

const T0 = 1_700_000_000_000;
const dir = mkdtempSync(join(tmpdir(), "orrery-explain-"));
let api: Awaited<ReturnType<typeof startOrreryApi>>;

interface Node {
  name: string;
  children: Node[];
  analysis?: { series: number; samples: number; timeMs: number };
}

before(async () => {
  api = await startOrreryApi(dir);
  // Three series, a sample every 15 s for 10 minutes.
  const timeseries = ["a", "b", "c"].map((instance) => ({
    labels: labelsFromRecord({ __name__: "demo_total", job: "api", instance }),
    samples: Array.from({ length: 41 }, (_, i) => ({ timestamp: T0 + i * 15_000, value: i })),
  }));
  const res = await fetch(`${api.url}/api/v1/write`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", "content-encoding": "snappy", "x-prometheus-remote-write-version": "0.1.0" },
    body: encodeRemoteWriteBody({ timeseries }),
  });
  assert.equal(res.status, 204);
});

after(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

async function explain(params: Record<string, string>): Promise<{ status: number; body: { status: string; data: { plan: Node; analyze: boolean }; errorType?: string; error?: string } }> {
  const res = await fetch(`${api.url}/api/v1/explain?${new URLSearchParams(params)}`);
  return { status: res.status, body: (await res.json()) as never };
}

test("explain without analyze: the operator tree, nothing run", async () => {
  const { status, body } = await explain({ query: "sum by (job) (rate(demo_total[5m]))", time: String(T0 / 1000 + 600) });
  assert.equal(status, 200);
  assert.equal(body.data.analyze, false);
  assert.match(body.data.plan.name, /sum/);
  assert.equal(body.data.plan.analysis, undefined);
  assert.ok(body.data.plan.children.length > 0);
});

test("explain analyze, instant: each operator's output series and samples", async () => {
  const { body } = await explain({ query: "sum by (job) (rate(demo_total[5m]))", time: String(T0 / 1000 + 600), analyze: "true" });
  const root = body.data.plan;
  assert.deepEqual({ series: root.analysis!.series, samples: root.analysis!.samples }, { series: 1, samples: 1 });
  const rate = root.children[0]!;
  assert.deepEqual({ series: rate.analysis!.series, samples: rate.analysis!.samples }, { series: 3, samples: 3 });
  assert.ok(root.analysis!.timeMs >= rate.analysis!.timeMs, "a parent's time includes its children's");
});

test("explain analyze, range: samples count every step", async () => {
  const start = T0 / 1000 + 300;
  const { body } = await explain({ query: "sum by (job) (rate(demo_total[5m]))", start: String(start), end: String(start + 300), step: "60", analyze: "1" });
  const rate = body.data.plan.children[0]!;
  assert.equal(body.data.plan.analysis!.samples, 6);
  assert.equal(rate.analysis!.samples, 18);
});

test("explain: a bad query is bad_data naming where; a bad step names the parameter", async () => {
  const bad = await explain({ query: "sum(rate(demo_total[5m])" });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errorType, "bad_data");
  assert.match(bad.body.error!, /1:\d+: parse error/);
  const step = await explain({ query: "up", start: "0", end: "10", step: "0" });
  assert.equal(step.status, 400);
  assert.match(step.body.error!, /step/);
});

test("explain on an engine that cannot explain is unavailable, not a crash", async () => {
  const app = buildApi({ engine: new FakeEngine(always(result({ type: "scalar", t: 0, v: 1 }))), store: new LabelsStore([]), registry: new Registry() });
  const res = await app.inject({ url: "/api/v1/explain?query=up" });
  assert.equal(JSON.parse(res.body).errorType, "unavailable");
  await app.close();
});
