// The public API around the parser: selectors, durations, the catalog, types, walking, printing.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  evalDuration,
  exprType,
  format,
  formatDuration,
  functions,
  functionsWith,
  isAggregateExpr,
  isCall,
  isMatrixSelector,
  isVectorSelector,
  parse,
  parseDuration,
  parseMetricSelector,
  ParseError,
  walk,
  type DurationExpr,
  type Node,
} from "./index.js";
import { quote, unquote } from "./strings.js";

test("parseMetricSelector returns the matchers of a series selector", () => {
  assert.deepEqual(parseMetricSelector('foo{a="b", c=~"d.*"}'), [
    { name: "a", op: "=", value: "b" },
    { name: "c", op: "=~", value: "d.*" },
    { name: "__name__", op: "=", value: "foo" },
  ]);
  assert.deepEqual(parseMetricSelector('{__name__=~"x.+"}'), [{ name: "__name__", op: "=~", value: "x.+" }]);
  assert.deepEqual(parseMetricSelector('{"my.metric"}'), [{ name: "__name__", op: "=", value: "my.metric" }]);
  assert.deepEqual(parseMetricSelector("sum"), [{ name: "__name__", op: "=", value: "sum" }]);
  for (const bad of ["", "foo + bar", "rate(x[5m])", "foo[5m]", 'foo{a="b"', "1"]) {
    assert.throws(() => parseMetricSelector(bad), ParseError, bad);
  }
});

test("parseDuration and formatDuration speak Prometheus durations in ms", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["0s", 0],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["1h30m", 5_400_000],
    ["1d", 86_400_000],
    ["1w", 604_800_000],
    ["1y", 31_536_000_000],
    ["1y2w3d4h5m6s7ms", 31_536_000_000 + 2 * 604_800_000 + 3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000 + 6_000 + 7],
  ];
  for (const [s, ms] of cases) assert.equal(parseDuration(s), ms, s);
  for (const bad of ["", "5", "1.5h", "1m1h", "1h1h", "5x", "-5m", "1ms1s"]) assert.throws(() => parseDuration(bad), ParseError, bad);
  const printed: [number, string][] = [
    [0, "0s"],
    [500, "500ms"],
    [90_000, "1m30s"],
    [5_400_000, "1h30m"],
    [7 * 86_400_000, "1w"],
    [8 * 86_400_000, "8d"],
    [365 * 86_400_000, "1y"],
    [-300_000, "-5m"],
  ];
  for (const [ms, s] of printed) assert.equal(formatDuration(ms), s, String(ms));
});

function rangeOf(q: string): DurationExpr {
  const e = parse(q);
  if (e.type === "MatrixSelector") return e.range;
  if (e.type === "VectorSelector" && e.offset !== undefined) return e.offset;
  throw new Error(`no duration in ${q}`);
}

test("evalDuration does seconds arithmetic and returns ms", () => {
  const ctx = { stepMs: 10_000, rangeMs: 60_000 };
  const cases: [string, number][] = [
    ["x[5m]", 300_000],
    ["x[300]", 300_000],
    ["x[1.5]", 1_500],
    ["x[26m+4m]", 1_800_000],
    ["x[2m*(10+5)]", 1_800_000],
    ["x[1h/2]", 1_800_000],
    ["x[1h30m % 1h]", 1_800_000],
    ["x[30m1s-30m1s % 1m]", 1_800_000],
    ["x[step()]", 10_000],
    ["x[step()+1ms]", 10_001],
    ["x[1+(STep()-5)*2]", 11_000],
    ["x[range()]", 60_000],
    ["x[min_of(step()+1,1h)]", 11_000],
    ["x[max_of(min_of(step()+1,1h),1ms)]", 11_000],
    ["x offset -step()", -10_000],
    ["x offset (-2 ^ 2)", -4_000],
    ["x offset -(min_of(step(), 2s)-5)", 3_000],
  ];
  for (const [q, ms] of cases) assert.equal(evalDuration(rangeOf(q), ctx), ms, q);
  assert.throws(() => evalDuration(rangeOf("x[1h/0]"), ctx), /division by zero/);
});

test("the function catalog holds Prometheus 3 functions with their types", () => {
  assert.deepEqual(functions.rate, {
    name: "rate",
    argTypes: ["matrix"],
    variadic: 0,
    returnType: "vector",
    experimental: false,
    stepDependent: false,
    histogramOnly: false,
    keepsMetricName: false,
    counterInput: true,
    warnsNonCounter: true,
    anchored: true,
    smoothed: true,
  });
  assert.deepEqual(functions.label_join!.argTypes, ["vector", "string", "string", "string"]);
  assert.equal(functions.label_join!.variadic, -1);
  assert.equal(functions.round!.variadic, 1);
  assert.equal(functions.time!.returnType, "scalar");
  for (const name of [
    "sort_by_label",
    "sort_by_label_desc",
    "mad_over_time",
    "double_exponential_smoothing",
    "ts_of_min_over_time",
    "ts_of_max_over_time",
    "ts_of_first_over_time",
    "ts_of_last_over_time",
    "first_over_time",
    "info",
  ]) {
    assert.equal(functions[name]?.experimental, true, name);
  }
  for (const name of ["histogram_avg", "histogram_count", "histogram_sum", "histogram_fraction", "histogram_quantile", "histogram_stddev", "histogram_stdvar", "label_replace", "absent_over_time", "present_over_time"]) {
    assert.equal(functions[name]?.experimental, false, name);
  }
  assert.equal(functions.holt_winters, undefined, "removed in Prometheus 3");
  assert.ok(Object.isFrozen(functions));
});

test("exprType follows Prometheus's typing", () => {
  const cases: [string, string][] = [
    ["1", "scalar"],
    ['"a"', "string"],
    ["foo", "vector"],
    ["foo[5m]", "matrix"],
    ["rate(foo[5m])[10m:]", "matrix"],
    ["time()", "scalar"],
    ["scalar(foo)", "scalar"],
    ["sum(foo)", "vector"],
    ["1 + 2", "scalar"],
    ["1 + foo", "vector"],
    ["-(1)", "scalar"],
    ["(foo)", "vector"],
  ];
  for (const [q, t] of cases) assert.equal(exprType(parse(q)), t, q);
});

test("walk visits every node, parents first, and can skip subtrees", () => {
  const e = parse('sum(rate(foo{a="b"}[5m] offset 1m)) + max_over_time(bar[1m:10s])');
  const seen: string[] = [];
  walk(e, (n: Node, path) => {
    seen.push(`${"  ".repeat(path.length)}${n.type}`);
  });
  assert.deepEqual(seen, [
    "BinaryExpr",
    "  AggregateExpr",
    "    Call",
    "      MatrixSelector",
    "        VectorSelector",
    "          DurationLiteral",
    "        DurationLiteral",
    "  Call",
    "    SubqueryExpr",
    "      VectorSelector",
    "      DurationLiteral",
    "      DurationLiteral",
  ]);
  const selectors: string[] = [];
  walk(e, (n) => {
    if (isAggregateExpr(n)) return false;
    if (isVectorSelector(n)) selectors.push(n.name);
  });
  assert.deepEqual(selectors, ["bar"]);
  assert.ok(isCall(parse("time()")) && isMatrixSelector(parse("x[5m]")));
});

test("strings quote and unquote losslessly, bytes that are not UTF-8 included", () => {
  for (const s of ["", "plain", 'q"uote', "back\\slash", "nl\n\t\r", "\x00\x7f", "é😀", "\udcc5raw byte"]) {
    const q = quote(s);
    const u = unquote(q);
    assert.ok(u.ok && u.value === s, `${JSON.stringify(s)} → ${q}`);
  }
  const bytes = unquote('"a\\xc5z"');
  assert.ok(bytes.ok && bytes.value === "a\udcc5z");
  const utf8 = unquote('"\\xe2\\x82\\xac"');
  assert.ok(utf8.ok && utf8.value === "€");
});

test("pretty output follows promtool's layout: split past 100 columns, two-space indent", () => {
  const q =
    'sum by (job) (rate(http_requests_total{handler="/api/comments",instance="localhost:9090",job="apiserver"}[5m])) / on (job) group_left sum by (job) (up{job="apiserver"})';
  assert.equal(
    format(parse(q), { pretty: true }),
    [
      "  sum by (job) (",
      '    rate(http_requests_total{handler="/api/comments",instance="localhost:9090",job="apiserver"}[5m])',
      "  )",
      "/ on (job) group_left ()",
      '  sum by (job) (up{job="apiserver"})',
    ].join("\n"),
  );
  assert.equal(
    format(parse('histogram_quantile(0.9, sum by (le, job) (rate(http_request_duration_seconds_bucket{job="apiserver", verb!="WATCH"}[5m])))'), { pretty: true }),
    ["histogram_quantile(", "  0.9,", '  sum by (le, job) (rate(http_request_duration_seconds_bucket{job="apiserver",verb!="WATCH"}[5m]))', ")"].join("\n"),
  );
  assert.equal(format(parse("sum(rate(x[5m]))"), { pretty: true }), "sum(rate(x[5m]))");
  const long = `max_over_time((${"a".repeat(60)} - ${"b".repeat(60)})[5m:1m])`;
  const pretty = format(parse(long), { pretty: true });
  assert.equal(pretty, ["max_over_time(", "  (", `      ${"a".repeat(60)}`, "    -", `      ${"b".repeat(60)}`, "  )[5m:1m]", ")"].join("\n"));
  assert.deepEqual(format(parse(pretty)), format(parse(long)));
});

test("a hand-built tree prints with the parentheses its structure needs", () => {
  const a = parse("a");
  const b = parse("b");
  const plus = { type: "BinaryExpr", op: "+", lhs: a, rhs: b, returnBool: false, pos: { start: 0, end: 0 } } as const;
  const times = { type: "BinaryExpr", op: "*", lhs: plus, rhs: parse("c"), returnBool: false, pos: { start: 0, end: 0 } } as const;
  assert.equal(format(times), "(a + b) * c");
  const neg = { type: "BinaryExpr", op: "^", lhs: parse("-1"), rhs: parse("2"), returnBool: false, pos: { start: 0, end: 0 } } as const;
  assert.equal(format(neg), "(-1) ^ 2");
});

test("the function catalog holds the facts planner and engine read (step dependence, histogram-only, name keeping, counters, range modifiers)", () => {
  const names = (fact: (f: (typeof functions)[string]) => boolean) =>
    Object.values(functions)
      .filter(fact)
      .map((f) => f.name)
      .sort();
  assert.deepEqual(names((f) => f.stepDependent), [
    "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "predict_linear", "time", "timestamp", "year",
  ]);
  assert.deepEqual(names((f) => f.histogramOnly), ["histogram_avg", "histogram_count", "histogram_stddev", "histogram_stdvar", "histogram_sum"]);
  assert.deepEqual(names((f) => f.keepsMetricName), [
    "first_over_time", "info", "label_join", "label_replace", "last_over_time", "sort", "sort_by_label", "sort_by_label_desc", "sort_desc",
  ]);
  assert.deepEqual(names((f) => f.counterInput), ["increase", "irate", "rate", "resets"]);
  assert.deepEqual(names((f) => f.warnsNonCounter), ["increase", "rate"]);
  assert.deepEqual(functionsWith("anchored"), ["changes", "delta", "increase", "rate", "resets"]);
  assert.deepEqual(functionsWith("smoothed"), ["delta", "increase", "rate"]);
  assert.deepEqual(names((f) => f.returnType === "scalar"), ["end", "max_of", "min_of", "pi", "range", "scalar", "start", "step", "time"]);
});
