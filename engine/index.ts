// The vectorized PromQL engine: instant and range queries over any Store.
//
//   new Engine(opts)                       lookback delta, max samples, timeout, `[range:]` step,
//                                          the prom-client Registry for orrery_engine_* metrics
//   engine.instantQuery(store, q, t)       → Query (parse + plan now; bad query → QueryError bad_data)
//   engine.rangeQuery(store, q, s, e, st)  → Query; query.exec() → QueryResult, query.cancel()
//   engine.explain(store, q, s, e, st)     → the operator tree, without running it
//
// How a query runs: promql.parse → planner.plan (durations and `@` resolved, step-invariant
// subtrees marked, identical selectors merged into one fetch, store hints filled) → operators
// built per plan node, one family per folder:
//   scan/            vector selectors, matrix selectors, the store fetch and chunk decoding
//                    (a series' chunks merged by time through storeapi's mergeXorChunks; chunks
//                    it cannot read are a warning and orrery_engine_chunks_skipped_total{reason})
//   function/        range functions over windows, element-wise and label functions, sort,
//                    absent, histogram_quantile(s)/histogram_fraction, info, timestamp
//   functions/       the numeric function library (another helper's)
//   aggregate/       sum/avg/…/quantile, topk/bottomk/limitk/limit_ratio, count_values
//   binary/          scalar and vector arithmetic/comparison with matching and fill, and/or/unless
//   subquery/        a subquery as a range source; step-invariant/: evaluate once, repeat
//   literal/         number literals, time(), pi(), scalar(), vector()
//   histogram/       native histogram arithmetic (FloatHistogram: add/sub/mul/div, schema
//                    reduction, reset detection; quantile, fraction, stats, rate deltas, trim)
//   exec/            context (limits, annotations, cancellation), builder, result assembly
//   parallel/        window workers: a heavy range function call's float series decoded and
//                    evaluated on worker threads (WindowWorkerPool, passed in as windowWorkers)
// Every operator knows its output series up front (`series()`), then returns batches of step
// vectors (`next()`: per step, series ids and float values in typed arrays, with a slot for
// histogram samples) from a per-query pool; `explain()` describes it. `__name__` removal is
// delayed (Prometheus 3): operators mark series, the name goes when the result is assembled.
export type * from "./types.js";
export { QueryError } from "./errors.js";
export { Engine } from "./engine.js";
export { WindowWorkerPool, DEFAULT_PARALLEL_MIN_SAMPLES, type WindowWorkerPoolOptions } from "./parallel/pool.js";
export type { Operator, StepVector, SeriesMeta, Explain, OperatorAnalysis } from "./model.js";
export {
  FloatHistogram,
  CombineFlags,
  HistogramError,
  BucketIterator,
  histogramQuantile,
  histogramFraction,
  histogramCount,
  histogramSum,
  histogramAvg,
  histogramStdDev,
  histogramStdVar,
  histogramWindowDelta,
  histogramInstantDelta,
  trimBuckets,
  type Bucket,
  type BucketOrder,
  type HistogramResult,
  type HistogramDelta,
} from "./histogram/index.js";
