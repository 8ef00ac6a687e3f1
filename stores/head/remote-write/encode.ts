// The WriteRequest encoder (protobuf, then snappy): what a remote_write sender produces.
// Used by tests, benchmarks and anything in orrery that sends remote_write.
import snappy from "snappyjs";
import { prompb, writeV2, type Labels, type NativeHistogram } from "../../../storeapi/index.js";
import { METRIC_TYPES, type MetricMetadata } from "./decode.js";

export interface WriteSample {
  readonly value: number;
  readonly timestamp: number;
}

export interface WriteTimeSeries {
  readonly labels: Labels;
  readonly samples: readonly WriteSample[];
  readonly exemplars?: readonly { readonly labels: Labels; readonly value: number; readonly timestamp: number }[];
  readonly histograms?: readonly WriteHistogram[];
}

/** A native histogram sample to send. */
export interface WriteHistogram {
  readonly timestamp: number;
  readonly h: NativeHistogram;
}

export interface WriteRequestInput {
  readonly timeseries: readonly WriteTimeSeries[];
  readonly metadata?: readonly MetricMetadata[];
}

/** Protobuf bytes of a prometheus.WriteRequest, through the one protobuf layer. */
export function encodeWriteRequest(req: WriteRequestInput): Uint8Array {
  const msg = {
    timeseries: req.timeseries.map((ts) => ({
      labels: ts.labels,
      samples: ts.samples,
      exemplars: ts.exemplars ?? [],
      histograms: (ts.histograms ?? []).map((x) => prompbHistogram(x.h, x.timestamp)),
    })),
    metadata: (req.metadata ?? []).map((m) => ({
      type: Math.max(0, METRIC_TYPES.indexOf(m.type)),
      metricFamilyName: m.metricFamilyName,
      help: m.help,
      unit: m.unit,
    })),
  };
  return prompb.WriteRequest.encode(msg).finish();
}

/** A remote_write request body: the WriteRequest, snappy block-compressed. */
export function encodeRemoteWriteBody(req: WriteRequestInput): Uint8Array {
  return snappy.compress(encodeWriteRequest(req));
}

/**
 * The prompb.Histogram object (protobufjs field names) of a native histogram: integer histograms
 * with delta-encoded buckets (count_int), float ones with absolute counts (count_float), as
 * Prometheus sends them. Shared by the 1.0 and 2.0 encoders (the message is the same).
 */
export function prompbHistogram(h: NativeHistogram, timestamp: number): Record<string, unknown> {
  const deltas = (xs: readonly number[]) => xs.map((c, i) => c - (i > 0 ? xs[i - 1]! : 0));
  return {
    ...(h.float ? { countFloat: h.count, zeroCountFloat: h.zeroCount } : { countInt: h.count, zeroCountInt: h.zeroCount }),
    sum: h.sum,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    negativeSpans: h.negativeSpans,
    positiveSpans: h.positiveSpans,
    ...(h.float
      ? { negativeCounts: h.negativeBuckets, positiveCounts: h.positiveBuckets }
      : { negativeDeltas: deltas(h.negativeBuckets), positiveDeltas: deltas(h.positiveBuckets) }),
    resetHint: h.counterResetHint,
    timestamp,
    customValues: h.customValues ?? [],
  };
}

/** A remote_write 2.0 series: 1.0's fields plus start timestamps and its metadata. */
export interface WriteTimeSeriesV2 {
  readonly labels: Labels;
  readonly samples?: readonly (WriteSample & { readonly startTimestamp?: number })[];
  readonly histograms?: readonly (WriteHistogram & { readonly startTimestamp?: number })[];
  readonly exemplars?: readonly { readonly labels: Labels; readonly value: number; readonly timestamp: number }[];
  readonly metadata?: Omit<MetricMetadata, "metricFamilyName">;
}

/** Protobuf bytes of an io.prometheus.write.v2.Request: labels become references into one symbol table (symbols[0] is ""). */
export function encodeWriteRequestV2(series: readonly WriteTimeSeriesV2[]): Uint8Array {
  const symbols = [""];
  const index = new Map<string, number>([["", 0]]);
  const ref = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = symbols.length;
      symbols.push(s);
      index.set(s, i);
    }
    return i;
  };
  const refs = (labels: Labels): number[] => labels.flatMap((l) => [ref(l.name), ref(l.value)]);
  const timeseries = series.map((ts) => ({
    labelsRefs: refs(ts.labels),
    samples: (ts.samples ?? []).map((s) => ({ value: s.value, timestamp: s.timestamp, startTimestamp: s.startTimestamp ?? 0 })),
    histograms: (ts.histograms ?? []).map((x) => ({ ...prompbHistogram(x.h, x.timestamp), startTimestamp: x.startTimestamp ?? 0 })),
    exemplars: (ts.exemplars ?? []).map((e) => ({ labelsRefs: refs(e.labels), value: e.value, timestamp: e.timestamp })),
    ...(ts.metadata
      ? { metadata: { type: Math.max(0, METRIC_TYPES.indexOf(ts.metadata.type)), helpRef: ref(ts.metadata.help), unitRef: ref(ts.metadata.unit) } }
      : {}),
  }));
  return writeV2.Request.encode(writeV2.Request.fromObject({ symbols, timeseries })).finish();
}
