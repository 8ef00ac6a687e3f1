// Downsampled answers against raw ones through the engine: a small deterministic dataset in two
// raw day blocks, the first day also downsampled to 5m, queried at step 1h with auto resolution
// (step/5 = 12m → 5m tier for day one, raw fill for day two: the seam sits mid-range).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Engine, type MatrixValue } from "../../../engine/index.js";
import { formatLabels, type Store } from "../../../storeapi/index.js";
import { BlocksStore } from "../block/store.js";
import { withTempDir, writeTestBlock, type TestSeries } from "../block/test-helpers.js";
import { RESOLUTION_5M, downsampleBlock } from "./downsample.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Deterministic pseudo-random in [0, 1). */
function rnd(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** One day of series at 60 s, scraped 15 s past the minute. */
function day(d: number): TestSeries[] {
  const out: TestSeries[] = [];
  const times = (from: number, to: number): number[] => {
    const ts: number[] = [];
    for (let t = from; t < to; t += MIN) ts.push(t + 15_000);
    return ts;
  };
  const all = times(d * DAY, (d + 1) * DAY);
  for (let i = 0; i < 4; i++) {
    const r = rnd(100 * d + i + 1);
    let c = 1000 * i;
    out.push({ labels: { __name__: "c_total", i: String(i) }, ts: all, vs: all.map(() => (c = r() < 0.003 ? r() * 5 : c + r() * 10)) });
  }
  for (let i = 0; i < 3; i++) {
    const r = rnd(200 * d + i + 1);
    out.push({ labels: { __name__: "g", i: String(i) }, ts: all, vs: all.map((t) => Math.sin(t / (3 * HOUR) + i) * 50 + r() * 10) });
  }
  const hr = rnd(300 + d);
  let n = 0;
  const obs = all.map(() => (n += 1 + Math.floor(hr() * 5)));
  for (const [le, share] of [["1", 0.3], ["5", 0.8], ["+Inf", 1]] as const) {
    out.push({ labels: { __name__: "h_bucket", le }, ts: all, vs: obs.map((o) => Math.floor(o * share)) });
  }
  // Stops for five hours in the middle of each day and comes back from zero.
  const on = all.filter((t) => t % DAY < 10 * HOUR || t % DAY >= 15 * HOUR);
  let s = 0;
  out.push({ labels: { __name__: "restart_total" }, ts: on, vs: on.map((t) => (t % DAY === 15 * HOUR + 15_000 ? (s = 0) : (s += 3))) });
  return out;
}

async function rangeQuery(store: Store, q: string, start: number, end: number, step: number, maxResolutionMs: number): Promise<Map<string, { t: number[]; v: number[] }>> {
  const res = await new Engine().rangeQuery(store, q, start, end, step, { maxResolutionMs }).exec();
  const out = new Map<string, { t: number[]; v: number[] }>();
  for (const s of (res.value as MatrixValue).series) out.set(formatLabels(s.labels), { t: [...s.t], v: [...s.v] });
  return out;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

test("auto resolution against raw: window functions exact at window-aligned steps, no missing step at the raw/5m seam, selectors within the window's range", async () => {
  await withTempDir("ds-correct-", async (dir) => {
    const rawDir = join(dir, "raw");
    const tieredDir = join(dir, "tiered");
    await mkdir(rawDir);
    const day0 = await writeTestBlock(rawDir, day(0));
    await writeTestBlock(rawDir, day(1));
    await cp(rawDir, tieredDir, { recursive: true });
    await downsampleBlock(join(rawDir, day0.ulid), RESOLUTION_5M, tieredDir);
    const raw = await BlocksStore.open(rawDir);
    const tiered = await BlocksStore.open(tieredDir);
    try {
      assert.deepEqual((await tiered.info()).resolutions, [0, RESOLUTION_5M]);
      const [start, end, step] = [2 * HOUR, 46 * HOUR, HOUR];
      const exact = [
        "rate(c_total[1h])",
        "increase(c_total[2h])",
        "resets(c_total[3h])",
        "rate(h_bucket[1h])",
        "increase(restart_total[1h])",
        "resets(restart_total[6h])",
        "count_over_time(g[1h])",
        "min_over_time(g[1h])",
        "max_over_time(g[1h])",
        "sum_over_time(g[1h])",
        "avg_over_time(g[1h])",
        "count_over_time(restart_total[1h])",
      ];
      for (const q of exact) {
        const want = await rangeQuery(raw, q, start, end, step, 0);
        const got = await rangeQuery(tiered, q, start, end, step, step / 5);
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), q);
        for (const [k, w] of want) {
          const g = got.get(k)!;
          assert.deepEqual(g.t, w.t, `${q} ${k}: steps`);
          w.v.forEach((v, i) => assert.ok(close(g.v[i]!, v), `${q} ${k} at ${w.t[i]! / HOUR}h: got ${g.v[i]}, raw ${v}`));
        }
      }
      // The first day really came from the 5m tier: far fewer samples read than raw.
      const samples = async (store: Store, maxRes: number): Promise<number> =>
        (await new Engine().rangeQuery(store, "max_over_time(g[1h])", start, 23 * HOUR, step, { maxResolutionMs: maxRes }).exec()).stats.totalSamples;
      assert.ok((await samples(tiered, step / 5)) * 4 < (await samples(raw, 0)), "the 5m tier is read");
      // A plain selector reads the window average: within the raw min and max of the last 5m window.
      const avg = await rangeQuery(tiered, "g", start, end, step, step / 5);
      const lo = await rangeQuery(raw, "min_over_time(g[5m])", start, end, step, 0);
      const hi = await rangeQuery(raw, "max_over_time(g[5m])", start, end, step, 0);
      for (const [k, a] of avg) {
        const name = k.replace('__name__="g", ', "");
        const l = lo.get(name.replace(/^g/, ""))!;
        const h = hi.get(name.replace(/^g/, ""))!;
        assert.equal(a.t.length, (end - start) / step + 1, `${k}: a value at every step`);
        a.v.forEach((v, i) => assert.ok(v >= l.v[i]! - 1e-9 && v <= h.v[i]! + 1e-9, `${k} at ${a.t[i]! / HOUR}h: ${v} outside [${l.v[i]}, ${h.v[i]}]`));
      }
    } finally {
      await raw.close();
      await tiered.close();
    }
  });
});
