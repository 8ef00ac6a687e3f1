// The Prometheus servers to read, in Prometheus's own `remote_read` shape, so a section written for
// a prometheus.yml works as it is: url, name, remote_timeout, headers and the HTTP client keys
// (basic_auth with password_file, authorization / bearer_token_file, tls_config).
import { parseYaml, YamlError, YamlKeyReader, type YamlValue } from "../../storeapi/index.js";
import { HTTP_CLIENT_KEYS, httpClientFetch, parseHttpClientConfig, type HttpClientConfig } from "./httpclient.js";
import type { PrometheusStoreOptions } from "./store.js";

export interface RemoteReadEndpoint {
  /** The server's base URL (the read URL without /api/v1/read): the store's address. */
  readonly url: string;
  readonly name: string;
  /** remote_timeout; 0: the caller's default. */
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly http: HttpClientConfig;
}

export class RemoteReadConfigError extends Error {
  override name = "RemoteReadConfigError";
}

const REMOTE_READ_KEYS = ["url", "name", "remote_timeout", "headers", "read_recent", "required_matchers", "filter_external_labels", ...HTTP_CLIENT_KEYS];
// Headers remote_read sets itself; Prometheus refuses them in `headers` too.
const RESERVED_HEADERS = ["authorization", "host", "content-encoding", "content-length", "content-type", "user-agent", "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "www-authenticate", "accept-encoding", "x-prometheus-remote-read-version"];

/** Parses a file of `remote_read:` entries; `source` names the file in every error. */
export function parseRemoteReadConfig(text: string, source: string): RemoteReadEndpoint[] {
  let doc: YamlValue;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (err instanceof YamlError) throw new RemoteReadConfigError(`${source}: ${err.message}`);
    throw err;
  }
  const r = new YamlKeyReader(source, (message) => new RemoteReadConfigError(message));
  const top = r.mapping(doc, "");
  r.onlyKeys(top, "", ["remote_read"]);
  const out = r.list(top.remote_read, "remote_read").map((entry, i) => remoteRead(r, entry, `remote_read[${i}]`));
  const seen = new Set<string>();
  for (const [i, e] of out.entries()) {
    if (seen.has(e.url)) throw r.error(`remote_read[${i}].url`, `${e.url} is given twice`);
    seen.add(e.url);
  }
  return out;
}

function remoteRead(r: YamlKeyReader, entry: YamlValue, at: string): RemoteReadEndpoint {
  const m = r.mapping(entry, at);
  r.onlyKeys(m, at, REMOTE_READ_KEYS);
  const url = r.string(m, at, "url", "");
  if (!/^https?:\/\/[^/]+/.test(url)) throw r.error(`${at}.url`, url === "" ? "missing" : `${JSON.stringify(url)}: want http(s)://host:port/api/v1/read`);
  if (Object.keys(r.mapping(m.required_matchers ?? {}, `${at}.required_matchers`)).length > 0) throw r.error(`${at}.required_matchers`, "is not supported by orrery");
  r.bool(m, at, "read_recent", false);
  r.bool(m, at, "filter_external_labels", true);
  const headers = r.stringMap(m, at, "headers");
  for (const name of Object.keys(headers)) {
    if (RESERVED_HEADERS.includes(name.toLowerCase())) throw r.error(`${at}.headers.${name}`, "is set by orrery itself and cannot be overridden");
  }
  return {
    url: url.replace(/\/+$/, "").replace(/\/api\/v1\/read$/, ""),
    name: r.string(m, at, "name", ""),
    timeoutMs: r.duration(m, at, "remote_timeout", 0),
    headers,
    http: parseHttpClientConfig(r, m, at),
  };
}

/** The PrometheusStore options for an entry; `defaultTimeoutMs` applies when it sets no remote_timeout. */
export function remoteReadStoreOptions(endpoint: RemoteReadEndpoint, defaultTimeoutMs: number): PrometheusStoreOptions {
  return { url: endpoint.url, timeoutMs: endpoint.timeoutMs > 0 ? endpoint.timeoutMs : defaultTimeoutMs, headers: endpoint.headers, fetch: httpClientFetch(endpoint.http) };
}
