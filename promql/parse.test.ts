// The grammar, as tables: input → canonical output (format), and input → tree shape.
import { test } from "node:test";
import assert from "node:assert/strict";
import { format, parse, type Expr } from "./index.js";
import { formatDurationExpr } from "./printer.js";

/** Every operator application in explicit parentheses, to read precedence off. */
function shape(e: Expr): string {
  switch (e.type) {
    case "BinaryExpr":
      return `(${shape(e.lhs)} ${e.op}${e.returnBool ? " bool" : ""} ${shape(e.rhs)})`;
    case "UnaryExpr":
      return `(${e.op}${shape(e.expr)})`;
    case "ParenExpr":
      return `[${shape(e.expr)}]`;
    default:
      return format(e);
  }
}

const precedence: [string, string][] = [
  ["1 + 2 * 3", "(1 + (2 * 3))"],
  ["1 * 2 + 3", "((1 * 2) + 3)"],
  ["a - b - c", "((a - b) - c)"],
  ["a / b * c % d", "(((a / b) * c) % d)"],
  ["a atan2 b * c", "((a atan2 b) * c)"],
  ["2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"],
  ["-2 ^ 2", "(-(2 ^ 2))"],
  ["-a * b", "((-a) * b)"],
  ["a * -b + c", "((a * (-b)) + c)"],
  ["a ^ -b ^ c", "(a ^ (-(b ^ c)))"],
  ["-1 ^ 2", "(-(1 ^ 2))"],
  ["-10^3 * - SUM(x) BY (job) ^ -1", "((-(10 ^ 3)) * (-(sum by (job) (x) ^ -1)))"],
  ["a + b > c", "((a + b) > c)"],
  ["a > b and c", "((a > b) and c)"],
  ["a and b or c unless d", "((a and b) or (c unless d))"],
  ["a or b and c", "(a or (b and c))"],
  ["a unless b and c", "((a unless b) and c)"],
  ["a == bool b != bool c", "((a == bool b) != bool c)"],
  ["a + b offset 5m", "(a + b offset 5m)"],
  ["-a offset 5m", "(-a offset 5m)"],
  ["(a + b) * c", "([(a + b)] * c)"],
  ["a </ 2 + 1", "((a </ 2) + 1)"],
  ["metric offset 100 + 2", "(metric offset 100 + 2)"],
  ["metric offset -2 ^ 2", "(metric offset -2 ^ 2)"],
  ["metric offset -step()*2", "(metric offset -step() * 2)"],
  ["metric offset min_of(step(), 1s)+8000", "(metric offset min_of(step(), 1s) + 8000)"],
];

test("operator precedence and associativity follow Prometheus", () => {
  for (const [input, want] of precedence) assert.equal(shape(parse(input)), want, input);
});

/** input → canonical single-line PromQL. */
const canonical: [string, string][] = [
  // Numbers: decimal, hex, octal as Go reads it, exponent, Inf/NaN any case, signs folded.
  ["42", "42"],
  ["1.234", "1.234"],
  [".123", "0.123"],
  ["5.", "5"],
  ["1.23e-3", "0.00123"],
  ["12.34e+6", "12340000"],
  ["0x3d", "61"],
  ["0X1F", "31"],
  ["010", "8"],
  ["09", "9"],
  ["Inf", "Inf"],
  ["+Inf", "Inf"],
  ["-inf", "-Inf"],
  ["NaN", "NaN"],
  ["nan", "NaN"],
  ["-1", "-1"],
  ["- - 1", "1"],
  ["+1", "1"],
  ["-0", "-0"],
  ["-(1)", "-(1)"],
  ["1e400", "Inf"],
  // Durations are numbers (seconds) in expressions.
  ["1h", "3600"],
  ["foo - 1m30s", "foo - 90"],
  // Strings: double, single, backtick; Go escapes.
  ['"Foo"', '"Foo"'],
  ["'Foo'", '"Foo"'],
  ["`Foo`", '"Foo"'],
  ["'it\\'s'", '"it\'s"'],
  ['"say \\"hi\\""', '"say \\"hi\\""'],
  ["`a\\nb`", '"a\\\\nb"'],
  ['"\\a\\b\\f\\n\\r\\t\\v\\\\"', '"\\a\\b\\f\\n\\r\\t\\v\\\\"'],
  ['"\\x41\\101\\u00e9\\U0001F600"', '"AAé😀"'],
  ['"\\xc3\\xa9"', '"é"'],
  ['"a\\xc5z"', '"a\\xc5z"'],
  ["`multi\nline`", '"multi\\nline"'],
  // Selectors.
  ["foo", "foo"],
  ["foo:bar:baz", "foo:bar:baz"],
  ["foo{}", "foo"],
  ['foo{a="b"}', 'foo{a="b"}'],
  ['foo{a="b",c!="d",e=~"f",g!~"h",}', 'foo{a="b",c!="d",e=~"f",g!~"h"}'],
  // Matchers sorted by their text and joined with ",", as Prometheus 2.42's /api/v1/format_query prints them.
  ['foo{b="1",a="2"}', 'foo{a="2",b="1"}'],
  ['{__name__="foo",b="1",a="2"}', '{__name__="foo",a="2",b="1"}'],
  ['sum by (b, a) (foo{z="1",a!="2"})', 'sum by (b, a) (foo{a!="2",z="1"})'],
  ['foo{a="1",a="2"}', 'foo{a="1",a="2"}'],
  ['foo{a=~"x",a!="x",a="x"}', 'foo{a!="x",a="x",a=~"x"}'],
  ['{__name__="foo"}', '{__name__="foo"}'],
  ['{"foo"}', "foo"],
  ['{"my.metric"}', '{"my.metric"}'],
  ['{"my.metric", "a.b"="x"}', '{"my.metric","a.b"="x"}'],
  ['{"a.b"="x", "my.metric"}', '{"my.metric","a.b"="x"}'],
  ['foo{sum="a", by="b", on="c", offset="d"}', 'foo{by="b",offset="d",on="c",sum="a"}'],
  // Keywords as metric names where Prometheus allows them.
  ["sum", "sum"],
  ["offset", "offset"],
  ["by + without", "by + without"],
  ["start + end", "start + end"],
  ["fill + fill(0) other", "fill + fill(0) other"],
  ["other + fill", "other + fill"],
  ["anchored", "anchored"],
  ["and", "and"],
  ["foo and and", "foo and and"],
  ["offset offset 5m", "offset offset 5m"],
  ["topk", "topk"],
  ['count_values{a="b"}', 'count_values{a="b"}'],
  ["start @ start()", "start @ start()"],
  ['{on="x", bool="y"}', '{bool="y",on="x"}'],
  ["sum by (and, offset, bool, group_left) (x)", "sum by (and, offset, bool, group_left) (x)"],
  // Ranges, offsets, @, subqueries.
  ["x[5m]", "x[5m]"],
  ["x[300]", "x[300]"],
  ["x[1h30m]", "x[1h30m]"],
  ["x[90m]", "x[1h30m]"],
  ["x[1y2w3d]", "x[382d]"],
  ["x[2w]", "x[2w]"],
  ["x[1y]", "x[1y]"],
  ["x[500ms]", "x[500ms]"],
  ["x offset 5m", "x offset 5m"],
  ["x offset 60", "x offset 60"],
  ["x offset -5m", "x offset -5m"],
  ["x @ 100", "x @ 100.000"],
  ["x @ 1.234", "x @ 1.234"],
  ["x @ -100", "x @ -100.000"],
  ["x @ 1m40s", "x @ 100.000"],
  ["x @ start()", "x @ start()"],
  ["x @ end()", "x @ end()"],
  ["x offset 5m @ 100", "x @ 100.000 offset 5m"],
  ["x[5m] offset 1w @ 10", "x[5m] @ 10.000 offset 1w"],
  ["x[5m:1m]", "x[5m:1m]"],
  ["x[5m:]", "x[5m:]"],
  ["rate(x[5m])[30m:1m] @ end() offset 1m", "rate(x[5m])[30m:1m] @ end() offset 1m"],
  // Experimental duration expressions.
  ["x[5m+1m]", "x[5m + 1m]"],
  ["x[60*30]", "x[60 * 30]"],
  ["x[-5m+35m]", "x[-5m + 35m]"],
  ["x[1+(STep()-5)*2]", "x[1 + (step() - 5) * 2]"],
  ["x[min_of(step()+1,1h)]", "x[min_of(step() + 1, 1h)]"],
  ["x[range()]", "x[range()]"],
  ["x[29s+1s:20*500ms] offset (2*1s)", "x[29s + 1s:20 * 500ms] offset (2 * 1s)"],
  ["x offset -(1h)", "x offset -(1h)"],
  ["x offset max_of(3s, step())", "x offset max_of(3s, step())"],
  // Experimental anchored/smoothed.
  ["x[1m] anchored", "x[1m] anchored"],
  ["x smoothed", "x smoothed"],
  ["x @ 100 smoothed", "x @ 100.000 smoothed"],
  ["x offset -100 smoothed", "x offset -100 smoothed"],
  // Aggregations: grouping before or after, parameters.
  ["sum(x)", "sum(x)"],
  ["SUM(x) BY (job)", "sum by (job) (x)"],
  ["sum by (job) (x)", "sum by (job) (x)"],
  ["sum without (job, instance,) (x)", "sum without (job, instance) (x)"],
  ["sum by () (x)", "sum by () (x)"],
  ["sum(x) without ()", "sum without () (x)"],
  ['sum by ("a.b", on, bool) (x)', 'sum by ("a.b", on, bool) (x)'],
  ["topk(3, x)", "topk(3, x)"],
  ["bottomk by (a) (2, x)", "bottomk by (a) (2, x)"],
  ["quantile(0.9, x)", "quantile(0.9, x)"],
  ['count_values("v", x)', 'count_values("v", x)'],
  ["limitk(2, x)", "limitk(2, x)"],
  ["limit_ratio(0.5, x)", "limit_ratio(0.5, x)"],
  ["group(x)", "group(x)"],
  // Binary modifiers.
  ["a + on(b) c", "a + on (b) c"],
  ["a + ignoring(b, c) d", "a + ignoring (b, c) d"],
  ["a / on(b) group_left d", "a / on (b) group_left () d"],
  ["a / on(b) group_left(c) d", "a / on (b) group_left (c) d"],
  ["a - ignoring(b) group_right(c, d) e", "a - ignoring (b) group_right (c, d) e"],
  ["a > bool on() b", "a > bool on () b"],
  ["a and on() b", "a and on () b"],
  ["1 + on() a", "1 + on () a"],
  ["a + fill(0) b", "a + fill(0) b"],
  ["a + fill_left(5) fill_right(7) b", "a + fill_left(5) fill_right(7) b"],
  ["a + fill_left(1) fill_right(1) b", "a + fill(1) b"],
  ["a + on(x) group_left fill(-Inf) b", "a + on (x) group_left () fill(-Inf) b"],
  ["a </ 2", "a </ 2"],
  ["a >/ on(l) b", "a >/ on (l) b"],
  // Functions.
  ["time()", "time()"],
  ["rate(x[5m])", "rate(x[5m])"],
  ['label_join(x, "a", "-", "b", "c", "d")', 'label_join(x, "a", "-", "b", "c", "d")'],
  ["round(x)", "round(x)"],
  ["round(x, 5)", "round(x, 5)"],
  ["day_of_week()", "day_of_week()"],
  ['info(x, {data=~".+"})', 'info(x, {data=~".+"})'],
  ['info(x, {__name__="target_info"})', 'info(x, {__name__="target_info"})'],
  ["step() + range() + start() - end()", "step() + range() + start() - end()"],
  ["min_of(3, 5)", "min_of(3, 5)"],
  // Comments and whitespace.
  ["# c\nfoo # trailing\n+ bar", "foo + bar"],
];

test("canonical output for every literal form, selector, modifier and operator", () => {
  for (const [input, want] of canonical) {
    let got: string;
    try {
      got = format(parse(input));
    } catch (err) {
      assert.fail(`${JSON.stringify(input)}: ${(err as Error).message}`);
    }
    assert.equal(got, want, JSON.stringify(input));
  }
});

test("the AST holds the values Prometheus computes", () => {
  const num = (q: string): number => {
    const e = parse(q);
    assert.equal(e.type, "NumberLiteral", q);
    return e.type === "NumberLiteral" ? e.value : NaN;
  };
  assert.equal(num("-1"), -1);
  assert.equal(num("0x10"), 16);
  assert.equal(num("1m"), 60);
  assert.ok(Number.isNaN(num("nAn")));

  const sel = parse('foo{a="b"} offset -5m @ 1.5');
  assert.equal(sel.type, "VectorSelector");
  if (sel.type !== "VectorSelector") return;
  assert.equal(sel.name, "foo");
  assert.deepEqual(sel.matchers, [
    { name: "a", op: "=", value: "b" },
    { name: "__name__", op: "=", value: "foo" },
  ]);
  assert.deepEqual(sel.at, { kind: "timestamp", ms: 1500 });
  assert.deepEqual(sel.offset && { ...sel.offset, pos: undefined }, { type: "DurationLiteral", seconds: -300, isNumber: false, pos: undefined });

  const quoted = parse('{"my.metric", a="b"}');
  assert.ok(quoted.type === "VectorSelector" && quoted.name === "my.metric");

  const m = parse("x[300]");
  assert.ok(m.type === "MatrixSelector" && m.range.type === "DurationLiteral" && m.range.isNumber && m.range.seconds === 300);

  const sq = parse("x[5m:]");
  assert.ok(sq.type === "SubqueryExpr" && sq.step === undefined);

  const b = parse("a and b");
  assert.ok(b.type === "BinaryExpr" && b.matching?.card === "many-to-many", "set operators are many-to-many");
  const scalarBin = parse("a + 1");
  assert.ok(scalarBin.type === "BinaryExpr" && scalarBin.matching === undefined, "no matching when a side is scalar");
  const vv = parse("a + b");
  assert.ok(vv.type === "BinaryExpr" && vv.matching?.card === "one-to-one" && !vv.matching.hasMatchingClause);
  const gl = parse("a * on(x) group_left(y) b");
  assert.ok(gl.type === "BinaryExpr" && gl.matching?.card === "many-to-one" && gl.matching.on && gl.matching.include[0] === "y");
  const fill = parse("a + fill_left(5) fill_right(NaN) b");
  assert.ok(fill.type === "BinaryExpr" && fill.matching?.fillLeft === 5 && Number.isNaN(fill.matching.fillRight));

  const agg = parse("sum(x) by (a)");
  assert.ok(agg.type === "AggregateExpr" && agg.hasGrouping && !agg.without && agg.grouping[0] === "a");
  const noGroup = parse("sum(x)");
  assert.ok(noGroup.type === "AggregateExpr" && !noGroup.hasGrouping);

  const d = parse("x[1h/2]");
  assert.ok(d.type === "MatrixSelector");
  if (d.type === "MatrixSelector") assert.equal(formatDurationExpr(d.range), "1h / 2");
});

test("positions are offsets into the input", () => {
  const e = parse("sum(rate(foo[5m])) + 1");
  assert.deepEqual(e.pos, { start: 0, end: 22 });
  assert.ok(e.type === "BinaryExpr" && e.lhs.type === "AggregateExpr");
  if (e.type !== "BinaryExpr" || e.lhs.type !== "AggregateExpr") return;
  assert.deepEqual(e.lhs.pos, { start: 0, end: 18 });
  const call = e.lhs.expr;
  assert.deepEqual(call.pos, { start: 4, end: 17 });
  assert.ok(call.type === "Call" && call.args[0]!.type === "MatrixSelector");
  if (call.type === "Call") assert.deepEqual(call.args[0]!.pos, { start: 9, end: 16 });
  const neg = parse("x - -1");
  assert.ok(neg.type === "BinaryExpr");
  if (neg.type === "BinaryExpr") assert.deepEqual(neg.rhs.pos, { start: 4, end: 6 });
  const off = parse("foo offset 5m");
  assert.deepEqual(off.pos, { start: 0, end: 13 });
});
