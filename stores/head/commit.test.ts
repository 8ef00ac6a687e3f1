import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { labelsFromRecord } from "../../storeapi/index.js";
import type { Labels } from "../../storeapi/index.js";
import { Head } from "./head.js";
import type { HeadWal } from "./types.js";
import type { WalSeriesRecord } from "./wal/index.js";

const up = (job: string): Labels => labelsFromRecord({ __name__: "up", job });

/** A WAL that fails while `failing` is set and records what it was given. */
class FlakyWal implements HeadWal {
  failing = false;
  readonly seriesLogged: WalSeriesRecord[][] = [];
  async logSamples(_r: ArrayLike<number>, _t: ArrayLike<number>, _v: Float64Array, _n: number, series: readonly WalSeriesRecord[] = []): Promise<void> {
    if (this.failing) throw new Error("disk full");
    this.seriesLogged.push([...series]);
  }
  async checkpoint(): Promise<void> {}
  async close(): Promise<void> {}
}

test("a batch the WAL fails to log leaves no trace: its new series leave the postings and the series table", async () => {
  const wal = new FlakyWal();
  const registry = new Registry();
  const head = new Head({ wal, registry });
  await head.appendBatch([{ labels: up("a"), t: [1000], v: [1] }]);
  wal.failing = true;
  await assert.rejects(head.appendBatch([{ labels: up("b"), t: [2000], v: [2] }, { labels: up("a"), t: [2000], v: [2] }]), /disk full/);
  assert.equal(head.numSeries(), 1);
  const all = { minTime: 0, maxTime: 1e9, matchers: [] };
  assert.deepEqual((await head.labelValues({ ...all, label: "job" })).values, ["a"]);
  const gauge = await registry.getSingleMetric("orrery_head_series")!.get();
  assert.equal(gauge.values[0]!.value, 1);
  // The retry must log b's series record again, or a replay would drop b's samples.
  wal.failing = false;
  const r = await head.appendBatch([{ labels: up("b"), t: [2000], v: [2] }]);
  assert.deepEqual(r, { accepted: 1, rejected: [] });
  assert.deepEqual(wal.seriesLogged.at(-1)!.map((s) => s.labels), [up("b")]);
});

test("rollback keeps a new series that a later batch has built on", async () => {
  const gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const wal: HeadWal = {
    logSamples: () => new Promise<void>((resolve, reject) => gates.push({ resolve, reject })),
    checkpoint: async () => undefined,
    close: async () => undefined,
  };
  const head = new Head({ wal });
  const first = head.appendBatch([{ labels: up("b"), t: [1000], v: [1] }]);
  const second = head.appendBatch([{ labels: up("b"), t: [2000], v: [2] }]);
  gates[0]!.reject(new Error("disk full"));
  gates[1]!.resolve();
  await assert.rejects(first, /disk full/);
  await second;
  assert.equal(head.numSeries(), 1, "the second batch's sample keeps the series");
});
