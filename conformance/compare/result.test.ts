import { test } from "node:test";
import assert from "node:assert/strict";
import { compareResults, decodeResult, isEmptyDiff, orderIsDefined, valuesEqual, type QueryResult, type ResultDiff } from "./result.js";
import { featureGroup } from "./run.js";
import { explainUtf8LabelName, rangeWindows, withOpenWindows } from "./known242.js";

const m = (labels: Record<string, string>, ...points: [number, number][]) => ({ metric: labels, points: points.map(([t, v]) => ({ t, v })) });
const matrix = (...series: ReturnType<typeof m>[]): QueryResult => ({ resultType: "matrix", series });
const vector = (...series: ReturnType<typeof m>[]): QueryResult => ({ resultType: "vector", series });

const A = { __name__: "x", i: "a" };
const B = { __name__: "x", i: "b" };
const C = { __name__: "x", i: "c" };

interface Row {
  name: string;
  ref: QueryResult;
  tgt: QueryResult;
  ordered?: boolean;
  check(d: ResultDiff): void;
}

const same = (d: ResultDiff) => assert.ok(isEmptyDiff(d), JSON.stringify(d));

const rows: Row[] = [
  { name: "identical matrices", ref: matrix(m(A, [1000, 1], [2000, 2])), tgt: matrix(m(A, [1000, 1], [2000, 2])), check: same },
  { name: "series order does not matter in a matrix", ref: matrix(m(A, [1, 1]), m(B, [1, 2])), tgt: matrix(m(B, [1, 2]), m(A, [1, 1])), check: same },
  { name: "label order does not matter", ref: vector(m({ a: "1", b: "2" }, [1, 1])), tgt: vector(m({ b: "2", a: "1" }, [1, 1])), check: same },
  { name: "within relative 1e-5", ref: vector(m(A, [1, 100000])), tgt: vector(m(A, [1, 100000.9])), check: same },
  {
    name: "beyond relative 1e-5",
    ref: vector(m(A, [1, 100000])),
    tgt: vector(m(A, [1, 100001.1])),
    check: (d) => {
      assert.equal(d.points.length, 1);
      assert.equal(d.points[0].reference?.v, 100000);
      assert.equal(d.points[0].target?.v, 100001.1);
    },
  },
  { name: "zero equals only zero (no absolute margin)", ref: vector(m(A, [1, 0])), tgt: vector(m(A, [1, 1e-300])), check: (d) => assert.equal(d.points.length, 1) },
  { name: "NaN equals NaN", ref: vector(m(A, [1, NaN])), tgt: vector(m(A, [1, NaN])), check: same },
  { name: "NaN differs from a number", ref: vector(m(A, [1, NaN])), tgt: vector(m(A, [1, 0])), check: (d) => assert.equal(d.points.length, 1) },
  { name: "+Inf equals +Inf, not -Inf", ref: vector(m(A, [1, Infinity]), m(B, [1, Infinity])), tgt: vector(m(A, [1, Infinity]), m(B, [1, -Infinity])), check: (d) => assert.deepEqual(d.points.map((p) => p.series), [B]) },
  {
    name: "missing and extra series",
    ref: matrix(m(A, [1, 1]), m(B, [1, 1])),
    tgt: matrix(m(A, [1, 1]), m(C, [1, 1])),
    check: (d) => {
      assert.deepEqual(d.missingSeries, [B]);
      assert.deepEqual(d.extraSeries, [C]);
      assert.equal(d.points.length, 0);
    },
  },
  {
    name: "a point missing on one side, an extra on the other",
    ref: matrix(m(A, [1000, 1], [2000, 2])),
    tgt: matrix(m(A, [2000, 2], [3000, 3])),
    check: (d) => {
      assert.deepEqual(
        d.points.map((p) => [p.t, p.reference?.v, p.target?.v]),
        [
          [1000, 1, undefined],
          [3000, undefined, 3],
        ],
      );
    },
  },
  { name: "timestamps must match exactly", ref: vector(m(A, [1000, 1])), tgt: vector(m(A, [1001, 1])), check: (d) => assert.equal(d.points.length, 2) },
  { name: "result types must match", ref: vector(m(A, [1, 1])), tgt: matrix(m(A, [1, 1])), check: (d) => assert.deepEqual(d.typeMismatch, { reference: "vector", target: "matrix" }) },
  { name: "scalars compare value and time", ref: { resultType: "scalar", point: { t: 1, v: 2 } }, tgt: { resultType: "scalar", point: { t: 1, v: 3 } }, check: (d) => assert.equal(d.points.length, 1) },
  { name: "duplicate label sets are reported", ref: vector(m(A, [1, 1])), tgt: vector(m(A, [1, 1]), m(A, [1, 1])), check: (d) => assert.deepEqual(d.duplicateSeries, [{ side: "target", metric: A }]) },
  { name: "unordered vectors ignore order", ref: vector(m(A, [1, 2]), m(B, [1, 1])), tgt: vector(m(B, [1, 1]), m(A, [1, 2])), check: same },
  {
    name: "ordered vectors compare order",
    ordered: true,
    ref: vector(m(A, [1, 2]), m(B, [1, 1])),
    tgt: vector(m(B, [1, 1]), m(A, [1, 2])),
    check: (d) => assert.deepEqual(d.order, { index: 0, reference: A, target: B }),
  },
  { name: "ordered vectors let equal values swap", ordered: true, ref: vector(m(A, [1, 5]), m(B, [1, 5]), m(C, [1, 1])), tgt: vector(m(B, [1, 5]), m(A, [1, 5]), m(C, [1, 1])), check: same },
];

for (const row of rows) {
  test(`compare: ${row.name}`, () => row.check(compareResults(row.ref, row.tgt, { ordered: row.ordered })));
}

test("valuesEqual follows the tester's tolerance", () => {
  assert.ok(valuesEqual(1, 1 + 1e-6));
  assert.ok(!valuesEqual(1, 1 + 2e-5));
  assert.ok(valuesEqual(-1e10, -1e10 - 1e4));
  assert.ok(!valuesEqual(1, -1));
  assert.ok(valuesEqual(0, 1e-9, { fraction: 1e-5, margin: 1e-6 }));
});

test("decodeResult reads the API's JSON: special values, histograms, strings", () => {
  const r = decodeResult({
    resultType: "matrix",
    result: [{ metric: { __name__: "x" }, values: [[1700000000.123, "+Inf"], [1700000001, "NaN"], [1700000002, "-Inf"], [1700000003, "1e-3"]] }],
  });
  assert.equal(r.resultType, "matrix");
  if (r.resultType !== "matrix") return;
  assert.deepEqual(r.series[0].points.map((p) => p.t), [1700000000123, 1700000001000, 1700000002000, 1700000003000]);
  assert.deepEqual(r.series[0].points.map((p) => p.v), [Infinity, NaN, -Infinity, 0.001]);
  const h = decodeResult({ resultType: "vector", result: [{ metric: {}, histogram: [1, { count: "2", sum: "3" }] }] });
  const h2 = decodeResult({ resultType: "vector", result: [{ metric: {}, histogram: [1, { sum: "3", count: "2" }] }] });
  assert.ok(isEmptyDiff(compareResults(h, h2)), "histograms compare by content, not key order");
  assert.deepEqual(decodeResult({ resultType: "string", result: [1, "hi"] }), { resultType: "string", t: 1000, value: "hi" });
  assert.deepEqual(decodeResult({ resultType: "scalar", result: [2.5, "42"] }), { resultType: "scalar", point: { t: 2500, v: 42 } });
  assert.throws(() => decodeResult({ resultType: "vector", result: [{ metric: {}, value: [1, "abc"] }] }), /bad sample value/);
  assert.throws(() => decodeResult({ resultType: "table", result: [] }), /unknown resultType/);
});

test("order is defined for sort* and ungrouped topk/bottomk only", () => {
  for (const q of ["sort(x)", "sort_desc(rate(x[5m]))", " (topk(3, x))", "bottomk by () (2, x)", "topk(3, sum by (a) (x))", "sort_by_label(x, \"a\")"]) assert.ok(orderIsDefined(q), q);
  for (const q of ["x", "topk by (instance) (2, x)", "topk without() (2, x)", "sum(topk(3, x))", "(sort(x)) + 1", "topk(3, x) + 1"]) assert.ok(!orderIsDefined(q), q);
});

test("feature groups come from the outermost construct", () => {
  assert.equal(featureGroup("42"), "literal");
  assert.equal(featureGroup("demo_memory_usage_bytes{type=\"free\"}"), "selector");
  assert.equal(featureGroup("x offset 5m"), "selector offset");
  assert.equal(featureGroup("rate(x[5m])"), "rate()");
  assert.equal(featureGroup("(sum by (a) (x))"), "sum");
  assert.equal(featureGroup("x == bool 1"), "binary == bool");
  assert.equal(featureGroup("-x"), "unary -");
  assert.equal(featureGroup("avg_over_time(rate(x[1m])[2m:10s])"), "subquery");
  assert.equal(featureGroup("{__name__=~\".*\"}"), "unparseable");
});

test("range windows: outermost matrix selectors and subqueries with offset and @", () => {
  assert.deepEqual(
    rangeWindows("rate(x[5m] offset 1m) / rate(y[1h] @ 1000)")?.map((w) => [w.text, w.rangeMs, w.offsetMs, w.at]),
    [
      ["x[5m] offset 1m", 300_000, 60_000, undefined],
      ["y[1h] @ 1000.000", 3_600_000, 0, 1_000_000],
    ],
  );
  assert.deepEqual(rangeWindows("avg_over_time(rate(x[1m])[2m:10s])")?.map((w) => w.rangeMs), [120_000], "selectors inside a subquery are not outer windows");
  assert.deepEqual(rangeWindows("x + 1"), []);
  assert.equal(rangeWindows("x["), undefined);
});

test("open windows: every range, nested ones too, one millisecond shorter", () => {
  assert.deepEqual(withOpenWindows("avg_over_time(rate(x[1m] offset 5m)[2m:10s]) + rate(y[1s])"), {
    query: "avg_over_time(rate(x[59999ms] offset 5m)[119999ms:10s]) + rate(y[999ms])",
    minRangeMs: 1000,
    extrapolates: true,
  });
  assert.equal(withOpenWindows("sum_over_time(x[5m])")?.extrapolates, false);
  assert.deepEqual(withOpenWindows("x"), { query: "x", minRangeMs: Infinity, extrapolates: false });
  assert.equal(withOpenWindows("x["), undefined);
});

test("explainUtf8LabelName excuses only a rejected non-legacy UTF-8 destination label", () => {
  const refError = "invalid destination label name in label_replace(): ~invalid";
  const cases: [query: string, referenceError: string, excused: boolean][] = [
    ['label_replace(demo_num_cpus, "~invalid", "", "src", "(.*)")', refError, true],
    ['label_join(demo_num_cpus, "~invalid", "-", "instance")', "invalid destination label name in label_join(): ~invalid", true],
    // A different error on the reference is not this difference.
    ['label_replace(demo_num_cpus, "~invalid", "", "src", "(.*)")', "invalid regular expression in label_replace(): (.*", false],
    // A legacy-valid name that 2.42 rejected would be a real difference.
    ['label_replace(demo_num_cpus, "job", "", "src", "(.*)")', "invalid destination label name in label_replace(): job", false],
    // The error must name the label the query sets.
    ['label_replace(demo_num_cpus, "~other", "", "src", "(.*)")', refError, false],
  ];
  for (const [query, err, excused] of cases) {
    assert.equal(explainUtf8LabelName(query, err) !== undefined, excused, `${query} / ${err}`);
  }
});
