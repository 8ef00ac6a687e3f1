// A Store over an existing Prometheus server through remote_read (POST /api/v1/read, streamed XOR
// chunks or samples), with its external labels from /api/v1/status/config. CLI: --prometheus.url.
//   const store = new PrometheusStore({ url: "http://prometheus:9090", timeoutMs: 30_000 });
export { PrometheusStore, PrometheusStoreError, queryMatchers, externalLabelsFromConfig } from "./store.js";
export type { PrometheusStoreOptions } from "./store.js";
export { readChunkedFrames, FrameError, MAX_FRAME_BYTES } from "./frames.js";
// Prometheus's remote_read section (url, remote_timeout, headers, basic_auth, authorization,
// tls_config) and its HTTP client config, which every outbound HTTP client can share.
export { parseRemoteReadConfig, remoteReadStoreOptions, RemoteReadConfigError } from "./config.js";
export type { RemoteReadEndpoint } from "./config.js";
export { parseHttpClientConfig, httpClientFetch, authorizationHeader, HTTP_CLIENT_KEYS } from "./httpclient.js";
export type { HttpClientConfig, HttpClientTls } from "./httpclient.js";
