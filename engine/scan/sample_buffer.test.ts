import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore, STALE_NAN } from "../../storeapi/index.js";
import { Engine } from "../index.js";
import { call, range, sel } from "../testing.js";
import type { MatrixValue } from "../types.js";

// 2,000 samples at 15s: 17 chunks, so windows slide across chunk boundaries and the buffer compacts.
function longStore(): MemoryStore {
  const s = new MemoryStore();
  const n = 2000;
  const t = Array.from({ length: n }, (_, i) => i * 15_000);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = i % 500 === 250 ? STALE_NAN : i;
  s.add([{ name: "__name__", value: "m" }], t, v);
  return s;
}

test("a sliding window over many chunks sees exactly the samples in (t - range, t]", async () => {
  const end = 1999 * 15_000;
  const r = await new Engine().exprQuery(longStore(), "q", call("count_over_time", range(sel("m"), 300)), 0, end, 60_000).exec();
  const s = (r.value as MatrixValue).series[0]!;
  for (let k = 0; k < s.t.length; k++) {
    const t = s.t[k]!;
    let expected = 0;
    for (let i = 0; i < 2000; i++) {
      const ts = i * 15_000;
      if (ts > t - 300_000 && ts <= t && i % 500 !== 250) expected++;
    }
    assert.equal(s.v[k], expected, `at ${t}`);
  }
});

test("an instant selector across many chunks returns the latest sample", async () => {
  const r = await new Engine().exprQuery(longStore(), "q", sel("m"), 0, 1999 * 15_000, 45_000).exec();
  const s = (r.value as MatrixValue).series[0]!;
  for (let k = 0; k < s.t.length; k++) {
    const i = Math.floor(s.t[k]! / 15_000);
    assert.equal(s.v[k], i, `at ${s.t[k]}`);
  }
  // Steps whose latest sample is the stale marker have no value.
  assert.ok(!s.t.includes(250 * 15_000));
});
