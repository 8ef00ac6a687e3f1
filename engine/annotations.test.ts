// Each annotation's text as Prometheus prints it (numbers in Go's %g), and the engine raising it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./index.js";
import { storeWith } from "./testing.js";
import { invalidQuantileWarning, invalidRatioWarning } from "./annotations.js";

const MIN = 60_000;

describe("invalidQuantileWarning", () => {
  const cases: [number, string | undefined][] = [
    [Infinity, "quantile value should be between 0 and 1, got +Inf"],
    [-Infinity, "quantile value should be between 0 and 1, got -Inf"],
    [NaN, "quantile value should be between 0 and 1, got NaN"],
    [1234567, "quantile value should be between 0 and 1, got 1.234567e+06"],
    [1.01, "quantile value should be between 0 and 1, got 1.01"],
    [-0.1, "quantile value should be between 0 and 1, got -0.1"],
    [0, undefined],
    [1, undefined],
  ];
  for (const [q, want] of cases) it(`${q} → ${want}`, () => assert.equal(invalidQuantileWarning(q)?.message, want));
});

describe("invalidRatioWarning", () => {
  it("formats both numbers with %g", () => {
    assert.equal(invalidRatioWarning(1234567, 1).message, "ratio value should be between -1 and 1, got 1.234567e+06, capping to 1");
    assert.equal(invalidRatioWarning(-Infinity, -1).message, "ratio value should be between -1 and 1, got -Inf, capping to -1");
  });
});

describe("the engine raises the same text from every operator", () => {
  const store = () => storeWith(MIN, [[{ __name__: "up", job: "a" }, [1, 1, 1]], [{ __name__: "h_bucket", le: "+Inf" }, [1, 2, 3]]]);
  const queries: [string, string][] = [
    ["quantile_over_time(1/0, up[5m])", "quantile value should be between 0 and 1, got +Inf"],
    ["quantile(1234567, up)", "quantile value should be between 0 and 1, got 1.234567e+06"],
    ["histogram_quantile(-1/0, h_bucket)", "quantile value should be between 0 and 1, got -Inf"],
    ["limit_ratio(1234567, up)", "ratio value should be between -1 and 1, got 1.234567e+06, capping to 1"],
  ];
  for (const [q, want] of queries) {
    it(q, async () => {
      const r = await new Engine().instantQuery(store(), q, 2 * MIN).exec();
      assert.deepEqual(
        r.warnings.map((w) => w.message),
        [want],
      );
    });
  }
});
