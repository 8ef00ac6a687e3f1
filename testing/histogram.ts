// A NativeHistogram literal for tests: the fields a test names, Prometheus's zero values for the rest.
import { CounterResetHint, type NativeHistogram } from "../storeapi/index.js";

export function nativeHistogram(fields: Partial<NativeHistogram> = {}): NativeHistogram {
  return {
    float: false,
    counterResetHint: CounterResetHint.Unknown,
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 0,
    sum: 0,
    positiveSpans: [],
    positiveBuckets: [],
    negativeSpans: [],
    negativeBuckets: [],
    ...fields,
  };
}
