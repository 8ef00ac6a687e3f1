import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "../index.js";
import { call, range, sel } from "../testing.js";
import { MemoryStore, STALE_NAN } from "../../storeapi/index.js";
import type { MatrixValue, VectorValue } from "../types.js";

function staleStore(): MemoryStore {
  const s = new MemoryStore();
  const v = new Float64Array([1, 2, STALE_NAN, 4]);
  s.add([{ name: "__name__", value: "m" }], [0, 60_000, 120_000, 300_000], v);
  return s;
}

test("a stale marker ends the series for instant selectors", async () => {
  const at = async (t: number) => ((await new Engine().exprQuery(staleStore(), "m", sel("m"), t, t, 0).exec()).value as VectorValue).samples.length;
  assert.equal(await at(60_000), 1);
  assert.equal(await at(150_000), 0);
  assert.equal(await at(300_000), 1);
});

test("range vectors never contain stale markers", async () => {
  const r = await new Engine().exprQuery(staleStore(), "m[5m]", range(sel("m"), 300), 300_000, 300_000, 0).exec();
  const s = (r.value as MatrixValue).series[0]!;
  assert.deepEqual([...s.t], [60_000, 300_000]);
  const c = await new Engine().exprQuery(staleStore(), "q", call("count_over_time", range(sel("m"), 300)), 300_000, 300_000, 0).exec();
  assert.equal((c.value as VectorValue).samples[0]!.v, 2);
});
