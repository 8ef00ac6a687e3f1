import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NO_SHARED, sharedDir } from "../../testing/index.js";
import { expandQueryFile, expandTemplate, parseQueryFile, QueryFileError } from "./queries.js";
import { parseYaml, YamlError } from "../../storeapi/index.js";

test("yaml: mappings, sequences, flow lists, quoting and comments", () => {
  const doc = parseYaml(`# head comment
test_cases:
  # a comment line
  - query: 'it''s # not a comment'
    variant_args: ['range', "offset"]
  - # comment after the dash
    query: "a\\"b" # trailing comment
    should_fail: true
  - query: plain -1 ^ 2
  - query: 42
top:
- x
- y
empty:
`);
  assert.deepEqual(doc, {
    test_cases: [
      { query: "it's # not a comment", variant_args: ["range", "offset"] },
      { query: 'a"b', should_fail: true },
      { query: "plain -1 ^ 2" },
      { query: 42 },
    ],
    top: ["x", "y"],
    empty: null,
  });
});

test("yaml: errors name the line", () => {
  assert.throws(() => parseYaml("a: 'open\n"), (e: unknown) => e instanceof YamlError && e.line === 1);
  assert.throws(() => parseYaml("a: 1\na: 2\n"), (e: unknown) => e instanceof YamlError && /duplicate key/.test(e.message) && e.line === 2);
  assert.throws(() => parseYaml("a:\n  - x\n   - y\n"), YamlError);
  assert.throws(() => parseYaml("a: [x, [y]\n"), /line 1: expected , or \] in flow sequence/);
  assert.throws(() => parseYaml("a: |2\n  text\n"), /indentation indicators/);
});

test("query file: unknown fields, placeholders and variant names are rejected", () => {
  assert.throws(() => parseQueryFile("test_cases:\n  - query: x\n    bogus: 1\n"), (e: unknown) => e instanceof QueryFileError && /unknown field "bogus"/.test(e.message) && /line 2/.test(e.message));
  assert.throws(() => parseQueryFile("test_cases:\n  - query: 'rate(x[{{.range}}])'\n"), /placeholder \{\{\.range\}\} is not in variant_args/);
  assert.throws(() => parseQueryFile("test_cases:\n  - query: '{{.nope}}'\n    variant_args: ['nope']\n"), /unknown variant arg "nope"/);
  assert.throws(() => parseQueryFile("cases: []\n"), /test_cases/);
});

test("variant expansion: cartesian product, first argument slowest, values overridable", () => {
  const f = parseQueryFile(`variant_values:
  op: [sum, max]
  range: [1m, 5m, 1h]
test_cases:
  - query: '{{.op}}_over_time(x[{{.range}}])'
    variant_args: ['op', 'range']
    skip_comparison: true
`);
  const cases = expandQueryFile(f);
  assert.deepEqual(
    cases.map((c) => c.query),
    ["sum_over_time(x[1m])", "sum_over_time(x[5m])", "sum_over_time(x[1h])", "max_over_time(x[1m])", "max_over_time(x[5m])", "max_over_time(x[1h])"],
  );
  assert.ok(cases.every((c) => c.skipComparison && !c.shouldFail && c.template === "{{.op}}_over_time(x[{{.range}}])"));
  assert.deepEqual(
    expandTemplate({ query: "{{.topBottomOp}}(3, x)", variantArgs: ["topBottomOp"], shouldFail: false, skipComparison: false, line: 0 }).map((c) => c.query),
    ["topk(3, x)", "bottomk(3, x)"],
  );
});

test("the real compliance query file reads and expands", (t) => {
  const shared = sharedDir();
  if (shared === undefined) return t.skip(NO_SHARED);
  const f = parseQueryFile(readFileSync(join(shared, "compliance", "promql-test-queries.yml"), "utf8"));
  assert.equal(f.templates.length, 118);
  const failing = f.templates.filter((c) => c.shouldFail);
  assert.deepEqual(
    failing.map((c) => c.query),
    [
      '{__name__=~".*"}',
      'label_replace(demo_num_cpus, "job", "value-$1", "src", "(.*")',
      'label_replace(demo_num_cpus, "~invalid", "", "src", "(.*)")',
      'label_replace(demo_num_cpus, "instance", "", "", "")',
      'label_join(demo_num_cpus, "~invalid", "-", "instance")',
    ],
  );
  assert.equal(failing[0].line, 55);
  const cases = expandQueryFile(f);
  assert.equal(cases.length, 539);
  assert.ok(cases.every((c) => !c.query.includes("{{")), "every placeholder is filled");
  const q = new Set(cases.map((c) => c.query));
  for (const want of [
    "demo_intermittent_metric",
    "stdvar_over_time(demo_memory_usage_bytes[1h])",
    "quantile_over_time(-0.5, demo_memory_usage_bytes[1s])",
    "demo_memory_usage_bytes offset -10m",
    "day_of_week(demo_batch_last_success_timestamp_seconds offset 5m)",
    "-1 ^ 2",
    'histogram_quantile(0.9, {__name__=~"demo_api_request_duration_seconds_.+"})',
  ]) {
    assert.ok(q.has(want), `expanded set has ${want}`);
  }
});
