import { test } from "node:test";
import assert from "node:assert/strict";
import { labelsFromRecord } from "./labels.js";
import { MemoryStore } from "./memory-store.js";
import { ShardMatcher, shardedStore, shardInfoError } from "./shard.js";
import type { SeriesFrame, ShardInfo, Store } from "./types.js";
import { XxHash64 } from "./xxhash.js";

const hex = (h: XxHash64): string => h.hi.toString(16).padStart(8, "0") + h.lo.toString(16).padStart(8, "0");

test("xxHash64 on uint32 halves gives the reference digests (every length path: <4, <8, <32, ≥32)", () => {
  const h = new XxHash64();
  const cases: [string, string][] = [
    ["", "ef46db3751d8e999"],
    ["a", "d24ec4f1a98c6e5b"],
    ["abc", "44bc2cf5ad770999"],
    ["Nobody inspects the spammish repetition", "fbcea83c8a378bf1"],
  ];
  for (const [s, want] of cases) {
    const b = new TextEncoder().encode(s);
    assert.equal(hex(h.hash(b, b.length)), want, JSON.stringify(s));
  }
  // mod(n) is the 64-bit value's remainder: 0xfbcea83c8a378bf1 mod 7 = 3, mod 1000 = 937.
  const b = new TextEncoder().encode("Nobody inspects the spammish repetition");
  h.hash(b, b.length);
  assert.equal(h.mod(7), Number(0xfbcea83c8a378bf1n % 7n));
  assert.equal(h.mod(1000), Number(0xfbcea83c8a378bf1n % 1000n));
});

const info = (shardIndex: number, totalShards: number, by: boolean, labels: string[]): ShardInfo => ({ shardIndex, totalShards, by, labels });

test("ShardMatcher hashes name 0xff value 0xff of the sharding labels, as Thanos's", () => {
  // xxhash64("job\xffapi\xff") = 0xbb09b45a74ce66b8 (≡ 0 mod 4); with instance too = 0x2d66ce705e21d8cd (≡ 1 mod 4).
  const series = labelsFromRecord({ __name__: "up", instance: "10.0.0.1:9090", job: "api" });
  assert.equal(new ShardMatcher(info(0, 4, true, ["job"])).matches(series), true);
  assert.equal(new ShardMatcher(info(1, 4, true, ["job"])).matches(series), false);
  assert.equal(new ShardMatcher(info(1, 4, true, ["job", "instance"])).matches(series), true);
  // without: every label but the listed ones — here instance and job again.
  assert.equal(new ShardMatcher(info(1, 4, false, ["__name__"])).matches(series), true);
  // A label the series lacks hashes as absent; long values grow the buffer.
  const long = labelsFromRecord({ job: "api-server-with-a-long-name-here".repeat(20), zone: "eu" });
  const hits = [0, 1, 2, 3].filter((i) => new ShardMatcher(info(i, 4, true, ["job", "zone", "missing"])).matches(long));
  assert.equal(hits.length, 1, "exactly one shard holds each series");
});

test("shard info is checked: index inside the total, total a sane integer", () => {
  assert.equal(shardInfoError(info(0, 4, true, ["job"])), undefined);
  assert.match(shardInfoError(info(4, 4, true, ["job"]))!, /shard_index 4 is not in \[0, 4\)/);
  assert.match(shardInfoError(info(0, -1, true, []))!, /total_shards -1/);
  assert.match(shardInfoError(info(0, 1.5, true, []))!, /total_shards 1.5/);
});

async function labelsOf(store: Store, shard?: ShardInfo): Promise<string[]> {
  const out: string[] = [];
  const frames: AsyncIterable<SeriesFrame> = store.series({ minTime: 0, maxTime: 1000, matchers: [{ name: "__name__", op: "=", value: "m" }], ...(shard ? { shardInfo: shard } : {}) });
  for await (const f of frames) for (const s of f.series) out.push(s.labels.map((l) => `${l.name}=${l.value}`).join(","));
  return out;
}

test("the memory store and shardedStore split series into disjoint shards that cover them all, groups kept whole", async () => {
  const store = new MemoryStore({ externalLabels: labelsFromRecord({ region: "eu" }) });
  for (let i = 0; i < 60; i++) store.add(labelsFromRecord({ __name__: "m", job: `j${i % 7}`, instance: `i${i}` }), [100], [i]);
  const all = await labelsOf(store);
  assert.equal(all.length, 60);
  for (const viaWrapper of [false, true]) {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const shard = info(i, 4, true, ["job"]);
      const part = viaWrapper ? await labelsOf(shardedStore(store, shard)) : await labelsOf(store, shard);
      const jobs = new Set(part.map((l) => /job=(j\d)/.exec(l)![1]));
      for (const j of jobs) assert.equal(part.filter((l) => l.includes(`job=${j}`)).length, all.filter((l) => l.includes(`job=${j}`)).length, `job ${j} whole in shard ${i}`);
      seen.push(...part);
    }
    assert.deepEqual(seen.sort(), [...all].sort());
  }
  // External labels are part of what is hashed: sharding by region puts everything in one shard.
  const byRegion = await Promise.all([0, 1, 2].map((i) => labelsOf(store, info(i, 3, true, ["region"]))));
  assert.deepEqual(byRegion.map((p) => p.length).sort(), [0, 0, 60]);
});
