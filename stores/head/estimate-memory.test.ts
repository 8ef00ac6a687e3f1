// The head's memory estimate (what /api/v1/status/tsdb and orrery_head_memory_bytes report) against
// the heap it grows, measured after full collections: label sets made as a receiver decodes them,
// one closed and one open chunk a series, a quarter of the series with float values (buffers of their own).
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Labels } from "../../storeapi/index.js";
import { Head } from "../index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heldBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function labelsOf(i: number): Labels {
  const instance = Math.floor(i / 100);
  return [
    { name: "__name__", value: `metric_${i % 100}` },
    { name: "instance", value: `10.0.${instance >> 8}.${instance & 255}:9100` },
    { name: "job", value: `job-${instance % 10}` },
  ];
}

/** A head of `series` series × 130 samples at 15 s, closed once measured; returns its estimate and the bytes the heap grew by. */
async function fill(series: number): Promise<{ estimate: number; grown: number }> {
  const batches = Array.from({ length: Math.ceil(series / 1000) }, (_, b) =>
    Array.from({ length: Math.min(1000, series - b * 1000) }, () => ({ labels: [] as Labels, t: [0], v: [0] })),
  );
  const before = heldBytes();
  const head = new Head({ windowMs: 1e15 });
  batches.forEach((batch, b) => batch.forEach((e, k) => (e.labels = labelsOf(b * 1000 + k))));
  for (let r = 0; r < 130; r++) {
    for (const batch of batches) {
      batch.forEach((e, k) => {
        e.t[0] = 1_700_000_000_000 + r * 15_000;
        e.v[0] = k % 4 === 3 ? ((r * 7919 + k) % 10_007) / 100 : k % 2 === 0 ? r * 3 : 1;
      });
      await head.appendBatch(batch);
    }
  }
  for (const batch of batches) for (const e of batch) e.labels = [];
  const grown = heldBytes() - before;
  // Used after the measurement, so its collections keep the batches (counted before) alive.
  assert.equal(batches.flat().length, series);
  const estimate = head.memoryBytes();
  await head.close();
  return { estimate, grown };
}

test("the head's memory estimate is within 10% of the heap it grows, and a series costs under 1,050 bytes at 130 samples", async () => {
  // A head first, so what compiling the head's code costs is not counted.
  await fill(2_000);
  const small = await fill(5_000);
  const large = await fill(15_000);
  assert.ok(Math.abs(large.estimate - large.grown) <= 0.1 * large.grown, `estimate ${large.estimate} B against ${large.grown} B grown`);
  // What each series more costs (the fixed costs of a head cancel out).
  const perSeries = (large.grown - small.grown) / 10_000;
  const estimated = (large.estimate - small.estimate) / 10_000;
  assert.ok(Math.abs(estimated - perSeries) <= 0.1 * perSeries, `estimate ${estimated.toFixed(0)} B/series against ${perSeries.toFixed(0)} grown`);
  // Without the head's exact-size label and closed-chunk lists, ~200 B a series more.
  assert.ok(perSeries < 1_050, `${perSeries.toFixed(0)} B/series`);
});
