import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeQueryResponse } from "../api/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { decodeExtents, encodeExtents } from "./codec.js";
import { type Extent, joinExtents, mergeExtents } from "./extents.js";
import { matrixBody, pointsText } from "./points.js";

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

const direct = (extents: Extent[], start: number, end: number, warnings: string[] = [], infos: string[] = []) =>
  [...encodeQueryResponse({ value: { type: "matrix", series: joinExtents(extents, start, end) }, warnings, infos })].join("");

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
      assert.equal(matrixBody(extents, start, end, ["w"], ["i"]), direct(extents, start, end, ["w"], ["i"]), `${a} ${b} ${start}..${end}`);
    }
    // Through a merge and the binary codec, as a cache entry goes.
    const stored = decodeExtents(encodeExtents(mergeExtents(extents, STEP)));
    assert.equal(matrixBody(stored, 2000, 39_000, [], []), direct(extents, 2000, 39_000));
    assert.ok(stored.every((e) => e.series.every((s) => s.points !== undefined && s.points.offsets.length === s.t.length + 1)));
  }
  assert.equal(matrixBody([], 0, 1000, [], []), direct([], 0, 1000));
});
