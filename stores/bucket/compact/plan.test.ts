import { test } from "node:test";
import assert from "node:assert/strict";
import { coveredBlocks, newUlid, type BlockMeta } from "../block/index.js";
import { planCompactions, planDownsampling, planGroup, planRetention, DEFAULT_COMPACTION_RANGES_MS } from "./plan.js";
import { RESOLUTION_1H, RESOLUTION_5M } from "../downsample/index.js";

const H = 3600_000;
let seq = 0;
function meta(minH: number, maxH: number, opts: { labels?: Record<string, string>; res?: number; sources?: string[]; ulid?: string } = {}): BlockMeta {
  const ulid = opts.ulid ?? newUlid(1_000_000 + seq++);
  return {
    ulid,
    minTime: minH * H,
    maxTime: maxH * H,
    stats: { numSamples: 1, numSeries: 1, numChunks: 1 },
    compaction: { level: 1, sources: opts.sources ?? [ulid] },
    version: 1,
    thanos: { labels: opts.labels ?? { cluster: "a" }, downsample: { resolution: opts.res ?? 0 }, source: "test" },
  };
}
const ids = (ms: readonly BlockMeta[]) => ms.map((m) => m.ulid);

test("four 2h blocks and a newer one compact into 8h; the newest block alone is left", () => {
  const blocks = [0, 2, 4, 6, 8].map((h) => meta(h, h + 2));
  const plans = planCompactions(blocks);
  assert.equal(plans.length, 1);
  assert.deepEqual(ids(plans[0]!.blocks), ids(blocks.slice(0, 4)));
  assert.equal(plans[0]!.vertical, false);
  // Without the block after them, 8h is not full and nothing after it exists: wait (as Prometheus and Thanos).
  assert.deepEqual(planCompactions(blocks.slice(0, 4)), []);
});

test("a range ending before the newest block but one compacts even when not full", () => {
  const blocks = [meta(0, 2), meta(2, 4), meta(10, 12), meta(12, 14)];
  const plan = planGroup(blocks, DEFAULT_COMPACTION_RANGES_MS);
  assert.deepEqual(ids(plan!.blocks), ids(blocks.slice(0, 2)));
});

test("8h blocks compact into 2d once the 2d range is full", () => {
  const blocks = [0, 8, 16, 24, 32, 40, 48].map((h) => meta(h, h + 8));
  const plan = planGroup(blocks, DEFAULT_COMPACTION_RANGES_MS);
  assert.deepEqual(ids(plan!.blocks), ids(blocks.slice(0, 6)));
});

test("overlapping blocks are compacted first, vertically", () => {
  const blocks = [meta(0, 2), meta(2, 4), meta(3, 5), meta(6, 8)];
  const plan = planGroup(blocks, DEFAULT_COMPACTION_RANGES_MS);
  assert.deepEqual(ids(plan!.blocks), ids(blocks.slice(1, 3)));
  assert.equal(plan!.vertical, true);
});

test("groups split by resolution and external labels; replica labels join HA pairs", () => {
  const a = meta(0, 2, { labels: { cluster: "a", replica: "0" } });
  const b = meta(0, 2, { labels: { cluster: "a", replica: "1" } });
  const c = meta(0, 2, { labels: { cluster: "b", replica: "0" } });
  const d = meta(0, 2, { labels: { cluster: "a", replica: "0" }, res: RESOLUTION_5M });
  assert.deepEqual(planCompactions([a, b, c, d]), []);
  const plans = planCompactions([a, b, c, d], { replicaLabels: ["replica"] });
  assert.equal(plans.length, 1);
  assert.deepEqual(ids(plans[0]!.blocks).sort(), ids([a, b]).sort());
  assert.deepEqual(plans[0]!.group.externalLabels, { cluster: "a" });
  assert.equal(plans[0]!.vertical, true);
});

test("no-compact blocks are never planned", () => {
  const blocks = [0, 2, 4, 6, 8].map((h) => meta(h, h + 2));
  const plans = planCompactions(blocks, { noCompact: new Set([blocks[1]!.ulid]) });
  assert.ok(plans.every((p) => !ids(p.blocks).includes(blocks[1]!.ulid)));
});

test("a block whose sources another holds is covered; equal sources keep the newer block", () => {
  const [s1, s2] = [meta(0, 2), meta(2, 4)];
  const merged = meta(0, 4, { sources: [s1!.ulid, s2!.ulid] });
  const down = meta(0, 4, { sources: [s1!.ulid, s2!.ulid], res: RESOLUTION_5M });
  assert.deepEqual([...coveredBlocks([s1!, s2!, merged, down])].sort(), [s1!.ulid, s2!.ulid].sort());
  const again = meta(0, 4, { sources: [s1!.ulid, s2!.ulid], ulid: newUlid(9_000_000) });
  assert.deepEqual([...coveredBlocks([merged, again])], [merged.ulid]);
});

test("downsampling: raw ≥ 40h → 5m, 5m ≥ 10d → 1h, not twice", () => {
  const short = meta(0, 39);
  const raw = meta(0, 48);
  const five = meta(0, 240, { res: RESOLUTION_5M });
  assert.deepEqual(
    planDownsampling([short, raw, five]).map((t) => [t.meta.ulid, t.resolution]),
    [
      [raw.ulid, RESOLUTION_5M],
      [five.ulid, RESOLUTION_1H],
    ],
  );
  const done = meta(0, 48, { res: RESOLUTION_5M, sources: raw.compaction.sources as string[] });
  assert.deepEqual(planDownsampling([raw, done]), []);
});

test("retention deletes per resolution but keeps raw data not yet downsampled (thanos 3716)", () => {
  const now = 1000 * H;
  const oldRaw = meta(0, 48);
  const oldRawDone = meta(48, 96);
  const fiveOfDone = meta(48, 96, { res: RESOLUTION_5M, sources: oldRawDone.compaction.sources as string[] });
  const newRaw = meta(990, 992);
  const policy = { raw: 24 * H, fiveMinutes: 0, oneHour: 0 };
  const plan = planRetention([oldRaw, oldRawDone, fiveOfDone, newRaw], policy, now, true);
  assert.deepEqual(ids(plan.expired), [oldRawDone.ulid]);
  assert.deepEqual(ids(plan.keptNotDownsampled), [oldRaw.ulid]);
  // Downsampling off, or the 5m tier kept no longer than raw: retention applies as configured.
  assert.deepEqual(ids(planRetention([oldRaw], policy, now, false).expired), [oldRaw.ulid]);
  assert.deepEqual(ids(planRetention([oldRaw], { ...policy, fiveMinutes: 24 * H }, now, true).expired), [oldRaw.ulid]);
});
