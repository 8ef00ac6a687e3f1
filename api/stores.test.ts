import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { buildApi } from "./index.js";
import type { ApiDeps } from "./index.js";
import { always, FakeEngine, LabelsStore, result } from "./testkit.js";
import { labelsFromRecord, MemoryStore } from "../storeapi/index.js";
import { EndpointSet } from "../federation/index.js";
import { goTimeJson } from "./status.js";

function api(extra: Partial<ApiDeps> = {}) {
  return buildApi({ engine: new FakeEngine(always(result({ type: "vector", samples: [] }))), store: new LabelsStore([]), registry: new Registry(), ...extra });
}

test("/api/v1/stores without a provider answers empty data", async () => {
  const res = await api().inject({ url: "/api/v1/stores" });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, '{"status":"success","data":{}}');
});

test("/api/v1/stores lists endpoints by type as Thanos Query does", async () => {
  const app = api({
    storeStatus: () => [
      { name: "10.0.0.1:10901", lastCheckMs: Date.UTC(2024, 0, 2, 3, 4, 5, 120), lastError: undefined, labelSets: [labelsFromRecord({ replica: "a", "1x": "y" })], minTime: 1000, maxTime: 2000 },
      { name: "10.0.0.2:10901", lastCheckMs: undefined, lastError: "connection refused", labelSets: [], minTime: 0, maxTime: 0 },
      { name: "10.0.0.3:10901", lastCheckMs: Date.UTC(2024, 0, 2), lastError: undefined, labelSets: [], minTime: 5, maxTime: 6, resolutions: [0, 300_000, 3_600_000], type: "sidecar" },
    ],
  });
  const res = await app.inject({ url: "/api/v1/stores" });
  assert.equal(
    res.body,
    '{"status":"success","data":{' +
      '"sidecar":[{"name":"10.0.0.3:10901","lastCheck":"2024-01-02T00:00:00Z","lastError":null,"labelSets":[],"minTime":5,"maxTime":6,"resolutions":[0,300000,3600000]}],' +
      '"store":[{"name":"10.0.0.1:10901","lastCheck":"2024-01-02T03:04:05.12Z","lastError":null,"labelSets":[{"1x":"y","replica":"a"}],"minTime":1000,"maxTime":2000,"resolutions":[]},' +
      '{"name":"10.0.0.2:10901","lastCheck":"0001-01-01T00:00:00Z","lastError":"connection refused","labelSets":[],"minTime":0,"maxTime":0,"resolutions":[]}]}}',
  );
});

test("/api/v1/stores from an EndpointSet", async () => {
  const up = new MemoryStore({ externalLabels: labelsFromRecord({ replica: "a" }) });
  up.appendSample(labelsFromRecord({ __name__: "up" }), 5000, 1);
  const set = new EndpointSet({
    staticAddresses: ["up:1", "down:1"],
    factory: (a) => (a === "up:1" ? up : Object.assign(new MemoryStore(), { info: () => Promise.reject(new Error("connection refused")) })),
    now: () => 0,
  });
  await set.update();
  const res = await api({ storeStatus: () => set.status() }).inject({ url: "/api/v1/stores" });
  const body = JSON.parse(res.body) as { data: { store: { name: string; lastError: string | null; labelSets: unknown[]; minTime: number; resolutions: number[] }[] } };
  assert.deepEqual(
    body.data.store.map((s) => [s.name, s.lastError, s.labelSets, s.minTime, s.resolutions]),
    [
      ["down:1", "connection refused", [], 0, []],
      ["up:1", null, [{ replica: "a" }], 5000, [0]],
    ],
  );
});

test("Go time JSON trims the fraction's trailing zeros", () => {
  assert.equal(goTimeJson(Date.UTC(2024, 0, 1, 0, 0, 0, 500)), '"2024-01-01T00:00:00.5Z"');
  assert.equal(goTimeJson(Date.UTC(2024, 0, 1, 0, 0, 0, 7)), '"2024-01-01T00:00:00.007Z"');
});
