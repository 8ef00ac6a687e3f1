import assert from "node:assert/strict";
import { test } from "node:test";
import {
  NotationError,
  parseBareNumber,
  parseScriptDuration,
  parseSeriesDescription,
  parseSequence,
  parseStartTimestampSequence,
  type SequenceValue,
} from "./values.js";

/** Floats as numbers, `_` for omitted, `S` for stale, `H` for a histogram. */
function brief(values: SequenceValue[]): (number | string)[] {
  return values.map((v) => (v.kind === "float" ? v.value : v.kind === "omitted" ? "_" : v.kind === "stale" ? "S" : "H"));
}

const sequenceCases: [string, (number | string)[]][] = [
  ["1 2 3", [1, 2, 3]],
  ["0+10x3", [0, 10, 20, 30]],
  ["10-2x2", [10, 8, 6]],
  ["-1-1x2", [-1, -2, -3]],
  ["5x2", [5, 5, 5]],
  ["0x3", [0, 0, 0, 0]],
  ["_", ["_"]],
  ["_x3", ["_", "_", "_"]],
  ["1 _ stale 2", [1, "_", "S", 2]],
  ["Inf -Inf +Inf NaN", [Infinity, -Infinity, Infinity, NaN]],
  ["1e3 .5 -2.5e-1", [1000, 0.5, -0.25]],
  ["1+1e1x1", [1, 11]],
  ["", []],
  ["  3\t4  ", [3, 4]],
  ["{{schema:1 sum:3 count:22 buckets:[5 10 7]}}", ["H"]],
  ["{{count:1 sum:1}}x2 7", ["H", "H", "H", 7]],
  ["{{schema:0 sum:1 count:1}}+{{schema:0 sum:2 count:2}}x3", ["H", "H", "H", "H"]],
  ["1 {{}} 2", [1, "H", 2]],
];

test("parseSequence expands the notation", () => {
  for (const [input, want] of sequenceCases) {
    assert.deepEqual(brief(parseSequence(input)), want, input);
  }
});

test("parseSequence adds increments repeatedly, as the reference does", () => {
  const got = brief(parseSequence("0+0.1x3"));
  let v = 0;
  const want: number[] = [];
  for (let i = 0; i <= 3; i++, v += 0.1) want.push(v);
  assert.deepEqual(got, want);
  assert.equal(got[3], 0.30000000000000004);
});

test("parseSequence rejects bad items with the column", () => {
  const bad: [string, number][] = [
    ["1 2 abc", 4],
    ["1+2", 0],
    ["1 0x1f", 2],
    ["{{schema:1", 0],
    ["{{foo:1}}", 2],
    ["{{schema:x}}", 2],
    ["{{counter_reset_hint:maybe}}", 2],
    ["{{count:1}}y", 11],
  ];
  for (const [input, column] of bad) {
    assert.throws(
      () => parseSequence(input),
      (err: unknown) => err instanceof NotationError && err.column === column,
      input,
    );
  }
});

test("histogram literals are parsed into fields", () => {
  const [v] = parseSequence(
    "{{schema:-53 sum:3 count:22 z_bucket:1 z_bucket_w:0.001 buckets:[5 10 7] offset:1 n_buckets:[1] n_offset:2 custom_values:[5 10] counter_reset_hint:gauge}}",
  );
  assert.equal(v.kind, "histogram");
  if (v.kind !== "histogram") return;
  const { text, ...fields } = v.histogram;
  assert.ok(text.startsWith("{{schema:-53"));
  assert.deepEqual(fields, {
    schema: -53,
    sum: 3,
    count: 22,
    zeroCount: 1,
    zeroThreshold: 0.001,
    buckets: [5, 10, 7],
    offset: 1,
    negativeBuckets: [1],
    negativeOffset: 2,
    customValues: [5, 10],
    counterResetHint: "gauge",
  });
});

test("expanding histogram forms keep base and increment", () => {
  const values = parseSequence("{{count:1}}-{{count:2}}x2");
  assert.equal(values.length, 3);
  const last = values[2];
  assert.ok(last.kind === "histogram" && last.step?.op === "-" && last.step.times === 2 && last.step.histogram.count === 2);
});

test("parseSeriesDescription reads labels in every form", () => {
  const cases: [string, Record<string, string>, (number | string)[]][] = [
    ['http_requests{job="api", instance="0"} 1 2', { __name__: "http_requests", instance: "0", job: "api" }, [1, 2]],
    ["metric 5", { __name__: "metric" }, [5]],
    ["{} 5", {}, [5]],
    ['{__name__="m", a="b",} 1', { __name__: "m", a: "b" }, [1]],
    ['{"my.metric", "a.b"="c"} 1', { __name__: "my.metric", "a.b": "c" }, [1]],
    ["m{a='x', b=`y\\n`} 1", { __name__: "m", a: "x", b: "y\\n" }, [1]],
    ['m{a="q\\"\\n\\x41\\u00e9"} 1', { __name__: "m", a: 'q"\nAé' }, [1]],
    ['m{job="{count:20, [-2,-1):2}"} 2', { __name__: "m", job: "{count:20, [-2,-1):2}" }, [2]],
    ["ns:metric:rate5m 1", { __name__: "ns:metric:rate5m" }, [1]],
    ["metric", { __name__: "metric" }, []],
  ];
  for (const [line, labels, values] of cases) {
    const d = parseSeriesDescription(line);
    assert.deepEqual(Object.fromEntries(d.labels.map((l) => [l.name, l.value])), labels, line);
    assert.deepEqual(
      d.labels.map((l) => l.name),
      [...d.labels.map((l) => l.name)].sort(),
      `${line}: labels sorted`,
    );
    assert.deepEqual(brief(d.values), values, line);
  }
});

test("parseSeriesDescription rejects malformed label sets", () => {
  for (const line of ['m{a="b" 1', "m{a=~\"b\"} 1", "m{a=b} 1", 'm{a="b"}x 1', "1 2", 'm{a="b", a="c"} 1', 'm{"x"="unterminated} 1']) {
    assert.throws(() => parseSeriesDescription(line), NotationError, line);
  }
});

test("parseBareNumber follows Go's strconv (int in any base, then float)", () => {
  const cases: [string, number | undefined][] = [
    ["5", 5],
    ["-3", -3],
    ["0x1f", 31],
    ["0o17", 15],
    ["017", 15],
    ["0b101", 5],
    ["08", 8],
    ["1.5e3", 1500],
    ["Inf", Infinity],
    ["-inf", -Infinity],
    ["+Infinity", Infinity],
    ["NaN", NaN],
    [".5", 0.5],
    ["{} 5", undefined],
    ["metric", undefined],
    ["1 2", undefined],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseBareNumber(input), want, input);
});

test("parseScriptDuration reads Prometheus durations", () => {
  const cases: [string, number][] = [
    ["0", 0],
    ["50m", 3_000_000],
    ["1h30m", 5_400_000],
    ["10s", 10_000],
    ["100ms", 100],
    ["1d", 86_400_000],
    ["1w", 604_800_000],
    ["1y", 31_536_000_000],
    ["1m30s500ms", 90_500],
  ];
  for (const [input, want] of cases) assert.equal(parseScriptDuration(input), want, input);
  for (const bad of ["", "5", "1.5m", "m", "30s1m", "-1m", "1m1m"]) assert.throws(() => parseScriptDuration(bad), Error, bad);
});

test("parseStartTimestampSequence expands offsets", () => {
  const brief2 = (s: string): (number | string)[] => parseStartTimestampSequence(s).map((v) => (v.kind === "omitted" ? "_" : v.ms));
  assert.deepEqual(brief2("_ _ -30s-1mx2"), ["_", "_", -30_000, -90_000, -150_000]);
  assert.deepEqual(brief2("-1mx2 *"), [-60_000, -60_000, -60_000, -60_000]);
  assert.deepEqual(brief2("-59999msx1 0"), [-59_999, -59_999, 0]);
  assert.deepEqual(brief2("_x2 *x1"), ["_", "_", 0, 0]);
  assert.throws(() => parseStartTimestampSequence("abc"), NotationError);
});
