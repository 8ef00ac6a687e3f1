import { test } from "node:test";
import assert from "node:assert/strict";
import { queryResponseText } from "../api/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { decodeExtents, encodeExtents } from "./codec.js";
import { type Extent, joinExtents, mergeExtents } from "./extents.js";
import { matrixBody, pointsText, renderExtents } from "./points.js";

const STEP = 1000;

function extent(start: number, end: number, withText: boolean, seed: number): Extent {
  const series = ["a", "b", "c"].map((name, k) => {
    const t: number[] = [];
    // Series b has a hole; c starts late: pieces of different lengths.
    for (let x = start; x <= end; x += STEP) if (!(k === 1 && x % 7000 === 0) && !(k === 2 && x < 9000)) t.push(x);
    const v = t.map((x, i) => (i % 11 === 3 ? NaN : i % 13 === 5 ? -Infinity : (x / 1000) * seed + k / 3));
    const s = { labels: labelsFromRecord({ __name__: "m", s: name }), t: Float64Array.from(t), v: Float64Array.from(v) };
    return withText ? { ...s, points: pointsText(s.t, s.v) } : s;
  });
  return { start, end, infos: [], series: series.filter((s) => s.t.length > 0) };
}

/** The spliced answer as text, to compare with the encoder's. */
const bodyOf = (...args: Parameters<typeof matrixBody>): string => Buffer.concat(matrixBody(...args)).toString("utf8");

const direct = (extents: Extent[], start: number, end: number, warnings: string[] = [], infos: string[] = []) =>
  queryResponseText({ value: { type: "matrix", series: joinExtents(extents, start, end) }, warnings, infos });

test("answers spliced from the points' text are byte for byte the encoder's, however extents are cut, joined and stored", () => {
  for (const [a, b] of [
    [true, true],
    [true, false],
    [false, false],
  ] as const) {
    // Overlapping extents: the later one adds only the steps after the earlier.
    const extents = [extent(0, 20_000, a, 1.5), extent(15_000, 40_000, b, 2)];
    for (const [start, end] of [
      [0, 40_000],
      [3000, 38_000],
      [16_000, 17_000],
      [25_000, 25_000],
    ] as const) {
      assert.equal(bodyOf(extents, start, end, ["w"], ["i"]), direct(extents, start, end, ["w"], ["i"]), `${a} ${b} ${start}..${end}`);
    }
    // Through a merge and the binary codec, as a cache entry goes.
    const stored = decodeExtents(encodeExtents(mergeExtents(extents, STEP)));
    assert.ok(stored.every((e) => e.series.every((s) => s.points === undefined)), "the binary entry holds no JSON text");
    assert.ok(renderExtents(stored) > 0);
    assert.ok(stored.every((e) => e.series.every((s) => s.points !== undefined && s.points.offsets.length === s.t.length + 1)));
    assert.equal(bodyOf(stored, 2000, 39_000, [], []), direct(extents, 2000, 39_000));
  }
  assert.equal(bodyOf([], 0, 1000, [], []), direct([], 0, 1000));
});

test("a cached part and a fresh part concatenated equal the encoder's answer: series in one part only, empty series", () => {
  const series = (name: string, ts: number[], k: number) => {
    const t = Float64Array.from(ts);
    const v = Float64Array.from(ts, (x) => (x % 3000 === 0 ? NaN : x / 7 + k));
    return { labels: labelsFromRecord({ __name__: "m", s: name }), t, v };
  };
  const steps = (from: number, to: number) => Array.from({ length: (to - from) / STEP + 1 }, (_, i) => from + i * STEP);
  // As a hit after a refresh: the cached part rendered through the codec, the fresh minute as fetched.
  const cachedPart: Extent = {
    start: 0,
    end: 20_000,
    infos: [],
    series: [series("both", steps(0, 20_000), 1), series("cached-only", steps(5000, 12_000), 2), series("empty", [], 3)],
  };
  const freshPart: Extent = {
    start: 21_000,
    end: 30_000,
    infos: [],
    series: [series("both", steps(21_000, 30_000), 1), series("fresh-only", steps(25_000, 30_000), 4), series("empty", [], 3), series("a-fresh", steps(30_000, 30_000), 5)],
  };
  const cached = decodeExtents(encodeExtents([cachedPart]));
  renderExtents(cached);
  const fresh = { ...freshPart, series: freshPart.series.map((s) => ({ ...s, points: pointsText(s.t, s.v) })) };
  const concat = (a: Float64Array, b: Float64Array) => Float64Array.from([...a, ...b]);
  const [both0, cachedOnly] = cachedPart.series;
  const [both1, freshOnly, , aFresh] = freshPart.series;
  // What the encoder writes for the whole matrix, built by hand; empty series are not in a range answer.
  const whole = [aFresh!, { labels: both0!.labels, t: concat(both0!.t, both1!.t), v: concat(both0!.v, both1!.v) }, cachedOnly!, freshOnly!];
  const encoded = queryResponseText({ value: { type: "matrix", series: whole }, warnings: ["w"], infos: [] });
  assert.equal(bodyOf([...cached, fresh], 0, 30_000, ["w"], []), encoded);
  // Cut inside both parts: a series left with no point in the range is left out.
  const cut = whole.map((s) => ({ labels: s.labels, t: s.t.filter((x) => x >= 13_000 && x <= 26_000), v: s.v.filter((_, i) => s.t[i]! >= 13_000 && s.t[i]! <= 26_000) })).filter((s) => s.t.length > 0);
  assert.equal(bodyOf([...cached, fresh], 13_000, 26_000, [], []), queryResponseText({ value: { type: "matrix", series: cut }, warnings: [], infos: [] }));
});

test("labels, warnings and infos outside ASCII come out as the encoder's UTF-8 bytes", () => {
  const s = { labels: labelsFromRecord({ __name__: "m", city: "Zürich ✓" }), t: Float64Array.of(1000, 2000), v: Float64Array.of(1.5, NaN) };
  const extents: Extent[] = [{ start: 1000, end: 2000, infos: ["ïnfo"], series: [{ ...s, points: pointsText(s.t, s.v) }] }];
  const want = Buffer.from(queryResponseText({ value: { type: "matrix", series: [s] }, warnings: ["wärning"], infos: ["ïnfo"] }));
  assert.deepEqual(Buffer.concat(matrixBody(extents, 1000, 2000, ["wärning"], ["ïnfo"])), want);
});
