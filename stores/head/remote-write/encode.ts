// The WriteRequest encoder (protobuf, then snappy): what a remote_write sender produces.
// Used by tests, benchmarks and anything in orrery that sends remote_write.
import snappy from "snappyjs";
import { prompb, type Labels } from "../../../storeapi/index.js";
import { METRIC_TYPES, type MetricMetadata } from "./decode.js";

export interface WriteSample {
  readonly value: number;
  readonly timestamp: number;
}

export interface WriteTimeSeries {
  readonly labels: Labels;
  readonly samples: readonly WriteSample[];
  readonly exemplars?: readonly { readonly labels: Labels; readonly value: number; readonly timestamp: number }[];
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
