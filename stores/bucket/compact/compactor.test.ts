import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { Registry } from "prom-client";
import { FilesystemBucket } from "../objstore/index.js";
import { withTempDir } from "../block/test-helpers.js";
import { Compactor, type CompactorEvent, type Downsampler } from "./compactor.js";
import { RESOLUTION_5M } from "../downsample/index.js";
import { bucketAnswers, copyingDownsampler, seedBucket } from "./test-helpers.js";

const H = 3600_000;
const NOW = Date.UTC(2026, 0, 1);
const twoHourBlocks = (n: number, from = 0) => Array.from({ length: n }, (_, i) => [from + i * 2 * H, from + (i + 1) * 2 * H] as const);

async function listBlocks(bucket: FilesystemBucket): Promise<string[]> {
  const out: string[] = [];
  for await (const e of bucket.list("")) out.push(e.replace(/\/$/, ""));
  return out;
}

test("five 2h blocks: four compact into one 8h block, the sources are marked and deleted after the delay, answers unchanged", async () => {
  await withTempDir("orrery-compactor-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    const seeded = await seedBucket(bucket, join(dir, "local"), twoHourBlocks(5));
    const before = await bucketAnswers(bucket, join(dir, "gw"));
    let now = NOW;
    const registry = new Registry();
    const events: CompactorEvent[] = [];
    const compactor = new Compactor({ bucket, dataDir: join(dir, "data"), now: () => now, registry, onEvent: (e) => events.push(e) });
    const first = await compactor.run();
    assert.equal(first.compactions, 1);
    assert.equal(first.marked, 4);
    assert.equal(first.deleted, 0, "--delete-delay defaults to 48h");
    assert.deepEqual((await bucketAnswers(bucket, join(dir, "gw"))).series, before.series, "sources still in the bucket: each sample read once");
    const uploaded = events.find((e) => e.kind === "uploaded")!;
    const firstMark = events.findIndex((e) => e.kind === "marked");
    assert.ok(events.indexOf(uploaded) < firstMark, "sources are marked only after the new block is uploaded");
    now += 48 * H;
    const second = await compactor.run();
    assert.equal(second.compactions, 0);
    assert.equal(second.deleted, 4);
    const left = (await listBlocks(bucket)).sort();
    assert.deepEqual(left, [seeded[4]!.ulid, uploaded.kind === "uploaded" ? uploaded.ulid : ""].sort());
    assert.deepEqual((await bucketAnswers(bucket, join(dir, "gw"))).series, before.series);
    const metrics = await registry.metrics();
    assert.match(metrics, /orrery_compact_group_compactions_total 1/);
    assert.match(metrics, /orrery_compact_blocks_cleaned_total 4/);
    assert.match(metrics, /orrery_compact_halted 0/);
  });
});

test("HA replicas with --deduplication.replica-label: one block without the replica label, a gap of one replica filled by the other", async () => {
  await withTempDir("orrery-compactor-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    await seedBucket(bucket, join(dir, "local"), [[0, 2 * H]], { externalLabels: { cluster: "x", replica: "a" } });
    await seedBucket(bucket, join(dir, "local"), [[0, 2 * H]], { externalLabels: { cluster: "x", replica: "b" } });
    const report = await new Compactor({ bucket, dataDir: join(dir, "data"), now: () => NOW, deleteDelayMs: 0, replicaLabels: ["replica"] }).run();
    assert.equal(report.compactions, 1);
    const after = await bucketAnswers(bucket, join(dir, "gw"));
    assert.equal(after.blocks.length, 1);
    assert.deepEqual([...after.series.keys()].sort(), ['{__name__="flaky", cluster="x", job="a"}', '{__name__="requests_total", cluster="x", job="a"}', '{__name__="temperature", cluster="x", job="a"}']);
    assert.equal(after.series.get('{__name__="temperature", cluster="x", job="a"}')!.length, 120);
  });
});

test("downsampling: a raw block spanning ≥ 40h goes to the Downsampler once; --downsampling.disable (no Downsampler) skips it", async () => {
  await withTempDir("orrery-compactor-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    const [raw] = await seedBucket(bucket, join(dir, "local"), [[0, 48 * H]], { stepMs: 600_000 });
    const calls: [string, number][] = [];
    const downsampler: Downsampler = async (blockDir, res, outDir) => {
      calls.push([blockDir, res]);
      return copyingDownsampler(blockDir, res, outDir);
    };
    const compactor = new Compactor({ bucket, dataDir: join(dir, "data"), now: () => NOW, downsampler });
    const report = await compactor.run();
    assert.equal(report.downsamplings, 1);
    assert.deepEqual(calls.map(([d, r]) => [d.endsWith(raw!.ulid), r]), [[true, RESOLUTION_5M]]);
    assert.equal((await compactor.run()).downsamplings, 0, "a block already downsampled is not again");
    assert.equal((await listBlocks(bucket)).length, 2);
  });
});

test("retention: raw past --retention.resolution-raw is kept while no 5m block holds it (thanos 3716), deleted with downsampling disabled", async () => {
  await withTempDir("orrery-compactor-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    // 20h: too short to downsample, so no 5m block will ever hold it.
    await seedBucket(bucket, join(dir, "local"), [[0, 20 * H]], { stepMs: 600_000 });
    const retention = { raw: 24 * H, fiveMinutes: 0, oneHour: 0 };
    const registry = new Registry();
    const kept = await new Compactor({ bucket, dataDir: join(dir, "data"), now: () => NOW, retention, downsampler: copyingDownsampler, deleteDelayMs: 0, registry }).run();
    assert.equal(kept.keptNotDownsampled, 1);
    assert.equal(kept.deleted, 0);
    assert.match(await registry.metrics(), /orrery_compact_retention_kept_not_downsampled_blocks 1/);
    const dropped = await new Compactor({ bucket, dataDir: join(dir, "data"), now: () => NOW, retention, deleteDelayMs: 0 }).run();
    assert.equal(dropped.marked, 1);
    assert.equal(dropped.deleted, 1);
    assert.deepEqual(await listBlocks(bucket), []);
  });
});

test("stopped between uploading a deduplicated block and marking its replicas: the gateway serves the new block only; the next pass marks them", async () => {
  await withTempDir("orrery-compactor-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    await seedBucket(bucket, join(dir, "local"), [[0, 2 * H]], { externalLabels: { cluster: "x", replica: "a" } });
    await seedBucket(bucket, join(dir, "local"), [[0, 2 * H]], { externalLabels: { cluster: "x", replica: "b" } });
    const stopAfterUpload = (e: CompactorEvent): void => {
      if (e.kind === "uploaded") throw new Error("stopped");
    };
    const opts = { bucket, dataDir: join(dir, "data"), now: () => NOW, deleteDelayMs: 0, replicaLabels: ["replica"] };
    await assert.rejects(new Compactor({ ...opts, onEvent: stopAfterUpload }).run(), /stopped/);
    const during = await bucketAnswers(bucket, join(dir, "gw"));
    assert.equal((await listBlocks(bucket)).length, 3);
    assert.ok([...during.series.keys()].every((k) => !k.includes("replica")), `no replica series beside the merged ones: ${[...during.series.keys()]}`);
    const resumed = await new Compactor(opts).run();
    assert.equal(resumed.compactions, 0);
    assert.equal(resumed.marked, 2);
    assert.equal((await listBlocks(bucket)).length, 1);
  });
});

test("consistency delay: blocks younger than it (upload_time, else ULID time) are left alone; the compactor's own are not", async () => {
  await withTempDir("orrery-compactor-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    const seeded = await seedBucket(bucket, join(dir, "local"), twoHourBlocks(5));
    const now = Date.now();
    const opts = { bucket, dataDir: join(dir, "data"), now: () => now, consistencyDelayMs: 30 * 60_000, deleteDelayMs: 0 };
    const fresh = await new Compactor(opts).run();
    assert.deepEqual([fresh.compactions, fresh.marked], [0, 0], "ULIDs of now: too fresh");
    assert.equal((await new Compactor(opts).sync()).live.length, 0);
    // upload_time, when present, wins over the ULID time (as Thanos's ConsistencyDelayMetaFilter).
    for (const m of seeded) {
      const meta = JSON.parse(Buffer.from(await bucket.get(`${m.ulid}/meta.json`)).toString("utf8"));
      meta.thanos.upload_time = new Date(now - H).toISOString();
      await bucket.put(`${m.ulid}/meta.json`, Buffer.from(JSON.stringify(meta)));
    }
    const old = await new Compactor(opts).run();
    assert.deepEqual([old.compactions, old.marked, old.deleted], [1, 4, 4]);
    const state = await new Compactor(opts).sync();
    assert.equal(state.live.length, 2, "the new 8h block (source compactor, ULID of now) is seen at once");
    assert.equal(state.live.filter((m) => m.thanos?.source === "compactor").length, 1);
  });
});
