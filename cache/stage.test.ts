// The frontend inside orrery: API → frontend stage → engine → proxy store over
// two stores, one of which fails while the cache is being filled.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { buildApi } from "../api/index.js";
import { Engine } from "../engine/index.js";
import { ProxyStore, type StoreRef } from "../federation/index.js";
import { labelsFromRecord, MemoryStore, type SeriesFrame, type SeriesRequest, type Store } from "../storeapi/index.js";
import { InMemoryBackend } from "./backend.js";
import { QueryFrontend } from "./frontend.js";
import { frontendStage } from "./stage.js";

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A store that fails every series() call while `failing` is set, as a dead endpoint does. */
class SwitchableStore implements Store {
  failing = false;
  constructor(private readonly inner: Store) {}
  info() {
    return this.inner.info();
  }
  async *series(request: SeriesRequest): AsyncIterable<SeriesFrame> {
    if (this.failing) throw new Error("connection refused");
    yield* this.inner.series(request);
  }
  labelNames(r: Parameters<Store["labelNames"]>[0]) {
    return this.inner.labelNames(r);
  }
  labelValues(r: Parameters<Store["labelValues"]>[0]) {
    return this.inner.labelValues(r);
  }
}

function zoneStore(zone: string): MemoryStore {
  const store = new MemoryStore({ externalLabels: labelsFromRecord({ zone }) });
  const ts: number[] = [];
  const vs: number[] = [];
  for (let t = 0; t <= 48 * HOUR; t += 15_000) {
    ts.push(t);
    vs.push(t / 1000 + (zone === "b" ? 7 : 0));
  }
  store.add(labelsFromRecord({ __name__: "requests_total", job: "api" }), ts, vs);
  return store;
}

function ref(name: string, store: Store, zone: string): StoreRef {
  return { name, store, info: { labelSets: [labelsFromRecord({ zone })], minTime: 0, maxTime: 48 * HOUR, resolutions: [0], supportsAggregationPushdown: false } };
}

async function setup() {
  const b = new SwitchableStore(zoneStore("b"));
  const proxy = new ProxyStore({ stores: [ref("store-a", zoneStore("a"), "a"), ref("store-b", b, "b")] });
  const registry = new Registry();
  const frontend = new QueryFrontend({ registry, backend: new InMemoryBackend({ maxSizeBytes: 16 << 20 }), splitIntervalMs: 6 * HOUR, now: () => 100 * HOUR });
  const deps = { engine: new Engine({}), store: proxy, storeFor: () => proxy as Store, registry };
  const withFrontend = buildApi({ ...deps, queryStage: frontendStage(frontend) });
  const direct = buildApi({ ...deps, registry: new Registry() });
  const get = async (app: typeof direct, start: number, end: number) => {
    const url = `/api/v1/query_range?query=${encodeURIComponent("rate(requests_total[5m])")}&start=${start / 1000}&end=${end / 1000}&step=60`;
    const res = await app.inject({ method: "GET", url });
    return { status: res.statusCode, body: res.body };
  };
  return { b, registry, withFrontend, direct, get };
}

test("a store failing during a fill: the partial answer carries its warning and is never served from cache", async () => {
  const { b, withFrontend, direct, get } = await setup();
  b.failing = true;
  const partial = await get(withFrontend, 0, 24 * HOUR);
  assert.equal(partial.status, 200);
  assert.match(partial.body, /"warnings":\["[^"]*store-b[^"]*connection refused/);
  assert.doesNotMatch(partial.body, /"zone":"b"/);
  b.failing = false;
  const healed = await get(withFrontend, 0, 24 * HOUR);
  const want = await get(direct, 0, 24 * HOUR);
  assert.match(want.body, /"zone":"b"/);
  assert.equal(healed.body, want.body, "after the store is back, the answer is whole");
});

test("a store failing while the gap after a partial cache hit is filled: the gap is not cached", async () => {
  const { b, registry, withFrontend, direct, get } = await setup();
  await get(withFrontend, 0, 12 * HOUR);
  b.failing = true;
  const extended = await get(withFrontend, 0, 30 * HOUR);
  assert.match(extended.body, /connection refused/);
  assert.match(extended.body, /"zone":"b"/, "zone b's cached steps are still there");
  b.failing = false;
  const again = await get(withFrontend, 0, 30 * HOUR);
  assert.equal(again.body, (await get(direct, 0, 30 * HOUR)).body);
  assert.doesNotMatch(again.body, /warnings/);
  assert.match(await registry.getSingleMetricAsString("orrery_frontend_not_stored_total"), /reason="warnings"} [1-9]/);
  // Warm now: the same answer without touching the stores.
  b.failing = true;
  assert.equal((await get(withFrontend, 0, 30 * HOUR)).body, again.body);
});

test("errors from the engine behind the stage come back as the API words them", async () => {
  const { withFrontend, direct } = await setup();
  const url = "/api/v1/query_range?query=" + encodeURIComponent('label_replace(requests_total, "zone", "x", "", "")') + "&start=0&end=3600&step=60";
  const a = await withFrontend.inject({ method: "GET", url });
  const b = await direct.inject({ method: "GET", url });
  assert.equal(a.statusCode, b.statusCode);
  assert.equal(a.body, b.body);
  const bad = await withFrontend.inject({ method: "GET", url: "/api/v1/query_range?query=sum(&start=0&end=3600&step=60" });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /bad_data/);
});
