import { test } from "node:test";
import assert from "node:assert/strict";
import { formatLabels, labelsFromRecord, ShardMatcher } from "../../storeapi/index.js";
import type { Labels, Matcher, Series } from "../../storeapi/index.js";
import { Head } from "./head.js";

const lbl = (r: Record<string, string>): Labels => labelsFromRecord(r);

async function collect(head: Head, matchers: Matcher[] = []): Promise<Series[]> {
  const out: Series[] = [];
  for await (const f of head.series({ minTime: 0, maxTime: 1e9, matchers })) out.push(...f.series);
  return out;
}

async function withExternal(): Promise<Head> {
  // Given unsorted: the head sorts them.
  const head = new Head({ externalLabels: [{ name: "replica", value: "r1" }, { name: "cluster", value: "eu" }] });
  await head.appendBatch([
    { labels: lbl({ __name__: "up", job: "a" }), t: [1000], v: [1] },
    // Its own cluster label is overridden by the external one, as Thanos stores do.
    { labels: lbl({ __name__: "up", job: "b", cluster: "own" }), t: [1000], v: [1] },
  ]);
  return head;
}

test("external labels are sorted into every series returned, overriding a series' own label", async () => {
  const head = await withExternal();
  const got = (await collect(head)).map((s) => s.labels);
  assert.deepEqual(got, [
    lbl({ __name__: "up", cluster: "eu", job: "a", replica: "r1" }),
    lbl({ __name__: "up", cluster: "eu", job: "b", replica: "r1" }),
  ]);
  assert.deepEqual((await head.info()).labelSets, [lbl({ cluster: "eu", replica: "r1" })]);
  assert.deepEqual((await new Head().info()).labelSets, [], "none configured, none reported");
});

test("matchers on external label names are matched against the external values", async () => {
  const head = await withExternal();
  assert.equal((await collect(head, [{ name: "cluster", op: "=", value: "eu" }])).length, 2);
  assert.equal((await collect(head, [{ name: "cluster", op: "=", value: "own" }])).length, 0, "the overridden value is gone");
  assert.equal((await collect(head, [{ name: "replica", op: "!=", value: "r1" }])).length, 0);
  const b = await collect(head, [{ name: "replica", op: "=~", value: "r.*" }, { name: "job", op: "=", value: "b" }]);
  assert.deepEqual(b.map((s) => s.labels), [lbl({ __name__: "up", cluster: "eu", job: "b", replica: "r1" })]);
});

test("labelNames and labelValues include the external labels", async () => {
  const head = await withExternal();
  const range = { minTime: 0, maxTime: 1e9 };
  assert.deepEqual((await head.labelNames({ ...range, matchers: [] })).values, ["__name__", "cluster", "job", "replica"]);
  assert.deepEqual((await head.labelNames({ ...range, matchers: [{ name: "job", op: "=", value: "a" }] })).values, ["__name__", "cluster", "job", "replica"]);
  assert.deepEqual((await head.labelNames({ ...range, matchers: [{ name: "job", op: "=", value: "zzz" }] })).values, []);
  assert.deepEqual((await head.labelNames({ ...range, matchers: [{ name: "cluster", op: "=", value: "us" }] })).values, []);
  assert.deepEqual((await head.labelValues({ ...range, matchers: [], label: "cluster" })).values, ["eu"]);
  assert.deepEqual((await head.labelValues({ ...range, matchers: [{ name: "job", op: "=", value: "zzz" }], label: "cluster" })).values, []);
  assert.deepEqual((await head.labelValues({ ...range, matchers: [{ name: "replica", op: "=", value: "r1" }], label: "job" })).values, ["a", "b"]);
  assert.deepEqual((await head.labelValues({ ...range, matchers: [{ name: "replica", op: "=", value: "r2" }], label: "job" })).values, []);
});

test("external labels with a repeated or empty name or an empty value are refused, naming them", () => {
  assert.throws(() => new Head({ externalLabels: [{ name: "a", value: "1" }, { name: "a", value: "2" }] }), /externalLabels \{a="1", a="2"\}/);
  assert.throws(() => new Head({ externalLabels: [{ name: "", value: "1" }] }), /externalLabels/);
  assert.throws(() => new Head({ externalLabels: [{ name: "a", value: "" }] }), /externalLabels/);
});

test("shard_info: each shard returns the series whose hash over the sharding labels (external ones included) is its index", async () => {
  const head = await withExternal();
  await head.appendBatch(Array.from({ length: 30 }, (_, i) => ({ labels: lbl({ __name__: "m", job: `j${i % 5}`, instance: `i${i}` }), t: [1000], v: [i] })));
  const all = await collect(head);
  for (const by of [true, false]) {
    const labels = by ? ["job", "cluster"] : ["instance", "__name__"];
    const seen: string[] = [];
    for (let shardIndex = 0; shardIndex < 3; shardIndex++) {
      const info = { shardIndex, totalShards: 3, by, labels };
      const got: string[] = [];
      for await (const f of head.series({ minTime: 0, maxTime: 1e9, matchers: [], shardInfo: info })) got.push(...f.series.map((s) => formatLabels(s.labels)));
      const matcher = new ShardMatcher(info);
      assert.deepEqual(got, all.filter((s) => matcher.matches(s.labels)).map((s) => formatLabels(s.labels)));
      seen.push(...got);
    }
    assert.equal(seen.length, all.length, "the shards cover every series once");
  }
});
