// The remote_write 1.0 receiver for the head, and the stores it fills besides the head.
//
//   const ctx = createRemoteWriteContext({ registry });          // exemplars, metadata, metrics
//   const res = await handleRemoteWrite(head, body, req.headers, ctx);
//   reply res.status with res.message as text/plain (no body for 204)
//   ctx.exemplars.select(matchers, start, end)   → /api/v1/query_exemplars
//   ctx.metadata.get(metric?, limit?)            → /api/v1/metadata
//
// Native histograms are not supported yet: they are dropped, counted, and answered with 400 (a 5xx
// would make the sender retry forever); the float samples of the same request are stored.
export { handleRemoteWrite, createRemoteWriteContext, createRemoteWriteMetrics } from "./receiver.js";
export type {
  RemoteWriteAppender,
  RemoteWriteContext,
  RemoteWriteContextOptions,
  RemoteWriteMetrics,
  RemoteWriteResponse,
  RequestHeaders,
} from "./receiver.js";
export { decodeWriteRequest, ProtoDecodeError, METRIC_TYPES } from "./decode.js";
export type { DecodedWriteRequest, MetricMetadata, MetricType } from "./decode.js";
export { seriesLabels, exemplarLabels, isValidUtf8 } from "./labels.js";
export { ExemplarStore, DEFAULT_MAX_EXEMPLARS } from "./exemplars.js";
export type { Exemplar, SeriesExemplars, ExemplarAddResult } from "./exemplars.js";
export { MetadataStore } from "./metadata.js";
export type { MetadataEntry, MetadataStoreOptions } from "./metadata.js";
export { encodeWriteRequest, encodeRemoteWriteBody } from "./encode.js";
export type { WriteRequestInput, WriteTimeSeries, WriteSample } from "./encode.js";
