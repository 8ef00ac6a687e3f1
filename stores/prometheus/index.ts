// A Store over an existing Prometheus server through remote_read (POST /api/v1/read, streamed XOR
// chunks or samples), with its external labels from /api/v1/status/config. CLI: --prometheus.url.
//   const store = new PrometheusStore({ url: "http://prometheus:9090", timeoutMs: 30_000 });
export { PrometheusStore, PrometheusStoreError, queryMatchers, externalLabelsFromConfig } from "./store.js";
export type { PrometheusStoreOptions } from "./store.js";
export { readChunkedFrames, FrameError, MAX_FRAME_BYTES } from "./frames.js";
