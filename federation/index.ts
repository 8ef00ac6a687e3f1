// Federation: one Store over many (the proxy store, what Thanos Query's proxy is to a fleet).
//
//   new ProxyStore({ stores, storeResponseTimeoutMs })   a Store over N stores: picks stores by time
//       range and external labels, fans out concurrently, k-way merges their label-sorted streams (one
//       frame per store in memory, pulled as the consumer pulls), merges one series' chunks from several
//       stores (byte-identical chunks once). Failing or timed-out stores: a warning `store <name>: …`
//       (partial response, the default) or an error naming the store (`partialResponseDisabled`).
//   proxy.deduplicated(replicaLabels)                    the per-query dedup view (Thanos `dedup=true`,
//       `replicaLabels[]` or `--query.replica-label`): series differing only in replica labels become one,
//       without those labels; equivalently pass `replicaLabels` in a ProxySeriesRequest.
//   proxy.view({ replicaLabels, partialResponseDisabled }) the per-request view the HTTP API queries through
//       (`dedup`, `replicaLabels[]`, `partial_response`).
//   new EndpointSet({ factory, staticAddresses, sdFiles }) endpoints from `--endpoint` and
//       `--endpoint.sd-files`, info() polled, unhealthy ones retried with backoff; `storeRefs()` feeds
//       ProxyStore's `stores` (an unhealthy endpoint as a store failing at once with its last error: named
//       in a warning, or an error under abort, never contacted), `status()` feeds /api/v1/stores.
//   dedupSamples(replicas, { counter })                  the replica dedup walk itself (see dedup.ts).
export {
  ProxyStore,
  NO_STORES_MATCHED,
  mergeChunks,
  type StoreRef,
  type ProxyStoreOptions,
  type ProxyViewOptions,
  type ProxySeriesRequest,
  type ProxyLabelNamesRequest,
  type ProxyLabelValuesRequest,
} from "./proxy.js";
export { StoreFailure } from "./cursor.js";
export { combineStoreEstimates, type StoreShare } from "./estimate.js";
export {
  dedupSamples,
  encodeXorChunks,
  estimateInterval,
  DEFAULT_HOLE_FACTOR,
  type ReplicaSamples,
  type DedupOptions,
  type DedupResult,
} from "./dedup.js";
export { isCounterFunction } from "./counter-functions.js";
export { EndpointSet, parseSdTargets, type StoreFactory, type EndpointSetOptions, type EndpointStatus } from "./endpoints.js";
