// Formatting tables; expected strings were checked against Prometheus 2.42's responses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatFloatF, formatSampleTime, formatSampleValue, formatScalarTime, jsonString } from "./format.js";

test("formatFloatF writes Go's 'f' format with the shortest round-trip digits", () => {
  const table: [number, string][] = [
    [0, "0"],
    [-0, "-0"],
    [1, "1"],
    [-1.5, "-1.5"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [0.1 + 0.2, "0.30000000000000004"],
    [1 / 3, "0.3333333333333333"],
    [1e-7, "0.0000001"],
    [-1e-7, "-0.0000001"],
    [1.5e-7, "0.00000015"],
    [1.2345e-5, "0.000012345"],
    [0.000001, "0.000001"],
    [0.000001234, "0.000001234"],
    [1e20, "100000000000000000000"],
    [1e21, "1000000000000000000000"],
    [1.5e21, "1500000000000000000000"],
    [123456789012345678, "123456789012345680"],
    [2 ** 53, "9007199254740992"],
    [1e300, "1" + "0".repeat(300)],
    [5e-324, "0." + "0".repeat(323) + "5"],
    [1.7976931348623157e308, "17976931348623157" + "0".repeat(292)],
    [-2.5e-10, "-0.00000000025"],
  ];
  for (const [v, want] of table) assert.equal(formatFloatF(v), want, `formatFloatF(${v})`);
});

test("formatFloatF round-trips random values", () => {
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const v = (x / 2147483648 - 0.5) * 10 ** ((i % 60) - 30);
    const s = formatFloatF(v);
    assert.ok(!/e/i.test(s), s);
    assert.equal(Number(s), v, s);
  }
});

test("formatSampleValue switches to a two-digit-exponent 'e' format below 1e-6 and from 1e21", () => {
  const table: [number, string][] = [
    [1e-7, "1e-07"],
    [-1e-7, "-1e-07"],
    [9.02e-7, "9.02e-07"],
    [1.5e-10, "1.5e-10"],
    [2e-300, "2e-300"],
    [5e-324, "5e-324"],
    [0.000001, "0.000001"],
    [1e20, "100000000000000000000"],
    [1e21, "1e+21"],
    [1e300, "1e+300"],
    [-0, "-0"],
    [0, "0"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [123456, "123456"],
    [0.30000000000000004, "0.30000000000000004"],
  ];
  for (const [v, want] of table) assert.equal(formatSampleValue(v), want, `formatSampleValue(${v})`);
});

test("sample timestamps keep three fraction digits; scalar timestamps are shortest", () => {
  const samples: [number, string][] = [
    [0, "0"],
    [1, "0.001"],
    [5, "0.005"],
    [1050, "1.050"],
    [1500, "1.500"],
    [-500, "-0.500"],
    [-1500, "-1.500"],
    [100000, "100"],
    [1435781451780, "1435781451.780"],
    [1435781451781, "1435781451.781"],
  ];
  for (const [t, want] of samples) assert.equal(formatSampleTime(t), want, `formatSampleTime(${t})`);
  const scalars: [number, string][] = [
    [0, "0"],
    [1, "0.001"],
    [1500, "1.5"],
    [-1500, "-1.5"],
    [1435781451780, "1435781451.78"],
    [1435781451700, "1435781451.7"],
  ];
  for (const [t, want] of scalars) assert.equal(formatScalarTime(t), want, `formatScalarTime(${t})`);
});

test("jsonString escapes as Go's encoding/json", () => {
  const table: [string, string][] = [
    ["plain", '"plain"'],
    ['x"\n\\é<>&\t\u2028\u0001\u007f', '"x\\"\\n\\\\é\\u003c\\u003e\\u0026\\t\\u2028\\u0001\u007f"'],
    ["\r\b\f", '"\\r\\u0008\\u000c"'],
    ["😀", '"😀"'],
    ["a\ud800b", '"a\\ufffdb"'],
    ["\udc00", '"\\ufffd"'],
    ["", '""'],
  ];
  for (const [s, want] of table) assert.equal(jsonString(s), want, `jsonString(${JSON.stringify(s)})`);
  for (const [s] of table.slice(0, 4)) assert.equal(JSON.parse(jsonString(s)), s);
});
