// Two stores with their own external labels behind one engine: their series stay apart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./index.js";
import { compareLabels, MemoryStore } from "../storeapi/index.js";
import type { Series, SeriesFrame, SeriesRequest, Store } from "../storeapi/index.js";
import { labels } from "./testing.js";
import type { MatrixValue } from "./types.js";

/** A minimal fan-out for the test: every store's series, sorted by labels (no dedup, no pruning). */
function union(stores: Store[]): Store {
  return {
    info: () => stores[0]!.info(),
    async *series(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesFrame> {
      const all: Series[] = [];
      for (const s of stores) for await (const f of s.series(req, signal)) all.push(...f.series);
      yield { series: all.sort((a, b) => compareLabels(a.labels, b.labels)), warnings: [] };
    },
    labelNames: (r, signal) => stores[0]!.labelNames(r, signal),
    labelValues: (r, signal) => stores[0]!.labelValues(r, signal),
  };
}

function regionStore(region: string, value: number): MemoryStore {
  const s = new MemoryStore({ externalLabels: labels({ region }) });
  s.add(labels({ __name__: "up", job: "api" }), [0, 60_000, 120_000], [value, value, value]);
  return s;
}

test("the same series from two stores is told apart by their external labels", async () => {
  const store = union([regionStore("eu", 1), regionStore("us", 2)]);
  const engine = new Engine();
  const raw = (await engine.rangeQuery(store, "up", 0, 120_000, 60_000).exec()).value as MatrixValue;
  assert.deepEqual(
    raw.series.map((s) => [s.labels, [...s.v]]),
    [
      [labels({ __name__: "up", job: "api", region: "eu" }), [1, 1, 1]],
      [labels({ __name__: "up", job: "api", region: "us" }), [2, 2, 2]],
    ],
  );
  const byRegion = (await engine.rangeQuery(store, 'sum by (region) (up{region="us"})', 0, 120_000, 60_000).exec()).value as MatrixValue;
  assert.deepEqual(byRegion.series.map((s) => [s.labels, [...s.v]]), [[labels({ region: "us" }), [2, 2, 2]]]);
});
