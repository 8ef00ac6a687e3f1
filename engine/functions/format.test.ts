// Go %g formatting and the invalid-quantile warning (histograms.test, functions.test).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatGoG, invalidQuantileWarning } from "./index.js";

describe("formatGoG", () => {
  const cases: Array<[number, string]> = [
    [2, "2"], [-1, "-1"], [1.01, "1.01"], [-0.1, "-0.1"], [NaN, "NaN"], [Infinity, "+Inf"], [-Infinity, "-Inf"],
    [100000, "100000"], [1e6, "1e+06"], [1234567, "1.234567e+06"], [0.0001, "0.0001"], [0.00001, "1e-05"],
    [1.5e-300, "1.5e-300"], [1e21, "1e+21"], [0, "0"], [123456.7, "123456.7"],
  ];
  for (const [x, want] of cases) it(`${x} → ${want}`, () => assert.equal(formatGoG(x), want));
});

describe("invalidQuantileWarning", () => {
  it("eval instant at 50m histogram_quantile(NaN, non_existent): quantile value should be between 0 and 1, got NaN", () => {
    assert.equal(invalidQuantileWarning(NaN), "quantile value should be between 0 and 1, got NaN");
    assert.equal(invalidQuantileWarning(1.01), "quantile value should be between 0 and 1, got 1.01");
    assert.equal(invalidQuantileWarning(-0.1), "quantile value should be between 0 and 1, got -0.1");
    assert.equal(invalidQuantileWarning(0), undefined);
    assert.equal(invalidQuantileWarning(1), undefined);
  });
});
