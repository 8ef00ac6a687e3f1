// The remote_write receiver (1.0 and 2.0) for the head, and the stores it fills besides the head.
//
//   const ctx = createRemoteWriteContext({ registry });          // exemplars, metadata, metrics
//   const res = await handleRemoteWrite(head, body, req.headers, ctx);
//   reply res.status with res.headers and res.message as text/plain (no body for 204)
//   ctx.exemplars.select(matchers, start, end)   → /api/v1/query_exemplars
//   ctx.metadata.get(metric?, limit?)            → /api/v1/metadata
//
// Content-Type `application/x-protobuf;proto=io.prometheus.write.v2.Request` is remote_write 2.0
// (decode-v2.ts); any other Content-Type, or none, is read as 1.0 as Prometheus does; a protobuf
// message of another name, or a Content-Encoding other than snappy, is 415. Both versions are decoded
// straight from the buffer into one column layout (DecodedWriteRequest) and stored one way.
// Status codes: 204 stored; 400 for what the sender must not retry — bad snappy or protobuf, samples
// or native histograms rejected (out_of_order, duplicate_sample_for_timestamp, too_old,
// invalid_timestamp, invalid labels, histogram_* validation reasons; the accepted rest of the
// request stays stored: remote_write 2.0's partial-write rule); 500 when the head's append (the WAL)
// failed, which the sender retries. 2.0 answers carry X-Prometheus-Remote-Write-{Samples,Histograms,
// Exemplars}-Written. Drops are counted in orrery_remote_write_dropped_total{kind,reason}
// (kind: sample, histogram, exemplar). Exemplars that are not newer than the series' newest one are
// dropped and counted, not reported, as Prometheus does. With a log (createRemoteWriteContext({ log })),
// every 400 that lost data is also logged with its first series and reason per kind, at most one
// line per 10 s. Start timestamps of 2.0 samples and histograms are decoded (st, hst) but not stored.
export { handleRemoteWrite, createRemoteWriteContext, createRemoteWriteMetrics, RateLimitedLog } from "./receiver.js";
export type {
  RemoteWriteAppender,
  RemoteWriteContext,
  RemoteWriteContextOptions,
  RemoteWriteMetrics,
  RemoteWriteProtocol,
  RemoteWriteResponse,
  RequestHeaders,
} from "./receiver.js";
// Two decoders behind one interface (WriteRequestDecoder): the hand-written one the receiver uses,
// and the protobufjs one over storeapi's prompb types, kept to check and measure it against.
export { decodeWriteRequest, ProtoDecodeError, METRIC_TYPES } from "./decode.js";
export { decodeWriteRequestProtobufjs } from "./decode-protobufjs.js";
export { decodeWriteRequestV2 } from "./decode-v2.js";
export { WRITE_V1_PROTO, WRITE_V2_PROTO } from "./receiver.js";
export type { DecodedWriteRequest, MetricMetadata, MetricType, WriteRequestDecoder } from "./decode.js";
export { seriesLabels, exemplarLabels, isValidUtf8 } from "./labels.js";
export { KnownSeries, rawLabelsHash, sameLabelBytes } from "./known-series.js";
export type { KnownSeriesOptions } from "./known-series.js";
export { ExemplarStore, DEFAULT_MAX_EXEMPLARS } from "./exemplars.js";
export type { Exemplar, SeriesExemplars, ExemplarAddResult } from "./exemplars.js";
export { MetadataStore } from "./metadata.js";
export type { MetadataEntry, MetadataStoreOptions } from "./metadata.js";
export { encodeWriteRequest, encodeRemoteWriteBody, encodeWriteRequestV2, prompbHistogram } from "./encode.js";
export type { WriteRequestInput, WriteTimeSeries, WriteSample, WriteHistogram, WriteTimeSeriesV2 } from "./encode.js";
