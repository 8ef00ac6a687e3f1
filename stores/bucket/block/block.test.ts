import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir, writeFile, rm, truncate, stat } from "node:fs/promises";
import { join } from "node:path";
import { formatLabels, labelsFromRecord, ShardMatcher, type Labels, type Matcher, type ShardInfo } from "../../../storeapi/index.js";
import { Block, BlockError, BlockWriter, BlocksStore, newUlid, openBlockDir, ulidTime, isUlid, bytesSource, IndexReader } from "./index.js";
import { dumpStore, withTempDir, writeTestBlock, xorChunks, type TestSeries } from "./test-helpers.js";

const SERIES: TestSeries[] = [
  { labels: { __name__: "up", job: "api", instance: "a" }, ts: range(0, 300, 15_000), vs: range(0, 300, 1) },
  { labels: { __name__: "up", job: "api", instance: "b" }, ts: range(0, 10, 15_000), vs: range(0, 10, 2) },
  { labels: { __name__: "up", job: "db", instance: "a" }, ts: range(0, 10, 15_000), vs: range(0, 10, 3) },
  { labels: { __name__: "errors", job: "db" }, ts: range(60_000, 5, 60_000), vs: range(0, 5, 0.5) },
];

function range(start: number, n: number, step: number): number[] {
  return Array.from({ length: n }, (_, i) => start + i * step);
}

test("ULIDs: 26 Crockford characters, time-ordered, time recoverable", () => {
  const a = newUlid(1_700_000_000_000);
  const b = newUlid(1_700_000_000_001);
  assert.equal(a.length, 26);
  assert.ok(isUlid(a), a);
  assert.ok(a < b);
  assert.equal(ulidTime(a), 1_700_000_000_000);
  assert.equal(newUlid(0, (buf) => buf.fill(0)), "0".repeat(26));
  assert.equal(newUlid(2 ** 48 - 1, (buf) => buf.fill(255)), "7" + "Z".repeat(25));
});

test("writer → reader: series, chunk metas and samples round-trip; meta.json has the Thanos section", async () => {
  await withTempDir("orrery-block-", async (dir) => {
    const meta = await writeTestBlock(dir, SERIES, { externalLabels: labelsFromRecord({ replica: "r1" }) });
    assert.deepEqual(meta.stats, { numSamples: 325, numSeries: 4, numChunks: 6 });
    assert.equal(meta.minTime, 0);
    assert.equal(meta.maxTime, 299 * 15_000 + 1);
    const onDisk = JSON.parse(await readFile(join(dir, meta.ulid, "meta.json"), "utf8"));
    assert.deepEqual(onDisk.thanos.labels, { replica: "r1" });
    assert.deepEqual(onDisk.thanos.downsample, { resolution: 0 });
    assert.equal(onDisk.thanos.source, "test");
    assert.deepEqual(onDisk.compaction, { level: 1, sources: [meta.ulid] });
    assert.equal(onDisk.version, 1);
    assert.deepEqual((await readdir(join(dir, meta.ulid))).sort(), ["chunks", "index", "meta.json", "tombstones"]);
    assert.equal((await stat(join(dir, meta.ulid, "tombstones"))).size, 9);

    const store = await BlocksStore.open(dir);
    try {
      const { series, order, warnings } = await dumpStore(store);
      assert.deepEqual(warnings, []);
      assert.deepEqual(order, [
        '{__name__="errors", job="db", replica="r1"}',
        '{__name__="up", instance="a", job="api", replica="r1"}',
        '{__name__="up", instance="a", job="db", replica="r1"}',
        '{__name__="up", instance="b", job="api", replica="r1"}',
      ]);
      assert.equal(series.get('{__name__="up", instance="a", job="api", replica="r1"}')!.length, 300);
      assert.deepEqual(series.get('{__name__="errors", job="db", replica="r1"}'), ["60000 0", "120000 0.5", "180000 1", "240000 1.5", "300000 2"]);
      const info = await store.info();
      assert.deepEqual(info.labelSets, [labelsFromRecord({ replica: "r1" })]);
      assert.equal(info.minTime, 0);
      assert.equal(info.maxTime, 299 * 15_000);
    } finally {
      await store.close();
    }
  });
});

test("matchers resolve through postings with Prometheus's empty-value semantics", async () => {
  await withTempDir("orrery-block-", async (dir) => {
    const meta = await writeTestBlock(dir, SERIES);
    const block = await openBlockDir(join(dir, meta.ulid));
    try {
      const names = async (ms: Matcher[]): Promise<string[]> => {
        const out: string[] = [];
        for await (const s of block.select(ms, -Infinity, Infinity, true)) out.push(s.labels.map((l) => l.value).join("/"));
        return out;
      };
      assert.deepEqual(await names([{ name: "job", op: "=", value: "api" }]), ["up/a/api", "up/b/api"]);
      assert.deepEqual(await names([{ name: "job", op: "!=", value: "api" }]), ["errors/db", "up/a/db"]);
      assert.deepEqual(await names([{ name: "__name__", op: "=~", value: "up|errors" }, { name: "instance", op: "=~", value: "a" }]), ["up/a/api", "up/a/db"]);
      assert.deepEqual(await names([{ name: "instance", op: "!~", value: "a|b" }]), ["errors/db"]);
      // instance="" selects series without the label; instance!="" those with it.
      assert.deepEqual(await names([{ name: "instance", op: "=", value: "" }]), ["errors/db"]);
      assert.deepEqual(await names([{ name: "instance", op: "!=", value: "" }]), ["up/a/api", "up/a/db", "up/b/api"]);
      assert.deepEqual(await names([{ name: "instance", op: "=~", value: "a|" }]), ["errors/db", "up/a/api", "up/a/db"]);
      assert.deepEqual(await names([{ name: "nope", op: "=", value: "x" }]), []);
      assert.deepEqual(await names([{ name: "nope", op: "=~", value: ".*" }]), ["errors/db", "up/a/api", "up/a/db", "up/b/api"]);
      assert.deepEqual(block.index.labelNames(), ["__name__", "instance", "job"]);
      assert.deepEqual(block.index.labelValues("job"), ["api", "db"]);
    } finally {
      await block.close();
    }
  });
});

test("chunk segments are cut at the segment size; refs carry the segment", async () => {
  await withTempDir("orrery-block-", async (dir) => {
    const meta = await writeTestBlock(dir, SERIES, { segmentBytes: 200, perChunk: 20 });
    const segments = await readdir(join(dir, meta.ulid, "chunks"));
    assert.ok(segments.length > 3, `segments: ${segments.join(",")}`);
    assert.deepEqual(segments, segments.map((_, i) => String(i + 1).padStart(6, "0")));
    const store = await BlocksStore.open(dir);
    try {
      const { series } = await dumpStore(store);
      assert.equal(series.get('{__name__="up", instance="a", job="api"}')!.length, 300);
      assert.equal(series.get('{__name__="up", instance="a", job="api"}')![299], `${299 * 15_000} 299`);
    } finally {
      await store.close();
    }
  });
});

test("the writer refuses series out of label order and overlapping chunks, naming the series, and leaves no block", async () => {
  await withTempDir("orrery-block-", async (dir) => {
    const w = await BlockWriter.create(dir, { symbols: ["__name__", "a", "b"], source: "test" });
    await w.addSeries(labelsFromRecord({ __name__: "b" }), xorChunks([1, 2], [1, 2]));
    await assert.rejects(w.addSeries(labelsFromRecord({ __name__: "a" }), []), /series \{__name__="a"\} added after \{__name__="b"\}/);
    await assert.rejects(
      w.addSeries(labelsFromRecord({ __name__: "b", a: "a" }), [...xorChunks([1, 5], [1, 2]), ...xorChunks([5, 6], [1, 2])]),
      /chunk 1 starts at 5, not after the previous chunk's end 5/,
    );
    await assert.rejects(w.addSeries(labelsFromRecord({ __name__: "c" }), []), /"c" is not among the symbols/);
    await w.abort();
    assert.deepEqual(await readdir(dir), []);
  });
});

test("the store merges the same series from overlapping blocks by time and keeps only chunks in range", async () => {
  await withTempDir("orrery-block-", async (dir) => {
    const labels = { __name__: "m", job: "x" };
    await writeTestBlock(dir, [{ labels, ts: [1000, 2000, 3000], vs: [1, 2, 3] }]);
    await writeTestBlock(dir, [{ labels, ts: [2000, 2500, 4000], vs: [20, 25, 40] }]);
    await writeTestBlock(dir, [{ labels, ts: [10_000_000, 10_000_001], vs: [7, 8] }], { perChunk: 1 });
    const store = await BlocksStore.open(dir);
    try {
      const all = await dumpStore(store);
      assert.deepEqual(all.order, ['{__name__="m", job="x"}']);
      const got = all.series.get('{__name__="m", job="x"}')!;
      assert.equal(got.length, 7);
      assert.deepEqual(got.slice(0, 5).map((l) => l.split(" ")[0]), ["1000", "2000", "2500", "3000", "4000"]);
      let chunks = 0;
      for await (const f of store.series({ minTime: 10_000_001, maxTime: 20_000_000, matchers: [{ name: "job", op: "=", value: "x" }] })) {
        for (const s of f.series) chunks += s.chunks.length;
      }
      assert.equal(chunks, 1, "only the chunk overlapping the range");
      const values = await store.labelValues({ label: "job", minTime: 0, maxTime: 5000, matchers: [] });
      assert.deepEqual(values.values, ["x"]);
    } finally {
      await store.close();
    }
  });
});

test("a series in two blocks whose chunks interleave in time goes out with its chunks in time order, none merged", async () => {
  await withTempDir("orrery-block-", async (dir) => {
    const labels = { __name__: "m", job: "x" };
    // The first block (by minTime) has chunks on both sides of the second block's only chunk.
    await writeTestBlock(dir, [{ labels, ts: [0, 1000, 2000, 7000, 8000], vs: [0, 1, 2, 7, 8] }], { perChunk: 3 });
    await writeTestBlock(dir, [{ labels, ts: [4000, 5000], vs: [4, 5] }]);
    const store = await BlocksStore.open(dir);
    try {
      const minTimes: number[] = [];
      for await (const f of store.series({ minTime: 0, maxTime: 10_000, matchers: [{ name: "job", op: "=", value: "x" }] })) {
        for (const s of f.series) for (const c of s.chunks) minTimes.push(c.minTime);
      }
      assert.deepEqual(minTimes, [0, 4000, 7000]);
    } finally {
      await store.close();
    }
  });
});

test("one block whose external label overrides its own: series come out re-sorted and joined by the labels as returned", async () => {
  await withTempDir("orrery-block-", async (dir) => {
    // In index order y < z; with b="ext" over both, {a="1", b="ext", c="1"} sorts first and the last two are one series.
    await writeTestBlock(
      dir,
      [
        { labels: { a: "1", b: "y", c: "2" }, ts: [1000], vs: [1] },
        { labels: { a: "1", b: "z", c: "1" }, ts: [1000], vs: [2] },
        { labels: { a: "1", b: "y", c: "3" }, ts: [1000], vs: [3] },
        { labels: { a: "1", b: "z", c: "3" }, ts: [2000], vs: [4] },
      ],
      { externalLabels: labelsFromRecord({ b: "ext" }) },
    );
    const store = await BlocksStore.open(dir);
    try {
      const all = await dumpStore(store, [{ name: "a", op: "=~", value: "1" }]);
      assert.deepEqual(all.order, ['{a="1", b="ext", c="1"}', '{a="1", b="ext", c="2"}', '{a="1", b="ext", c="3"}']);
      assert.deepEqual(all.series.get('{a="1", b="ext", c="3"}'), ["1000 3", "2000 4"]);
    } finally {
      await store.close();
    }
  });
});

test("shard_info: the store returns each shard's series, hashed over the labels as returned", async () => {
  await withTempDir("orrery-block-", async (dir) => {
    await writeTestBlock(dir, SERIES);
    const store = await BlocksStore.open(dir);
    try {
      const names = async (shardInfo?: ShardInfo): Promise<string[]> => {
        const out: string[] = [];
        for await (const f of store.series({ minTime: 0, maxTime: 1e9, matchers: [], ...(shardInfo ? { shardInfo } : {}) })) out.push(...f.series.map((s) => formatLabels(s.labels)));
        return out;
      };
      const all = await names();
      const seen: string[] = [];
      for (let shardIndex = 0; shardIndex < 2; shardIndex++) {
        const info = { shardIndex, totalShards: 2, by: true, labels: ["instance"] };
        const matcher = new ShardMatcher(info);
        const got = await names(info);
        assert.deepEqual(got, all.filter((l) => matcher.matches(labelsOf(l))));
        seen.push(...got);
      }
      assert.deepEqual(seen.sort(), [...all].sort());
    } finally {
      await store.close();
    }
  });
});

/** Labels back from their formatLabels text (test values hold no quotes or commas). */
function labelsOf(text: string): Labels {
  return labelsFromRecord(Object.fromEntries([...text.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])));
}

/** Writes a good block and a broken one; returns the broken block's ULID and dir. */
async function oneGoodOneBroken(dir: string): Promise<{ bad: string; badDir: string }> {
  await writeTestBlock(dir, [SERIES[0]!]);
  const bad = (await writeTestBlock(dir, [SERIES[1]!])).ulid;
  return { bad, badDir: join(dir, bad) };
}

async function flipByte(file: string, at: (size: number) => number): Promise<void> {
  const b = await readFile(file);
  b[at(b.length)] ^= 0xff;
  await writeFile(file, b);
}

const CORRUPTIONS: { name: string; corrupt: (badDir: string) => Promise<void>; want: RegExp; atOpen: boolean }[] = [
  { name: "unparseable meta.json", corrupt: (d) => writeFile(join(d, "meta.json"), "{ not json"), want: /meta\.json: not valid JSON/, atOpen: true },
  { name: "missing index", corrupt: (d) => rm(join(d, "index")), want: /: index: missing/, atOpen: true },
  { name: "flipped CRC byte in the index TOC", corrupt: (d) => flipByte(join(d, "index"), (n) => n - 1), want: /: index: TOC CRC32 mismatch/, atOpen: true },
  { name: "flipped byte in an index series entry", corrupt: (d) => flipByte(join(d, "index"), () => 0x40), want: /: index: series \d+ .*CRC32 mismatch|: index: symbol table/, atOpen: false },
  { name: "truncated index", corrupt: (d) => truncate(join(d, "index"), 40), want: /: index: (truncated|TOC)/, atOpen: true },
  { name: "bad chunks magic", corrupt: (d) => flipByte(join(d, "chunks", "000001"), () => 0), want: /chunks\/000001: bad magic/, atOpen: true },
  { name: "flipped CRC byte in a chunk", corrupt: (d) => flipByte(join(d, "chunks", "000001"), (n) => n - 1), want: /chunks\/000001: chunk at offset \d+: CRC32 mismatch/, atOpen: false },
  { name: "truncated chunk file", corrupt: (d) => truncate(join(d, "chunks", "000001"), 20), want: /chunks\/000001: chunk at offset \d+: truncated/, atOpen: false },
];

for (const c of CORRUPTIONS) {
  test(`corruption (${c.name}): an error naming the block and file; the store serves the other block with a warning`, async () => {
    await withTempDir("orrery-block-", async (dir) => {
      const { bad, badDir } = await oneGoodOneBroken(dir);
      await c.corrupt(badDir);
      await assert.rejects(
        (async () => {
          const block = await openBlockDir(badDir);
          try {
            for await (const _ of block.select([{ name: "job", op: "=", value: "api" }], -Infinity, Infinity)) void _;
          } finally {
            await block.close();
          }
        })(),
        (err: unknown) => {
          assert.ok(err instanceof BlockError, String(err));
          assert.match(err.message, new RegExp(`^block ${bad}: `));
          assert.match(err.message, c.want);
          return true;
        },
      );
      const store = await BlocksStore.open(dir);
      try {
        assert.equal(store.blocks.length, c.atOpen ? 1 : 2);
        const { series, warnings } = await dumpStore(store);
        assert.equal(series.get('{__name__="up", instance="a", job="api"}')?.length, 300, "the good block is served");
        assert.equal(series.has('{__name__="up", instance="b", job="api"}'), false);
        assert.equal(warnings.length, 1, warnings.join("\n"));
        assert.match(warnings[0]!, new RegExp(`skipping block ${bad}`));
        assert.match(warnings[0]!, c.want);
        if (!c.atOpen) {
          const strict = store.series({ minTime: 0, maxTime: 1e12, matchers: [{ name: "job", op: "=", value: "api" }], partialResponseDisabled: true });
          await assert.rejects(async () => {
            for await (const _ of strict) void _;
          }, c.want);
        }
      } finally {
        await store.close();
      }
    });
  });
}

test("one block's series stream out as read: the first frame before the rest is read; a failure after it is a warning saying the rest is missing", async () => {
  await withTempDir("orrery-stream-", async (dir) => {
    const series: TestSeries[] = Array.from({ length: 1000 }, (_, i) => ({ labels: { __name__: "m", i: String(i).padStart(4, "0") }, ts: [0, 15_000], vs: [i, i] }));
    const meta = await writeTestBlock(dir, series);
    const blockDir = join(dir, meta.ulid);
    // The chunk file as read, its reads counted; replaced below by a damaged copy.
    let chunkFile = bytesSource(await readFile(join(blockDir, "chunks", "000001")));
    const reads: number[] = [];
    const open = async (): Promise<Block> =>
      Block.open(
        {
          metaJson: await readFile(join(blockDir, "meta.json"), "utf8"),
          index: bytesSource(await readFile(join(blockDir, "index"))),
          chunks: [{ size: chunkFile.size, read: (o: number, l: number) => (reads.push(l), chunkFile.read(o, l)), close: () => chunkFile.close() }],
        },
        meta.ulid,
      );
    const block = await open();
    const store = BlocksStore.over(() => ({ blocks: [block], warnings: [] }), { frameSize: 100 });
    const matchers: Matcher[] = [{ name: "__name__", op: "=", value: "m" }];
    const got: string[] = [];
    let readAtFirstFrame = -1;
    for await (const f of store.series({ minTime: 0, maxTime: 15_000, matchers })) {
      if (readAtFirstFrame < 0) readAtFirstFrame = reads.reduce((a, b) => a + b, 0);
      for (const s of f.series) got.push(formatLabels(s.labels));
    }
    assert.deepEqual(got, series.map((s) => formatLabels(labelsFromRecord(s.labels))), "every series once, in order");
    const total = reads.reduce((a, b) => a + b, 0);
    assert.ok(readAtFirstFrame > 0 && readAtFirstFrame < total / 5, `first frame after ${readAtFirstFrame} of ${total} chunk bytes`);

    // The last chunk's CRC damaged: the first frame has left when the later batch fails.
    const bytes = await readFile(join(blockDir, "chunks", "000001"));
    bytes[bytes.length - 1]! ^= 0xff;
    chunkFile = bytesSource(bytes);
    const damaged = await open();
    const partial = BlocksStore.over(() => ({ blocks: [damaged], warnings: [] }), { frameSize: 100 });
    const frames: { series: number; warnings: string[] }[] = [];
    for await (const f of partial.series({ minTime: 0, maxTime: 15_000, matchers })) frames.push({ series: f.series.length, warnings: [...f.warnings] });
    assert.equal(frames[0]!.series, 100);
    const warnings = frames.flatMap((f) => f.warnings);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, new RegExp(`block ${meta.ulid} failed part way for this request \\(the series after those sent are missing\\): .*CRC32 mismatch`));
    await assert.rejects(async () => {
      for await (const _ of partial.series({ minTime: 0, maxTime: 15_000, matchers, partialResponseDisabled: true })) void _;
    }, /CRC32 mismatch/);
    await block.close();
    await damaged.close();
  });
});

test("an index in memory reads through bytesSource as through a file", async () => {
  await withTempDir("orrery-block-", async (dir) => {
    const meta = await writeTestBlock(dir, SERIES);
    const index = await IndexReader.open(bytesSource(await readFile(join(dir, meta.ulid, "index"))), meta.ulid);
    const refs = await index.postingsForMatchers([{ name: "job", op: "=", value: "db" }]);
    assert.equal(refs.length, 2);
    assert.deepEqual(await index.postings("job", "db"), refs);
    assert.equal((await index.postings("job", "zz")).length, 0);
    assert.equal((await index.postings("nope", "db")).length, 0);
    const s = await index.series(refs[1]!);
    assert.deepEqual(s.labels, labelsFromRecord({ __name__: "up", job: "db", instance: "a" }));
    assert.deepEqual(s.chunks.map((c) => [c.minTime, c.maxTime]), [[0, 135_000]]);
  });
});
