import assert from "node:assert/strict";
import test from "node:test";
import { formatGoFloat, formatGoG } from "./index.js";

test("formatGoFloat writes Go's 'f' format with the shortest round-trip digits", () => {
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
  for (const [v, want] of table) assert.equal(formatGoFloat(v), want, `formatGoFloat(${v})`);
});


test("formatGoFloat round-trips random values", () => {
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const v = (x / 2147483648 - 0.5) * 10 ** ((i % 60) - 30);
    const s = formatGoFloat(v);
    assert.ok(!/e/i.test(s), s);
    assert.equal(Number(s), v, s);
  }
});


test("formatGoG writes Go's %g: shortest digits, exponent when exp < -4 or >= 6", () => {
  const cases: [number, string][] = [
    [2, "2"], [-1, "-1"], [1.01, "1.01"], [-0.1, "-0.1"], [NaN, "NaN"], [Infinity, "+Inf"], [-Infinity, "-Inf"],
    [100000, "100000"], [1e6, "1e+06"], [1234567, "1.234567e+06"], [0.0001, "0.0001"], [0.00001, "1e-05"],
    [1.5e-300, "1.5e-300"], [1e21, "1e+21"], [0, "0"], [-0, "-0"], [123456.7, "123456.7"],
  ];
  for (const [x, want] of cases) assert.equal(formatGoG(x), want, String(x));
});
