// Thanos's query parameters (dedup, replicaLabels[], partial_response) over a real ProxyStore,
// and cancellation of every store's stream when the HTTP client goes away.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { Registry } from "prom-client";
import { Engine } from "../engine/index.js";
import { ProxyStore, type StoreRef } from "../federation/index.js";
import { labelsFromRecord, MemoryStore } from "../storeapi/index.js";
import type { SeriesFrame, Store, StoreInfo } from "../storeapi/index.js";
import { buildApi, type ApiDeps } from "./index.js";

const INFO: StoreInfo = { labelSets: [], minTime: 0, maxTime: 1e13, resolutions: [0], supportsAggregationPushdown: false };

function replica(name: string, offset: number): MemoryStore {
  const store = new MemoryStore({ externalLabels: labelsFromRecord({ replica: name }) });
  const ts: number[] = [];
  const vs: number[] = [];
  for (let t = 0; t <= 600_000; t += 15_000) {
    ts.push(t + offset);
    vs.push(t / 1000);
  }
  store.add(labelsFromRecord({ __name__: "up", job: "node" }), ts, vs);
  return store;
}

/** A store whose every call fails as a down endpoint does. */
const failing: Store = {
  info: async () => INFO,
  series: () => ({
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error("connection refused")) }),
  }),
  labelNames: () => Promise.reject(new Error("connection refused")),
  labelValues: () => Promise.reject(new Error("connection refused")),
};

async function refOf(name: string, store: Store): Promise<StoreRef> {
  return { name, store, info: await store.info() };
}

async function fleet(extra: Partial<ApiDeps> = {}, withFailing = false) {
  const refs = [await refOf("a:10901", replica("a", 0)), await refOf("b:10901", replica("b", 1))];
  if (withFailing) refs.push(await refOf("down:10901", failing));
  const proxy = new ProxyStore({ stores: refs });
  return buildApi({
    engine: new Engine({}),
    store: proxy,
    storeFor: (o) => proxy.view({ replicaLabels: o.replicaLabels, partialResponseDisabled: !o.partialResponse }),
    registry: new Registry(),
    replicaLabels: ["replica"],
    ...extra,
  });
}

interface Body {
  status: string;
  data: { result: { metric: Record<string, string> }[] } | string[] | Record<string, string>[];
  warnings?: string[];
  errorType?: string;
  error?: string;
}

async function get(app: Awaited<ReturnType<typeof fleet>>, url: string): Promise<{ code: number; body: Body }> {
  const res = await app.inject({ url });
  return { code: res.statusCode, body: JSON.parse(res.body) as Body };
}

const metrics = (b: Body) => (b.data as { result: { metric: Record<string, string> }[] }).result.map((r) => r.metric);

test("dedup: on by default with --query.replica-label; dedup=false keeps the replicas", async () => {
  const app = await fleet();
  const on = await get(app, "/api/v1/query?query=up&time=300");
  assert.deepEqual(metrics(on.body), [{ __name__: "up", job: "node" }]);
  const off = await get(app, "/api/v1/query?query=up&time=300&dedup=false");
  assert.deepEqual(metrics(off.body), [
    { __name__: "up", job: "node", replica: "a" },
    { __name__: "up", job: "node", replica: "b" },
  ]);
  const range = await get(app, "/api/v1/query_range?query=up&start=0&end=600&step=60&dedup=0");
  assert.equal(metrics(range.body).length, 2);
  const series = await get(app, "/api/v1/series?match[]=up");
  assert.deepEqual(series.body.data, [{ __name__: "up", job: "node" }]);
  const names = await get(app, "/api/v1/labels");
  assert.deepEqual(names.body.data, ["__name__", "job"]);
  const namesOff = await get(app, "/api/v1/labels?dedup=false");
  assert.deepEqual(namesOff.body.data, ["__name__", "job", "replica"]);
});

test("replicaLabels[] overrides the configured replica labels for one request", async () => {
  const app = await fleet({ replicaLabels: [] });
  assert.equal(metrics((await get(app, "/api/v1/query?query=up&time=300")).body).length, 2, "nothing configured: no dedup");
  const asked = await get(app, "/api/v1/query?query=up&time=300&replicaLabels[]=replica");
  assert.deepEqual(metrics(asked.body), [{ __name__: "up", job: "node" }]);
  const other = await get(app, "/api/v1/query?query=up&time=300&replicaLabels[]=zone");
  assert.equal(metrics(other.body).length, 2, "a replica label the series lack dedups nothing");
});

test("partial_response: a failing store is a warning by default, an error naming it when disabled", async () => {
  const app = await fleet({}, true);
  for (const url of ["/api/v1/query?query=up&time=300", "/api/v1/series?match[]=up", "/api/v1/labels", "/api/v1/label/job/values"]) {
    const partial = await get(app, url);
    assert.equal(partial.code, 200, url);
    assert.ok(partial.body.warnings?.some((w) => /down:10901/.test(w) && /connection refused/.test(w)), `${url}: ${JSON.stringify(partial.body)}`);
    // A store's warning is printed as the store worded it, as Prometheus prints storage warnings.
    assert.ok(!partial.body.warnings?.some((w) => w.startsWith("PromQL")), `${url}: ${JSON.stringify(partial.body.warnings)}`);
    const sep = url.includes("?") ? "&" : "?";
    const strict = await get(app, `${url}${sep}partial_response=false`);
    assert.equal(strict.code, 422, url);
    assert.equal(strict.body.errorType, "execution", url);
    assert.match(strict.body.error ?? "", /down:10901.*connection refused/, url);
  }
  const range = await get(app, "/api/v1/query_range?query=up&start=0&end=600&step=60&partial_response=false");
  assert.equal(range.code, 422);
});

test("--query.partial-response=false is the default a request may override", async () => {
  const app = await fleet({ partialResponse: false }, true);
  assert.equal((await get(app, "/api/v1/query?query=up&time=300")).code, 422);
  assert.equal((await get(app, "/api/v1/query?query=up&time=300&partial_response=true")).code, 200);
});

test("dedup=maybe and partial_response=sometimes are bad_data naming the parameter", async () => {
  const app = await fleet();
  for (const [url, param] of [
    ["/api/v1/query?query=up&dedup=maybe", "dedup"],
    ["/api/v1/query_range?query=up&start=0&end=60&step=15&partial_response=sometimes", "partial_response"],
    ["/api/v1/labels?dedup=maybe", "dedup"],
    ["/api/v1/label/job/values?dedup=maybe", "dedup"],
    ["/api/v1/series?match[]=up&dedup=maybe", "dedup"],
  ] as const) {
    const res = await get(app, url);
    assert.equal(res.code, 400, url);
    assert.equal(res.body.errorType, "bad_data");
    assert.match(res.body.error ?? "", new RegExp(`invalid parameter "${param}"`));
  }
});

test("a client that disconnects cancels every store's stream", { timeout: 20_000 }, async () => {
  const aborted: string[] = [];
  const hanging = (name: string): Store => ({
    info: async () => INFO,
    series: (_req, signal): AsyncIterable<SeriesFrame> => ({
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise((_resolve, reject) => {
            signal?.addEventListener("abort", () => {
              aborted.push(name);
              reject(signal.reason);
            });
          }),
      }),
    }),
    labelNames: () => new Promise(() => undefined),
    labelValues: () => new Promise(() => undefined),
  });
  const proxy = new ProxyStore({ stores: [await refOf("h1", hanging("h1")), await refOf("h2", hanging("h2"))] });
  const app = buildApi({ engine: new Engine({}), store: proxy, storeFor: (o) => proxy.view({ replicaLabels: o.replicaLabels }), registry: new Registry() });
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const { port } = app.server.address() as { port: number };
    const req = httpRequest({ host: "127.0.0.1", port, path: "/api/v1/query?query=sum(up)" });
    req.on("error", () => undefined);
    req.end();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(aborted, [], "the stores are still streaming");
    req.destroy();
    for (let i = 0; i < 100 && aborted.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(aborted.sort(), ["h1", "h2"]);
  } finally {
    await app.close();
  }
});
