// Native histogram arithmetic for the engine: pure functions and one class, no I/O.
//
//   FloatHistogram             fromNative/toNative (storeapi's NativeHistogram), copy, copyToSchema,
//                              add/sub (→ CombineFlags), mul/div, compact, reduceResolution,
//                              detectReset, equals, validate, buckets(order) with bounds
//   histogramQuantile/Fraction one histogram's quantile / fraction (+ the info Prometheus raises)
//   histogramCount/Sum/Avg/StdDev/StdVar
//   histogramWindowDelta       rate/increase/delta's change over a window, resets added back
//   histogramInstantDelta      irate/idelta's change between the last two samples
//   extendedHistogramDelta     rate/increase/delta's change over an anchored/smoothed window
//   interpolateHistograms      a histogram between two samples (smoothed windows and selectors)
//   HistogramMean              avg / avg_over_time's mean (direct, incremental once the sum overflows)
//   trimBuckets                the `</` and `>/` operators (keep observations below / above x)
// Annotation texts live in engine/annotations.ts with every other annotation.
export { FloatHistogram, CombineFlags, HistogramError } from "./float_histogram.js";
export { BucketIterator, type Bucket, type BucketOrder, type HistogramLayout } from "./buckets.js";
export type { Span } from "./spans.js";
export {
  bucketBound,
  exponentialBound,
  customBoundsMatch,
  isCustomBucketsSchema,
  isExponentialSchema,
  isKnownSchema,
  isValidSchema,
} from "./bounds.js";
export { histogramQuantile, histogramFraction, type HistogramResult } from "./quantile.js";
export { histogramCount, histogramSum, histogramAvg, histogramStdDev, histogramStdVar } from "./stats.js";
export { histogramWindowDelta, histogramInstantDelta, type HistogramDelta } from "./rate.js";
export { extendedHistogramDelta, interpolateHistograms } from "./extended.js";
export { trimBuckets } from "./trim.js";
export { HistogramMean } from "./mean.js";
