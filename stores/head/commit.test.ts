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

test("a batch that appended to a series created by a failed batch fails too, so no sample is kept without a logged series record", async () => {
  const gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const logged: WalSeriesRecord[][] = [];
  const wal: HeadWal = {
    logSamples: (_r, _t, _v, _n, series = []) => {
      logged.push([...series]);
      return new Promise<void>((resolve, reject) => gates.push({ resolve, reject }));
    },
    checkpoint: async () => undefined,
    close: async () => undefined,
  };
  const head = new Head({ wal });
  await Promise.all([head.appendBatch([{ labels: up("a"), t: [500], v: [1] }]), Promise.resolve(gates[0]!.resolve())]);
  const first = head.appendBatch([{ labels: up("b"), t: [1000], v: [1] }]);
  // The second relies on the first's series record for b (it logs none itself) and creates c.
  const second = head.appendBatch([
    { labels: up("b"), t: [2000], v: [2] },
    { labels: up("a"), t: [2000], v: [2] },
    { labels: up("c"), t: [2000], v: [2] },
  ]);
  assert.deepEqual(logged[2]!.map((r) => r.labels), [up("c")]);
  gates[1]!.reject(new Error("disk full"));
  gates[2]!.resolve();
  await assert.rejects(first, /disk full/);
  await assert.rejects(second, /earlier append whose WAL write failed/);
  assert.equal(head.numSeries(), 1, "b and c are gone");
  // a's sample from the failed batch no longer counts: an earlier one is accepted.
  const earlier = head.appendBatch([{ labels: up("a"), t: [1500], v: [1] }]);
  gates[3]!.resolve();
  assert.deepEqual((await earlier).rejected, []);
  // A retry of b creates it anew and logs its record.
  const retry = head.appendBatch([{ labels: up("b"), t: [1000], v: [1] }]);
  assert.deepEqual(logged[4]!.map((r) => r.labels), [up("b")]);
  gates[4]!.resolve();
  assert.equal((await retry).accepted, 1);
});

test("appendBatch reads the batch and fills the handles before it returns; its promise only waits for the WAL", async () => {
  let open = (): void => {};
  const durable = new Promise<void>((resolve) => (open = resolve));
  const logged: number[][] = [];
  const wal: HeadWal = {
    logSamples: (_r, t, v, n) => {
      logged.push([...Array.from(t).slice(0, n), ...v.subarray(0, n)]);
      return durable;
    },
    checkpoint: async () => {},
    close: async () => {},
  };
  const head = new Head({ wal });
  const t = [1000, 2000];
  const v = new Float64Array([1, 2]);
  const batch = [{ labels: up("a"), t, v }];
  const handles: unknown[] = [];
  const appended = head.appendBatch(batch, handles as never);
  assert.equal(handles.length, 1);
  assert.notEqual(handles[0], undefined, "the new series' handle is there before the WAL answers");
  // The receiver reuses all of it for its next request from here on.
  t.fill(9000);
  v.fill(9);
  batch[0] = { labels: up("z"), t, v };
  open();
  assert.deepEqual(await appended, { accepted: 2, rejected: [] });
  assert.deepEqual(logged, [[1000, 2000, 1, 2]]);
  assert.equal(head.numSeries(), 1);
  assert.deepEqual((await head.labelValues({ minTime: 0, maxTime: 1e9, matchers: [], label: "job" })).values, ["a"]);
});
