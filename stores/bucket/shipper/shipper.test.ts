import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Registry } from "prom-client";
import { withTempDir } from "../block/test-helpers.js";
import { FilesystemBucket } from "../objstore/index.js";
import { SHIPPER_META_FILE, ShipperMetaError, readShipperMeta } from "./meta-file.js";
import { nextBlockRange } from "./plan.js";
import { Shipper } from "./shipper.js";
import { BLOCK, HOUR, ScriptedBucket, T0, bucketBlocks, bucketSamples, expectedSamples, headWith, shipperOptions, testSeries } from "./test-helpers.js";

async function counter(registry: Registry, name: string): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  return m.values[0]?.value ?? 0;
}

test("nextBlockRange: Prometheus's 1.5 block durations, aligned ranges, and nothing still appendable", () => {
  const D = 2 * HOUR;
  const cases: [string, { minTime: number; maxTime: number; minValidTime: number }, number, [number, number] | undefined][] = [
    ["empty head", { minTime: Infinity, maxTime: -Infinity, minValidTime: -Infinity }, -Infinity, undefined],
    ["spans exactly 1.5 durations: not yet", { minTime: 0, maxTime: 3 * HOUR, minValidTime: 3 * HOUR }, -Infinity, undefined],
    ["spans more: the oldest aligned range", { minTime: 0, maxTime: 3 * HOUR + 1, minValidTime: 3 * HOUR }, -Infinity, [0, D]],
    ["unaligned start: the range holding it", { minTime: HOUR, maxTime: 5 * HOUR, minValidTime: 4 * HOUR }, -Infinity, [0, D]],
    ["still appendable (too_old bar inside the range): wait", { minTime: 0, maxTime: 4 * HOUR, minValidTime: D - 1 }, -Infinity, undefined],
    ["already cut before 2h: the next range", { minTime: 0, maxTime: 6 * HOUR, minValidTime: 4 * HOUR }, D, [D, 2 * D]],
    ["cut up to 4h, 5.5h of data: not yet", { minTime: 0, maxTime: 7 * HOUR, minValidTime: 6 * HOUR }, 2 * D, undefined],
  ];
  for (const [name, head, cutBefore, want] of cases) {
    const got = nextBlockRange(head, cutBefore, D);
    assert.deepEqual(got === undefined ? undefined : [got.minTime, got.maxTime], want, name);
  }
});

test("filesystem bucket: 10h of data → three 2h blocks, meta.json uploaded last, read back exactly, head truncated to the first uncut time", async () => {
  await withTempDir("orrery-shipper-", async (dir) => {
    const bucket = new ScriptedBucket(new FilesystemBucket(join(dir, "bucket")));
    const registry = new Registry();
    const shipper = await Shipper.open(shipperOptions(join(dir, "data"), bucket, { registry }));
    const series = testSeries(10);
    const head = await headWith(shipper, series);
    const report = await shipper.sync(head);
    assert.equal(report.cut.length, 3);
    assert.deepEqual(report.uploaded, [...report.cut].sort());
    assert.deepEqual(await bucketBlocks(bucket), [...report.cut].sort());

    for (const ulid of report.cut) {
      const own = bucket.puts.filter((p) => p.startsWith(ulid + "/"));
      assert.deepEqual(own, [`${ulid}/chunks/000001`, `${ulid}/index`, `${ulid}/meta.json`], "chunks, then index, then meta.json");
    }
    const { samples, metas } = await bucketSamples(bucket);
    assert.deepEqual(
      metas.map((m) => [m.minTime - T0, m.maxTime - T0]),
      [[0, BLOCK], [BLOCK, 2 * BLOCK], [2 * BLOCK, 3 * BLOCK]],
    );
    for (const m of metas) {
      assert.deepEqual(m.thanos, { ...m.thanos, labels: { cluster: "c1" }, downsample: { resolution: 0 }, source: "receive" });
      assert.equal(m.stats?.numSeries, 3);
      assert.equal(m.stats?.numSamples, 3 * 240);
    }
    assert.deepEqual(samples, expectedSamples(series, T0 + 6 * HOUR));

    assert.equal(shipper.cutUntil(), T0 + 6 * HOUR);
    assert.equal(head.bounds().minTime, T0 + 6 * HOUR, "truncated to the end of the last uploaded block, not to the 2h window");
    assert.equal(head.minValidTime(), T0 + 8 * HOUR - 30_000);
    assert.deepEqual(await readdir(join(dir, "data")), [SHIPPER_META_FILE], "uploaded blocks leave the local directory");
    assert.equal(await counter(registry, "orrery_shipper_uploads_total"), 3);
    assert.equal(await counter(registry, "orrery_shipper_blocks_cut_total"), 3);

    // Nothing new is due: a second sync cuts and uploads nothing.
    assert.deepEqual(await shipper.sync(head), { cut: [], uploaded: [] });
  });
});

test("the head keeps a block's data while its upload is in flight, and truncates it only after", async () => {
  await withTempDir("orrery-shipper-", async (dir) => {
    const bucket = new ScriptedBucket(new FilesystemBucket(join(dir, "bucket")));
    const shipper = await Shipper.open(shipperOptions(join(dir, "data"), bucket));
    const head = await headWith(shipper, testSeries(10));
    let release!: () => void;
    bucket.gate = new Promise<void>((r) => (release = r));
    const uploading = new Promise<void>((r) => (bucket.putCalled = r));
    const sync = shipper.sync(head);
    await uploading;
    assert.equal(shipper.pendingBlocks().length, 3);
    assert.equal(shipper.truncationLimit(), T0);
    await head.truncate();
    assert.equal(head.bounds().minTime, T0, "a truncation during the upload keeps everything");
    assert.deepEqual(await bucketBlocks(bucket), []);
    release();
    await sync;
    assert.equal(head.bounds().minTime, T0 + 6 * HOUR);
  });
});

test("bucket unreachable: the sync fails and is counted, the head keeps all its data, start() retries with backoff until the upload goes through", async () => {
  await withTempDir("orrery-shipper-", async (dir) => {
    const bucket = new ScriptedBucket(new FilesystemBucket(join(dir, "bucket")));
    bucket.failing = true;
    const registry = new Registry();
    const warnings: string[] = [];
    const shipper = await Shipper.open(
      shipperOptions(join(dir, "data"), bucket, { registry, log: { info: () => undefined, warn: (m) => warnings.push(m) }, backoff: { minMs: 5, maxMs: 20 }, intervalMs: 60_000 }),
    );
    const series = testSeries(10);
    const head = await headWith(shipper, series);
    await assert.rejects(shipper.sync(head), /uploading block [0-9A-Z]{26}: .*ECONNREFUSED/);
    assert.equal(await counter(registry, "orrery_shipper_upload_failures_total"), 1);
    assert.equal(await counter(registry, "orrery_shipper_sync_failures_total"), 1);
    assert.equal(shipper.pendingBlocks().length, 3);
    await head.truncate();
    assert.equal(head.bounds().minTime, T0, "unshipped data stays in the head");
    assert.equal(head.numSeries(), 3);

    shipper.start(head);
    while (warnings.length < 3) await new Promise((r) => setTimeout(r, 5));
    assert.match(warnings[0]!, /^shipping blocks to filesystem bucket .* failed \(attempt 1\), the head keeps the data; retrying in 5 ms: uploading block/);
    assert.match(warnings[2]!, /\(attempt 3\).*retrying in 20 ms/);
    bucket.failing = false;
    while (shipper.pendingBlocks().length > 0) await new Promise((r) => setTimeout(r, 5));
    await shipper.stop();
    assert.equal((await bucketBlocks(bucket)).length, 3);
    assert.equal(head.bounds().minTime, T0 + 6 * HOUR);
    assert.deepEqual((await bucketSamples(bucket)).samples, expectedSamples(series, T0 + 6 * HOUR));
  });
});

test("restart after cutting, before uploading: the next run uploads those blocks, and does not cut their range again from the replayed head", async () => {
  await withTempDir("orrery-shipper-", async (dir) => {
    const bucket = new ScriptedBucket(new FilesystemBucket(join(dir, "bucket")));
    bucket.failing = true;
    const first = await Shipper.open(shipperOptions(join(dir, "data"), bucket));
    const series = testSeries(10);
    const cutBlocks = await (async () => {
      const head = await headWith(first, series);
      await assert.rejects(first.sync(head));
      return first.pendingBlocks();
    })();
    assert.equal(cutBlocks.length, 3);
    // A half-written block from the crash is cleaned up.
    await mkdir(join(dir, "data", "01HALFWRITTEN0000000000000.tmp-for-creation", "chunks"), { recursive: true });

    bucket.failing = false;
    const second = await Shipper.open(shipperOptions(join(dir, "data"), bucket));
    assert.deepEqual(second.pendingBlocks(), cutBlocks);
    assert.equal(second.cutUntil(), T0 + 6 * HOUR);
    const head = await headWith(second, series, true);
    const late = await head.appendBatch([{ labels: series[0]!.labels, t: [T0 + 6 * HOUR - 1], v: [1] }]);
    assert.deepEqual(late.rejected.map((r) => r.reason), ["too_old"], "a cut range is final: no sample may land in it");
    const report = await second.sync(head);
    assert.deepEqual(report.cut, []);
    assert.deepEqual(report.uploaded, cutBlocks);
    assert.deepEqual(await bucketBlocks(bucket), cutBlocks);
    assert.deepEqual((await bucketSamples(bucket)).samples, expectedSamples(series, T0 + 6 * HOUR));
    assert.equal(head.bounds().minTime, T0 + 6 * HOUR);
    assert.deepEqual(await readdir(join(dir, "data")), [SHIPPER_META_FILE]);
  });
});

test("thanos.shipper.json: Thanos's format plus cut_before; a block listed as uploaded is not uploaded again; a broken file is an error naming it", async () => {
  await withTempDir("orrery-shipper-", async (dir) => {
    const data = join(dir, "data");
    const bucket = new ScriptedBucket(new FilesystemBucket(join(dir, "bucket")));
    let release!: () => void;
    bucket.gate = new Promise<void>((r) => (release = r));
    bucket.failing = true;
    const first = await Shipper.open(shipperOptions(data, bucket));
    const head = await headWith(first, testSeries(10));
    const sync = first.sync(head);
    release();
    await assert.rejects(sync);
    const [a, b, c] = first.pendingBlocks();
    assert.deepEqual(JSON.parse(await readFile(join(data, SHIPPER_META_FILE), "utf8")), { version: 1, uploaded: [], cut_before: T0 + 6 * HOUR });

    // As if the last run uploaded the first block and died before removing it.
    await writeFile(join(data, SHIPPER_META_FILE), JSON.stringify({ version: 1, uploaded: [a] }));
    bucket.failing = false;
    bucket.gate = undefined;
    const second = await Shipper.open(shipperOptions(data, bucket));
    assert.deepEqual(second.pendingBlocks(), [b, c]);
    await second.sync(head);
    assert.deepEqual(bucket.puts.filter((p) => p.startsWith(a!)), [], "not uploaded again");
    // Listed until the next write prunes what is gone locally, as Thanos does.
    assert.deepEqual(await readShipperMeta(data), { uploaded: [c], cutBefore: T0 + 6 * HOUR });

    const bad: [string, RegExp][] = [
      ["{", /thanos\.shipper\.json: not JSON: /],
      ['{"version": 2, "uploaded": []}', /thanos\.shipper\.json: version 2: only version 1 is known$/],
      ['{"version": 1, "uploaded": ["nope"]}', /thanos\.shipper\.json: uploaded\[0\] "nope" is not a block ULID$/],
      ['{"version": 1, "uploaded": [], "cut_before": "x"}', /thanos\.shipper\.json: "cut_before" "x" is not a time in ms$/],
    ];
    for (const [text, want] of bad) {
      await writeFile(join(data, SHIPPER_META_FILE), text);
      await assert.rejects(Shipper.open(shipperOptions(data, bucket)), (err: unknown) => err instanceof ShipperMetaError && want.test(err.message), text);
    }
  });
});
