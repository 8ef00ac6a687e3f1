import { test } from "node:test";
import assert from "node:assert/strict";
import { alignToStep, splitByInterval } from "./split.js";
import { queryShape } from "./query.js";

const DAY = 86_400_000;

test("alignToStep moves both ends down to multiples of the step, also before the epoch", () => {
  assert.deepEqual(alignToStep(61_000, 179_999, 60_000), { start: 60_000, end: 120_000 });
  assert.deepEqual(alignToStep(-1, 0, 1000), { start: -1000, end: 0 });
});

test("splitByInterval: pieces per UTC day, ends on the grid, no step lost or repeated", () => {
  const step = 7 * 60_000;
  const pieces = splitByInterval(DAY - 3 * step, 3 * DAY + 5, step, DAY);
  assert.deepEqual(pieces.map((p) => p.window), [0, 1, 2, 3].slice(0, pieces.length));
  let expected = DAY - 3 * step;
  for (const p of pieces) {
    assert.equal(p.start, expected);
    assert.ok(p.end < (p.window + 1) * DAY && p.start >= p.window * DAY);
    expected = p.end + step;
  }
  assert.ok(expected > 3 * DAY + 5 && expected - step <= 3 * DAY + 5);
  assert.deepEqual(splitByInterval(0, 10, 1, 0), [{ start: 0, end: 10, window: 0 }]);
});

test("queryShape: canonical text, absolute @ start()/end(), negative offsets and range()", () => {
  const s = queryShape('rate( m{b="1",a="2"}[5m]  @ end() offset -1h)', 1000, 5000, 1000)!;
  assert.equal(s.canonical, 'rate(m{a="2",b="1"}[5m] @ 5.000 offset -1h)');
  assert.equal(s.downstream, s.canonical);
  assert.equal(s.latestAtMs, 5000);
  assert.equal(s.lookAheadMs, 3600_000);
  assert.equal(queryShape("m", 0, 1, 1)!.downstream, "m");
  assert.equal(queryShape("m[range()]", 0, 1, 1)!.splittable, false);
  assert.equal(queryShape("sum(", 0, 1, 1), undefined);
});
