// Fuzzing: random and mutated inputs always end in an AST or a ParseError — never
// another exception, never a hang — and every AST they yield round-trips through format.
import { test } from "node:test";
import assert from "node:assert/strict";
import { format, parse, ParseError } from "./index.js";
import { sameMeaning } from "./testutil/ast.js";
import { sharedDir } from "../testing/index.js";
import { specCorpus } from "./testutil/corpus.js";

/** A small seeded PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fragments = [
  "sum", "by", "without", "(", ")", "{", "}", "[", "]", ",", ":", "@", "offset", "bool", "on", "ignoring",
  "group_left", "group_right", "and", "or", "unless", "+", "-", "*", "/", "%", "^", "==", "!=", "<", "<=",
  ">", ">=", "=", "=~", "!~", "</", ">/", "foo", "bar:baz", "rate", "label_replace", "topk", "count_values",
  "5m", "1h30m", "300", "0x1f", "1e3", ".5", "Inf", "NaN", '"a"', "'b'", "`c`", '"\\x41"', '"\\u00e9"',
  "start()", "end()", "step()", "range()", "min_of", "max_of", "anchored", "smoothed", "fill", "fill_left",
  "fill_right", "#", "\n", " ", "\t", "__name__", '"my.metric"', "é", "\u{1F600}", "\ud800", "\\", "!", "$",
];

const sampleQueries = [
  'sum by (job) (rate(http_requests_total{job=~"api.*", code!="500"}[5m])) / on(job) group_left sum(up)',
  "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m] offset 1h @ 100)))",
  "max_over_time((time() - max(demo) < 1000)[5m:10s] offset 5m)",
  "-2 ^ -3 * - sum(x) without (a) ^ 2 > bool 1 or vector(1) unless on() y",
  "count_over_time(metric[max_of(min_of(step()+1,1h),1ms)]) + left + fill_left(1) fill_right(2) right",
  'info(metric @ start(), {__name__=~".+_info", data=~".+"}) and x[1m] anchored',
  'label_join(x, "a", "-", "b") </ 2 >/ 1 # comment',
];

function generate(r: () => number, depth: number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  if (depth <= 0 || r() < 0.3) {
    return pick(["foo", 'bar{a="b"}', "1", "-2.5", '"s"', "x[5m]", "y offset 1m", "z @ 100", "Inf", '{"u.v", w!~"q"}', "1h"]);
  }
  const sub = (): string => generate(r, depth - 1);
  switch (Math.floor(r() * 9)) {
    case 0:
      return `${sub()} ${pick(["+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", "and", "or", "unless", "atan2"])} ${pick(["", "bool ", "on(a) ", "ignoring(b) group_left(c) ", "fill(0) "])}${sub()}`;
    case 1:
      return `${pick(["-", "+"])}${sub()}`;
    case 2:
      return `(${sub()})`;
    case 3:
      return `${pick(["sum", "avg", "topk(3,", "quantile(0.5,", "count_values(\"v\","])}${pick(["", " by (a)", " without (b)"])}(${sub()})`.replace(/\(\(/, "(").replace(/,\(/, ", ");
    case 4:
      return `${pick(["rate", "abs", "vector", "scalar", "sort", "label_replace", "round", "time"])}(${sub()})`;
    case 5:
      return `${sub()}[${pick(["5m", "1h:1m", "30s:", "5m+1m", "step()"])}]`;
    case 6:
      return `${sub()} offset ${pick(["5m", "-1h", "(1m*2)", "step()"])}`;
    case 7:
      return `${sub()} @ ${pick(["1", "-1.5", "start()", "end()"])}`;
    default:
      return `${sub()} ${pick(["anchored", "smoothed"])}`;
  }
}

function mutate(r: () => number, s: string): string {
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * (s.length + 1));
    switch (Math.floor(r() * 5)) {
      case 0:
        s = s.slice(0, i) + s.slice(i + 1 + Math.floor(r() * 3));
        break;
      case 1:
        s = s.slice(0, i) + fragments[Math.floor(r() * fragments.length)]! + s.slice(i);
        break;
      case 2:
        s = s.slice(0, i) + s[Math.floor(r() * s.length)]! + s.slice(i);
        break;
      case 3:
        s = s.slice(0, i);
        break;
      default: {
        const j = Math.floor(r() * s.length);
        s = s.slice(0, Math.min(i, j)) + s.slice(Math.max(i, j)) + s.slice(Math.min(i, j), Math.max(i, j));
      }
    }
  }
  return s;
}

function checkOne(input: string, stats: { ok: number; errors: number }): void {
  let expr;
  try {
    expr = parse(input);
  } catch (err) {
    if (!(err instanceof ParseError)) assert.fail(`${JSON.stringify(input)} threw ${String(err)}`);
    assert.ok(err.errors.length > 0, `${JSON.stringify(input)}: ParseError without problems`);
    for (const p of err.errors) assert.ok(p.pos.line >= 1 && p.pos.column >= 1 && p.message.length > 0);
    stats.errors++;
    return;
  }
  stats.ok++;
  const text = format(expr);
  let again;
  try {
    again = parse(text);
  } catch (err) {
    assert.fail(`${JSON.stringify(input)} formats to ${JSON.stringify(text)} which does not parse: ${(err as Error).message}`);
  }
  assert.deepEqual(sameMeaning(again), sameMeaning(expr), `${JSON.stringify(input)} → ${JSON.stringify(text)}`);
  assert.equal(format(again), text, `${JSON.stringify(text)} is not a fixed point of the printer`);
  assert.ok(format(expr, { pretty: true }).length > 0);
}

test("fuzz: random, generated and mutated inputs end in an AST or a ParseError", (t) => {
  const r = rng(Number(process.env.PROMQL_FUZZ_SEED ?? 20261121));
  const shared = sharedDir();
  const seeds = shared === undefined ? sampleQueries : [...sampleQueries, ...specCorpus(shared).map((q) => q.query)];
  const stats = { ok: 0, errors: 0 };
  const deadline = Date.now() + Number(process.env.PROMQL_FUZZ_MS ?? 9000);
  let n = 0;
  const count = Number(process.env.PROMQL_FUZZ_COUNT ?? 20000);
  for (; n < count && Date.now() < deadline; n++) {
    let input: string;
    const kind = n % 4;
    if (kind === 0) {
      input = "";
      const len = Math.floor(r() * 12);
      for (let k = 0; k < len; k++) input += fragments[Math.floor(r() * fragments.length)]! + (r() < 0.5 ? " " : "");
    } else if (kind === 1) {
      input = generate(r, 4);
    } else {
      input = mutate(r, seeds[Math.floor(r() * seeds.length)]!);
    }
    checkOne(input, stats);
  }
  assert.ok(n >= 2000, `only ${n} inputs in the time budget`);
  t.diagnostic(`${n} inputs: ${stats.ok} parsed and round-tripped, ${stats.errors} ParseErrors`);
  assert.ok(stats.ok > 100 && stats.errors > 100, JSON.stringify(stats));
});
