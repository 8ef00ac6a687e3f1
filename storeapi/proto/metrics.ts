// The Prometheus exposition format's protobuf messages (io.prometheus.client, client_model's
// metrics.proto), as protobufjs types parsed once at module load, and the length-delimited body a
// scrape target serves. The messages are proto2 there; proto2 and proto3 put the same fields on the wire.
import protobuf from "protobufjs";

const METRICS_PROTO = `
syntax = "proto2";
package io.prometheus.client;

message LabelPair { optional string name = 1; optional string value = 2; }

enum MetricType { COUNTER = 0; GAUGE = 1; SUMMARY = 2; UNTYPED = 3; HISTOGRAM = 4; GAUGE_HISTOGRAM = 5; }

message Gauge { optional double value = 1; }
message Counter { optional double value = 1; }
message Untyped { optional double value = 1; }

message Bucket {
  optional uint64 cumulative_count = 1;
  optional double cumulative_count_float = 4;
  optional double upper_bound = 2;
}

message BucketSpan { optional sint32 offset = 1; optional uint32 length = 2; }

message Histogram {
  optional uint64 sample_count = 1;
  optional double sample_count_float = 4;
  optional double sample_sum = 2;
  repeated Bucket bucket = 3;
  optional sint32 schema = 5;
  optional double zero_threshold = 6;
  optional uint64 zero_count = 7;
  optional double zero_count_float = 8;
  repeated BucketSpan negative_span = 9;
  repeated sint64 negative_delta = 10;
  repeated double negative_count = 11;
  repeated BucketSpan positive_span = 12;
  repeated sint64 positive_delta = 13;
  repeated double positive_count = 14;
}

message Metric {
  repeated LabelPair label = 1;
  optional Gauge gauge = 2;
  optional Counter counter = 3;
  optional Untyped untyped = 5;
  optional Histogram histogram = 7;
  optional int64 timestamp_ms = 6;
}

message MetricFamily {
  optional string name = 1;
  optional string help = 2;
  optional MetricType type = 3;
  repeated Metric metric = 4;
}
`;

const root = protobuf.parse(METRICS_PROTO).root;

/** The exposition message types (package io.prometheus.client); treat as read-only. */
export const metricsProto = Object.freeze({
  root,
  MetricFamily: root.lookupType("io.prometheus.client.MetricFamily"),
});

/** MetricType numbers of the exposition format. */
export const ExpositionMetricType = Object.freeze({ COUNTER: 0, GAUGE: 1, SUMMARY: 2, UNTYPED: 3, HISTOGRAM: 4, GAUGE_HISTOGRAM: 5 } as const);

/** The Content-Type of a protobuf scrape body (and what Prometheus's Accept header asks for). */
export const PROTOBUF_EXPOSITION_CONTENT_TYPE =
  "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/** MetricFamily objects (protobufjs camelCase field names) as a scrape body: each message uvarint-length-prefixed. */
export function encodeDelimitedMetricFamilies(families: readonly object[]): Uint8Array {
  const w = protobuf.Writer.create();
  for (const f of families) {
    const err = metricsProto.MetricFamily.verify(f);
    if (err !== null) throw new Error(`MetricFamily: ${err}`);
    metricsProto.MetricFamily.encodeDelimited(metricsProto.MetricFamily.fromObject(f), w);
  }
  return w.finish();
}
