import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { decodeXorChunk } from "../../../storeapi/index.js";
import { Block, bytesSource, partitionReads, type ByteRangeSource } from "./index.js";
import { withTempDir, writeTestBlock, type TestSeries } from "./test-helpers.js";

test("partitionReads: offsets within the gap of the previous read's end share it; each item assumed itemBytes long", () => {
  const cases: { offsets: number[]; item: number; gap: number; want: [number, number, number, number][] }[] = [
    { offsets: [], item: 10, gap: 5, want: [] },
    { offsets: [100], item: 10, gap: 5, want: [[100, 110, 0, 0]] },
    { offsets: [0, 12, 15, 40], item: 10, gap: 5, want: [[0, 25, 0, 2], [40, 50, 3, 3]] },
    { offsets: [0, 15], item: 10, gap: 5, want: [[0, 25, 0, 1]] },
    { offsets: [0, 16], item: 10, gap: 5, want: [[0, 10, 0, 0], [16, 26, 1, 1]] },
  ];
  for (const c of cases) {
    assert.deepEqual(
      partitionReads(c.offsets, c.item, c.gap).map((p) => [p.start, p.end, p.first, p.last]),
      c.want,
      JSON.stringify(c),
    );
  }
});

/** A source that counts its reads. */
function counting(src: ByteRangeSource, reads: number[]): ByteRangeSource {
  return { size: src.size, read: (o, l) => (reads.push(l), src.read(o, l)), close: () => src.close() };
}

/** Random-walk floats compress badly: 300 of them make a chunk well over the planner's 2 KiB estimate. */
function noisy(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) % 2147483648) / 7919.123);
}

test("select reads series entries and chunks in a few range reads, and re-reads alone the ones longer than planned", async () => {
  await withTempDir("orrery-batch-", async (dir) => {
    const series: TestSeries[] = [];
    for (let i = 0; i < 300; i++) {
      const n = i % 50 === 0 ? 600 : 20;
      series.push({ labels: { __name__: "m", i: String(i).padStart(3, "0") }, ts: Array.from({ length: n }, (_, k) => k * 15_000), vs: noisy(n, i + 1) });
    }
    // One series with many 1-sample chunks: its index entry is longer than the 1 KiB estimate.
    series.push({ labels: { __name__: "m", i: "long" }, ts: Array.from({ length: 400 }, (_, k) => k * 15_000), vs: noisy(400, 7) });
    const meta = await writeTestBlock(dir, series.slice(0, 300), { perChunk: 300 });
    const longMeta = await writeTestBlock(join(dir, "long"), series.slice(300), { perChunk: 1 });
    for (const [m, base, want] of [
      [meta, dir, series.slice(0, 300)],
      [longMeta, join(dir, "long"), series.slice(300)],
    ] as const) {
      const reads: number[] = [];
      const blockDir = join(base, m.ulid);
      const segs = (await readdir(join(blockDir, "chunks"))).sort();
      const block = await Block.open(
        {
          metaJson: await readFile(join(blockDir, "meta.json"), "utf8"),
          index: counting(bytesSource(await readFile(join(blockDir, "index"))), reads),
          chunks: await Promise.all(segs.map(async (s) => counting(bytesSource(await readFile(join(blockDir, "chunks", s))), reads))),
        },
        m.ulid,
      );
      const opened = reads.length;
      const got: TestSeries[] = [];
      let chunks = 0;
      for await (const s of block.select([{ name: "__name__", op: "=", value: "m" }], 0, Number.MAX_SAFE_INTEGER)) {
        const ts: number[] = [];
        const vs: number[] = [];
        chunks += s.chunks.length;
        for (const c of s.chunks) {
          const t = new Float64Array(1000);
          const v = new Float64Array(1000);
          const n = decodeXorChunk(c.raw!.data, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, t, v, 0);
          ts.push(...t.subarray(0, n));
          vs.push(...v.subarray(0, n));
        }
        got.push({ labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])), ts, vs });
      }
      assert.deepEqual(got, want.map((s) => ({ labels: s.labels, ts: [...s.ts], vs: [...s.vs] })));
      const selectReads = reads.length - opened;
      assert.ok(selectReads < 20, `${selectReads} reads for ${got.length} series and ${chunks} chunks`);
    }
  });
});

test("select issues the range reads of far-apart chunks together, not one after another", async () => {
  await withTempDir("orrery-batch-", async (dir) => {
    const series: TestSeries[] = [];
    for (let i = 0; i < 40; i++) {
      series.push({ labels: { __name__: "m", i: String(i).padStart(2, "0") }, ts: Array.from({ length: 3000 }, (_, k) => k * 15_000), vs: noisy(3000, i + 1) });
    }
    const meta = await writeTestBlock(dir, series, { perChunk: 300 });
    const blockDir = join(dir, meta.ulid);
    let pending = 0;
    let maxPending = 0;
    const slow = (src: ByteRangeSource): ByteRangeSource => ({
      size: src.size,
      read: async (o, l) => {
        maxPending = Math.max(maxPending, ++pending);
        await new Promise((r) => setTimeout(r, 5));
        pending--;
        return src.read(o, l);
      },
      close: () => src.close(),
    });
    const block = await Block.open(
      {
        metaJson: await readFile(join(blockDir, "meta.json"), "utf8"),
        index: slow(bytesSource(await readFile(join(blockDir, "index")))),
        chunks: [slow(bytesSource(await readFile(join(blockDir, "chunks", "000001"))))],
      },
      meta.ulid,
    );
    maxPending = 0;
    const got: string[] = [];
    for await (const s of block.select([{ name: "i", op: "=~", value: "00|10|20|30" }], 0, Number.MAX_SAFE_INTEGER)) {
      assert.equal(s.chunks.length, 10);
      got.push(s.labels.find((l) => l.name === "i")!.value);
    }
    assert.deepEqual(got, ["00", "10", "20", "30"]);
    assert.ok(maxPending >= 4, `chunk ranges ~250 KB apart read ${maxPending} at a time`);
  });
});
