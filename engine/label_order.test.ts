// Label sets order as Go orders strings (UTF-8 bytes), not as JS's < (UTF-16 units):
// U+FF21 "Ａ" (EF BC A1) sorts before U+1F600 "😀" (F0 9F 98 80), the other way round in UTF-16.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./index.js";
import { storeWith } from "./testing.js";
import type { MatrixValue, VectorValue } from "./types.js";

const MIN = 60_000;
const store = () =>
  storeWith(MIN, [
    [{ __name__: "m", x: "😀" }, [1, 1, 1]],
    [{ __name__: "m", x: "Ａ" }, [2, 2, 2]],
    [{ __name__: "m", x: "a" }, [3, 3, 3]],
  ]);
const GO_ORDER = ["a", "Ａ", "😀"];

function xs(labels: readonly { name: string; value: string }[][]): string[] {
  return labels.map((ls) => ls.find((l) => l.name === "x")?.value ?? "");
}

test("range query series come in Go's byte order", async () => {
  const r = await new Engine().rangeQuery(store(), "m", 0, 2 * MIN, MIN).exec();
  assert.deepEqual(xs((r.value as MatrixValue).series.map((s) => [...s.labels])), GO_ORDER);
});

test("sort_by_label and sort_by_label_desc compare values in Go's byte order", async () => {
  const asc = await new Engine().instantQuery(store(), "sort_by_label(m, \"x\")", 2 * MIN).exec();
  assert.deepEqual(xs((asc.value as VectorValue).samples.map((s) => [...s.labels])), GO_ORDER);
  const desc = await new Engine().instantQuery(store(), "sort_by_label_desc(m, \"x\")", 2 * MIN).exec();
  assert.deepEqual(xs((desc.value as VectorValue).samples.map((s) => [...s.labels])), [...GO_ORDER].reverse());
});

test("aggregation groups and label_replace output come in Go's byte order", async () => {
  const sum = await new Engine().rangeQuery(store(), "sum by (x) (m)", 0, 2 * MIN, MIN).exec();
  assert.deepEqual(xs((sum.value as MatrixValue).series.map((s) => [...s.labels])), GO_ORDER);
  // A label name set by label_replace lands in byte order among the others.
  const q = 'label_replace(label_replace(m{x="a"}, "😀", "v", "", ""), "Ａ", "v", "", "")';
  const r = await new Engine().instantQuery(store(), q, 2 * MIN).exec();
  const names = (r.value as VectorValue).samples[0]!.labels.map((l) => l.name);
  assert.deepEqual(names, ["__name__", "x", "Ａ", "😀"]);
});
