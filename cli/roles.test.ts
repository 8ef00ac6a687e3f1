import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { ChunkEncoding, labelsFromRecord, serveStoreApi, type SeriesFrame, type Store, type StoreInfo } from "../storeapi/index.js";
import { availableParallelism } from "node:os";
import { externalLabelsFlag } from "./roles.js";
import { federationConfig, openFederation, openWindowWorkers, queryConfig } from "./query-roles.js";
import { parseFlags } from "./query.js";

test("--query.parallelism: auto is CPUs − 1 worker threads, 0 none; bad values name the flag", async () => {
  const cfg = (...argv: string[]) => queryConfig(parseFlags(["--endpoint=a:1", ...argv]).values);
  assert.equal(cfg().parallelism, Math.max(0, availableParallelism() - 1));
  assert.equal(cfg().parallelMinSamples, 1_000_000);
  assert.equal(openWindowWorkers(cfg("--query.parallelism=0")), undefined);
  const pool = openWindowWorkers(cfg("--query.parallelism=3", "--query.parallel-min-samples=5"));
  assert.deepEqual({ size: pool?.size, minSamples: pool?.minSamples }, { size: 3, minSamples: 5 });
  await pool?.close();
  assert.throws(() => cfg("--query.parallelism=-1"), /invalid --query.parallelism=-1: want an integer ≥ 0/);
  assert.throws(() => cfg("--query.parallel-min-samples=x"), /invalid --query.parallel-min-samples=x/);
});

test("--label name=\"value\" as Thanos spells it; bad ones name the flag", () => {
  assert.deepEqual(externalLabelsFlag(['replica="a"', 'region="eu \\"west\\""', ""]), labelsFromRecord({ region: 'eu "west"', replica: "a" }));
  assert.throws(() => externalLabelsFlag(["replica=a"]), /invalid --label=replica=a: want name="value"/);
  assert.throws(() => externalLabelsFlag(['1x="a"']), /invalid --label=1x="a"/);
  assert.throws(() => externalLabelsFlag(['a="1"', 'a="2"']), /label a given twice/);
});

const INFO: StoreInfo = { labelSets: [], minTime: 0, maxTime: 1e12, resolutions: [0], supportsAggregationPushdown: false };

test("chunks a StoreAPI client drops are counted by endpoint and reason; a --prometheus.url is polled as an endpoint", { timeout: 20_000 }, async (t) => {
  // Header claims 5 samples, the bytes hold none: the client must drop it, never decode garbage.
  const corrupt: Store = {
    info: async () => INFO,
    async *series(): AsyncIterable<SeriesFrame> {
      yield {
        series: [{ labels: labelsFromRecord({ __name__: "m" }), chunks: [{ minTime: 0, maxTime: 1000, raw: { encoding: ChunkEncoding.XOR, data: new Uint8Array([0, 5, 1]) } }] }],
        warnings: [],
      };
    },
    labelNames: async () => ({ values: [], warnings: [] }),
    labelValues: async () => ({ values: [], warnings: [] }),
  };
  const server = await serveStoreApi(corrupt, { address: "127.0.0.1:0" });
  const registry = new Registry();
  // Port 9 on loopback refuses: the Prometheus server is listed with its error.
  const cfg = federationConfig(parseFlags([`--endpoint=${server.address}`, "--prometheus.url=http://127.0.0.1:9"]));
  const federation = openFederation(cfg, { registry, tickMs: 50 });
  t.after(async () => {
    federation.stop();
    await server.close();
  });
  federation.start();
  for (let i = 0; i < 100 && federation.storeStatus().some((s) => s.lastCheckMs === undefined); i++) await new Promise((r) => setTimeout(r, 20));
  const status = Object.fromEntries(federation.storeStatus().map((s) => [s.name, s.lastError]));
  assert.equal(status[server.address], undefined);
  assert.match(status["http://127.0.0.1:9"] ?? "", /.+/);

  const frames = [];
  for await (const f of federation.store.series({ minTime: 0, maxTime: 1000, matchers: [{ name: "__name__", op: "=", value: "m" }] })) frames.push(f);
  assert.ok(frames.flatMap((f) => f.warnings).some((w) => /corrupt|XOR/.test(w)), JSON.stringify(frames));
  const text = await registry.metrics();
  assert.match(text, new RegExp(`orrery_storeapi_client_chunks_dropped_total\\{endpoint="${server.address}",reason="corrupt_chunk"\\} 1`));
});
