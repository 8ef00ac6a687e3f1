import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GrpcStoreClient, labelsFromRecord, serveStoreApi, StoreApiError, type SeriesRequest, type Store } from "../../../storeapi/index.js";
import { ProxyStore } from "../../../federation/index.js";
import { BlocksStore, downsampleBlock, FilesystemBucket, RESOLUTION_5M, S3Bucket, uploadBlock, type ObjectBucket } from "../index.js";
import { dumpStore, withTempDir, writeTestBlock, type TestSeries } from "../block/test-helpers.js";
import { startS3rver } from "../objstore/testkit.js";
import type { IndexSeries } from "../block/index.js";
import { BucketStore, DELETION_MARK_FILE, INDEX_HEADER_FILE, LruChunkCache, LruIndexCache } from "./index.js";

const T0 = Date.UTC(2026, 0, 1);

function series(name: string, instance: string, n: number, from = T0, step = 15_000): TestSeries {
  const ts = Array.from({ length: n }, (_, i) => from + i * step);
  return { labels: { __name__: name, instance }, ts, vs: ts.map((_, i) => i * 1.5) };
}

/** Writes blocks under dir/local and uploads them; returns their ULIDs in order. */
async function blocksInBucket(dir: string, bucket: ObjectBucket, sets: readonly (readonly TestSeries[])[], ext?: Record<string, string>): Promise<string[]> {
  const ulids: string[] = [];
  for (const s of sets) {
    const meta = await writeTestBlock(join(dir, "local"), s, { externalLabels: ext === undefined ? undefined : labelsFromRecord(ext) });
    await uploadBlock(bucket, join(dir, "local", meta.ulid), meta.ulid);
    ulids.push(meta.ulid);
  }
  return ulids;
}

const TWO_BLOCKS: TestSeries[][] = [
  [series("up", "a", 200), series("up", "b", 200), series("load", "a", 50)],
  // Overlaps the first block on up{instance="a"}: the gateway merges as the local store does.
  [series("up", "a", 300, T0 + 100 * 15_000 + 7), series("mem", "c", 400, T0 + 3_600_000)],
];

async function sameAsLocal(store: Store, localDir: string): Promise<void> {
  const local = await BlocksStore.open(localDir);
  try {
    const want = await dumpStore(local);
    const got = await dumpStore(store);
    assert.deepEqual(got.order, want.order);
    assert.deepEqual(got.series, want.series);
    assert.deepEqual(got.warnings, []);
  } finally {
    await local.close();
  }
}

async function gatewayOverBucket(bucket: ObjectBucket, dir: string): Promise<void> {
  const ulids = await blocksInBucket(dir, bucket, TWO_BLOCKS, { region: "eu" });
  const dataDir = join(dir, "data");
  const store = await BucketStore.open(bucket, { dataDir });
  try {
    assert.deepEqual(store.blockIds, [...ulids].sort());
    await sameAsLocal(store, join(dir, "local"));
    const info = await store.info();
    assert.deepEqual(info.labelSets, [labelsFromRecord({ region: "eu" })]);
    assert.equal(info.minTime, T0);
    assert.equal(info.maxTime, T0 + 3_600_000 + 399 * 15_000);
    for (const u of ulids) assert.ok((await stat(join(dataDir, u, INDEX_HEADER_FILE))).size > 0, `index-header of ${u} in --data-dir`);
    const names = await store.labelValues({ label: "__name__", matchers: [], minTime: T0, maxTime: T0 + 86_400_000 });
    assert.deepEqual(names.values, ["load", "mem", "up"]);
  } finally {
    await store.close();
  }
}

test("uploadBlock writes chunks and index first, meta.json last, no tombstones", () =>
  withTempDir("orrery-gw-up-", async (dir) => {
    const meta = await writeTestBlock(join(dir, "local"), [series("up", "a", 10)]);
    const names = await uploadBlock(new FilesystemBucket(join(dir, "bucket")), join(dir, "local", meta.ulid), meta.ulid);
    assert.equal(names.at(-1), `${meta.ulid}/meta.json`);
    assert.deepEqual(names, [`${meta.ulid}/chunks/000001`, `${meta.ulid}/index`, `${meta.ulid}/meta.json`]);
  }));

test("gateway over a FILESYSTEM bucket answers as the local blocks store, with external labels and time range in info()", () =>
  withTempDir("orrery-gw-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    await gatewayOverBucket(bucket, dir);
  }));

test("gateway over S3 (s3rver) answers as the local blocks store", async () => {
  const s3 = await startS3rver();
  try {
    await withTempDir("orrery-gw-s3-", async (dir) => {
      const bucket = await S3Bucket.open(s3.config());
      try {
        await gatewayOverBucket(bucket, dir);
      } finally {
        await bucket.close();
      }
    });
  } finally {
    await s3.stop();
  }
});

test("gateway: index-headers are reused after a restart and rebuilt when corrupt or missing", () =>
  withTempDir("orrery-gw-ih-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    const [a, b] = await blocksInBucket(dir, bucket, TWO_BLOCKS);
    const dataDir = join(dir, "data");
    await (await BucketStore.open(bucket, { dataDir })).close();
    const headerA = join(dataDir, a!, INDEX_HEADER_FILE);
    const good = await readFile(headerA);
    const flipped = Buffer.from(good);
    flipped[flipped.length >> 1]! ^= 0xff;
    await writeFile(headerA, flipped);
    await writeFile(join(dataDir, b!, INDEX_HEADER_FILE), "");
    const store = await BucketStore.open(bucket, { dataDir });
    try {
      await sameAsLocal(store, join(dir, "local"));
      assert.deepEqual(await readFile(headerA), good, "the corrupt header was rebuilt from the bucket");
      assert.ok((await stat(join(dataDir, b!, INDEX_HEADER_FILE))).size > 0);
    } finally {
      await store.close();
    }
  }));

test("gateway sync: picks up a new block, drops a deleted one and one marked for deletion, ignores a partial upload", () =>
  withTempDir("orrery-gw-sync-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    const [first] = await blocksInBucket(dir, bucket, [TWO_BLOCKS[0]!]);
    const warnings: string[] = [];
    let now = Date.now();
    const store = await BucketStore.open(bucket, { dataDir: join(dir, "data"), onWarning: (w) => warnings.push(w), ignoreDeletionMarksDelayMs: 3_600_000, now: () => now });
    try {
      assert.deepEqual(store.blockIds, [first]);
      const [second, third] = await blocksInBucket(dir, bucket, [TWO_BLOCKS[1]!, [series("late", "z", 10, T0 + 7_200_000)]]);
      // A partial upload: everything but meta.json.
      await bucket.delete(`${third}/meta.json`);
      let report = await store.sync();
      assert.deepEqual(report.loaded, [second]);
      assert.deepEqual(store.blockIds, [first, second].sort());
      assert.deepEqual(warnings, [], "a block still uploading is not a warning");

      await bucket.put(`${second}/${DELETION_MARK_FILE}`, Buffer.from(JSON.stringify({ id: second, deletion_time: Math.floor(now / 1000), version: 1 })));
      report = await store.sync();
      assert.deepEqual(store.blockIds, [first, second].sort(), "served until the deletion delay has passed");
      now += 3_600_000;
      report = await store.sync();
      assert.deepEqual(report.dropped, [second]);
      assert.deepEqual(store.blockIds, [first]);

      for await (const name of bucket.list(first!, { recursive: true })) await bucket.delete(name);
      report = await store.sync();
      assert.deepEqual(report.dropped, [first]);
      assert.deepEqual(store.blockIds, []);
      const { series: got } = await dumpStore(store);
      assert.equal(got.size, 0);
    } finally {
      await store.close();
    }
  }));

test("gateway: a corrupt block is a warning naming it; the others are served", async (t) => {
  const cases: { name: string; atSync: boolean; damage: (bucketDir: string, ulid: string) => Promise<void> }[] = [
    { name: "meta.json that does not parse", atSync: true, damage: (d, u) => writeFile(join(d, u, "meta.json"), "{ not json") },
    { name: "block missing its index", atSync: true, damage: (d, u) => import("node:fs/promises").then((fs) => fs.rm(join(d, u, "index"))) },
    {
      name: "truncated chunk file",
      atSync: false,
      damage: async (d, u) => truncate(join(d, u, "chunks", "000001"), (await stat(join(d, u, "chunks", "000001"))).size - 40),
    },
    {
      name: "bad CRC in a series entry of the index",
      atSync: false,
      damage: async (d, u) => {
        const path = join(d, u, "index");
        const bytes = await readFile(path);
        // The first series entry (16-byte aligned after the symbol table): flip a byte of its label refs.
        const symbolsLen = bytes.readUInt32BE(5);
        const firstSeries = Math.ceil((5 + 4 + symbolsLen + 4) / 16) * 16;
        bytes[firstSeries + 2]! ^= 0x01;
        await writeFile(path, bytes);
      },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () =>
      withTempDir("orrery-gw-bad-", async (dir) => {
        const bucketDir = join(dir, "bucket");
        const bucket = new FilesystemBucket(bucketDir);
        const [good, bad] = await blocksInBucket(dir, bucket, [[series("up", "good", 100)], [series("up", "bad", 100)]]);
        await c.damage(bucketDir, bad!);
        const warnings: string[] = [];
        const store = await BucketStore.open(bucket, { dataDir: join(dir, "data"), onWarning: (w) => warnings.push(w) });
        try {
          assert.deepEqual(store.blockIds, c.atSync ? [good] : [good, bad].sort());
          if (c.atSync) assert.match(warnings.join("\n"), new RegExp(`skipping block ${bad}`));
          const got = await dumpStore(store);
          assert.ok(got.series.has('{__name__="up", instance="good"}'), "the good block is served");
          assert.equal(got.series.get('{__name__="up", instance="good"}')!.length, 100);
          assert.ok(got.warnings.length > 0 && got.warnings.every((w) => w.includes(bad!)), `warnings name ${bad}: ${got.warnings.join("; ")}`);
        } finally {
          await store.close();
        }
      }),
    );
  }
});

test("gateway limits: --store.limits.request-series and request-samples refuse with an error naming the limit", () =>
  withTempDir("orrery-gw-lim-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    await blocksInBucket(dir, bucket, [[series("up", "a", 100), series("up", "b", 100), series("up", "c", 100)]]);
    const all = [{ name: "__name__", op: "=" as const, value: "up" }];
    const one = [...all, { name: "instance", op: "=" as const, value: "a" }];
    const run = async (limits: { requestSeries?: number; requestSamples?: number }, matchers: typeof all): Promise<number> => {
      const store = await BucketStore.open(bucket, { dataDir: join(dir, "data"), limits });
      try {
        let n = 0;
        for await (const f of store.series({ matchers, minTime: T0, maxTime: T0 + 86_400_000 })) n += f.series.length;
        return n;
      } finally {
        await store.close();
      }
    };
    assert.equal(await run({ requestSeries: 3 }, all), 3);
    await assert.rejects(run({ requestSeries: 2 }, all), (err: Error) => {
      assert.ok(err instanceof StoreApiError && err.code === 8, "RESOURCE_EXHAUSTED");
      assert.match(err.message, /exceeded series limit: limit 2 violated .*--store\.limits\.request-series/);
      return true;
    });
    assert.equal(await run({ requestSamples: 100 }, one), 1);
    await assert.rejects(run({ requestSamples: 250 }, all), /exceeded samples limit: limit 250 violated .*--store\.limits\.request-samples/);
  }));

test("gateway index cache: a repeated query is served from the LRU, which stays within its byte bound", () =>
  withTempDir("orrery-gw-cache-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    await blocksInBucket(dir, bucket, TWO_BLOCKS);
    const store = await BucketStore.open(bucket, { dataDir: join(dir, "data"), indexCacheBytes: 64 * 1024 });
    try {
      await dumpStore(store);
      const { hits } = store.indexCache!.stats;
      await dumpStore(store);
      assert.ok(store.indexCache!.stats.hits > hits, "second query hits the cache");
      assert.ok(store.indexCache!.size > 0 && store.indexCache!.size <= 64 * 1024);
    } finally {
      await store.close();
    }
    const tiny = await BucketStore.open(bucket, { dataDir: join(dir, "data"), indexCacheBytes: 300 });
    try {
      await dumpStore(tiny);
      assert.ok(tiny.indexCache!.size <= 300);
    } finally {
      await tiny.close();
    }
  }));

test("gateway index cache: the same series ref in two blocks is two entries", () => {
  const cache = new LruIndexCache(1024 * 1024);
  const entry = (v: string): IndexSeries => ({ labels: labelsFromRecord({ b: v }), chunks: [{ ref: 8, minTime: 0, maxTime: 1 }] });
  cache.setSeries("01AAAAAAAAAAAAAAAAAAAAAAAA", 7, entry("a"));
  cache.setSeries("01BBBBBBBBBBBBBBBBBBBBBBBB", 7, entry("b"));
  cache.setPostings("01AAAAAAAAAAAAAAAAAAAAAAAA", "b", "a", Uint32Array.of(7));
  assert.deepEqual(cache.getSeries("01AAAAAAAAAAAAAAAAAAAAAAAA", 7)?.labels, labelsFromRecord({ b: "a" }));
  assert.deepEqual(cache.getSeries("01BBBBBBBBBBBBBBBBBBBBBBBB", 7)?.labels, labelsFromRecord({ b: "b" }));
  assert.equal(cache.getSeries("01CCCCCCCCCCCCCCCCCCCCCCCC", 7), undefined);
  assert.deepEqual([...cache.getPostings("01AAAAAAAAAAAAAAAAAAAAAAAA", "b", "a")!], [7]);
});

/** A bucket that counts range GETs of chunk segment files. */
function countingChunkReads(bucket: ObjectBucket): { bucket: ObjectBucket; reads: () => number } {
  let reads = 0;
  const counted: ObjectBucket = Object.create(bucket) as ObjectBucket;
  counted.getRange = (name, offset, length) => {
    if (name.includes("/chunks/")) reads++;
    return bucket.getRange(name, offset, length);
  };
  return { bucket: counted, reads: () => reads };
}

test("gateway chunk cache: a repeated query reads no chunk from the bucket, answers the same, and stays within its byte bound", () =>
  withTempDir("orrery-gw-chunks-", async (dir) => {
    const fs = new FilesystemBucket(join(dir, "bucket"));
    // Chunk files well over the 16 KiB a bucket source keeps of its last small read.
    const many = Array.from({ length: 40 }, (_, i) => series("big", `i${String(i).padStart(2, "0")}`, 1000));
    await blocksInBucket(dir, fs, [...TWO_BLOCKS, many]);
    const { bucket, reads } = countingChunkReads(fs);
    const store = await BucketStore.open(bucket, { dataDir: join(dir, "data"), chunkCacheBytes: 1024 * 1024 });
    try {
      await sameAsLocal(store, join(dir, "local"));
      const first = reads();
      assert.ok(first > 0, "the first query reads chunks");
      await sameAsLocal(store, join(dir, "local"));
      assert.equal(reads(), first, "the second query reads every chunk from the cache");
      assert.ok(store.chunksCache!.stats.hits > 0);
      assert.ok(store.chunksCache!.size > 0 && store.chunksCache!.size <= 1024 * 1024);
    } finally {
      await store.close();
    }
    // Too small for most chunks: still the same answers, never over the bound.
    const tiny = await BucketStore.open(bucket, { dataDir: join(dir, "data"), chunkCacheBytes: 300 });
    try {
      await sameAsLocal(tiny, join(dir, "local"));
      await sameAsLocal(tiny, join(dir, "local"));
      assert.ok(tiny.chunksCache!.size <= 300);
    } finally {
      await tiny.close();
    }
    const off = await BucketStore.open(bucket, { dataDir: join(dir, "data"), chunkCacheBytes: 0 });
    try {
      assert.equal(off.chunksCache, undefined);
      await sameAsLocal(off, join(dir, "local"));
      const before = reads();
      await sameAsLocal(off, join(dir, "local"));
      assert.ok(reads() > before, "without the cache a repeated query reads chunks again (what the cache saves)");
    } finally {
      await off.close();
    }
  }));

test("gateway chunk cache: a block no longer served leaves the cache; a new block is read from the bucket", () =>
  withTempDir("orrery-gw-chunks-sync-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    const [first, second] = await blocksInBucket(dir, bucket, TWO_BLOCKS);
    const store = await BucketStore.open(bucket, { dataDir: join(dir, "data"), chunkCacheBytes: 1024 * 1024 });
    try {
      await dumpStore(store);
      const both = store.chunksCache!.size;
      for await (const name of bucket.list(second!, { recursive: true })) await bucket.delete(name);
      assert.deepEqual((await store.sync()).dropped, [second]);
      const firstOnly = store.chunksCache!.size;
      assert.ok(firstOnly > 0 && firstOnly < both, `the dropped block's chunks are gone (${both} → ${firstOnly} bytes)`);
      const [third] = await blocksInBucket(dir, bucket, [[series("late", "z", 10, T0 + 7_200_000)]]);
      await store.sync();
      assert.deepEqual(store.blockIds, [first, third].sort());
      const got = await dumpStore(store);
      assert.equal(got.series.get('{__name__="late", instance="z"}')?.length, 10);
      assert.equal(got.series.get('{__name__="mem", instance="c"}'), undefined, "nothing of the dropped block is served from the cache");
    } finally {
      await store.close();
    }
  }));

test("gateway: a series' labels with external labels are the same object query after query (its encoded fields are kept), equal to the labels extended afresh", () =>
  withTempDir("orrery-gw-ext-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    await blocksInBucket(dir, bucket, TWO_BLOCKS, { region: "eu", zone: "a" });
    const store = await BucketStore.open(bucket, { dataDir: join(dir, "data") });
    try {
      const request: SeriesRequest = { minTime: T0, maxTime: T0 + 86_400_000, matchers: [{ name: "__name__", op: "=", value: "mem" }] };
      const labelsOnce = async () => {
        const out = [];
        for await (const f of store.series(request)) for (const s of f.series) out.push(s.labels);
        return out;
      };
      const [first] = await labelsOnce();
      const [again] = await labelsOnce();
      assert.deepEqual(first, labelsFromRecord({ __name__: "mem", instance: "c", region: "eu", zone: "a" }));
      assert.equal(again, first, "the same labels object");
    } finally {
      await store.close();
    }
  }));

test("gateway chunk cache: keys are per block and segment; a ref outside a block's segments never reaches another block's chunks", () => {
  const cache = new LruChunkCache(1024 * 1024);
  const chunk = (b: number) => ({ encoding: 1, data: Uint8Array.of(b, b, b) });
  const a = cache.forBlock("01AAAAAAAAAAAAAAAAAAAAAAAA", 1);
  const b = cache.forBlock("01BBBBBBBBBBBBBBBBBBBBBBBB", 2);
  a.set(8, chunk(1));
  b.set(8, chunk(2));
  b.set(0x1_0000_0000 + 8, chunk(3));
  assert.deepEqual([...a.get(8)!.data], [1, 1, 1]);
  assert.deepEqual([...b.get(8)!.data], [2, 2, 2]);
  assert.deepEqual([...b.get(0x1_0000_0000 + 8)!.data], [3, 3, 3]);
  // Block A has one segment: its segment 1 would be block B's segment 0 if keys were not checked.
  assert.equal(a.get(0x1_0000_0000 + 8), undefined);
  a.set(0x1_0000_0000 + 8, chunk(9));
  assert.deepEqual([...b.get(8)!.data], [2, 2, 2]);
  cache.dropBlock("01BBBBBBBBBBBBBBBBBBBBBBBB");
  assert.equal(b.get(8), undefined);
  assert.deepEqual([...a.get(8)!.data], [1, 1, 1]);
  // When segment numbers run out they start afresh: an older block's view then misses, it never reads another's chunk.
  const huge = cache.forBlock("01CCCCCCCCCCCCCCCCCCCCCCCC", (1 << 21) - 10);
  const late = cache.forBlock("01DDDDDDDDDDDDDDDDDDDDDDDD", 20);
  late.set(8, chunk(4));
  assert.deepEqual([...late.get(8)!.data], [4, 4, 4]);
  assert.equal(a.get(8), undefined);
  assert.equal(huge.get(8), undefined);
});

test("gateway Info over gRPC carries the resolutions it holds; the proxy skips a 5m-only gateway for raw reads", () =>
  withTempDir("orrery-gw-res-", async (dir) => {
    const raw = new FilesystemBucket(join(dir, "raw"));
    const fiveMin = new FilesystemBucket(join(dir, "5m"));
    const [ulid] = await blocksInBucket(dir, raw, [[series("up", "a", 400)]]);
    const meta = await downsampleBlock(join(dir, "local", ulid!), RESOLUTION_5M, join(dir, "ds"));
    await uploadBlock(fiveMin, join(dir, "ds", meta.ulid), meta.ulid);
    const rawStore = await BucketStore.open(raw, { dataDir: join(dir, "data-raw") });
    const dsStore = await BucketStore.open(fiveMin, { dataDir: join(dir, "data-5m") });
    const asked: (number | undefined)[] = [];
    const counted: Store = {
      info: () => dsStore.info(),
      series: (r, s) => (asked.push(r.maxResolutionWindow), dsStore.series(r, s)),
      labelNames: (r, s) => dsStore.labelNames(r, s),
      labelValues: (r, s) => dsStore.labelValues(r, s),
    };
    const servers = [await serveStoreApi(rawStore, { address: "127.0.0.1:0" }), await serveStoreApi(counted, { address: "127.0.0.1:0" })];
    const clients = servers.map((s) => new GrpcStoreClient(s.address));
    try {
      const infos = await Promise.all(clients.map((c) => c.info()));
      assert.deepEqual(infos.map((i) => i.resolutions), [[0], [RESOLUTION_5M]]);
      const proxy = new ProxyStore({ stores: clients.map((store, i) => ({ name: servers[i]!.address, store, info: infos[i]! })) });
      assert.deepEqual((await proxy.info()).resolutions, [0, RESOLUTION_5M]);
      const seriesRead = async (maxResolutionWindow: number): Promise<number> => {
        const request: SeriesRequest = { minTime: T0, maxTime: T0 + 86_400_000, matchers: [{ name: "__name__", op: "=", value: "up" }], maxResolutionWindow };
        let n = 0;
        for await (const f of proxy.series(request)) n += f.series.length;
        return n;
      };
      assert.equal(await seriesRead(0), 1);
      assert.deepEqual(asked, [], "a raw read never reaches the 5m-only gateway");
      assert.equal(await seriesRead(RESOLUTION_5M), 1);
      assert.deepEqual(asked, [RESOLUTION_5M], "a 5m read does");
    } finally {
      for (const c of clients) c.close();
      for (const s of servers) s.forceClose();
      await rawStore.close();
      await dsStore.close();
    }
  }));
