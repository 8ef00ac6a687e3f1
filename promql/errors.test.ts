// Every error class, with its message and position (1-based line:column).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { format, parse, ParseError, treeDepth, type Expr } from "./index.js";

/** input → [line:col, message substring]. */
const errors: [string, string, string][] = [
  // Lexical.
  ["", "1:1", "no expression found in input"],
  ["  # only a comment", "1:1", "no expression found in input"],
  ['"abc', "1:1", "unterminated quoted string"],
  ["`abc", "1:1", "unterminated raw string"],
  ['"a\nb"', "1:1", "unterminated quoted string"],
  ["'\\q'", "1:2", "unknown escape sequence \\q"],
  ['"\\xZZ"', "1:2", "expected 2 hex digits"],
  ['"\\477"', "1:2", "octal escape value > 255"],
  ['"\\uD800"', "1:2", "invalid Unicode code point"],
  ['"it\\\'s"', "1:4", "unknown escape sequence"],
  ["1.5m", "1:1", 'bad number or duration syntax: "1.5m"'],
  ["5mm", "1:1", "bad number or duration syntax"],
  ["x[1m1h]", "1:3", "bad number or duration syntax"],
  ["a!b", "1:2", "unexpected character after '!': 'b'"],
  ['foo{a!x}', "1:6", "unexpected character after '!' inside braces: 'x'"],
  ["é", "1:1", "unexpected character: 'é'"],
  ['foo{a="b" é}', "1:11", "unexpected character inside braces: 'é'"],
  ["a \u0001", "1:3", "unexpected character: '\\x01'"],
  ["a $ b", "1:3", "unexpected character"],
  ["foo)", "1:5", "unexpected right parenthesis ')'"],
  ["foo]", "1:4", "unexpected right bracket ']'"],
  ['foo{a="1"}}', "1:11", "unexpected character: '}'"],
  ["(foo", "1:5", "unclosed left parenthesis"],
  ["foo{a=\"b\"", "1:10", "unexpected end of input inside braces"],
  ["foo{", "1:5", "unexpected end of input inside braces"],
  // Columns count UTF-8 bytes, as Prometheus's do.
  ['"é" + foo{', "1:12", "unexpected end of input inside braces"],
  ['"éé" + foo{a=~"("}', "1:14", "error parsing regexp"],
  ['"𝄞" + foo{', "1:14", "unexpected end of input inside braces"],
  ['1 +\n"é" + foo{', "2:12", "unexpected end of input inside braces"],
  ["x[5m", "1:5", "unclosed left bracket"],
  ["foo{a{", "1:6", "unexpected left brace inside braces"],
  ["foo:bar{a:b=\"c\"}", "1:10", "unexpected character inside braces: ':'"],
  // Syntax.
  // Matcher regexes Go's regexp rejects, over the whole matcher, with Go's message (as Prometheus 3).
  ['up{x=~"("}', "1:4", "error parsing regexp: missing closing ): `^(?s:()$`"],
  ['up{a="b", x!~"a{1001}"}', "1:11", "error parsing regexp: invalid repeat count: `{1001}`"],
  ['rate(up{x=~"(a)\\\\1"}[5m])', "1:9", "error parsing regexp: invalid escape sequence: `\\1`"],
  ['{x=~"(?=a)"}', "1:2", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"],
  // A selector whose matchers all match the empty value, RE2 constructs included.
  ['{a=~"[[:alpha:]]*"}', "1:1", "vector selector must contain at least one non-empty matcher"],
  ['{a=~"\\\\pL*|x"}', "1:1", "vector selector must contain at least one non-empty matcher"],
  ['{a!~"(?i)[[:alpha:]]+"}', "1:1", "vector selector must contain at least one non-empty matcher"],
  ["1 +", "1:4", "unexpected end of input"],
  ["foo bar", "1:5", 'unexpected identifier "bar"'],
  ["sum by (a) (x) by (b)", "1:16", 'unexpected keyword "by"'],
  ["foo{a}", "1:6", "in label matching"],
  ["foo{a=b}", "1:7", 'unexpected identifier "b" in label matching, expected string'],
  ['foo{a="b",,}', "1:11", "label matching"],
  ["sum by (a,,b) (x)", "1:11", "grouping opts"],
  ["x[5m:1m:1m]", "1:8", "unexpected"],
  ["x @ foo", "1:5", "unexpected"],
  ["x offset foo", "1:10", "unexpected"],
  ["+", "1:2", "unexpected end of input"],
  ["bool", "1:1", 'unexpected keyword "bool"'],
  ["a + on b", "1:8", "expected"],
  ["f(a,)", "1:1", "unknown function"],
  ["rate(x[5m],)", "1:11", "trailing commas not allowed in function call args"],
  // Selectors.
  ["{}", "1:1", "vector selector must contain at least one non-empty matcher"],
  ['{a=""}', "1:1", "at least one non-empty matcher"],
  ['{a=~".*"}', "1:1", "at least one non-empty matcher"],
  ['{a!~".+"}', "1:1", "at least one non-empty matcher"],
  ['{a!="x"}', "1:1", "at least one non-empty matcher"],
  // Over the whole selector, as Prometheus's parse_test.go has it (Start: 0, End: 19).
  ['foo{__name__="bar"}', "1:1", "metric name must not be set twice"],
  ['foo{"bar"}', "1:1", "metric name must not be set twice"],
  ['{"a", "b"}', "1:7", "metric name must not be set twice"],
  ['sum by ("") (x)', "1:9", "invalid label name"],
  // Modifiers.
  ["x offset 5m offset 1m", "1:13", "offset may not be set multiple times"],
  ["sum(x) offset 5m", "1:8", "offset modifier must be preceded by an instant vector selector"],
  ["x @ 1 @ 2", "1:7", "@ <timestamp> may not be set multiple times"],
  ["1 @ 2", "1:3", "@ modifier must be preceded by"],
  ["x @ Inf", "1:5", "timestamp out of bounds for @ modifier"],
  ["(x)[5m]", "1:4", "ranges only allowed for vector selectors"],
  ["x offset 5m [5m]", "1:13", "no offset modifiers allowed before range"],
  ["x @ 1 [5m]", "1:7", "no @ modifiers allowed before range"],
  ["x[5m] anchored smoothed", "1:16", "anchored and smoothed modifiers cannot be used together"],
  ["rate(x[5m:1m] anchored)", "1:15", "anchored modifier is not supported for subqueries"],
  ["sum(x) smoothed", "1:8", "smoothed modifier must be preceded by"],
  // Aggregations.
  ["sum()", "1:1", "no arguments for aggregate expression provided"],
  ["topk(x)", "1:1", "wrong number of arguments for aggregate expression provided, expected 2, got 1"],
  ["sum(1, x)", "1:1", "expected 1, got 2"],
  ["sum(x[5m:])", "1:5", "expected type instant vector in aggregation expression, got range vector"],
  ['topk("a", x)', "1:6", "expected type scalar in aggregation parameter, got string"],
  ["count_values(1, x)", "1:14", "expected type string in aggregation parameter, got scalar"],
  // Functions.
  ["foo()", "1:1", 'unknown function with name "foo"'],
  ["rate(x)", "1:6", 'expected type range vector in call to function "rate", got instant vector'],
  ["rate(x[5m], 1)", "1:1", 'expected 1 argument(s) in call to "rate", got 2'],
  ["round()", "1:1", 'expected at least 1 argument(s) in call to "round", got 0'],
  ["round(x, 1, 2)", "1:1", 'expected at most 2 argument(s) in call to "round", got 3'],
  ['label_join(x, "a")', "1:1", "expected at least 3 argument(s)"],
  ["abs(1)", "1:5", 'expected type instant vector in call to function "abs", got scalar'],
  ["info(x, target_info)", "1:9", "expected label selectors only, got vector selector instead"],
  ["info(x, sum(y))", "1:9", "expected label selectors only"],
  // Binary expressions.
  ["1 == 2", "1:3", "comparisons between scalars must use BOOL modifier"],
  ["a + bool b", "1:3", "bool modifier can only be used on comparison operators"],
  ["1 and 2", "1:1", 'set operator "and" not allowed in binary scalar expression'],
  ["a or 1", "1:1", 'set operator "or" not allowed in binary scalar expression'],
  ["a + on(x) 1", "1:1", "vector matching only allowed between instant vectors"],
  ["a and on(x) group_left b", "1:1", 'no grouping allowed for "and" operation'],
  ["a + on(x) group_left(x) b", "1:3", 'label "x" must not occur in ON and GROUP clause at once'],
  ['"a" + 1', "1:1", "binary expression must contain only scalar and instant vector types"],
  ["x[5m] + 1", "1:1", "binary expression must contain only scalar and instant vector types"],
  ["a + fill(0) 1", "1:1", "filling in missing series only allowed between instant vectors"],
  ["a and fill(0) b", "1:1", "filling in missing series not allowed for set operators"],
  ["a + fill(1) fill_left(2) b", "1:13", "fill value may not be set multiple times"],
  // Unary and subqueries.
  ['-"a"', "1:1", 'unary expression only allowed on expressions of type scalar or instant vector, got "string"'],
  ["-x[5m]", "1:1", "unary expression only allowed"],
  ["x[5m][10m:]", "1:1", "subquery is only allowed on instant vector, got range vector instead"],
  ['"a"[5m:]', "1:1", "subquery is only allowed on instant vector"],
  // Multi-line positions.
  ["foo +\n  bar{a=}", "2:9", 'unexpected "}" in label matching, expected string'],
  ["sum(\n  rate(x)\n)", "2:8", "expected type range vector"],
];

test("every error class gives its message at its position", () => {
  for (const [input, where, message] of errors) {
    let err: unknown;
    try {
      parse(input);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ParseError, `${JSON.stringify(input)} should fail`);
    const first = err.errors[0]!;
    assert.ok(first.message.includes(message), `${JSON.stringify(input)}: got ${JSON.stringify(first.message)}, want ${JSON.stringify(message)}`);
    assert.equal(`${first.pos.line}:${first.pos.column}`, where, `${JSON.stringify(input)}: ${first.message}`);
    assert.ok(err.message.startsWith(`${where}: parse error: `), err.message);
  }
});

test("a ParseError carries every problem found", () => {
  try {
    parse("rate(x) + abs(1)");
    assert.fail("should throw");
  } catch (err) {
    assert.ok(err instanceof ParseError);
    assert.deepEqual(
      err.errors.map((e) => e.message),
      ['expected type range vector in call to function "rate", got instant vector', 'expected type instant vector in call to function "abs", got scalar'],
    );
    assert.deepEqual(err.errors[1]!.pos, { offset: 14, line: 1, column: 15 });
    assert.deepEqual(err.errors[1]!.end, { offset: 15, line: 1, column: 16 });
  }
});

/** Experimental syntax names the feature when switched off. */
const experimental: [string, string][] = [
  ["x[5m+1m]", "duration expression is experimental and not enabled"],
  ["x offset (1h*2)", "duration expression is experimental and not enabled"],
  ["x[step()]", "duration expression is experimental and not enabled"],
  ["x[1m] anchored", "anchored modifier is experimental and not enabled"],
  ["x smoothed", "smoothed modifier is experimental and not enabled"],
  ["a + fill(0) b", "binop fill modifiers is experimental and not enabled"],
  ["info(x)", 'function "info" is experimental and not enabled'],
  ['sort_by_label(x, "a")', 'function "sort_by_label" is experimental and not enabled'],
  ["limitk(1, x)", "limitk() is experimental and not enabled"],
  ["step()", 'function "step" is experimental and not enabled'],
];

test("experimental syntax can be switched off and names the feature", () => {
  for (const [input, message] of experimental) {
    assert.doesNotThrow(() => parse(input), input);
    assert.throws(
      () => parse(input, { experimental: false }),
      (err: unknown) => err instanceof ParseError && err.errors.some((e) => e.message === message),
      input,
    );
  }
  // Plain durations, negative offsets and stable functions stay available.
  for (const q of ["x[5m]", "x[300]", "x offset -5m", "rate(x[5m] offset 1m)", "sum(x)", "histogram_quantile(0.9, x)"]) {
    assert.doesNotThrow(() => parse(q, { experimental: false }), q);
  }
});

test("nesting deeper than the limits is a ParseError, not a crash", () => {
  assert.throws(() => parse("(".repeat(10000) + "1" + ")".repeat(10000)), (e: unknown) => e instanceof ParseError && /nested too deeply/.test(e.message));
  assert.throws(() => parse("-".repeat(5000) + "x"), (e: unknown) => e instanceof ParseError && /nested too deeply/.test(e.message));
  assert.throws(() => parse(Array(3000).fill("a").join(" + ")), (e: unknown) => e instanceof ParseError && /nested too deeply/.test(e.message));
  assert.throws(() => parse("abs(".repeat(1025) + "x" + ")".repeat(1025)), (e: unknown) => e instanceof ParseError && /nested too deeply \(more than 1024 levels\)/.test(e.message));
  assert.doesNotThrow(() => parse(Array(500).fill("a").join(" or ")));
});

test("a thousand levels of parentheses, calls, aggregations and subqueries parse, as in Prometheus", () => {
  const deep: [string, (n: number) => string][] = [
    ["parentheses", (n) => "(".repeat(n) + "1" + ")".repeat(n)],
    ["calls", (n) => "abs(".repeat(n) + "x" + ")".repeat(n)],
    ["aggregations", (n) => "sum(".repeat(n) + "x" + ")".repeat(n)],
    ["aggregations with grouping first", (n) => "sum by (a) (".repeat(n) + "x" + ")".repeat(n)],
    ["aggregations with grouping last", (n) => "sum(".repeat(n) + "x" + ") by (a)".repeat(n)],
    ["subqueries", (n) => "min_over_time(".repeat(n) + "x" + "[1m:])".repeat(n)],
    ["binary operands", (n) => "(x + ".repeat(n) + "x" + ")".repeat(n)],
    ["call arguments", (n) => 'label_replace('.repeat(n) + "x" + ', "a", "$1", "b", "(.*)")'.repeat(n)],
  ];
  for (const [what, make] of deep) {
    const q = make(1000);
    const expr = parse(q);
    assert.equal(format(expr), format(parse(format(expr))), what);
    assert.ok(treeDepth(expr, 10_000) >= 1000, what);
  }
});

test("deep input parsed in layers keeps every node's position in the original text", () => {
  const n = 300;
  const q = "(".repeat(n) + "rate(x[5m])" + ")".repeat(n);
  let e = parse(q);
  for (let depth = 0; depth < n; depth++) {
    assert.equal(e.type, "ParenExpr");
    assert.deepEqual(e.pos, { start: depth, end: q.length - depth });
    e = (e as Extract<Expr, { type: "ParenExpr" }>).expr;
  }
  assert.equal(e.type, "Call");
  assert.deepEqual(e.pos, { start: n, end: n + "rate(x[5m])".length });
});

test("a syntax error deep inside layered input is reported where it is, with Prometheus's message", () => {
  const n = 500;
  const q = "(".repeat(n) + "1 +" + ")".repeat(n);
  assert.throws(() => parse(q), (e: unknown) => e instanceof ParseError && e.message === `1:${n + 4}: parse error: unexpected ")"`);
  const messageOf = (input: string): string => {
    try {
      parse(input);
    } catch (e) {
      return (e as Error).message;
    }
    return "parsed";
  };
  const shallow = /^1:(\d+): (.*)$/.exec(messageOf("abs(foo{a=1})"))!;
  const r = "abs(".repeat(n) + "foo{a=1}" + ")".repeat(n);
  assert.equal(messageOf(r), `1:${Number(shallow[1]) + (n - 1) * 4}: ${shallow[2]}`);
  const t = "(".repeat(n) + "rate(x)" + ")".repeat(n);
  assert.throws(() => parse(t), (e: unknown) => e instanceof ParseError && /expected type range vector in call to function "rate"/.test(e.message));
});

test("a stack overflow on a small stack still ends in a ParseError, and the parser recovers", () => {
  const script = [
    `const { parse, ParseError } = await import(${JSON.stringify(new URL("./index.js", import.meta.url).href)});`,
    `const deep = "sum(".repeat(120) + "x" + ")".repeat(120);`,
    `let kind = "none";`,
    `try { parse(deep); kind = "ok"; } catch (e) { kind = e instanceof ParseError ? "ParseError" : String(e); }`,
    `const after = parse("rate(x[5m])").type;`,
    `console.log(JSON.stringify({ kind, after }));`,
  ].join("\n");
  const r = spawnSync(process.execPath, ["--stack-size=200", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { kind: string; after: string };
  assert.ok(out.kind === "ParseError" || out.kind === "ok", out.kind);
  assert.equal(out.after, "Call");
});
