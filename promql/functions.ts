// The function catalog: the single source of facts about PromQL functions (names, argument and
// return types, step dependence, histogram-only, name keeping, counter input, range modifiers),
// shared by the parser (type checking), the planner and the engine; none of them keeps its own list.
import type { ValueType } from "./ast.js";

export interface FunctionInfo {
  name: string;
  argTypes: ValueType[];
  /**
   * 0: exactly argTypes.length arguments. n > 0: the last argument is optional and may
   * repeat up to n times (between argTypes.length-1 and argTypes.length-1+n arguments).
   * -1: the last argument is optional and may repeat without limit.
   */
  variadic: number;
  returnType: ValueType;
  /** Needs `--enable-feature=promql-experimental-functions` in Prometheus. */
  experimental: boolean;
  /**
   * The result depends on the evaluation time even when the arguments do not, so a call is
   * never step invariant (Prometheus's AtModifierUnsafeFunctions).
   */
  stepDependent: boolean;
  /** Reads native histograms only: float samples give no output. */
  histogramOnly: boolean;
  /** Returns input samples with their labels, __name__ included (every other function drops it). */
  keepsMetricName: boolean;
  /** Reads its range as a counter (resets compensated). */
  counterInput: boolean;
  /** Gets Prometheus's info "metric might not be a counter" for a name without a counter suffix. */
  warnsNonCounter: boolean;
  /** Accepts the `anchored` range modifier. */
  anchored: boolean;
  /** Accepts the `smoothed` range modifier. */
  smoothed: boolean;
}

type Spec = [args: ValueType[], ret: ValueType, variadic?: number, experimental?: boolean];

const v: ValueType = "vector";
const m: ValueType = "matrix";
const s: ValueType = "scalar";
const str: ValueType = "string";

const specs: Record<string, Spec> = {
  abs: [[v], v],
  absent: [[v], v],
  absent_over_time: [[m], v],
  acos: [[v], v],
  acosh: [[v], v],
  asin: [[v], v],
  asinh: [[v], v],
  atan: [[v], v],
  atanh: [[v], v],
  avg_over_time: [[m], v],
  ceil: [[v], v],
  changes: [[m], v],
  clamp: [[v, s, s], v],
  clamp_max: [[v, s], v],
  clamp_min: [[v, s], v],
  cos: [[v], v],
  cosh: [[v], v],
  count_over_time: [[m], v],
  days_in_month: [[v], v, 1],
  day_of_month: [[v], v, 1],
  day_of_week: [[v], v, 1],
  day_of_year: [[v], v, 1],
  end: [[], s, 0, true],
  deg: [[v], v],
  delta: [[m], v],
  deriv: [[m], v],
  double_exponential_smoothing: [[m, s, s], v, 0, true],
  exp: [[v], v],
  first_over_time: [[m], v, 0, true],
  floor: [[v], v],
  histogram_avg: [[v], v],
  histogram_count: [[v], v],
  histogram_fraction: [[s, s, v], v],
  histogram_quantile: [[s, v], v],
  histogram_quantiles: [[v, str, s], v, -1, true],
  histogram_stddev: [[v], v],
  histogram_stdvar: [[v], v],
  histogram_sum: [[v], v],
  hour: [[v], v, 1],
  idelta: [[m], v],
  increase: [[m], v],
  info: [[v, v], v, 1, true],
  irate: [[m], v],
  label_join: [[v, str, str, str], v, -1],
  label_replace: [[v, str, str, str, str], v],
  last_over_time: [[m], v],
  ln: [[v], v],
  log10: [[v], v],
  log2: [[v], v],
  mad_over_time: [[m], v, 0, true],
  max_of: [[s, s], s, 0, true],
  max_over_time: [[m], v],
  min_of: [[s, s], s, 0, true],
  min_over_time: [[m], v],
  minute: [[v], v, 1],
  month: [[v], v, 1],
  pi: [[], s],
  predict_linear: [[m, s], v],
  present_over_time: [[m], v],
  quantile_over_time: [[s, m], v],
  rad: [[v], v],
  range: [[], s, 0, true],
  rate: [[m], v],
  resets: [[m], v],
  round: [[v, s], v, 1],
  scalar: [[v], s],
  sgn: [[v], v],
  sin: [[v], v],
  sinh: [[v], v],
  sort: [[v], v],
  sort_by_label: [[v, str], v, -1, true],
  sort_by_label_desc: [[v, str], v, -1, true],
  sort_desc: [[v], v],
  sqrt: [[v], v],
  start: [[], s, 0, true],
  start_timestamp: [[v], v, 0, true],
  step: [[], s, 0, true],
  stddev_over_time: [[m], v],
  stdvar_over_time: [[m], v],
  sum_over_time: [[m], v],
  tan: [[v], v],
  tanh: [[v], v],
  time: [[], s],
  timestamp: [[v], v],
  ts_of_first_over_time: [[m], v, 0, true],
  ts_of_last_over_time: [[m], v, 0, true],
  ts_of_max_over_time: [[m], v, 0, true],
  ts_of_min_over_time: [[m], v, 0, true],
  vector: [[s], v],
  year: [[v], v, 1],
};

const stepDependent = new Set([
  "days_in_month",
  "day_of_month",
  "day_of_week",
  "day_of_year",
  "hour",
  "minute",
  "month",
  "year",
  "predict_linear",
  "time",
  "timestamp",
]);
const histogramOnly = new Set(["histogram_avg", "histogram_count", "histogram_stddev", "histogram_stdvar", "histogram_sum"]);
const keepsMetricName = new Set([
  "first_over_time",
  "info",
  "last_over_time",
  "label_join",
  "label_replace",
  "sort",
  "sort_by_label",
  "sort_by_label_desc",
  "sort_desc",
]);
const counterInput = new Set(["increase", "irate", "rate", "resets"]);
const warnsNonCounter = new Set(["increase", "rate"]);
const anchored = new Set(["changes", "delta", "increase", "rate", "resets"]);
const smoothed = new Set(["delta", "increase", "rate"]);

function build(): Readonly<Record<string, FunctionInfo>> {
  const out: Record<string, FunctionInfo> = Object.create(null) as Record<string, FunctionInfo>;
  for (const [name, [argTypes, returnType, variadic = 0, experimental = false]] of Object.entries(specs)) {
    out[name] = Object.freeze({
      name,
      argTypes: Object.freeze(argTypes) as ValueType[],
      variadic,
      returnType,
      experimental,
      stepDependent: stepDependent.has(name),
      histogramOnly: histogramOnly.has(name),
      keepsMetricName: keepsMetricName.has(name),
      counterInput: counterInput.has(name),
      warnsNonCounter: warnsNonCounter.has(name),
      anchored: anchored.has(name),
      smoothed: smoothed.has(name),
    });
  }
  return Object.freeze(out);
}

/** Every function of Prometheus 3.x PromQL, by name. */
export const functions: Readonly<Record<string, FunctionInfo>> = build();

/** Aggregations that Prometheus only accepts with experimental functions enabled. */
export const experimentalAggregations: ReadonlySet<string> = new Set(["limitk", "limit_ratio"]);

/** Names of the functions with a fact set, in name order (for messages such as "can only be used with: …"). */
export function functionsWith(fact: "anchored" | "smoothed" | "counterInput" | "histogramOnly"): string[] {
  return Object.keys(functions)
    .filter((name) => functions[name]![fact])
    .sort();
}

/** The catalog entry for a name, or undefined (safe for names like "__proto__"). */
export function lookupFunction(name: string): FunctionInfo | undefined {
  return Object.prototype.hasOwnProperty.call(functions, name) ? functions[name] : undefined;
}
