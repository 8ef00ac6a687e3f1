import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { FloatBits, STALE_NAN, XorChunkIterator, isStaleNaN, labelsFromRecord } from "../../storeapi/index.js";
import type { Labels, Series, SeriesRequest } from "../../storeapi/index.js";
import { Head } from "./head.js";
import type { HeadWal } from "./types.js";
import { openHead } from "./open.js";
import type { WalSeriesRecord } from "./wal/index.js";

const up = (job: string, extra: Record<string, string> = {}): Labels => labelsFromRecord({ __name__: "up", job, ...extra });

async function collect(head: Head, req: Partial<SeriesRequest> = {}, signal?: AbortSignal): Promise<Series[]> {
  const out: Series[] = [];
  const full: SeriesRequest = { minTime: -Infinity, maxTime: Infinity, matchers: [], ...req };
  for await (const frame of head.series(full, signal)) out.push(...frame.series);
  return out;
}

function samplesOf(s: Series): { t: number[]; v: number[] } {
  const t: number[] = [];
  const v: number[] = [];
  for (const c of s.chunks) {
    const it = new XorChunkIterator(c.raw!.data);
    while (it.next()) {
      t.push(it.t);
      v.push(it.v);
    }
    assert.equal(it.err, undefined);
  }
  return { t, v };
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)!.get();
  const hit = m.values.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return hit?.value ?? 0;
}

test("in-order samples are stored and read back from byte-exact XOR chunks", async () => {
  const head = new Head();
  const t = Array.from({ length: 300 }, (_, i) => 1000 + i * 15000);
  const v = t.map((_, i) => i * 1.5);
  const r = await head.appendBatch([{ labels: up("a"), t, v }]);
  assert.deepEqual(r, { accepted: 300, rejected: [] });
  const [s] = await collect(head);
  assert.equal(s!.chunks.length, 3, "chunks are cut at 120 samples");
  assert.deepEqual(samplesOf(s!), { t, v });
  for (const c of s!.chunks) assert.equal((c.raw!.data[0]! << 8) | c.raw!.data[1]!, c === s!.chunks[2] ? 60 : 120);
});

test("every rejection reason is reported, counted in the metric, and leaves the stored data alone", async () => {
  const registry = new Registry();
  const head = new Head({ registry, windowMs: 3_600_000 });
  await head.appendBatch([{ labels: up("a"), t: [10_000_000, 10_001_000], v: [1, 2] }]);
  const r = await head.appendBatch([
    {
      labels: up("a"),
      // duplicate ts with another value, out of order, too old (more than 1h behind the newest), non-integer ts
      t: [10_001_000, 10_000_500, 1_000, 10_002_000.5, 10_003_000],
      v: [5, 1, 1, 1, 3],
    },
    { labels: [{ name: "job", value: "x" }, { name: "job", value: "y" }], t: [10_003_000], v: [1] },
  ]);
  const byReason = Object.fromEntries(r.rejected.map((x) => [x.reason, x.count]));
  assert.deepEqual(byReason, {
    duplicate_sample_for_timestamp: 1,
    out_of_order: 1,
    too_old: 1,
    invalid_timestamp: 1,
    invalid_labels: 1,
  });
  assert.equal(r.accepted, 1);
  for (const x of r.rejected) assert.ok(x.firstError && x.firstError.length > 0, `${x.reason} has a message`);
  assert.match(r.rejected.find((x) => x.reason === "out_of_order")!.firstError!, /10000500.*10001000/);
  for (const [reason, count] of Object.entries(byReason)) {
    assert.equal(await metricValue(registry, "orrery_head_samples_rejected_total", { reason }), count, reason);
  }
  assert.equal(await metricValue(registry, "orrery_head_samples_appended_total"), 3);
  const [s] = await collect(head);
  assert.deepEqual(samplesOf(s!), { t: [10_000_000, 10_001_000, 10_003_000], v: [1, 2, 3] });
});

test("an exact duplicate is accepted silently, comparing bits: NaN = NaN, stale = stale, stale != NaN", async () => {
  const head = new Head();
  const vs = new Float64Array([1, NaN, STALE_NAN]);
  await head.appendBatch([{ labels: up("a"), t: [1000, 2000, 3000], v: vs }]);
  const dup = await head.appendBatch([{ labels: up("a"), t: [1000, 2000, 3000], v: vs }]);
  assert.equal(dup.accepted, 1, "1000 is before the last sample, only the last one is a duplicate");
  const last = await head.appendBatch([{ labels: up("a"), t: [3000], v: new Float64Array([STALE_NAN]) }]);
  assert.deepEqual(last, { accepted: 1, rejected: [] });
  const nanVsStale = await head.appendBatch([{ labels: up("a"), t: [3000], v: [NaN] }]);
  assert.equal(nanVsStale.rejected[0]?.reason, "duplicate_sample_for_timestamp");
  await head.appendBatch([{ labels: up("b"), t: [1000], v: [NaN] }]);
  assert.equal((await head.appendBatch([{ labels: up("b"), t: [1000], v: [NaN] }])).accepted, 1);
  assert.equal((await head.appendBatch([{ labels: up("b"), t: [1000], v: [0] }])).rejected[0]?.reason, "duplicate_sample_for_timestamp");
  const [a] = await collect(head, { matchers: [{ name: "job", op: "=", value: "a" }] });
  const got = samplesOf(a!);
  assert.equal(got.t.length, 3, "duplicates are not stored twice");
  // The stale marker is stored with Prometheus's exact bits, told apart from an ordinary NaN.
  const bits = new FloatBits();
  const raw = new Float64Array(1);
  const it = new XorChunkIterator(a!.chunks[0]!.raw!.data);
  it.next();
  it.next();
  raw[0] = it.v;
  assert.ok(Number.isNaN(raw[0]) && !isStaleNaN(raw[0]!, bits));
  it.next();
  bits.set(it.v);
  assert.deepEqual([bits.hi(), bits.lo()], [0x7ff00000, 0x00000002]);
});

test("a stale marker that a plain number[] has quieted is still stored as Prometheus's stale bits", async () => {
  const head = new Head();
  const quieted = [STALE_NAN]; // V8 sets the quiet bit here
  await head.appendBatch([{ labels: up("a"), t: [1000], v: quieted }]);
  const [s] = await collect(head);
  const it = new XorChunkIterator(s!.chunks[0]!.raw!.data);
  it.next();
  const bits = new FloatBits();
  bits.set(it.v);
  assert.deepEqual([bits.hi(), bits.lo()], [0x7ff00000, 0x00000002]);
});

test("label sets are normalised: unsorted accepted, empty values dropped, one series per set", async () => {
  const head = new Head();
  await head.appendBatch([
    { labels: [{ name: "job", value: "a" }, { name: "__name__", value: "up" }, { name: "x", value: "" }], t: [1], v: [1] },
  ]);
  await head.appendBatch([{ labels: up("a"), t: [2], v: [2] }]);
  assert.equal(head.numSeries(), 1);
  const r = await head.appendBatch([{ labels: [{ name: "x", value: "" }], t: [3], v: [1] }]);
  assert.equal(r.rejected[0]?.reason, "invalid_labels");
});

test("series() streams sorted by labels, filters by time and matchers, honours limit, skipChunks and abort", async () => {
  const head = new Head();
  const jobs = ["d", "b", "a", "c"];
  for (const j of jobs) await head.appendBatch([{ labels: up(j), t: [1000, 2000], v: [1, 2] }]);
  await head.appendBatch([{ labels: up("late"), t: [50_000], v: [1] }]);
  await head.appendBatch([{ labels: labelsFromRecord({ __name__: "other", job: "a" }), t: [1000], v: [1] }]);
  const all = await collect(head);
  const names = all.map((s) => s.labels.map((l) => l.value).join("/"));
  assert.deepEqual(names, ["other/a", "up/a", "up/b", "up/c", "up/d", "up/late"]);
  const early = await collect(head, { minTime: 0, maxTime: 10_000, matchers: [{ name: "__name__", op: "=", value: "up" }] });
  assert.deepEqual(early.map((s) => s.labels[1]!.value), ["a", "b", "c", "d"]);
  const late = await collect(head, { minTime: 40_000, maxTime: 60_000 });
  assert.deepEqual(late.map((s) => s.labels[1]!.value), ["late"]);
  const limited = await collect(head, { limit: 2, skipChunks: true });
  assert.equal(limited.length, 2);
  assert.deepEqual(limited.map((s) => s.chunks.length), [0, 0]);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(collect(head, {}, ac.signal));
  const bad = collect(head, { matchers: [{ name: "job", op: "=~", value: "(" }] });
  await assert.rejects(bad, /regex|parenthes|missing/i);
});

test("the open chunk is handed out as a snapshot: later appends do not change what a reader holds", async () => {
  const head = new Head();
  await head.appendBatch([{ labels: up("a"), t: [1000, 2000], v: [1, 2] }]);
  const [before] = await collect(head);
  const copy = before!.chunks[0]!.raw!.data.slice();
  await head.appendBatch([{ labels: up("a"), t: [3000, 4000], v: [3, 4] }]);
  assert.deepEqual(before!.chunks[0]!.raw!.data, copy);
  assert.deepEqual(samplesOf(before!).t, [1000, 2000]);
  assert.equal(before!.chunks[0]!.maxTime, 2000);
  const [after] = await collect(head);
  assert.deepEqual(samplesOf(after!).t, [1000, 2000, 3000, 4000]);
});

test("labelNames and labelValues use matchers and the time range", async () => {
  const head = new Head();
  await head.appendBatch([
    { labels: up("a", { zone: "z1" }), t: [1000], v: [1] },
    { labels: up("b"), t: [5000], v: [1] },
    { labels: labelsFromRecord({ __name__: "other", job: "c", team: "t" }), t: [1000], v: [1] },
  ]);
  const all = { minTime: 0, maxTime: 10_000, matchers: [] };
  assert.deepEqual((await head.labelNames(all)).values, ["__name__", "job", "team", "zone"]);
  assert.deepEqual((await head.labelValues({ ...all, label: "job" })).values, ["a", "b", "c"]);
  const upOnly = { ...all, matchers: [{ name: "__name__", op: "=" as const, value: "up" }] };
  assert.deepEqual((await head.labelNames(upOnly)).values, ["__name__", "job", "zone"]);
  assert.deepEqual((await head.labelValues({ ...upOnly, label: "job" })).values, ["a", "b"]);
  assert.deepEqual((await head.labelValues({ ...upOnly, minTime: 4000, label: "job" })).values, ["b"]);
  assert.deepEqual((await head.labelValues({ ...all, label: "job", limit: 2 })).values, ["a", "b"]);
  assert.deepEqual((await head.labelNames({ ...all, minTime: 20_000, maxTime: 30_000 })).values, []);
  const info = await head.info();
  assert.deepEqual([info.minTime, info.maxTime, info.resolutions], [1000, 5000, [0]]);
});

test("truncate drops chunks wholly before the window, then empty series and their postings, then checkpoints", async () => {
  const wal = new FakeWal();
  const registry = new Registry();
  const head = new Head({ wal, registry, windowMs: 100_000, chunkRangeMs: 50_000 });
  // Series a: samples 0..190s (chunks cut at 50s boundaries); series b: only early samples.
  const t = Array.from({ length: 20 }, (_, i) => i * 10_000);
  await head.appendBatch([
    { labels: up("a"), t, v: t.map(() => 1) },
    { labels: up("b"), t: [0, 10_000], v: [1, 1] },
  ]);
  assert.equal(head.numChunks(), 5);
  const report = await head.truncate();
  assert.equal(report.mint, 90_000);
  assert.equal(report.seriesRemoved, 1);
  assert.equal(report.chunksRemoved, 2, "a's [0,40s] chunk and b's only chunk");
  assert.equal(head.numSeries(), 1);
  assert.deepEqual((await head.labelValues({ minTime: 0, maxTime: 1e9, matchers: [], label: "job" })).values, ["a"]);
  const [a] = await collect(head);
  assert.equal(samplesOf(a!).t[0], 50_000, "the chunk overlapping the cutoff is kept whole");
  assert.equal((await head.info()).minTime, 50_000);
  assert.equal(wal.checkpoints.length, 1);
  assert.equal(wal.checkpoints[0]!.mint, 90_000);
  assert.deepEqual(wal.checkpoints[0]!.live([1, 2]), [true, false]);
  // The next checkpoint waits until the truncation point has moved half a window on.
  await head.appendBatch([{ labels: up("a"), t: [230_000], v: [1] }]);
  assert.equal((await head.truncate()).checkpointed, false);
  assert.equal(wal.checkpoints.length, 1);
  await head.appendBatch([{ labels: up("a"), t: [240_000], v: [1] }]);
  assert.equal((await head.truncate()).checkpointed, true);
  assert.equal(wal.checkpoints[1]!.mint, 140_000);
  assert.equal(await metricValue(registry, "orrery_head_series"), 1);
  assert.equal(await metricValue(registry, "orrery_head_chunks"), 3);
  // Samples before the truncation point are too old from now on.
  const r = await head.appendBatch([{ labels: up("c"), t: [80_000], v: [1] }]);
  assert.equal(r.rejected[0]?.reason, "too_old");
});

test("minValidTime -Infinity accepts samples of any age (import)", async () => {
  const head = new Head({ minValidTime: -Infinity });
  await head.appendBatch([{ labels: up("a"), t: [1e12], v: [1] }]);
  const r = await head.appendBatch([{ labels: up("b"), t: [0], v: [1] }]);
  assert.deepEqual(r, { accepted: 1, rejected: [] });
});

interface Logged {
  series: WalSeriesRecord[];
  refs: number[];
  ts: number[];
}

/** A WAL in memory whose log() resolves when the test says so. */
class FakeWal implements HeadWal {
  readonly logged: Logged[] = [];
  readonly checkpoints: { mint: number; live: (refs: number[]) => boolean[] }[] = [];
  private gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
  hold = false;
  closed = false;

  logSamples(refs: ArrayLike<number>, ts: ArrayLike<number>, _vs: Float64Array, n: number, series: readonly WalSeriesRecord[] = []): Promise<void> {
    this.logged.push({ series: [...series], refs: Array.from(refs).slice(0, n), ts: Array.from(ts).slice(0, n) });
    if (!this.hold) return Promise.resolve();
    return new Promise((resolve, reject) => this.gates.push({ resolve, reject }));
  }
  release(i: number, err?: Error): void {
    if (err) this.gates[i]!.reject(err);
    else this.gates[i]!.resolve();
  }
  async checkpoint(isLive: (ref: number) => boolean, mint: number): Promise<void> {
    this.checkpoints.push({ mint, live: (refs) => refs.map(isLive) });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

test("appends are logged to the WAL (new series first) and committed only once the log is durable", async () => {
  const wal = new FakeWal();
  wal.hold = true;
  const head = new Head({ wal });
  const pending = head.appendBatch([{ labels: up("a"), t: [1000, 2000], v: [1, 2] }]);
  await Promise.resolve();
  assert.equal(wal.logged.length, 1);
  assert.deepEqual(wal.logged[0]!.series.map((s) => s.ref), [1]);
  assert.deepEqual(wal.logged[0]!.refs, [1, 1]);
  assert.equal((await collect(head)).length, 0, "nothing readable before the WAL resolves");
  wal.release(0);
  assert.equal((await pending).accepted, 2);
  assert.deepEqual(samplesOf((await collect(head))[0]!).t, [1000, 2000]);
});

test("concurrent batches commit in validation order even when the WAL resolves them out of order", async () => {
  const wal = new FakeWal();
  wal.hold = true;
  const head = new Head({ wal });
  const first = head.appendBatch([{ labels: up("a"), t: [1000], v: [1] }]);
  const second = head.appendBatch([{ labels: up("a"), t: [2000], v: [2] }]);
  // The second batch validated against the first's pending sample: no series record again.
  assert.deepEqual(wal.logged[1]!.series, []);
  wal.release(1);
  await new Promise((r) => setImmediate(r));
  assert.equal((await collect(head)).length, 0, "the second waits for the first");
  wal.release(0);
  await Promise.all([first, second]);
  assert.deepEqual(samplesOf((await collect(head))[0]!).t, [1000, 2000]);
});

test("a WAL failure rejects the append, commits nothing, and later appends still work", async () => {
  const wal = new FakeWal();
  wal.hold = true;
  const head = new Head({ wal });
  await Promise.all([head.appendBatch([{ labels: up("a"), t: [1000], v: [1] }]), Promise.resolve(wal.release(0))]);
  const failing = head.appendBatch([{ labels: up("a"), t: [2000], v: [2] }]);
  wal.release(1, new Error("disk full"));
  await assert.rejects(failing, /disk full/);
  wal.hold = false;
  const r = await head.appendBatch([{ labels: up("a"), t: [1500], v: [1.5] }]);
  assert.deepEqual(r, { accepted: 1, rejected: [] }, "the failed sample no longer counts as the last one");
  assert.deepEqual(samplesOf((await collect(head))[0]!).t, [1000, 1500]);
});

test("openHead replays the WAL written by a previous head on the same directory", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-head-"));
  try {
    const first = await openHead(dir, { fsync: "never" });
    const stale = new Float64Array([1, STALE_NAN]);
    await first.head.appendBatch([
      { labels: up("a"), t: [1000, 2000], v: stale },
      { labels: up("b"), t: [1000], v: [7] },
    ]);
    await first.head.close();
    const second = await openHead(dir, { fsync: "never" });
    try {
      assert.equal(second.replay?.series, 2);
      assert.equal(second.replay?.samples, 3);
      const series = await collect(second.head);
      assert.equal(series.length, 2);
      const it = new XorChunkIterator(series[0]!.chunks[0]!.raw!.data);
      it.next();
      it.next();
      assert.ok(isStaleNaN(it.v));
      // Appends continue the replayed series under the same ids, with the same validation.
      const r = await second.head.appendBatch([
        { labels: up("a"), t: [1500, 3000], v: [1, 3] },
        { labels: up("c"), t: [1000], v: [1] },
      ]);
      assert.equal(r.accepted, 2);
      assert.equal(r.rejected[0]?.reason, "out_of_order");
      assert.equal(second.head.numSeries(), 3);
    } finally {
      await second.head.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("start() runs truncation on its timer; stop() ends it", async (t) => {
  t.mock.timers.enable({ apis: ["setInterval"] });
  const head = new Head({ windowMs: 10_000, truncateIntervalMs: 1000 });
  await head.appendBatch([{ labels: up("old"), t: [0], v: [1] }]);
  await head.appendBatch([{ labels: up("new"), t: [100_000], v: [1] }]);
  head.start();
  t.mock.timers.tick(1000);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(head.numSeries(), 1, "the old series was truncated by the timer");
  head.stop();
  await head.appendBatch([{ labels: up("old2"), t: [100_000], v: [1] }]);
  await head.appendBatch([{ labels: up("new"), t: [200_000], v: [1] }]);
  t.mock.timers.tick(5000);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(head.numSeries(), 2, "no truncation after stop()");
  await head.close();
});

test("two entries for one series in a batch are validated one after the other", async () => {
  const head = new Head();
  const r = await head.appendBatch([
    { labels: up("a"), t: [1000, 2000], v: [1, 2] },
    { labels: up("a"), t: [1500, 2000, 3000], v: [9, 2, 3] },
  ]);
  assert.equal(r.accepted, 4);
  assert.deepEqual(r.rejected.map((x) => [x.reason, x.count]), [["out_of_order", 1]]);
  assert.equal(head.numSeries(), 1);
  assert.deepEqual(samplesOf((await collect(head))[0]!), { t: [1000, 2000, 3000], v: [1, 2, 3] });
});

test("with tooFarInFutureMs, samples too far ahead of the clock are rejected as too_far_in_future", async () => {
  const head = new Head({ tooFarInFutureMs: 60_000, now: () => 1_000_000 });
  const r = await head.appendBatch([{ labels: up("a"), t: [1_000_000, 1_060_000, 1_060_001], v: [1, 2, 3] }]);
  assert.equal(r.accepted, 2);
  assert.deepEqual(r.rejected.map((x) => [x.reason, x.count]), [["too_far_in_future", 1]]);
  const unguarded = new Head();
  assert.equal((await unguarded.appendBatch([{ labels: up("a"), t: [1e15], v: [1] }])).accepted, 1);
});

test("a sample years ahead of the clock is rejected and counted without blocking later samples (no too_old after it)", async () => {
  const now = 1_700_000_000_000;
  const head = new Head({ tooFarInFutureMs: 600_000, now: () => now });
  const ahead = await head.appendBatch([{ labels: up("a"), t: [now + 10 * 365 * 86_400_000], v: [1] }]);
  assert.deepEqual(ahead.rejected.map((x) => [x.reason, x.count]), [["too_far_in_future", 1]]);
  const later = await head.appendBatch([{ labels: up("b"), t: [now - 60_000, now], v: [1, 2] }]);
  assert.deepEqual([later.accepted, later.rejected], [2, []]);
  assert.match(await head.registry.metrics(), /orrery_head_samples_rejected_total\{reason="too_far_in_future"\} 1\n/);
});

test("orrery_head_series_created_total counts every series created, whatever appended to it since", async () => {
  const head = new Head();
  const created = async (): Promise<string | undefined> => /orrery_head_series_created_total (\d+)\n/.exec(await head.registry.metrics())?.[1];
  assert.equal(await created(), "0");
  await head.appendBatch([
    { labels: up("a"), t: [1000], v: [1] },
    { labels: up("b"), t: [1000, 2000], v: [1, 2] },
  ]);
  await head.appendBatch([{ labels: up("a"), t: [3000], v: [3] }, { labels: up("c"), t: [3000], v: [3] }]);
  assert.equal(await created(), "3");
  assert.equal(await created(), "3", "reading it changes nothing");
});

test("open chunks of many series are snapshots that stay separate (shared copy blocks)", async () => {
  const head = new Head();
  const n = 600;
  await head.appendBatch(Array.from({ length: n }, (_, i) => ({ labels: up("j" + String(i).padStart(4, "0")), t: [1000, 2000], v: [i, i + 0.5] })));
  const before = await collect(head);
  assert.equal(before.length, n);
  await head.appendBatch(Array.from({ length: n }, (_, i) => ({ labels: up("j" + String(i).padStart(4, "0")), t: [3000], v: [-i] })));
  for (let i = 0; i < n; i++) assert.deepEqual(samplesOf(before[i]!), { t: [1000, 2000], v: [i, i + 0.5] });
  const after = await collect(head);
  for (let i = 0; i < n; i++) assert.deepEqual(samplesOf(after[i]!), { t: [1000, 2000, 3000], v: [i, i + 0.5, -i] });
});
