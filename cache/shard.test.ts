import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "../promql/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { joinShardAnswers, shardByOf, shardInfoJson } from "./shard.js";

test("which queries shard, and by which labels", () => {
  const cases: [string, string | undefined][] = [
    ["sum by (job) (rate(http_requests_total[5m]))", "by job"],
    ["count by (job, instance) (up)", "by instance,job"],
    ["max by (job) (x) / min by (job) (y)", "by job"],
    ["avg by (job) (x)", "by job"],
    ["group by (job) (x)", "by job"],
    ["topk by (job) (3, x)", "by job"],
    ["quantile by (job) (0.9, x)", "by job"],
    // Buckets stay together: le is never hashed.
    ["histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))", "by job"],
    ["sum by (job) (sum by (job, instance) (x))", "by job"],
    ["sum by (job) (a) * on (job) group_left sum by (job, mode) (b)", "by job"],
    ["sum by (job, mode) (x) unless ignoring (mode) y", "by job"],
    ["sum without (instance) (x)", "without __name__,instance,le"],
    ["sum by (job) (x) > 10", "by job"],
    // Not shardable: one group over everything, or no grouping label left to hash.
    ["sum(x)", undefined],
    ["sum by () (x)", undefined],
    ["topk(3, x)", undefined],
    ["quantile(0.9, x)", undefined],
    ["sum by (le) (x)", undefined],
    ["sum by (job) (sum without (job) (x))", undefined],
    ["sum by (job) (x) / on (instance) y", undefined],
    ["sum by (job) (x) / ignoring (job) y", undefined],
    ["rate(x[5m])", undefined],
    ["x", undefined],
    // Labels rewritten, series from nothing, or a subquery.
    ['sum by (job) (label_replace(x, "job", "$1", "instance", "(.*)"))', undefined],
    ["absent(sum by (job) (x))", undefined],
    ["sum by (job) (x) or vector(1)", undefined],
    ["sum by (job) (x) + scalar(sum(y))", undefined],
    ['count_values by (job) ("v", x)', undefined],
    ["max_over_time(sum by (job) (x)[10m:1m])", undefined],
    ["sum by (job) (x) + day_of_month()", undefined],
    ["sum by (job) (x) * 2 + time()", "by job"],
  ];
  const describe = (q: string): string | undefined => {
    const s = shardByOf(parse(q));
    return s === undefined ? undefined : `${s.by ? "by" : "without"} ${s.labels.join(",")}`;
  };
  const wrong = cases.filter(([q, want]) => describe(q) !== want).map(([q, want]) => `${q}: want ${want}, got ${describe(q)}`);
  assert.deepEqual(wrong, []);
});

test("shard_info is Thanos's JSON, and shard answers join sorted; the same series from two shards is refused", () => {
  assert.equal(shardInfoJson({ by: true, labels: ["job"] }, 1, 4), '{"shard_index":1,"total_shards":4,"by":true,"labels":["job"]}');
  const s = (job: string) => ({ labels: labelsFromRecord({ job }), t: Float64Array.of(1), v: Float64Array.of(1) });
  const joined = joinShardAnswers([
    { series: [s("b"), s("d")], warnings: ["w"], infos: [] },
    { series: [s("a"), s("c")], warnings: ["w", "v"], infos: ["i"] },
  ]);
  assert.deepEqual(joined?.series.map((x) => x.labels[0]!.value), ["a", "b", "c", "d"]);
  assert.deepEqual([joined?.warnings, joined?.infos], [["w", "v"], ["i"]]);
  assert.equal(joinShardAnswers([{ series: [s("a")], warnings: [], infos: [] }, { series: [s("a")], warnings: [], infos: [] }]), undefined);
});
