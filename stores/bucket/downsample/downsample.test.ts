import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { STALE_NAN, aggregateSamples, decodeAggrChunk, isStaleNaN, labelsFromRecord, type AggrChunk } from "../../../storeapi/index.js";
import { openBlockDir } from "../block/block.js";
import { withTempDir, writeTestBlock } from "../block/test-helpers.js";
import { RESOLUTION_1H, RESOLUTION_5M, downsampleBlock, downsampleWindows, encodeWindows, type AggregateInput } from "./downsample.js";

const S = 1000;

function rawInput(ts: readonly number[], vs: readonly number[]): AggregateInput {
  const keep = vs.map((_, i) => i).filter((i) => !isStaleNaN(vs[i]!));
  const t = Float64Array.from(keep.map((i) => ts[i]!));
  const v = Float64Array.from(keep.map((i) => vs[i]!));
  return { t, count: new Float64Array(t.length).fill(1), sum: v, min: v, max: v, counter: { ts: t, vs: v, length: t.length } };
}

// One counter through a reset, a plain NaN, a stale marker, a reset after it, and a 10-minute gap.
const TS = [15, 75, 135, 195, 255, 315, 375, 435, 495, 1215, 1275].map((s) => s * S);
const VS = [10, 20, 30, 5, 8, NaN, 12, STALE_NAN, 1, 3, 4];

test("5m windows by hand: count, sum, min, max at the window end; NaN counted and summed, ignored by min/max; stale markers dropped; gaps leave no window", () => {
  const w = downsampleWindows(rawInput(TS, VS), RESOLUTION_5M);
  assert.deepEqual(w.t, [300_000, 600_000, 1_500_000]);
  assert.deepEqual(w.count, [5, 3, 2]);
  assert.equal(w.sum[0], 73);
  assert.ok(Number.isNaN(w.sum[1]));
  assert.equal(w.sum[2], 7);
  assert.deepEqual(w.min, [5, 1, 3]);
  assert.deepEqual(w.max, [30, 12, 4]);
  assert.deepEqual(w.lastInput, [255_000, 495_000, 1_275_000]);
});

test("a sample exactly on a window boundary belongs to the window ending there (ranges are left-open)", () => {
  const w = downsampleWindows(rawInput([60, 300, 360, 600].map((s) => s * S), [1, 2, 3, 4]), RESOLUTION_5M);
  assert.deepEqual(w.t, [300_000, 600_000]);
  assert.deepEqual(w.count, [2, 2]);
  assert.deepEqual(w.counterT.map((t) => t / S), [60, 300, 360, 600]);
});

test("counter points by hand: each window's first and last raw sample and both sides of every reset, at raw times and values", () => {
  const w = downsampleWindows(rawInput(TS, VS), RESOLUTION_5M);
  assert.deepEqual(
    w.counterT.map((t, i) => [t / S, w.counterV[i]]),
    [[15, 10], [135, 30], [195, 5], [255, 8], [375, 12], [495, 1], [1215, 3], [1275, 4]],
  );
  // Read as a counter: the raw increase (10 → 4 through two resets) is 36, and both resets are there.
  let increase = 0;
  let resets = 0;
  for (let i = 1; i < w.counterV.length; i++) {
    const d = w.counterV[i]! - w.counterV[i - 1]!;
    if (d < 0) resets++;
    increase += d < 0 ? w.counterV[i]! : d;
  }
  assert.equal(increase, 36);
  assert.equal(resets, 2);
});

test("a gauge's counter aggregate (asCounter false) is Thanos's shape: each window's last value at the window's stamp", () => {
  const w = downsampleWindows(rawInput(TS, VS), RESOLUTION_5M, false);
  assert.deepEqual(
    w.counterT.map((t, i) => [t / S, w.counterV[i]]),
    [[300, 8], [600, 1], [1500, 4]],
  );
  // Encoded, the last window's point moves to its stamp, the last input time, and is repeated (Thanos's true last value).
  const [chunk] = encodeWindows(w);
  const counter = aggregateSamples([{ minTime: chunk!.minTime, maxTime: chunk!.maxTime, ...decodeAggrChunk(chunk!.data) }], "counter", -Infinity, Infinity);
  assert.deepEqual([...counter.ts].map((t) => t / S), [300, 600, 1275]);
  assert.deepEqual([...counter.vs], [8, 1, 4]);
});

test("a series that stops and restarts: no window in the gap, the restart's reset kept", () => {
  const ts = [0, 60, 120, 7200, 7260].map((s) => s * S + 30 * S);
  const vs = [100, 110, 120, 2, 9];
  const w = downsampleWindows(rawInput(ts, vs), RESOLUTION_5M);
  assert.deepEqual(w.t, [300_000, 7_500_000]);
  assert.deepEqual(w.count, [3, 2]);
  assert.deepEqual(w.counterV, [100, 120, 2, 9]);
});

interface Dumped {
  t: number[];
  v: number[];
}

async function readAggregate(dir: string, name: string, a: "count" | "sum" | "min" | "max" | "counter"): Promise<Dumped> {
  const b = await openBlockDir(dir);
  try {
    for await (const s of b.select([{ name: "__name__", op: "=", value: name }], -Infinity, Infinity, false, [a])) {
      const m = aggregateSamples(s.chunks as AggrChunk[], a, -Infinity, Infinity);
      return { t: [...m.ts], v: [...m.vs] };
    }
    throw new Error(`no series ${name}`);
  } finally {
    await b.close();
  }
}

test("downsampleBlock: raw → 5m → 1h blocks keep the time range, labels and sources; 1h from 5m equals 1h from raw", async () => {
  await withTempDir("ds-", async (dir) => {
    // Two days at 60 s, offset 15 s; a counter that resets every 7h, a gauge with a NaN and a stale marker.
    const ts: number[] = [];
    const counter: number[] = [];
    const gauge: number[] = [];
    let c = 0;
    for (let i = 0; i < 2 * 24 * 60; i++) {
      ts.push(i * 60 * S + 15 * S);
      c = i % 420 === 0 ? (i * 7) % 5 : c + ((i * 13) % 11);
      counter.push(c);
      gauge.push(i === 500 ? NaN : i === 900 ? STALE_NAN : Math.sin(i / 50) * 100);
    }
    const ext = labelsFromRecord({ cluster: "eu" });
    const raw = await writeTestBlock(dir, [
      { labels: { __name__: "c_total", job: "a" }, ts, vs: counter },
      { labels: { __name__: "g", job: "a" }, ts, vs: gauge },
    ], { externalLabels: ext });
    const m5 = await downsampleBlock(join(dir, raw.ulid), RESOLUTION_5M, dir);
    assert.equal(m5.thanos?.downsample.resolution, RESOLUTION_5M);
    assert.equal(m5.minTime, raw.minTime);
    assert.equal(m5.maxTime, raw.maxTime);
    assert.deepEqual(m5.thanos?.labels, { cluster: "eu" });
    assert.deepEqual(m5.compaction.sources, [raw.ulid]);
    assert.equal(m5.stats.numSeries, 2);
    assert.equal(m5.stats.numSamples, 2 * 2 * 24 * 12, "one point per window per series");
    const m1h = await downsampleBlock(join(dir, m5.ulid), RESOLUTION_1H, dir);
    assert.equal(m1h.thanos?.downsample.resolution, RESOLUTION_1H);

    const direct = downsampleWindows(rawInput(ts, gauge), RESOLUTION_1H);
    const count1h = await readAggregate(join(dir, m1h.ulid), "g", "count");
    assert.deepEqual(count1h.v, direct.count);
    assert.deepEqual((await readAggregate(join(dir, m1h.ulid), "g", "min")).v, direct.min);
    assert.deepEqual((await readAggregate(join(dir, m1h.ulid), "g", "max")).v, direct.max);
    const counterDirect = downsampleWindows(rawInput(ts, counter), RESOLUTION_1H);
    const counter1h = await readAggregate(join(dir, m1h.ulid), "c_total", "counter");
    assert.deepEqual(counter1h.t, counterDirect.counterT);
    assert.deepEqual(counter1h.v, counterDirect.counterV);
    // Every 1h window holds 60 raw samples (the NaN counts; the stale marker does not).
    assert.equal(count1h.v.reduce((a, b) => a + b, 0), ts.length - 1);
    await assert.rejects(downsampleBlock(join(dir, raw.ulid), RESOLUTION_1H, dir), /cannot downsample a block of resolution 0ms to 3600000ms/);
    await assert.rejects(downsampleBlock(join(dir, raw.ulid), 7 * 60_000, dir), /cannot downsample to 420000ms/);
  });
});
