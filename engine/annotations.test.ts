// Each annotation's text as Prometheus prints it (numbers in Go's %g), and the engine raising it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Engine } from "./index.js";
import { storeWith } from "./testing.js";
import { invalidQuantileWarning, invalidRatioWarning } from "./annotations.js";
import { MemoryStore, labelsFromRecord } from "../storeapi/index.js";

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

describe("startTimeOverlapWarning", () => {
  it("is counted per metric and place, as Prometheus merges it: one series at one step once, every further raise an occurrence", async () => {
    const store = new MemoryStore();
    const l = labelsFromRecord({ __name__: "counter_total", type: "overlap" });
    // Each sample starts 2m before itself, reaching back past the one before: an overlap at every pair.
    for (let i = 2; i <= 6; i++) store.appendSample(l, i * MIN, 60 * i, (i - 2) * MIN);
    const engine = new Engine();
    const one = await engine.instantQuery(store, "rate(counter_total[3m])", 4 * MIN).exec();
    assert.deepEqual(one.warnings.map((w) => w.message), ['sample has start time that overlaps with previous sample timestamp for metric "counter_total"']);
    const range = await engine.rangeQuery(store, "rate(counter_total[3m])", 4 * MIN, 6 * MIN, MIN).exec();
    assert.deepEqual(range.warnings.map((w) => w.message), ['sample has start time that overlaps with previous sample timestamp for metric "counter_total" (3 occurrences)']);
  });
});
