import assert from "node:assert/strict";
import { test } from "node:test";
import { parseScript, ScriptError, type EvalCommand, type LoadCommand, type MessageMatcher } from "./script.js";

function evals(text: string): EvalCommand[] {
  return parseScript(text, "t.test").commands.filter((c): c is EvalCommand => c.type === "eval");
}

function only(text: string): EvalCommand {
  const all = evals(text);
  assert.equal(all.length, 1);
  return all[0];
}

function matcherText(m: MessageMatcher): string {
  return m.kind === "any" ? "*" : m.kind === "msg" ? `msg:${m.text}` : `regex:${m.source}`;
}

test("commands, comments and blank lines", () => {
  const script = parseScript(
    [
      "# a comment",
      "load 5m",
      '  http_requests{job="a"} 0+10x2',
      "  other 1",
      "",
      "load_with_nhcb 1m",
      '  h_bucket{le="1"} 1',
      "",
      "clear",
      "",
      "eval instant at 50m sum(http_requests)",
      "  {} 20",
    ].join("\n"),
    "t.test",
  );
  assert.deepEqual(
    script.commands.map((c) => [c.type, c.line]),
    [
      ["load", 2],
      ["load", 6],
      ["clear", 9],
      ["eval", 11],
    ],
  );
  const load = script.commands[0] as LoadCommand;
  assert.equal(load.intervalMs, 300_000);
  assert.equal(load.withNhcb, false);
  assert.equal(load.series.length, 2);
  assert.equal((script.commands[1] as LoadCommand).withNhcb, true);
});

test("a comment line ends a block like a blank line, as in the reference runner", () => {
  assert.throws(() => parseScript("load 1m\n  a 1\n  # note\n  b 1\n", "t.test"), /t\.test:4: invalid command "b 1"/);
});

test("a later line for the same series in one load replaces the earlier one", () => {
  const load = parseScript("load 1m\n  m{a=\"b\"} 1 2\n  m{a=\"b\"} 3\n", "t.test").commands[0] as LoadCommand;
  assert.equal(load.series.length, 1);
  assert.deepEqual(load.series[0].values, [{ kind: "float", value: 3 }]);
  assert.equal(load.series[0].line, 3);
});

test("@st lines attach start timestamps to the following series", () => {
  const load = parseScript("load 1m\n  c{t=\"x\"}@st _ -30sx1\n  c{t=\"x\"} _ 0+60x1\n  d 1 2 3\n", "t.test").commands[0] as LoadCommand;
  assert.equal(load.series.length, 2);
  assert.deepEqual(load.series[0].startTimestamps, [{ kind: "omitted" }, { kind: "offset", ms: -30_000 }, { kind: "offset", ms: -30_000 }]);
  assert.equal(load.series[1].startTimestamps, undefined);
});

test("eval headers: instant, range, and the deprecated variants", () => {
  const cases: [string, Partial<EvalCommand>, Partial<EvalCommand["legacy"]>][] = [
    ["eval instant at 50m sum(x)", { kind: "instant", timeMs: 3_000_000, query: "sum(x)" }, {}],
    ["eval instant at 0 x", { kind: "instant", timeMs: 0, query: "x" }, {}],
    ["eval range from 0 to 10m step 5m rate(x[5m])", { kind: "range", startMs: 0, endMs: 600_000, stepMs: 300_000, query: "rate(x[5m])" }, {}],
    ["eval_fail instant at 1m x", { kind: "instant", timeMs: 60_000 }, { fail: true }],
    ["eval_warn instant at 1m x", {}, { warn: true }],
    ["eval_info instant at 1m x", {}, { info: true }],
    ["eval_ordered instant at 1m sort(x)", { query: "sort(x)" }, { ordered: true }],
    ["eval_fail range from 0 to 1m step 1m x", { kind: "range" }, { fail: true }],
  ];
  for (const [header, want, legacy] of cases) {
    const ev = only(header);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(ev[k as keyof EvalCommand], v, `${header}: ${k}`);
    assert.deepEqual(ev.legacy, { fail: false, warn: false, info: false, ordered: false, ...legacy }, header);
  }
});

test("expect lines", () => {
  const ev = only(
    [
      "eval instant at 1m sum(x)",
      "  expect warn msg: PromQL warning: something (1:5)",
      "  expect warn",
      "  expect info regex: PromQL info: a (b|c) \\(1:15\\)",
      "  expect ordered",
      "  {} 1",
    ].join("\n"),
  );
  assert.deepEqual(ev.expect.warn.map(matcherText), ["msg:PromQL warning: something (1:5)", "*"]);
  assert.deepEqual(ev.expect.info.map(matcherText), ["regex:PromQL info: a (b|c) \\(1:15\\)"]);
  assert.equal(ev.expect.ordered, true);
  assert.deepEqual(ev.expectedSeries.map((s) => s.pos), [1]);

  const fail = only('eval instant at 1m x\n  expect fail msg:vector cannot contain metrics with the same labelset\n');
  assert.deepEqual(fail.expect.fail.map(matcherText), ["msg:vector cannot contain metrics with the same labelset"]);

  const none = only("eval instant at 1m x\n  expect no_warn\n  expect no_info\n");
  assert.equal(none.expect.noWarn, true);
  assert.equal(none.expect.noInfo, true);
});

test("deprecated expected_fail_message / expected_fail_regexp", () => {
  const msg = only("eval_fail instant at 1m x\n  expected_fail_message some error\n");
  assert.equal(msg.expectedFailMessage, "some error");
  const re = only("eval_fail instant at 1m x\n  expected_fail_regexp some (error|problem)\n");
  assert.equal(re.expectedFailRegexp?.regex.test("a some problem here"), true);
});

test("expected results: series, scalar, string, range vector", () => {
  const series = only('eval range from 0 to 2m step 1m x\n  x{a="1"} 1 _ 3\n  {} 5x2\n');
  assert.deepEqual(
    series.expectedSeries.map((s) => [s.labels.map((l) => l.value), s.values.length, s.line]),
    [
      [["x", "1"], 3, 2],
      [[], 3, 3],
    ],
  );
  const scalar = only("eval instant at 1m 1+1\n  2\n");
  assert.deepEqual(scalar.expectedScalar, { kind: "float", value: 2 });
  const hex = only("eval instant at 1m 31\n  0x1f\n");
  assert.deepEqual(hex.expectedScalar, { kind: "float", value: 31 });
  const str = only('eval instant at 50m "Foo"\n  expect string " Foo "\n');
  assert.equal(str.expectedString, " Foo ");
  assert.equal(str.excludeFromRangeQuery, true);
  const raw = only("eval instant at 50m \"Foo\"\n  expect string `Foo`\n");
  assert.equal(raw.expectedString, "Foo");
  const rv = only("eval instant at 1m m[1m]\n  expect range vector from 10s to 1m step 10s\n  m{env=\"a\"} 2 3 4 5 6\n");
  assert.equal(rv.expectRangeVector, true);
  assert.deepEqual([rv.startMs, rv.endMs, rv.stepMs, rv.timeMs], [10_000, 60_000, 10_000, 60_000]);
  assert.equal(rv.excludeFromRangeQuery, true);
});

test("a scalar line ends the block, as in the reference runner", () => {
  assert.throws(() => parseScript("eval instant at 1m 1\n  1\n  {} 2\n", "t.test"), /t\.test:3: invalid command/);
});

test("every script problem names file and line", () => {
  const bad: [string, number, RegExp][] = [
    ["load 1m\n  m 1\n\nbogus\n", 4, /invalid command "bogus"/],
    ["load\n", 1, /invalid load command/],
    ["load 1x\n", 1, /invalid step definition/],
    ["load 1m\n  m{a=} 1\n", 2, /expected a quoted value/],
    ["load 1m\n  m 1 2 zz\n", 2, /invalid value "zz".*column 7/],
    ["eval instant at 1x x\n", 1, /invalid timestamp definition/],
    ["eval range from 10m to 0 step 1m x\n", 1, /end timestamp .* is before start/],
    ["eval fancy at 0 x\n", 1, /invalid evaluation command/],
    ["eval instant at 0 x\n  m 1 2\n", 2, /expecting multiple values in instant evaluation/],
    ["eval instant at 0 x\n  expect bogus\n", 2, /invalid expect statement/],
    ["eval instant at 0 x\n  expect warn\n  expect no_warn\n", 3, /warn and no_warn cannot be used together/],
    ["eval instant at 0 x\n  expect info\n  expect no_info\n", 3, /info and no_info/],
    ["eval instant at 0 x\n  expect fail\n  expect fail msg: a\n", 3, /multiple expect fail/],
    ["eval instant at 0 x\n  expect fail regex: (unclosed\n", 2, /invalid regex/],
    ["eval instant at 0 x\n  expect string Foo\n", 2, /correctly quoted/],
    ["eval instant at 0 x\n  expect range vector from 1m\n", 2, /invalid range vector definition/],
    ["load 1m\n  m@st -1m\n\n", 2, /@st line has no following sample line/],
    ["load 1m\n  m@st -1m\n  n 1\n", 2, /@st metric does not match/],
    ["load 1m\n  m@st -1mx1\n  m 1\n", 2, /@st line has 2 values but sample line has 1/],
  ];
  for (const [text, line, message] of bad) {
    assert.throws(
      () => parseScript(text, "f.test"),
      (err: unknown) => err instanceof ScriptError && err.file === "f.test" && err.line === line && message.test(err.message) && err.message.startsWith(`f.test:${line}: `),
      JSON.stringify(text),
    );
  }
});
