// sum, count and group over a plain selector or a range function read their input whole
// (grouped_steps.ts); `x * 1` keeps every value's bits but reads step vectors through a binary
// operator: the two must agree bit for bit, and count the same samples, through stale markers,
// gaps, NaN, ±Inf, cancellation, offset and @.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../index.js";
import { MemoryStore, STALE_NAN } from "../../storeapi/index.js";
import { rng } from "../../testing/index.js";
import type { FloatRows } from "../function/range_function.js";
import { GroupShare, type GroupsPart } from "../parallel/offload.js";
import { sharedRows, type GroupsResult } from "../parallel/protocol.js";
import { aggregateFloatRows } from "./grouped_steps.js";

const MIN = 60_000;

/** Series i's labels: in group g = i mod 3 and h = a|b by parity. */
function seriesLabels(i: number): { name: string; value: string }[] {
  return [
    { name: "__name__", value: "x" },
    { name: "g", value: String(i % 3) },
    { name: "h", value: i % 2 === 0 ? "a" : "b" },
    { name: "i", value: String(i).padStart(2, "0") },
  ];
}

function randomStore(seed: number): MemoryStore {
  const r = rng(seed);
  const store = new MemoryStore();
  const pick = (): number => {
    const x = r();
    if (x < 0.03) return NaN;
    if (x < 0.05) return Infinity;
    if (x < 0.07) return -Infinity;
    if (x < 0.09) return STALE_NAN;
    if (x < 0.3) return (r() - 0.5) * 1e17;
    return (r() - 0.5) * 10;
  };
  for (let i = 0; i < 40; i++) {
    const labels = seriesLabels(i);
    // Irregular scrapes with gaps longer than the lookback; some series start late or end early.
    const from = r() < 0.2 ? Math.floor(r() * 60) * MIN : 0;
    const to = r() < 0.2 ? from + Math.floor(r() * 120) * MIN : 180 * MIN;
    for (let t = from; t <= to; t += Math.floor(15_000 + r() * 30_000)) {
      if (r() < 0.02) t += 8 * MIN;
      store.appendSample(labels, t, pick());
    }
  }
  // And series holding no NaN, infinity or stale marker (a count reads only their times), in the same groups.
  const f = rng(seed + 1000);
  for (let i = 40; i < 52; i++) {
    const labels = seriesLabels(i);
    // On the 30 s grid of the steps, with gaps of 5.5 minutes: a sample exactly a lookback before a step is not read there.
    const from = Math.floor(f() * 90) * MIN;
    for (let t = from; t <= 180 * MIN; t += f() < 0.1 ? 330_000 : 30_000) store.appendSample(labels, t, (f() - 0.5) * 10);
  }
  return store;
}

const QUERIES = [
  "sum by (g) (x)",
  "count by (g) (x)",
  "group by (h) (x)",
  "sum without (i) (x)",
  "sum(x offset 7m)",
  "count by (h) (x @ 3000)",
  "sum by (g, h) (x)",
];

/** Range functions under sum, count and group, through their incremental and direct evaluators; `@` keeps step vectors. */
const RANGE_QUERIES = [
  "sum by (g) (rate(x[5m]))",
  "sum(increase(x[17m] offset 3m))",
  "count by (h) (deriv(x[10m]))",
  "group by (g) (changes(x[5m] anchored))",
  "sum without (i) (max_over_time(x[7m]))",
  "sum by (h) (quantile_over_time(0.3, x[17m]))",
  "sum(delta(x[5m] smoothed))",
  "sum by (g) (sum_over_time(x[5m] @ 3000))",
];

/** q's `(fn(x[…]))` or `(x)` argument with ` * 1` after it: read through step vectors. */
function viaStepVectors(q: string): string {
  const range = q.match(/^(.*?\()(\w+\(.*\))\)$/);
  if (range !== null && range[2]!.includes("[")) return `${range[1]}${range[2]} * 1)`;
  return q.replace(/\(x( [^)]*)?\)$/, (m, rest: string | undefined) => `(x${rest ?? ""} * 1)`);
}

test("sum, count and group of a selector read whole agree bit for bit with step vectors, and count the same samples", async () => {
  const engine = new Engine({});
  for (const seed of [1, 2, 3]) {
    const store = randomStore(seed);
    for (const q of [...QUERIES, ...RANGE_QUERIES]) {
      for (const [start, end, step] of [[0, 180 * MIN, 30_000], [5 * MIN + 7_000, 170 * MIN, 61_000]] as const) {
        const whole = await engine.rangeQuery(store, q, start, end, step).exec();
        const viaSteps = await engine.rangeQuery(store, viaStepVectors(q), start, end, step).exec();
        const what = `${q} seed ${seed} step ${step}`;
        assert.equal(whole.value.type, "matrix", what);
        assert.equal(viaSteps.value.type, "matrix", what);
        if (whole.value.type !== "matrix" || viaSteps.value.type !== "matrix") continue;
        assert.equal(whole.value.series.length, viaSteps.value.series.length, what);
        const others = viaSteps.value.series;
        for (const [k, s] of whole.value.series.entries()) {
          const o = others[k]!;
          assert.deepEqual(s.labels, o.labels, what);
          assert.deepEqual([...s.t], [...o.t], what);
          for (let j = 0; j < s.v.length; j++) assert.ok(Object.is(s.v[j], o.v[j]), `${what}: ${JSON.stringify(s.labels)} at ${s.t[j]}: ${s.v[j]} against ${o.v[j]}`);
        }
        assert.equal(whole.stats.totalSamples, viaSteps.stats.totalSamples, what);
        assert.deepEqual(whole.infos, viaSteps.infos, what);
        assert.equal(whole.stats.peakSamples, viaSteps.stats.peakSamples, `${what}: peak`);
        assert.deepEqual(whole.warnings, viaSteps.warnings, what);
        assert.ok(whole.stats.totalSamples > 0, what);
      }
    }
  }
});

test("a selector or range function read whole still fails at the sample limit", async () => {
  const store = randomStore(4);
  for (const q of ["sum by (g) (x)", "sum by (g) (rate(x[5m]))"]) {
    const ok = await new Engine({}).rangeQuery(store, q, 0, 180 * MIN, 30_000).exec();
    await new Engine({ maxSamples: ok.stats.peakSamples }).rangeQuery(store, q, 0, 180 * MIN, 30_000).exec();
    await assert.rejects(new Engine({ maxSamples: ok.stats.peakSamples - 1 }).rangeQuery(store, q, 0, 180 * MIN, 30_000).exec(), /too many samples|query processing would load too many samples/, q);
  }
});

test("rows shared by group: the thread's groups added into the shared rows beside the worker's, its series that gave floats noted, its samples counted", async () => {
  // Four series in three groups (of: 0, 1, 2, 1); the thread takes group 1 (series 1 and 3), the worker took 2 and 0 and added them in place.
  const lists = { groupStart: Int32Array.of(0, 1, 3, 4), groupSeries: Int32Array.of(0, 1, 3, 2) };
  const acc = sharedRows(9, true);
  acc.count.set([2, 0, 2], 0);
  acc.value.set([7, 0, 8], 0);
  acc.comp.set([0, 0, 0.5], 0);
  acc.count.set([1, 1, 0], 6);
  acc.value.set([5, 6, 0], 6);
  const worker: GroupsResult = { type: "groups", job: 0, read: 11, emitted: Uint8Array.of(1, 0, 1, 0) };
  const share = new GroupShare(lists, new Int32Array(new SharedArrayBuffer(4)), Int32Array.of(1), [{ answer: async () => worker } as unknown as GroupsPart], acc);
  const emitted: number[] = [];
  let finished = -1;
  const rows: FloatRows = {
    times: Float64Array.of(0, 1, 2),
    mainSeries: 4,
    parts: [],
    share,
    evaluate: (i, values, present) => {
      values.set([10, 20, 30 + i]);
      present.set([1, 1, 1]);
      return 4;
    },
    emitted: (i) => emitted.push(i),
    finish: (read) => (finished = read),
  };
  const out = await aggregateFloatRows(rows, Uint32Array.of(0, 1, 2, 1), 3, true, new AbortController().signal);
  assert.ok(out === acc, "the shared rows are the answer's");
  assert.deepEqual([...acc.count], [2, 0, 2, 2, 2, 2, 1, 1, 0]);
  assert.deepEqual([...acc.value], [7, 0, 8, 20, 40, 64, 5, 6, 0]);
  assert.deepEqual([...acc.comp], [0, 0, 0.5, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(emitted, [0, 2], "the worker's series that gave floats");
  assert.equal(finished, 4 + 4 + 11, "the thread's two series' samples and the worker's");
});
