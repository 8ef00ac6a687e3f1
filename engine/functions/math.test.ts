// Instant functions: math, trig, rounding, clamping and dates —
// expectations from /work/shared/promqltest/functions.test and trig_functions.test.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clampHasOutput, instantFunctions, scalarBinaryFunctions } from "./index.js";
import { assertClose } from "./testutil.js";

type Row = [input: number, want: number];

function table(fn: string, evalLine: string, rows: Row[], args: number[] = []): void {
  it(`${evalLine}`, () => {
    for (const [input, want] of rows) {
      assertClose(instantFunctions[fn](input, args), want, `${fn}(${input})`);
    }
  });
}

const data: number[] = [2.5, 2, -2.5, -2, 0, -0, Infinity, -Infinity, NaN];

describe("abs, ceil, floor, round (functions.test)", () => {
  const zip = (wants: number[]): Row[] => data.map((x, i) => [x, wants[i]]);
  table("abs", "eval instant at 0m abs(data)", zip([2.5, 2, 2.5, 2, 0, 0, Infinity, Infinity, NaN]));
  table("ceil", "eval instant at 0m ceil(data)", zip([3, 2, -2, -2, 0, 0, Infinity, -Infinity, NaN]));
  table("floor", "eval instant at 0m floor(data)", zip([2, 2, -3, -2, 0, 0, Infinity, -Infinity, NaN]));
  table("round", "eval instant at 0m round(data) (ties round up)", zip([3, 2, -2, -2, 0, 0, Infinity, -Infinity, NaN]));
  table("round", "round(x, 0.1): to_nearest via the inverse", [[1.25, 1.3], [2.449, 2.4], [-1.25, -1.2]], [0.1]);
  table("round", "round(x, 5)", [[12, 10], [12.5, 15], [-12.5, -10]], [5]);
});

describe("exp, ln, sqrt, log2, log10 (functions.test)", () => {
  table("exp", "eval instant at 1m exp(exp_root_log)", [[10, 22026.465794806718], [20, 485165195.4097903], [0, 1], [-10, 4.5399929762484854e-5]]);
  table("ln", "eval instant at 1m ln(exp_root_log)", [[10, 2.302585092994046], [20, 2.995732273553991], [0, -Infinity], [-10, NaN]]);
  table("sqrt", "eval instant at 1m sqrt(exp_root_log)", [[10, 3.1622776601683795], [20, 4.47213595499958]]);
  table("log2", "eval instant at 1m log2(exp_root_log)", [[10, 3.3219280948873626], [20, 4.321928094887363], [0, -Infinity], [-10, NaN]]);
  table("log10", "eval instant at 1m log10(exp_root_log)", [[10, 1], [20, 1.301029995663981], [0, -Infinity], [-10, NaN]]);
});

describe("trigonometry (trig_functions.test)", () => {
  table("sin", "eval instant at 1m sin(trig)", [[10, -0.5440211108893699], [20, 0.9129452507276277], [NaN, NaN]]);
  table("cos", "eval instant at 1m cos(trig)", [[10, -0.8390715290764524], [20, 0.40808206181339196], [NaN, NaN]]);
  table("tan", "eval instant at 1m tan(trig)", [[10, 0.6483608274590867], [20, 2.2371609442247427], [NaN, NaN]]);
  table("asin", "eval instant at 1m asin(trig - 10.1)", [[10 - 10.1, -0.10016742116155944], [20 - 10.1, NaN], [NaN, NaN]]);
  table("acos", "eval instant at 1m acos(trig - 10.1)", [[10 - 10.1, 1.670963747956456], [20 - 10.1, NaN]]);
  table("atan", "eval instant at 1m atan(trig)", [[10, 1.4711276743037345], [20, 1.5208379310729538]]);
  table("sinh", "eval instant at 1m sinh(trig)", [[10, 11013.232920103324], [20, 2.4258259770489514e8]]);
  table("cosh", "eval instant at 1m cosh(trig)", [[10, 11013.232920103324], [20, 2.4258259770489514e8]]);
  table("tanh", "eval instant at 1m tanh(trig)", [[10, 0.9999999958776927], [20, 1]]);
  table("asinh", "eval instant at 1m asinh(trig)", [[10, 2.99822295029797], [20, 3.6895038689889055]]);
  table("acosh", "eval instant at 1m acosh(trig)", [[10, 2.993222846126381], [20, 3.6882538673612966]]);
  table("atanh", "eval instant at 1m atanh(trig - 10.1)", [[10 - 10.1, -0.10033534773107522], [20 - 10.1, NaN]]);
  table("rad", "eval instant at 1m rad(trig)", [[10, 0.17453292519943295], [20, 0.3490658503988659], [0, 0], [-10, -0.17453292519943295]]);
  table("deg", "eval instant at 1m deg(trig)", [[10, 572.9577951308232], [20, 1145.9155902616465], [0, 0], [-10, -572.9577951308232]]);
});

describe("sgn and clamp (functions.test)", () => {
  table("sgn", "eval instant at 0m sgn(test_sgn)", [[-Infinity, -1], [Infinity, 1], [NaN, NaN], [-50, -1], [0, 0], [100, 1]]);
  table("clamp_max", "eval instant at 0m clamp_max(test_clamp, 75)", [[-50, -50], [0, 0], [100, 75]], [75]);
  table("clamp_min", "eval instant at 0m clamp_min(test_clamp, -25)", [[-50, -25], [0, 0], [100, 100]], [-25]);
  table("clamp", "eval instant at 0m clamp(test_clamp, -25, 75)", [[-50, -25], [0, 0], [100, 75]], [-25, 75]);
  table("clamp", "eval instant at 0m clamp(test_clamp, 0, NaN) -> NaN", [[-50, NaN], [0, NaN], [100, NaN]], [0, NaN]);
  table("clamp", "eval instant at 0m clamp(test_clamp, NaN, 0) -> NaN", [[-50, NaN], [0, NaN], [100, NaN]], [NaN, 0]);
  it("eval instant at 0m clamp(test_clamp, 5, -5) -> empty: clampHasOutput says so", () => {
    assert.equal(clampHasOutput(5, -5), false);
    assert.equal(clampHasOutput(-25, 75), true);
    assert.equal(clampHasOutput(0, NaN), true);
    assert.equal(clampHasOutput(NaN, 0), true);
  });
  it("min_of/max_of (functions.test): NaN propagates", () => {
    assert.equal(scalarBinaryFunctions.min_of(3, 5), 3);
    assert.equal(scalarBinaryFunctions.max_of(-2, -5), -2);
    assert.ok(Number.isNaN(scalarBinaryFunctions.min_of(NaN, 3)));
    assert.ok(Number.isNaN(scalarBinaryFunctions.max_of(3, NaN)));
  });
});

describe("date functions (functions.test)", () => {
  const cases: Array<[string, string, number, number]> = [
    ["eval instant at 0m year() 1970", "year", 0, 1970],
    ["eval instant at 0m year(vector(1136239445)) 2006", "year", 1136239445, 2006],
    ["eval instant at 0m month() 1", "month", 0, 1],
    ["eval instant at 0m month(vector(1136239445)) 1", "month", 1136239445, 1],
    ["eval instant at 0m day_of_month() 1", "day_of_month", 0, 1],
    ["eval instant at 0m day_of_month(vector(1136239445)) 2", "day_of_month", 1136239445, 2],
    ["eval instant at 0m day_of_year() 1", "day_of_year", 0, 1],
    ["eval instant at 0m day_of_year(vector(1136239445)) 2", "day_of_year", 1136239445, 2],
    ["eval instant at 0m day_of_week() 4 (Thursday)", "day_of_week", 0, 4],
    ["eval instant at 0m day_of_week(vector(1136239445)) 1", "day_of_week", 1136239445, 1],
    ["eval instant at 0m hour() 0", "hour", 0, 0],
    ["eval instant at 0m hour(vector(1136239445)) 22", "hour", 1136239445, 22],
    ["eval instant at 0m minute() 0", "minute", 0, 0],
    ["eval instant at 0m minute(vector(1136239445)) 4", "minute", 1136239445, 4],
    ["eval instant at 0m year(vector(1230767999)) 2008", "year", 1230767999, 2008],
    ["eval instant at 0m year(vector(1230768000)) 2009", "year", 1230768000, 2009],
    ["eval instant at 0m month(vector(1456790399)) 2 (2016-02-29 23:59:59)", "month", 1456790399, 2],
    ["eval instant at 0m day_of_month(vector(1456790399)) 29", "day_of_month", 1456790399, 29],
    ["eval instant at 0m month(vector(1456790400)) 3 (2016-03-01)", "month", 1456790400, 3],
    ["eval instant at 0m day_of_month(vector(1456790400)) 1", "day_of_month", 1456790400, 1],
    ["eval instant at 0m day_of_year(vector(1483191420)) 366", "day_of_year", 1483191420, 366],
    ["eval instant at 0m day_of_year(vector(1672493820)) 365", "day_of_year", 1672493820, 365],
    ["eval instant at 0m days_in_month(vector(1454284800)) 29", "days_in_month", 1454284800, 29],
    ["eval instant at 0m days_in_month(vector(1485907200)) 28", "days_in_month", 1485907200, 28],
    ["fractional seconds truncate toward zero: 1136239445.9 is still 22h", "hour", 1136239445.9, 22],
    ["negative time: -1 is 1969-12-31 23:59:59 (hour 23)", "hour", -1, 23],
    ["negative time: -1 is a Wednesday", "day_of_week", -1, 3],
    ["negative time: -1 is in 1969", "year", -1, 1969],
    ["negative time: -0.5 truncates to 0 (1970)", "year", -0.5, 1970],
    ["leap century: 2000-02-15 has 29 days in month", "days_in_month", 950572800, 29],
    ["non-leap century: 2100-02-15 has 28 days in month", "days_in_month", 4106246400, 28],
    ["non-finite input is NaN", "year", NaN, NaN],
  ];
  for (const [name, fn, input, want] of cases) {
    it(name, () => assertClose(instantFunctions[fn](input, []), want, name));
  }
  it("agrees with Date for every day across four centuries", () => {
    for (let day = -146097; day < 146097 * 3; day += 1) {
      const secs = day * 86400 + 12345;
      const d = new Date(secs * 1000);
      const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
      const doy = Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - startOfYear) / 86400000) + 1;
      if (
        instantFunctions.year(secs, []) !== d.getUTCFullYear() ||
        instantFunctions.month(secs, []) !== d.getUTCMonth() + 1 ||
        instantFunctions.day_of_month(secs, []) !== d.getUTCDate() ||
        instantFunctions.day_of_week(secs, []) !== d.getUTCDay() ||
        instantFunctions.day_of_year(secs, []) !== doy ||
        instantFunctions.days_in_month(secs, []) !== new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()
      ) {
        assert.fail(`mismatch at ${d.toISOString()}`);
      }
    }
  });
});
