// The head tells each XOR chunk's longest gap between samples and whether a stale marker ends it
// (Chunk.maxGap), and count and group over a plain selector then read when each series has a sample
// from its chunks' times alone, decoding nothing. The answers must be the ones decoding gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../../engine/index.js";
import { labelsFromRecord, STALE_NAN } from "../../storeapi/index.js";
import { rng } from "../../testing/index.js";
import { Head } from "./head.js";
import { canonical, fullReads } from "./test-helpers.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;

async function gapsOf(head: Head, minTime = -Infinity, maxTime = Infinity): Promise<(number | undefined)[][]> {
  const out: (number | undefined)[][] = [];
  const request = { minTime, maxTime, matchers: [{ name: "__name__", op: "=~" as const, value: ".+" }] };
  for await (const f of head.series(request)) for (const s of f.series) out.push(s.chunks.map((c) => c.raw!.maxGap));
  return out;
}

test("each chunk the head reads out tells its longest gap between samples; −gap − 1 while its last sample is its only stale marker, Infinity once one is followed", async () => {
  const head = new Head({ chunkRangeMs: 10 * MINUTE });
  const labels = labelsFromRecord({ __name__: "x" });
  // Chunk [0, 10m): gaps 15 s, 45 s, 15 s. [10m, 20m): one sample. [20m, 30m): a stale marker last. [30m, 40m): one in the middle. Open: gaps 30 s, 2 m.
  const t = [0, 15, 60, 75, 600, 1200, 1215, 1800, 1805, 1810, 2400, 2430, 2550].map((s) => s * SECOND);
  const v = [1, 2, 3, 4, 5, 6, STALE_NAN, 8, STALE_NAN, 9, 10, NaN, 11];
  await head.appendBatch([{ labels, t, v }]);
  assert.deepEqual(await gapsOf(head), [[45 * SECOND, 0, -15 * SECOND - 1, Infinity, 120 * SECOND]], "a plain NaN is a sample like any other");
  assert.deepEqual(await gapsOf(head, 2500 * SECOND, 2600 * SECOND), [[120 * SECOND]], "the open chunk's, read alone");
  await head.appendBatch([{ labels, t: [2600 * SECOND], v: [STALE_NAN] }]);
  assert.deepEqual(await gapsOf(head, 2500 * SECOND, 2600 * SECOND), [[-120 * SECOND - 1]], "a stale marker appended to the open chunk");
  await head.appendBatch([{ labels, t: [2610 * SECOND], v: [STALE_NAN] }]);
  assert.deepEqual(await gapsOf(head, 2500 * SECOND, 2700 * SECOND), [[Infinity]], "a second one");
  const single = new Head({ chunkRangeMs: 10 * MINUTE });
  await single.appendBatch([{ labels, t: [0, 600 * SECOND], v: [STALE_NAN, 1] }]);
  assert.deepEqual(await gapsOf(single), [[-1, 0]], "a chunk of one stale marker");
});

test("a chunk cut at 120 samples starts its gap anew: the gap across the cut is the reader's to see", async () => {
  const head = new Head();
  const t = Array.from({ length: 130 }, (_, i) => i * 10 * SECOND + (i >= 120 ? 10 * MINUTE : 0));
  await head.appendBatch([{ labels: labelsFromRecord({ __name__: "x" }), t, v: t.map(() => 1) }]);
  assert.deepEqual(await gapsOf(head), [[10 * SECOND, 10 * SECOND]]);
});

/**
 * Random series over three hours, cut into chunks by sample count and a 40-minute chunk range:
 * scrape intervals from 5 s to 2 min with jitter, gaps around the lookback (below, at, over),
 * series starting late or ending early; a stale marker or NaN in a few; series ending in a stale
 * marker, some back later.
 */
async function randomHead(seed: number): Promise<{ head: Head; end: number }> {
  const r = rng(seed);
  // Samples of any age: each series is appended whole after the ones before it.
  const head = new Head({ chunkRangeMs: 40 * MINUTE, minValidTime: -Infinity });
  const end = 3 * 3600 * SECOND;
  for (let s = 0; s < 40; s++) {
    const every = [5, 15, 30, 60, 120][Math.floor(r() * 5)]! * SECOND;
    // Gaps of the lookbacks tested, a ms either side, and longer. Half the series on the steps' grid: a sample exactly a lookback before a step.
    const gaps = [MINUTE, 4 * MINUTE, 5 * MINUTE, 5 * MINUTE + 1, 5 * MINUTE - 1, 9 * MINUTE, 10 * MINUTE + 3, 10 * MINUTE + 4];
    const jitter = r() < 0.5 ? 3 : 0;
    const from = r() < 0.25 ? Math.floor(r() * 90) * MINUTE + (jitter > 0 ? Math.floor(r() * 1000) : 0) : 0;
    const to = r() < 0.25 ? from + Math.floor(r() * 120) * MINUTE : end;
    const stale = r() < 0.15;
    const t: number[] = [];
    const v: number[] = [];
    for (let at = from; at <= to; at += every + Math.floor(r() * jitter)) {
      // A gap shorter than the interval is no gap: the next sample comes a whole interval on.
      if (r() < 0.02) at += Math.max(0, gaps[Math.floor(r() * gaps.length)]! - every);
      const x = r();
      t.push(at);
      v.push(stale && x < 0.02 ? STALE_NAN : x < 0.01 ? NaN : x);
    }
    if (t.length === 0) continue;
    // Churn: a series that ends with a stale marker, some of them back later (the marker then ends a chunk, or sits mid-chunk).
    if (r() < 0.3 && t[t.length - 1]! < end) {
      const at = t[t.length - 1]! + [every, 5 * MINUTE, 5 * MINUTE + 1][Math.floor(r() * 3)]!;
      t.push(at);
      v.push(STALE_NAN);
      if (r() < 0.5) for (let back = at + Math.floor(r() * 50) * MINUTE + every; back <= end; back += every) {
        t.push(back);
        v.push(r());
      }
    }
    await head.appendBatch([{ labels: labelsFromRecord({ __name__: "x", job: `j${s % 4}`, s: String(s) }), t, v }]);
  }
  // On the steps' 30 s grid with one gap of exactly each lookback tested and of a ms more: a step a lookback after the sample before the gap.
  for (const [k, gap] of [MINUTE, MINUTE + 1, 5 * MINUTE, 5 * MINUTE + 1, 10 * MINUTE + 3, 10 * MINUTE + 4].entries()) {
    const t: number[] = [];
    for (let at = 0; at <= end; at += at === 3600 * SECOND ? gap : 30 * SECOND) t.push(at);
    await head.appendBatch([{ labels: labelsFromRecord({ __name__: "x", job: `j${k % 4}`, s: `gap${k}` }), t, v: t.map(() => 1) }]);
  }
  // Series ending in a stale marker on the grid: 30 s after the last sample; 5.5 min after it (a gap over every lookback but the
  // longest); at a chunk-range boundary (the marker opens a chunk of its own); and one back 20 minutes after its marker.
  const ends: [number, number, number][] = [[3600, 30, 0], [3600, 330, 0], [4770, 30, 0], [3600, 30, 1200]];
  for (const [k, [lastS, afterS, backS]] of ends.entries()) {
    const t: number[] = [];
    const v: number[] = [];
    for (let at = 0; at <= lastS * SECOND; at += 30 * SECOND) t.push(at), v.push(1);
    t.push((lastS + afterS) * SECOND), v.push(STALE_NAN);
    if (backS > 0) for (let at = (lastS + afterS + backS) * SECOND; at <= end; at += 30 * SECOND) t.push(at), v.push(1);
    await head.appendBatch([{ labels: labelsFromRecord({ __name__: "x", job: `j${k % 4}`, s: `end${k}` }), t, v }]);
  }
  return { head, end };
}

const QUERIES = ["count by (job) (x)", "count(x)", "group by (job) (x)", "count by (job) (x offset 4m)", "count(x @ 5000)", "count without (s) (x)", "group(x)"];

test("count and group of a head selector answer the same from the chunks' gaps as from decoding every sample", async () => {
  for (const lookbackDeltaMs of [5 * MINUTE, 1 * MINUTE, 10 * MINUTE + 3]) {
    const engine = new Engine({ lookbackDeltaMs });
    for (const seed of [1, 2, 3, 4]) {
      const { head, end } = await randomHead(seed);
      // Chunk bytes only, no gaps told: what decoding every sample answers.
      const slow = fullReads(head);
      const r = rng(seed + 100);
      const ranges: [number, number, number][] = [
        [0, end, 30 * SECOND],
        [-10 * MINUTE, end + 10 * MINUTE, 60 * SECOND],
      ];
      for (let i = 0; i < 3; i++) ranges.push([Math.floor(r() * end), end - Math.floor(r() * 3600 * SECOND), 1000 + Math.floor(r() * 120 * SECOND)]);
      for (const [start, stop, step] of ranges) {
        if (stop < start) continue;
        for (const q of QUERIES) {
          const what = `lookback ${lookbackDeltaMs} seed ${seed}: ${q} over [${start}, ${stop}] step ${step}`;
          const fast = await engine.rangeQuery(head, q, start, stop, step).exec();
          const want = await engine.rangeQuery(slow, q, start, stop, step).exec();
          assert.equal(canonical(fast.value), canonical(want.value), what);
          assert.equal(fast.stats.totalSamples, want.stats.totalSamples, what);
        }
      }
    }
  }
});
