import { test } from "node:test";
import assert from "node:assert/strict";
import { estimateSeries, labelsFromRecord, MemoryStore, type SeriesRequest, type Store } from "./index.js";

test("a store without an estimate is counted with skip_chunks, or, with countSeries: false, not at all", async () => {
  const mem = new MemoryStore();
  for (let i = 0; i < 3; i++) mem.add(labelsFromRecord({ __name__: "m", i: String(i) }), [0, 60_000], [1, 2]);
  const requests: SeriesRequest[] = [];
  const store: Store = {
    info: () => mem.info(),
    series: (request, signal) => {
      requests.push(request);
      return mem.series(request, signal);
    },
    labelNames: (request, signal) => mem.labelNames(request, signal),
    labelValues: (request, signal) => mem.labelValues(request, signal),
  };
  const request: SeriesRequest = { minTime: 0, maxTime: 60_000, matchers: [{ name: "__name__", op: "=", value: "m" }] };
  assert.deepEqual(await estimateSeries(store, request), { series: 3, samples: 6, basis: "assumed" });
  assert.deepEqual(requests.map((r) => r.skipChunks), [true]);
  assert.deepEqual(await estimateSeries(store, request, undefined, { countSeries: false }), { series: 0, samples: 0, basis: "assumed" });
  assert.equal(requests.length, 1, "no round trip");
});
