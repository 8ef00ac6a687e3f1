// The vector selector against a direct per-step reading of the raw samples, on random series (stale
// markers, NaN, gaps, jittered and step-aligned scrapes, samples exactly at the lookback's edges),
// read in slices of steps series by series; series holding histograms beside them take the batch path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine, type MatrixValue, type QueryResult, type VectorValue } from "../index.js";
import { isStaleNaN, labelsKey, MemoryStore, STALE_NAN, type Labels } from "../../storeapi/index.js";
import { nativeHistogram, rng } from "../../testing/index.js";

const MIN = 60_000;
const END = 120 * MIN;
const LOOKBACK = 5 * MIN;

interface Raw {
  labels: Labels;
  t: number[];
  v: number[];
}

function lbl(rec: Record<string, string>): Labels {
  return Object.keys(rec)
    .sort()
    .map((name) => ({ name, value: rec[name]! }));
}

/** `g` series: random values with NaN, stale markers and gaps; every other one scraped on the 15 s grid (so samples land exactly on steps and lookback edges). */
function randomSeries(seed: number, series: number): Raw[] {
  const r = rng(seed);
  const out: Raw[] = [];
  for (let s = 0; s < series; s++) {
    const raw: Raw = { labels: lbl({ __name__: "g", i: String(s).padStart(4, "0") }), t: [], v: [] };
    const aligned = s % 2 === 0;
    for (let t = aligned ? 0 : Math.floor(r() * 15_000); t <= END; t += aligned ? 15_000 : 5_000 + Math.floor(r() * 20_000)) {
      if (r() < 0.02) t += Math.floor(10 * MIN * r()); // a gap past the lookback
      const y = r();
      raw.t.push(aligned ? t - (t % 15_000) : t);
      raw.v.push(y < 0.02 ? NaN : y < 0.06 ? STALE_NAN : Math.round(r() * 1000) / 8);
    }
    out.push(raw);
  }
  return out;
}

function storeOf(raws: readonly Raw[]): MemoryStore {
  const store = new MemoryStore();
  for (const raw of raws) for (let k = 0; k < raw.t.length; k++) store.appendSample(raw.labels, raw.t[k]!, raw.v[k]!);
  return store;
}

/** What the selector gives for one series at reference time ref: the latest sample in (ref − lookback, ref], unless stale. */
function latest(raw: Raw, ref: number): { t: number; v: number } | undefined {
  let a = -1;
  for (let k = 0; k < raw.t.length && raw.t[k]! <= ref; k++) a = k;
  if (a < 0 || raw.t[a]! <= ref - LOOKBACK || isStaleNaN(raw.v[a]!)) return undefined;
  return { t: raw.t[a]!, v: raw.v[a]! };
}

type Read = "value" | "timestamp";

/** The expected range result: per series key, [step time, value] pairs. */
function expected(raws: readonly Raw[], start: number, end: number, step: number, refOf: (t: number) => number, read: Read): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const raw of raws) {
    const points: [number, number][] = [];
    for (let t = start; t <= end; t += step) {
      const s = latest(raw, refOf(t));
      if (s !== undefined) points.push([t, read === "value" ? s.v : s.t / 1000]);
    }
    if (points.length > 0) out.set(labelsKey(raw.labels), points);
  }
  return out;
}

function pointsOf(r: QueryResult, only?: (labels: Labels) => boolean): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const s of (r.value as MatrixValue).series) {
    if (only !== undefined && !only(s.labels)) continue;
    out.set(labelsKey(s.labels.filter((l) => l.name !== "__name__")), Array.from(s.t, (t, k) => [t, s.v[k]!]));
  }
  return out;
}

/** Keys without the name (timestamp() drops it), for comparing either way. */
function withoutName(m: Map<string, [number, number][]>, raws: readonly Raw[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const raw of raws) {
    const p = m.get(labelsKey(raw.labels));
    if (p !== undefined) out.set(labelsKey(raw.labels.filter((l) => l.name !== "__name__")), p);
  }
  return out;
}

function assertSamePoints(got: Map<string, [number, number][]>, want: Map<string, [number, number][]>, what: string): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: series`);
  for (const [key, w] of want) {
    const g = got.get(key)!;
    assert.equal(g.length, w.length, `${what}: points of ${key}`);
    for (let k = 0; k < w.length; k++) {
      assert.equal(g[k]![0], w[k]![0], `${what}: ${key} point ${k} time`);
      assert.ok(Object.is(g[k]![1], w[k]![1]) || (Number.isNaN(g[k]![1]) && Number.isNaN(w[k]![1])), `${what}: ${key} at ${w[k]![0]} is ${g[k]![1]}, want ${w[k]![1]}`);
    }
  }
}

const CASES: { q: string; refOf: (t: number) => number; read: Read }[] = [
  { q: "g", refOf: (t) => t, read: "value" },
  { q: "g offset 3m", refOf: (t) => t - 3 * MIN, read: "value" },
  { q: "g @ 3600", refOf: () => 3_600_000, read: "value" },
  { q: "g @ 3600 offset -90s", refOf: () => 3_690_000, read: "value" },
  { q: "timestamp(g)", refOf: (t) => t, read: "timestamp" },
];

test("the vector selector gives each step's latest sample in the lookback, stale markers ending a series, on random series", async () => {
  const raws = randomSeries(23, 40);
  const store = storeOf(raws);
  const engine = new Engine({});
  for (const { q, refOf, read } of CASES) {
    for (const [start, step] of [[20 * MIN, 15_000], [0, 30_000], [7_000, 61_000]] as const) {
      const r = await engine.rangeQuery(store, q, start, END, step).exec();
      const want = withoutName(expected(raws, start, END, step, refOf, read), raws);
      assertSamePoints(pointsOf(r), want, `${q} from ${start} step ${step}`);
    }
    for (const t of [0, 20 * MIN + 15_000, 60 * MIN + 7_000, END]) {
      const r = await engine.instantQuery(store, q, t).exec();
      const got = new Map((r.value as VectorValue).samples.map((s) => [labelsKey(s.labels.filter((l) => l.name !== "__name__")), [[t, s.v]] as [number, number][]]));
      assertSamePoints(got, withoutName(expected(raws, t, t, 1, refOf, read), raws), `${q} at ${t}`);
    }
  }
});

test("a selector over more series and steps than one slice holds reads every slice", async () => {
  // 400 series × 1,441 steps: over the 512K cells of a slice, so the steps come in two slices.
  const raws = randomSeries(29, 400);
  const r = await new Engine({}).rangeQuery(storeOf(raws), "g", 0, END, 5_000).exec();
  assertSamePoints(pointsOf(r), withoutName(expected(raws, 0, END, 5_000, (t) => t, "value"), raws), "g");
  assert.equal(r.stats.totalSamples, [...expected(raws, 0, END, 5_000, (t) => t, "value").values()].reduce((n, p) => n + p.length, 0));
});

test("float series beside a histogram series read the same as alone", async () => {
  const raws = randomSeries(31, 12);
  const store = storeOf(raws);
  const h = lbl({ __name__: "g", i: "0005h" });
  for (let t = 0; t <= END; t += 15_000) store.appendHistogram(h, t, nativeHistogram({ count: t / 15_000, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [t / 15_000] }));
  const r = await new Engine({}).rangeQuery(store, "g", 20 * MIN, END, 30_000).exec();
  const floats = (labels: Labels): boolean => !labels.some((l) => l.value === "0005h");
  assertSamePoints(pointsOf(r, floats), withoutName(expected(raws, 20 * MIN, END, 30_000, (t) => t, "value"), raws), "g");
  const hs = (r.value as MatrixValue).series.find((s) => !floats(s.labels))!;
  assert.equal(hs.histograms!.t.length, (END - 20 * MIN) / 30_000 + 1);
});
