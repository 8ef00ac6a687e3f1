import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { buildApi, type ApiDeps } from "./index.js";
import { always, FakeEngine, result } from "./testkit.js";
import { labelsFromRecord, MemoryStore, type Store } from "../storeapi/index.js";
import { ProxyStore, type StoreRef } from "../federation/index.js";

const NOW = 10_000_000;

/** Two stores: "a" has 3 series of `http` (2 of them only since NOW-60s) and one `up`; "b" has `up` and 2 of `jobs`. */
function twoStores(): StoreRef[] {
  const a = new MemoryStore();
  const b = new MemoryStore({ externalLabels: labelsFromRecord({ site: "b" }) });
  for (const code of ["200", "500", "503"]) {
    const labels = labelsFromRecord({ __name__: "http", code });
    if (code === "200") a.appendSample(labels, NOW - 3_600_000, 1);
    a.appendSample(labels, NOW - 60_000, 1);
  }
  a.appendSample(labelsFromRecord({ __name__: "up", job: "a" }), NOW - 3_600_000, 1);
  a.appendSample(labelsFromRecord({ __name__: "up", job: "a" }), NOW - 30_000, 1);
  b.appendSample(labelsFromRecord({ __name__: "up", job: "b" }), NOW - 30_000, 1);
  for (const j of ["x", "y"]) b.appendSample(labelsFromRecord({ __name__: "jobs", job: j }), NOW - 3_600_000, 1);
  return [ref("a", a), ref("b", b)];
}

function ref(name: string, store: Store): StoreRef {
  return { name, store, info: { labelSets: [], minTime: Number.MIN_SAFE_INTEGER, maxTime: Number.MAX_SAFE_INTEGER, resolutions: [0], supportsAggregationPushdown: false } };
}

function api(stores: StoreRef[], extra: Partial<ApiDeps> = {}) {
  return buildApi({
    engine: new FakeEngine(always(result({ type: "vector", samples: [] }))),
    store: new ProxyStore({ stores }),
    individualStores: () => stores,
    registry: new Registry(),
    now: () => NOW,
    ...extra,
  });
}

interface Figures {
  numSeries: number;
  truncated: boolean;
  seriesCountByMetricName: { name: string; value: number }[];
  labelValueCountByLabelName: { name: string; value: number }[];
  seriesCountByLabelValuePair: { name: string; value: number }[];
  growth?: { numSeriesThen: number; seriesCountByMetricName: { name: string; then: number; now: number }[] };
}
interface Answer {
  status: string;
  data: { time: number; since: number | null; window: number; merged: Figures; stores: (Figures & { name: string; error: string | null })[] };
}

async function get(app: ReturnType<typeof api>, query: string): Promise<Answer> {
  const res = await app.inject({ url: `/api/v1/status/cardinality?${query}` });
  assert.equal(res.statusCode, 200, res.body);
  return JSON.parse(res.body) as Answer;
}

test("/api/v1/status/cardinality: merged and per store, series with data in the window ending at time", async () => {
  const { data } = await get(api(twoStores()), "limit=2");
  assert.equal(data.time, NOW / 1000);
  assert.equal(data.window, 300);
  assert.equal(data.since, null);
  assert.equal(data.merged.numSeries, 5);
  assert.deepEqual(data.merged.seriesCountByMetricName, [
    { name: "http", value: 3 },
    { name: "up", value: 2 },
  ]);
  // Ties (__name__ and job: two values each) by name.
  assert.deepEqual(data.merged.labelValueCountByLabelName, [
    { name: "code", value: 3 },
    { name: "__name__", value: 2 },
  ]);
  assert.deepEqual(
    data.stores.map((s) => [s.name, s.error, s.numSeries, s.seriesCountByMetricName]),
    [
      ["a", null, 4, [{ name: "http", value: 3 }, { name: "up", value: 1 }]],
      // b's `jobs` has no sample in the last 5m; its external label is on its series.
      ["b", null, 1, [{ name: "up", value: 1 }]],
    ],
  );
  const b = (await get(api(twoStores()), "limit=5")).data.stores[1]!;
  assert.deepEqual(b.seriesCountByLabelValuePair.map((p) => p.name), ["__name__=up", "job=b", "site=b"]);
});

test("/api/v1/status/cardinality: growth since a chosen time, per metric, merged and per store", async () => {
  const { data } = await get(api(twoStores()), `since=${(NOW - 3_600_000) / 1000}&limit=5`);
  assert.equal(data.since, (NOW - 3_600_000) / 1000);
  assert.deepEqual(data.merged.growth, {
    numSeriesThen: 4,
    truncatedThen: false,
    seriesCountByMetricName: [
      { name: "http", then: 1, now: 3 },
      { name: "up", then: 1, now: 2 },
      { name: "jobs", then: 2, now: 0 },
    ],
  });
  assert.deepEqual(data.stores[1]!.growth!.seriesCountByMetricName, [
    { name: "up", then: 0, now: 1 },
    { name: "jobs", then: 2, now: 0 },
  ]);
});

test("/api/v1/status/cardinality: a store over series_limit is marked truncated; a failing store is listed with its error", async () => {
  const stores = twoStores();
  const refused = (): Promise<never> => Promise.reject(new Error("connection refused"));
  const broken: Store = {
    info: refused,
    series: async function* () {
      yield* [];
      throw new Error("connection refused");
    },
    labelNames: refused,
    labelValues: refused,
  };
  const app = api(stores, { individualStores: () => [...stores, { name: "down:1", store: broken }] });
  const { data } = await get(app, "series_limit=2");
  assert.deepEqual(
    data.stores.map((s) => [s.name, s.numSeries, s.truncated, s.error]),
    [
      ["a", 2, true, null],
      ["b", 1, false, null],
      ["down:1", undefined, undefined, "connection refused"],
    ],
  );
  assert.equal(data.merged.truncated, true);
});

test("/api/v1/status/cardinality: bad parameters are named", async () => {
  const app = api(twoStores());
  for (const [query, message] of [
    ["limit=0", /invalid parameter "limit": must be a whole number from 1 to 10000, got "0"/],
    ["series_limit=x", /invalid parameter "series_limit"/],
    ["window=-5m", /invalid parameter "window"/],
    ["since=abc", /invalid parameter "since"/],
    [`since=${NOW / 1000 + 1}`, /invalid parameter "since": must be before time/],
  ] as const) {
    const res = await app.inject({ url: `/api/v1/status/cardinality?${query}` });
    assert.equal(res.statusCode, 400, query);
    assert.match((JSON.parse(res.body) as { error: string }).error, message, query);
  }
});
