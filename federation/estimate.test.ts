import { test } from "node:test";
import assert from "node:assert/strict";
import { labelsFromRecord, type StoreEstimate } from "../storeapi/index.js";
import { combineStoreEstimates } from "./index.js";

const share = (labels: Record<string, string>, name: string, series: number, samples: number, basis: StoreEstimate["basis"] = "exact") => ({
  labelSets: [labelsFromRecord(labels)],
  estimate: { name, series, samples, basis },
});

test("one source split by time: the same series, samples added; other sources add both", () => {
  const e = combineStoreEstimates(
    [share({ cluster: "a" }, "head", 10, 1000), share({ cluster: "a" }, "bucket", 12, 5000, "statistics"), share({ cluster: "b" }, "b", 3, 30)],
    [],
    true,
  );
  assert.deepEqual({ series: e.series, samples: e.samples, basis: e.basis }, { series: 15, samples: 6030, basis: "statistics" });
  assert.deepEqual(e.stores!.map((s) => s.name), ["head", "bucket", "b"]);
});

test("replicas count once under dedup, twice without", () => {
  const shares = [share({ cluster: "a", replica: "0" }, "r0", 10, 1000), share({ cluster: "a", replica: "1" }, "r1", 10, 1100)];
  const dedup = combineStoreEstimates(shares, ["replica"], true);
  assert.deepEqual([dedup.series, dedup.samples], [10, 1100]);
  const all = combineStoreEstimates(shares, [], true);
  assert.deepEqual([all.series, all.samples], [20, 2100]);
});

test("a store left out makes the samples assumed; one exact store alone stays exact", () => {
  assert.equal(combineStoreEstimates([share({}, "head", 1, 10)], [], false).basis, "assumed");
  assert.equal(combineStoreEstimates([share({}, "head", 1, 10)], [], true).basis, "exact");
});
