import assert from "node:assert/strict";
import { test } from "node:test";
import type { Annotation, MatrixSeries, Sample, Value } from "../../engine/index.js";
import { STALE_NAN } from "../../storeapi/index.js";
import {
  almostEqual,
  checkAnnotations,
  checkExpectedFailure,
  compareLabelSets,
  compareResult,
  positionText,
  renderAnnotation,
} from "./compare.js";
import { parseScript, type EvalCommand } from "./script.js";

function ev(text: string): EvalCommand {
  const c = parseScript(text, "t.test").commands[0];
  assert.equal(c.type, "eval");
  return c as EvalCommand;
}

function labels(rec: Record<string, string>): { name: string; value: string }[] {
  return Object.entries(rec)
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

function vector(...samples: [Record<string, string>, number][]): Value {
  return { type: "vector", samples: samples.map(([l, v]): Sample => ({ labels: labels(l), t: 0, v })) };
}

function matrix(...series: [Record<string, string>, [number, number][]][]): Value {
  return {
    type: "matrix",
    series: series.map(([l, pts]): MatrixSeries => ({ labels: labels(l), t: Float64Array.from(pts.map((p) => p[0])), v: Float64Array.from(pts.map((p) => p[1])) })),
  };
}

test("almostEqual uses a relative epsilon of 1e-6; NaN equals NaN", () => {
  const cases: [number, number, boolean][] = [
    [1, 1, true],
    [1, 1 + 1e-7, true],
    [1, 1 + 3e-6, false],
    [1e9, 1e9 + 1, true],
    [1e9, 1e9 + 5000, false],
    [0, 1e-300, false],
    [0, 0, true],
    [0, -0, true],
    [NaN, NaN, true],
    [NaN, STALE_NAN, true],
    [NaN, 0, false],
    [Infinity, Infinity, true],
    [Infinity, -Infinity, false],
    [Infinity, 1e308, false],
  ];
  for (const [a, b, want] of cases) assert.equal(almostEqual(a, b), want, `${a} vs ${b}`);
});

test("vectors match by label set regardless of order, within tolerance", () => {
  const e = ev('eval instant at 0 x\n  x{a="1"} 1\n  x{a="2"} 2\n');
  assert.equal(compareResult(e, vector([{ __name__: "x", a: "2" }, 2.0000001], [{ __name__: "x", a: "1" }, 1])), undefined);
  assert.match(compareResult(e, vector([{ __name__: "x", a: "1" }, 1])) ?? "", /x\{a="2"\} not found/);
  assert.match(compareResult(e, vector([{ __name__: "x", a: "1" }, 1], [{ __name__: "x", a: "2" }, 2], [{ __name__: "x", a: "3" }, 3])) ?? "", /unexpected series x\{a="3"\}/);
  assert.match(compareResult(e, vector([{ __name__: "x", a: "1" }, 1], [{ __name__: "x", a: "2" }, 2.1])) ?? "", /expected 2 for x\{a="2"\} but got 2.1/);
  assert.match(compareResult(e, { type: "scalar", t: 0, v: 1 }) ?? "", /expected vector or matrix result/);
});

test("expected NaN and stale match any NaN", () => {
  const e = ev("eval instant at 0 x\n  {} NaN\n");
  assert.equal(compareResult(e, vector([{}, NaN])), undefined);
  assert.equal(compareResult(e, vector([{}, STALE_NAN])), undefined);
  assert.notEqual(compareResult(e, vector([{}, 0])), undefined);
});

test("ordering is checked only for expect ordered / eval_ordered", () => {
  const reversed = vector([{ a: "2" }, 2], [{ a: "1" }, 1]);
  assert.equal(compareResult(ev('eval instant at 0 x\n  {a="1"} 1\n  {a="2"} 2\n'), reversed), undefined);
  assert.match(compareResult(ev('eval instant at 0 x\n  expect ordered\n  {a="1"} 1\n  {a="2"} 2\n'), reversed) ?? "", /x?\{a="2"\} at position 2 but it was at 1/);
  assert.match(compareResult(ev('eval_ordered instant at 0 x\n  {a="1"} 1\n  {a="2"} 2\n'), reversed) ?? "", /position/);
  assert.equal(compareResult(ev('eval_ordered instant at 0 x\n  {a="2"} 2\n  {a="1"} 1\n'), reversed), undefined);
});

test("scalars and strings", () => {
  assert.equal(compareResult(ev("eval instant at 0 1\n  1.0000000001\n"), { type: "scalar", t: 0, v: 1 }), undefined);
  assert.match(compareResult(ev("eval instant at 0 1\n  2\n"), { type: "scalar", t: 0, v: 1 }) ?? "", /expected scalar 2 but got 1/);
  assert.match(compareResult(ev("eval instant at 0 1\n  2\n"), vector([{}, 2])) ?? "", /expected scalar result/);
  assert.equal(compareResult(ev('eval instant at 0 "a"\n  expect string "a"\n'), { type: "string", t: 0, v: "a" }), undefined);
  assert.match(compareResult(ev('eval instant at 0 "a"\n  expect string "a"\n'), { type: "string", t: 0, v: "b" }) ?? "", /expected string "a" but got "b"/);
});

test("matrices: points at start + i*step, omitted points skipped, timestamps checked", () => {
  const e = ev('eval range from 0 to 2m step 1m x\n  {a="1"} 1 _ 3\n  {a="2"} 1x2\n');
  const good = matrix(
    [{ a: "1" }, [[0, 1], [120_000, 3]]],
    [{ a: "2" }, [[0, 1], [60_000, 1], [120_000, 1]]],
  );
  assert.equal(compareResult(e, good), undefined);
  assert.match(compareResult(e, matrix([{ a: "1" }, [[0, 1], [60_000, 2], [120_000, 3]]], [{ a: "2" }, [[0, 1], [60_000, 1], [120_000, 1]]])) ?? "", /expected 2 float points and 0 histogram points for \{a="1"\}/);
  assert.match(compareResult(e, matrix([{ a: "1" }, [[0, 1], [60_000, 3]]], [{ a: "2" }, [[0, 1], [60_000, 1], [120_000, 1]]])) ?? "", /at t=120000, but it was at t=60000/);
  assert.match(compareResult(e, matrix([{ a: "2" }, [[0, 1], [60_000, 1], [120_000, 1]]], [{ a: "1" }, [[0, 1], [120_000, 3]]])) ?? "", /should be sorted by labels/);
  assert.match(compareResult(ev("eval range from 0 to 1m step 1m x\n  {} 1 2 3\n"), matrix([{}, [[0, 1], [60_000, 2]]])) ?? "", /cannot return this many/);
  assert.match(compareResult(ev("eval_ordered instant at 0 x\n  {} 1\n"), matrix([{}, [[0, 1]]])) ?? "", /ordered result, but query returned a matrix/);
});

test("label sets sort as Prometheus's labels.Compare", () => {
  assert.ok(compareLabelSets(labels({ a: "1" }), labels({ a: "2" })) < 0);
  assert.ok(compareLabelSets(labels({ a: "1" }), labels({ a: "1", b: "1" })) < 0);
  assert.ok(compareLabelSets(labels({ b: "1" }), labels({ a: "1", b: "1" })) > 0);
  assert.equal(compareLabelSets(labels({ a: "1" }), labels({ a: "1" })), 0);
});

const warn = (message: string, start?: number): Annotation => ({ kind: "warning", message, pos: start === undefined ? undefined : { start, end: start + 1 } });
const info = (message: string, start?: number): Annotation => ({ kind: "info", message, pos: start === undefined ? undefined : { start, end: start + 1 } });

test("annotations render with the 1-based line:column of their position", () => {
  assert.equal(renderAnnotation(warn("bad thing", 4), "sum(metric)"), "PromQL warning: bad thing (1:5)");
  assert.equal(renderAnnotation(info("fyi", 0), "metric"), "PromQL info: fyi (1:1)");
  assert.equal(renderAnnotation(info("fyi"), "metric"), "PromQL info: fyi");
  assert.equal(positionText("a +\n  b", 6), "2:3");
});

test("annotation expectations", () => {
  const q = "sum(metric)";
  const none = { warnings: [], infos: [] };
  const oneWarn = { warnings: [warn("careful", 4)], infos: [] };
  const oneInfo = { warnings: [], infos: [info("note", 4)] };
  const cases: [string, { warnings: Annotation[]; infos: Annotation[] }, RegExp | undefined][] = [
    // Without expect lines nothing about annotations is checked.
    ["", oneWarn, undefined],
    ["", oneInfo, undefined],
    ["expect warn", oneWarn, undefined],
    ["expect warn", none, /expected warn annotations but none were found/],
    ["expect warn msg: PromQL warning: careful (1:5)", oneWarn, undefined],
    ["expect warn msg: PromQL warning: careful (1:6)", oneWarn, /expected warn annotation matching message/],
    ["expect warn regex: careful \\([0-9]+:[0-9]+\\)", oneWarn, undefined],
    ["expect warn msg: PromQL warning: other (1:5)\nexpect warn", oneWarn, /matching message/],
    ["expect warn msg: PromQL warning: careful (1:5)", { warnings: [warn("careful", 4), warn("extra", 4)], infos: [] }, /unexpected warn annotation "PromQL warning: extra \(1:5\)"/],
    ["expect warn", oneInfo, /expected warn annotations but none/],
    // An info is not judged by warn expectations.
    ["expect warn", { warnings: [warn("careful", 4)], infos: [info("note", 4)] }, undefined],
    ["expect no_warn", oneWarn, /unexpected warning annotations/],
    ["expect no_warn", oneInfo, undefined],
    ["expect no_info", oneInfo, /unexpected info annotations/],
    ["expect info regex: PromQL info: no", oneInfo, undefined],
    ["expect info msg: PromQL info: note (1:5)\nexpect no_warn", oneInfo, undefined],
  ];
  for (const [expects, result, want] of cases) {
    const e = ev(`eval instant at 0 ${q}\n${expects}\n`);
    const got = checkAnnotations(e, q, result);
    if (want === undefined) assert.equal(got, undefined, expects);
    else assert.match(got ?? "(passed)", want, expects);
  }
  assert.match(checkAnnotations(ev(`eval_warn instant at 0 ${q}\n`), q, none) ?? "", /expected warnings/);
  assert.equal(checkAnnotations(ev(`eval_warn instant at 0 ${q}\n`), q, oneWarn), undefined);
  assert.match(checkAnnotations(ev(`eval_info instant at 0 ${q}\n`), q, oneWarn) ?? "", /expected info/);
});

test("expected failures match by message or regex", () => {
  const cases: [string, string, boolean][] = [
    ["expect fail", "anything", true],
    ["expect fail msg: vector cannot contain metrics with the same labelset", "vector cannot contain metrics with the same labelset", true],
    ["expect fail msg: vector cannot contain metrics", "vector cannot contain metrics with the same labelset", false],
    ["expect fail regex: cannot contain .*|other", "vector cannot contain metrics", true],
    ["expect fail regex: ^other", "vector cannot contain metrics", false],
  ];
  for (const [line, message, ok] of cases) {
    const got = checkExpectedFailure(ev(`eval instant at 0 x\n  ${line}\n`), message);
    assert.equal(got === undefined, ok, line);
  }
  assert.equal(checkExpectedFailure(ev("eval_fail instant at 0 x\n  expected_fail_message boom\n"), "boom"), undefined);
  assert.notEqual(checkExpectedFailure(ev("eval_fail instant at 0 x\n  expected_fail_message boom\n"), "boom!"), undefined);
  assert.equal(checkExpectedFailure(ev("eval_fail instant at 0 x\n  expected_fail_regexp bo+m\n"), "a boooom"), undefined);
  assert.notEqual(checkExpectedFailure(ev("eval_fail instant at 0 x\n  expected_fail_regexp ^bo+m$\n"), "a boom"), undefined);
});
