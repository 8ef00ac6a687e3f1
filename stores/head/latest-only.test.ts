// An instant vector selector's fetch asks only for each series' newest sample in range
// (SeriesRequest.latestOnly); the head then sends the open chunk with its newest committed sample
// alone. The answers must be the ones the full read gives, whatever the data and the query.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../../engine/index.js";
import { ProxyStore } from "../../federation/index.js";
import { labelsFromRecord, mergeSeriesChunks, STALE_NAN, type Store } from "../../storeapi/index.js";
import { rng } from "../../testing/index.js";
import { Head } from "./head.js";
import { canonical, fullReads } from "./test-helpers.js";

const STEP = 15_000;

/** Random series over two hours at 15 s: gaps, stale markers, NaN and ±Inf, some ending early, some starting late. */
async function randomHead(seed: number): Promise<{ head: Head; end: number }> {
  const r = rng(seed);
  const head = new Head();
  const end = 2 * 3600_000;
  for (let s = 0; s < 24; s++) {
    const t: number[] = [];
    const v: number[] = [];
    const from = r() < 0.2 ? Math.floor(r() * 400) * STEP : 0;
    const to = r() < 0.3 ? end - Math.floor(r() * 60) * STEP : end;
    for (let at = from; at <= to; at += STEP) {
      if (r() < 0.05) at += Math.floor(r() * 40) * STEP;
      if (at > to) break;
      const x = r();
      t.push(at + Math.floor(r() * 3));
      v.push(x < 0.03 ? STALE_NAN : x < 0.05 ? NaN : x < 0.06 ? Infinity : Math.round(r() * 1000) / 10);
    }
    if (t.length === 0) continue;
    await head.appendBatch([{ labels: labelsFromRecord({ __name__: s % 3 === 0 ? "y" : "x", job: `j${s % 4}`, s: String(s) }), t, v }]);
  }
  return { head, end };
}

const QUERIES = [
  "x",
  "y",
  '{__name__=~"x|y"}',
  "x offset 3m",
  "sum by (job) (x)",
  "x / on(job, s) x",
  "x + x offset 1m",
  "count(x) + count(y)",
  "rate(x[5m]) + x",
  "max_over_time(x[10m:1m])",
  "timestamp(x)",
  'label_replace(y, "k", "$1", "job", "j(.*)")',
];

/** Every query of QUERIES at every time answers the same from `fast` as from `slow`. */
async function sameInstantAnswers(engine: Engine, fast: Store, slow: Store, times: readonly number[], what: string): Promise<void> {
  for (const t of times) {
    for (const q of QUERIES) {
      const got = await engine.instantQuery(fast, q, t).exec();
      const want = await engine.instantQuery(slow, q, t).exec();
      assert.equal(canonical(got.value), canonical(want.value), `${what}: ${q} at ${t}`);
    }
  }
}

test("instant queries over the head answer the same with and without newest-only reads", async () => {
  const engine = new Engine();
  for (const seed of [1, 2, 3]) {
    const { head, end } = await randomHead(seed);
    const full = fullReads(head);
    const r = rng(seed + 100);
    const times = [end, end + 1, end + 299_999, end + 300_000, end + 400_000, end - 7, 0, 1, STEP, 3600_000];
    for (let i = 0; i < 20; i++) times.push(Math.floor(r() * (end + 600_000)));
    await sameInstantAnswers(engine, head, full, times, `seed ${seed}`);
    // A range query's `@`-pinned selector reads one time too.
    for (const at of [end, end - 3600_000, end + 120_000]) {
      const q = `x @ ${at / 1000}`;
      const fast = await engine.rangeQuery(head, q, 0, end, 60_000).exec();
      const slow = await engine.rangeQuery(full, q, 0, end, 60_000).exec();
      assert.equal(canonical(fast.value), canonical(slow.value), `seed ${seed}: ${q}`);
    }
  }
});

/** Two heads sharing a random head's series: some in one, some in the other, some split in time, some in both. */
async function splitHeads(seed: number): Promise<{ a: Head; b: Head; end: number }> {
  const { head, end } = await randomHead(seed);
  const r = rng(seed + 200);
  const a = new Head();
  const b = new Head();
  for await (const frame of head.series({ matchers: [{ name: "__name__", op: "=~", value: ".+" }], minTime: -Infinity, maxTime: Infinity })) {
    for (const s of frame.series) {
      const { ts, vs, length } = mergeSeriesChunks(s, -Infinity, Infinity);
      const t = [...ts.subarray(0, length)];
      const v = [...vs.subarray(0, length)];
      const cut = Math.floor(r() * length);
      const way = r();
      if (way < 0.2) await a.appendBatch([{ labels: s.labels, t, v }]);
      else if (way < 0.4) await b.appendBatch([{ labels: s.labels, t, v }]);
      else if (way < 0.6) {
        // Every tenth sample in one (a chunk spanning it all), a dense stretch before the end in the
        // other: its chunk starts later but its newest sample is older.
        const keep = t.map((_, k) => k % 10 === 0 || k === length - 1);
        await a.appendBatch([{ labels: s.labels, t: t.filter((_, k) => keep[k]), v: v.filter((_, k) => keep[k]) }]);
        const to = Math.max(0, length - 1 - Math.floor(r() * 10));
        const from = Math.max(0, to - 40);
        await b.appendBatch([{ labels: s.labels, t: t.slice(from, to).filter((_, k) => !keep[from + k]), v: v.slice(from, to).filter((_, k) => !keep[from + k]) }]);
      } else if (way < 0.8) {
        // The older part in one, the newer in the other (as blocks and the head hold a series).
        await a.appendBatch([{ labels: s.labels, t: t.slice(0, cut), v: v.slice(0, cut) }]);
        await b.appendBatch([{ labels: s.labels, t: t.slice(cut), v: v.slice(cut) }]);
      } else {
        // Both hold it, one up to a later sample than the other (a block uploaded, the head not yet truncated).
        await a.appendBatch([{ labels: s.labels, t, v }]);
        await b.appendBatch([{ labels: s.labels, t: t.slice(0, cut), v: v.slice(0, cut) }]);
      }
    }
  }
  return { a, b, end };
}

test("instant queries over a proxy of two heads answer the same with and without newest-only reads", async () => {
  const engine = new Engine();
  for (const seed of [4, 5]) {
    const { a, b, end } = await splitHeads(seed);
    const refs = async (x: Store, y: Store) => [
      { name: "a", store: x, info: await x.info() },
      { name: "b", store: y, info: await y.info() },
    ];
    const fast = new ProxyStore({ stores: await refs(a, b) });
    const slow = new ProxyStore({ stores: await refs(fullReads(a), fullReads(b)) });
    const r = rng(seed + 300);
    const times = [end, end + 1, end + 299_999, end + 300_000, 0, STEP];
    for (let i = 0; i < 15; i++) times.push(Math.floor(r() * (end + 600_000)));
    await sameInstantAnswers(engine, fast, slow, times, `seed ${seed}`);
  }
});

test("the head gets newest-only reads for instant vector selectors, and full reads otherwise", async () => {
  const { head, end } = await randomHead(7);
  const asked: boolean[] = [];
  const spy: Store = { ...fullReads(head), series: (request, signal) => (asked.push(request.latestOnly === true), head.series(request, signal)) };
  const engine = new Engine();
  await engine.instantQuery(spy, "x", end).exec();
  await engine.instantQuery(spy, "rate(x[5m])", end).exec();
  await engine.rangeQuery(spy, "x", 0, end, 60_000).exec();
  assert.deepEqual(asked, [true, false, false]);
});

test("a newest-only read of the head carries the newest sample in range, or the full read when that is not the newest", async () => {
  const head = new Head();
  const labels = labelsFromRecord({ __name__: "x" });
  await head.appendBatch([{ labels, t: [1000, 2000, 3000], v: [1, 2, 3] }]);
  const read = async (minTime: number, maxTime: number) => {
    const out: number[][] = [];
    for await (const f of head.series({ matchers: [{ name: "__name__", op: "=", value: "x" }], minTime, maxTime, latestOnly: true })) {
      for (const s of f.series) for (const c of s.chunks) out.push(c.raw?.decoded === undefined ? [] : [...c.raw.decoded.t]);
    }
    return out;
  };
  assert.deepEqual(await read(0, 5000), [[3000]], "the newest sample alone");
  assert.deepEqual(await read(3500, 5000), [], "nothing in range: nothing");
  const past = await read(0, 2500);
  assert.ok(past.length > 0 && !past.some((t) => t.length === 1 && t[0] === 3000), "after maxTime: the full read");
});
