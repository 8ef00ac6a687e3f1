import { test } from "node:test";
import assert from "node:assert/strict";
import { labelsFromRecord } from "../storeapi/index.js";
import { CodecError, decodeExtents, encodeExtents } from "./codec.js";
import type { Extent } from "./extents.js";

test("extents round-trip through the binary encoding, NaN, infinities and UTF-8 labels included", () => {
  const extents: Extent[] = [
    {
      start: 1000,
      end: 5000,
      infos: ['PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "m" (1:6)'],
      series: [{ labels: labelsFromRecord({ __name__: "m", city: "Zürich ✓" }), t: Float64Array.of(1000, 3000, 5000), v: Float64Array.of(NaN, Infinity, -1e-300) }],
    },
    { start: 9000, end: 9000, infos: [], series: [] },
  ];
  const buf = encodeExtents(extents);
  assert.deepEqual(decodeExtents(buf), extents);
  // 3 points as float64s, plus their JSON text and offsets (what a hit splices).
  assert.ok(buf.length < 400, `compact: ${buf.length} bytes`);
});

test("a cut-short or foreign entry is a CodecError naming the byte", () => {
  const buf = encodeExtents([{ start: 1, end: 2, infos: [], series: [{ labels: labelsFromRecord({ a: "b" }), t: Float64Array.of(1), v: Float64Array.of(2) }] }]);
  assert.throws(() => decodeExtents(buf.subarray(0, buf.length - 3)), (err: unknown) => err instanceof CodecError && /cut short at byte/.test(err.message));
  assert.throws(() => decodeExtents(Buffer.from('{"json":1}')), CodecError);
});
