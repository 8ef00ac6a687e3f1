// The compliance comparer: runs the PromLabs compliance tester's query set against a
// reference and a target Prometheus API and reports where the answers differ.
export {
  parseQueryFile,
  expandQueryFile,
  expandTemplate,
  DEFAULT_VARIANT_VALUES,
  QueryFileError,
  type QueryFile,
  type QueryTemplate,
  type CompareCase,
} from "./queries.js";
export {
  decodeResult,
  compareResults,
  isEmptyDiff,
  valuesEqual,
  labelsKey,
  orderIsDefined,
  parseSampleValue,
  DEFAULT_TOLERANCE,
  ResultDecodeError,
  type QueryResult,
  type Series,
  type Point,
  type Labels,
  type ResultDiff,
  type PointDiff,
  type Tolerance,
  type CompareOptions,
} from "./result.js";
export { instantQuery, rangeQuery, EndpointError, type Endpoint, type Auth, type QueryOutcome, type RangeParams } from "./client.js";
export { explainByClosedWindows, rangeWindows, withOpenWindows } from "./known242.js";
export { explainByZeroPointOrder, extrapolatedCounterRate, extrapolatingCalls, withoutSeries, type ZeroPointOrder } from "./known-zero-point.js";
export { runComparison, compareCase, featureGroup, countResults, type CaseResult, type CaseStatus, type ModeResult, type CompareRunOptions, type Totals as CompareTotals } from "./run.js";
export { formatTextReport as formatCompareTextReport, formatJsonReport as formatCompareJsonReport, summaryLine as compareSummaryLine, formatDiff } from "./report.js";
export { runCompareCommand, parseCompareArgs, parseTimeFlag, COMPARE_USAGE, type CompareArgs } from "./cli.js";
export { startPrometheus, startServer, createBlocks, freePort, stopProcess, waitReady, hasPrometheus, NO_PROMETHEUS, PROMETHEUS_BIN, PROMTOOL_BIN, type RunningServer, type PrometheusOptions } from "./prometheus.js";
