import { test } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./index.js";
import type { Expr, LabelMatcher } from "../promql/index.js";
import type { Store } from "../storeapi/index.js";
import type { MatrixValue, QueryOptions, QueryResult, VectorValue } from "./types.js";
import { agg, bin, call, num, range, sel, storeWith, str, subquery } from "./testing.js";
import { LOOP_TURN_MS, LoopTurns } from "./exec/context.js";

const MIN = 60_000;

function instant(store: Store, e: Expr, t: number, opts?: QueryOptions): Promise<QueryResult> {
  return new Engine().exprQuery(store, "q", e, t, t, 0, opts).exec();
}
function ranged(store: Store, e: Expr, start: number, end: number, step: number): Promise<QueryResult> {
  return new Engine().exprQuery(store, "q", e, start, end, step).exec();
}
function vec(r: QueryResult): Record<string, number> {
  assert.equal(r.value.type, "vector");
  const out: Record<string, number> = {};
  for (const s of (r.value as VectorValue).samples) out[s.labels.map((l) => `${l.name}=${l.value}`).join(",")] = s.v;
  return out;
}
function mat(r: QueryResult): Record<string, number[]> {
  assert.equal(r.value.type, "matrix");
  const out: Record<string, number[]> = {};
  for (const s of (r.value as MatrixValue).series) out[s.labels.map((l) => `${l.name}=${l.value}`).join(",")] = [...s.v];
  return out;
}

const counters = () =>
  storeWith(MIN, [
    [{ __name__: "x_total", job: "a" }, [0, 10, 20, 30, 40, 50]],
    [{ __name__: "x_total", job: "b" }, [0, 20, 40, 60, 80, 100]],
    [{ __name__: "y", job: "a" }, [1, 1, 1, 1, 1, 1]],
  ]);

test("instant selector returns the latest sample within the lookback", async () => {
  const r = await instant(counters(), sel("x_total"), 5 * MIN + 30_000);
  assert.deepEqual(vec(r), { "__name__=x_total,job=a": 50, "__name__=x_total,job=b": 100 });
  const none = await instant(counters(), sel("x_total"), 11 * MIN);
  assert.deepEqual(vec(none), {});
});

test("rate drops the name and sum by groups", async () => {
  const r = await instant(counters(), agg("sum", call("rate", range(sel("x_total"), 300))), 5 * MIN);
  assert.deepEqual(vec(r), { "": 0.5 });
  const byJob = await instant(counters(), agg("sum", call("rate", range(sel("x_total"), 300)), ["job"]), 5 * MIN);
  assert.ok(Math.abs(vec(byJob)["job=a"]! - 1 / 6) < 1e-9);
});

test("range query gives one point per step", async () => {
  const r = await ranged(counters(), sel("y"), 0, 5 * MIN, MIN);
  assert.deepEqual(mat(r), { "__name__=y,job=a": [1, 1, 1, 1, 1, 1] });
});

test("binary one-to-one matching ignores the name; comparisons filter", async () => {
  const r = await instant(counters(), bin("+", sel("x_total"), sel("y")), 5 * MIN);
  assert.deepEqual(vec(r), { "job=a": 51 });
  const cmp = await instant(counters(), bin(">", sel("x_total"), num(60)), 5 * MIN);
  assert.deepEqual(vec(cmp), { "__name__=x_total,job=b": 100 });
  const b = await instant(counters(), bin(">", sel("x_total"), num(60), undefined, true), 5 * MIN);
  assert.deepEqual(vec(b), { "job=a": 0, "job=b": 1 });
});

test("set operators", async () => {
  const and = await instant(counters(), bin("and", sel("x_total"), sel("y"), {}), 5 * MIN);
  assert.deepEqual(vec(and), { "__name__=x_total,job=a": 50 });
  const unless = await instant(counters(), bin("unless", sel("x_total"), sel("y"), {}), 5 * MIN);
  assert.deepEqual(vec(unless), { "__name__=x_total,job=b": 100 });
});

test("name collision after a name-dropping function is an error", async () => {
  const store = storeWith(MIN, [
    [{ __name__: "a", job: "x" }, [1]],
    [{ __name__: "b", job: "x" }, [2]],
  ]);
  const e: Expr = { type: "VectorSelector", name: "", matchers: [{ name: "job", op: "=", value: "x" }], anchored: false, smoothed: false, pos: { start: 0, end: 1 } };
  await assert.rejects(instant(store, call("abs", e), 0), /same labelset/);
  // The same through operators whose own series are distinct: the names dropped differ.
  const counters = storeWith(MIN, [
    [{ __name__: "a", job: "x" }, [1, 2, 3]],
    [{ __name__: "b", job: "x" }, [2, 4, 6]],
  ]);
  await assert.rejects(instant(counters, call("rate", range(e, 300)), 2 * MIN), /same labelset/);
  await assert.rejects(instant(counters, call("timestamp", e), 2 * MIN), /same labelset/);
  await assert.rejects(instant(counters, agg("topk", call("rate", range(e, 300)), [], { param: num(5) }), 2 * MIN), /same labelset/);
  const one: Expr = { ...e, matchers: [...(e as { matchers: LabelMatcher[] }).matchers, { name: "__name__", op: "=", value: "a" }] } as Expr;
  assert.equal(vec(await instant(counters, call("rate", range(one, 300)), 2 * MIN))["job=x"] !== undefined, true, "one name dropped from all: no collision");
});

test("topk keeps the largest per step and count_values counts by value", async () => {
  const r = await instant(counters(), agg("topk", sel("x_total"), [], { param: num(1) }), 5 * MIN);
  assert.deepEqual(vec(r), { "__name__=x_total,job=b": 100 });
  const cv = await instant(counters(), agg("count_values", sel("y"), [], { param: str("v") }), 5 * MIN);
  assert.deepEqual(vec(cv), { "v=1": 1 });
});

test("subquery feeds a range function", async () => {
  const r = await instant(counters(), call("max_over_time", subquery(sel("x_total", [{ name: "job", op: "=", value: "a" }]), 300, 60)), 5 * MIN);
  assert.deepEqual(vec(r), { "job=a": 50 });
});

test("step-invariant @ is evaluated once and repeated", async () => {
  const r = await ranged(counters(), sel("x_total", [{ name: "job", op: "=", value: "a" }], { atMs: 2 * MIN }), 0, 5 * MIN, MIN);
  assert.deepEqual(mat(r), { "__name__=x_total,job=a": [20, 20, 20, 20, 20, 20] });
});

test("too many samples fails with its kind", async () => {
  // Two result samples, as Prometheus counts an instant selector (not the 12 samples of the fetched chunks).
  await assert.rejects(instant(counters(), sel("x_total"), 5 * MIN, { maxSamples: 1 }), (e: { kind?: string }) => e.kind === "too_many_samples");
});

test("cancel aborts with kind canceled", async () => {
  const q = new Engine().exprQuery(counters(), "q", sel("x_total"), 0, 0, 0);
  q.cancel();
  await assert.rejects(q.exec(), (e: { kind?: string }) => e.kind === "canceled");
});

test("statistics count samples read", async () => {
  const r = await ranged(counters(), sel("y"), 0, 5 * MIN, MIN);
  assert.equal(r.stats.totalSamples, 6);
  assert.ok(r.stats.peakSamples >= 6);
});

test("a parse error is bad_data with the position in the query", () => {
  assert.throws(
    () => new Engine().instantQuery(counters(), "sum(x_total", 0),
    (e: { kind?: string; pos?: { start: number } }) => e.kind === "bad_data" && e.pos !== undefined,
  );
});

test("a range query over a range vector is bad_data", () => {
  assert.throws(() => new Engine().rangeQuery(counters(), "x_total[5m]", 0, 60_000, 60_000), (e: { kind?: string; message?: string }) =>
    e.kind === "bad_data" && /range vector/.test(e.message ?? ""),
  );
});

test("a query over a store that never answers times out with kind timeout", async () => {
  const hanging: Store = {
    info: () => new Promise(() => undefined),
    series: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }) }),
    labelNames: () => new Promise(() => undefined),
    labelValues: () => new Promise(() => undefined),
  };
  const q = new Engine().instantQuery(hanging, "x_total", 0, { timeoutMs: 20 });
  await assert.rejects(q.exec(), (e: { kind?: string }) => e.kind === "timeout");
});

test("explain shows the operator tree", async () => {
  const ex = await new Engine().explain(counters(), "sum by (job) (rate(x_total[5m])) / 2", 0, 60_000, 60_000);
  assert.match(ex.name, /scalarBinary/);
  assert.match(ex.children[0]!.name, /aggregate\] sum by \(job\)/);
  assert.match(ex.children[0]!.children[0]!.name, /rangeFunction\] rate/);
});

test("parsed queries run end to end", async () => {
  const r = await new Engine().instantQuery(counters(), 'sum by (job) (x_total{job="b"}) + on(job) group_left y or vector(7)', 5 * MIN).exec();
  assert.deepEqual(vec(r), { "": 7 });
  const r2 = await new Engine().instantQuery(counters(), 'x_total{job="a"} + on(job) y', 5 * MIN).exec();
  assert.deepEqual(vec(r2), { "job=a": 51 });
});

test("label values containing any character never make two label sets one (grouping, matching)", async () => {
  // Joined with a separator character these would collide: a="xÿbÿy" vs a="x",b="y".
  const store = storeWith(MIN, [
    [{ __name__: "m", a: "x\xffb\xffy" }, [1]],
    [{ __name__: "m", a: "x", b: "y" }, [2]],
    [{ __name__: "m", a: "x\xff", b: "y" }, [4]],
    [{ __name__: "m", a: "x", b: "\xffy" }, [8]],
  ]);
  const without = await instant(store, agg("sum", sel("m"), [], { without: true }), 0);
  assert.equal(Object.keys(vec(without)).length, 4);
  const by = await instant(store, agg("sum", sel("m"), ["a", "b"]), 0);
  assert.deepEqual(Object.values(vec(by)).sort((p, q) => p - q), [1, 2, 4, 8]);
  const matched = await instant(store, bin("+", sel("m"), sel("m")), 0);
  assert.deepEqual(Object.values(vec(matched)).sort((p, q) => p - q), [2, 4, 8, 16]);
});

test("info() joins on identifying labels as values, never on a run of characters", async () => {
  // As "value + separator" strings these two identities would be one: aÿb|c vs a|bÿc.
  const store = storeWith(MIN, [
    [{ __name__: "m", instance: "a\xffb", job: "c" }, [1]],
    [{ __name__: "target_info", instance: "a", job: "b\xffc", version: "1" }, [1]],
  ]);
  const r = await instant(store, call("info", sel("m")), 0);
  assert.deepEqual(vec(r), { "__name__=m,instance=a\xffb,job=c": 1 });
});

test("a loop's turn is due once LOOP_TURN_MS have passed since it started or last yielded", () => {
  let now = 100;
  const turns = new LoopTurns(4, () => now);
  now = 103.9;
  assert.equal(turns.due(), false);
  now = 104;
  assert.equal(turns.due(), true);
  assert.equal(turns.due(), false);
  now = 108.5;
  assert.equal(turns.due(), true);
  assert.equal(LOOP_TURN_MS, 4);
});

test("a long range query lets the event loop run during its evaluation, and so meets its timeout there", async () => {
  // 500 series over 5,000 steps: well past a few turns of evaluation on any machine.
  const series: [Record<string, string>, number[]][] = Array.from({ length: 500 }, (_, i) => [{ __name__: "g", i: String(i) }, Array.from({ length: 100 }, (_, k) => k + i)]);
  const store = storeWith(50 * MIN, series);
  let ticks = 0;
  let running = true;
  const tick = (): void => {
    ticks++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const started = ticks;
  const r = await new Engine().exprQuery(store, "q", sel("g"), 0, 5_000 * MIN, MIN).exec();
  running = false;
  assert.equal((r.value as MatrixValue).series.length, 500);
  assert.ok(ticks - started >= 2, `${ticks - started} loop turns while the query ran`);
  // A timeout far shorter than the query: its timer fires at one of those turns.
  const late = new Engine().exprQuery(store, "q", sel("g"), 0, 10_000 * MIN, MIN, { timeoutMs: 5 }).exec();
  await assert.rejects(late, (e: { kind?: string }) => e.kind === "timeout");
});
