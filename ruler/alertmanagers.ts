// Where alerts go: Thanos Ruler's Alertmanager configuration (`--alertmanagers.config-file`,
// `--alertmanagers.config`) or `--alertmanagers.url`, read as Thanos reads them. Each entry is one
// Alertmanager cluster: its addresses (static_configs, file_sd_configs), scheme, path_prefix,
// timeout and http_config (basic_auth, bearer token, TLS). Secrets may come from files
// (password_file, bearer_token_file), read at every send so a rotated secret is picked up, and
// from the environment (`$(VAR)` in the file), so none has to be given on the command line.
// Unknown keys are errors, as Thanos's strict YAML decoding makes them.
import { joinKey, parseYaml, YamlError, YamlKeyReader, type YamlMapping, type YamlValue } from "../storeapi/index.js";
import { parseDuration } from "../promql/index.js";

export class AlertmanagerConfigError extends Error {
  override name = "AlertmanagerConfigError";
}

export interface TlsClientConfig {
  caFile: string;
  certFile: string;
  keyFile: string;
  serverName: string;
  insecureSkipVerify: boolean;
}

/** Thanos's http_config for a client: how requests authenticate and verify the server. */
export interface HttpClientConfig {
  basicAuth: { username: string; password: string; passwordFile: string } | undefined;
  bearerToken: string;
  bearerTokenFile: string;
  tls: TlsClientConfig;
}

export interface FileSdConfig {
  /** Files or globs (`*`, `?` in the last path element) of `[{targets: [host:port], labels: {}}]`, JSON or YAML. */
  files: string[];
  refreshIntervalMs: number;
}

/** One Alertmanager cluster: every address gets every alert. */
export interface AlertmanagerSetConfig {
  http: HttpClientConfig;
  staticAddresses: string[];
  fileSd: FileSdConfig[];
  scheme: "http" | "https";
  pathPrefix: string;
  timeoutMs: number;
}

/** Prometheus's default file_sd refresh interval. */
const DEFAULT_FILE_SD_REFRESH_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;

const NO_TLS: TlsClientConfig = { caFile: "", certFile: "", keyFile: "", serverName: "", insecureSkipVerify: false };

/** Thanos's BuildAlertmanagerConfig: one cluster per URL; user:password in the URL becomes basic_auth, its path the path_prefix. */
export function alertmanagerSetsFromUrls(urls: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): AlertmanagerSetConfig[] {
  return urls.map((raw) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new AlertmanagerConfigError(`--alertmanagers.url=${raw}: not a URL (want http://host:port)`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new AlertmanagerConfigError(`--alertmanagers.url=${raw}: scheme ${u.protocol.replace(/:$/, "")} is not supported (want http or https)`);
    const basicAuth = u.username === "" ? undefined : { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password), passwordFile: "" };
    return {
      http: { basicAuth, bearerToken: "", bearerTokenFile: "", tls: NO_TLS },
      staticAddresses: [u.host],
      fileSd: [],
      scheme: u.protocol === "https:" ? "https" : "http",
      pathPrefix: normalPathPrefix(u.pathname),
      timeoutMs,
    };
  });
}

/** `$(NAME)` replaced by the environment variable NAME, as Thanos substitutes config files; a missing one is an error. */
export function substituteEnv(text: string, env: Readonly<Record<string, string | undefined>>, source: string): string {
  return text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) throw new AlertmanagerConfigError(`${source}: environment variable ${name} (referenced as $(${name})) is not set`);
    return v;
  });
}

/** Parses the `alertmanagers:` configuration; `source` (a file name or "--alertmanagers.config") names it in errors. */
export function parseAlertingConfig(text: string, source: string, env: Readonly<Record<string, string | undefined>> = {}): AlertmanagerSetConfig[] {
  let doc: YamlValue;
  try {
    doc = parseYaml(substituteEnv(text, env, source));
  } catch (err) {
    if (err instanceof YamlError) throw new AlertmanagerConfigError(`${source}: ${err.message}`);
    throw err;
  }
  const r = new YamlKeyReader(source, (message) => new AlertmanagerConfigError(message));
  const top = r.mapping(doc, "");
  r.onlyKeys(top, "", ["alertmanagers"]);
  return r.list(top["alertmanagers"], joinKey("", "alertmanagers")).map((item, i) => alertmanagerSet(r, r.mapping(item, `alertmanagers[${i}]`), `alertmanagers[${i}]`));
}

function alertmanagerSet(r: YamlKeyReader, m: YamlMapping, at: string): AlertmanagerSetConfig {
  r.onlyKeys(m, at, ["http_config", "static_configs", "file_sd_configs", "scheme", "path_prefix", "timeout", "api_version"]);
  const scheme = r.string(m, at, "scheme", "http");
  if (scheme !== "http" && scheme !== "https") throw r.error(`${at}.scheme`, `${JSON.stringify(scheme)}: want http or https`);
  const apiVersion = r.string(m, at, "api_version", "v2");
  if (apiVersion === "v1") throw r.error(`${at}.api_version`, "v1 is not supported by orrery (Alertmanager's v1 API is gone since 0.27); use v2");
  if (apiVersion !== "v2") throw r.error(`${at}.api_version`, `expected Alertmanager API version to be one of [v1 v2] but got ${JSON.stringify(apiVersion)}`);
  const staticAddresses = r.list(m["static_configs"], joinKey(at, "static_configs")).map((v, i) => {
    const addr = r.scalar(v, `${at}.static_configs[${i}]`);
    if (/^dns(srv)?(noa)?\+/i.test(addr)) throw r.error(`${at}.static_configs[${i}]`, `${JSON.stringify(addr)}: DNS service discovery is not supported by orrery; list host:port addresses or use file_sd_configs`);
    if (addr.includes("/") || addr === "") throw r.error(`${at}.static_configs[${i}]`, `${JSON.stringify(addr)}: want host:port (the scheme and path_prefix are separate keys)`);
    return addr;
  });
  const fileSd = r.list(m["file_sd_configs"], joinKey(at, "file_sd_configs")).map((v, i) => {
    const fAt = `${at}.file_sd_configs[${i}]`;
    const f = r.mapping(v, fAt);
    r.onlyKeys(f, fAt, ["files", "refresh_interval"]);
    const files = r.list(f["files"], joinKey(fAt, "files")).map((p, j) => r.scalar(p, `${fAt}.files[${j}]`));
    if (files.length === 0) throw r.error(`${fAt}.files`, "missing (the files that list Alertmanager targets)");
    return { files, refreshIntervalMs: r.duration(f, fAt, "refresh_interval", DEFAULT_FILE_SD_REFRESH_MS) || DEFAULT_FILE_SD_REFRESH_MS };
  });
  if (staticAddresses.length === 0 && fileSd.length === 0) throw r.error(at, "no static_configs or file_sd_configs: this Alertmanager cluster has no address");
  const pathPrefix = r.string(m, at, "path_prefix", "");
  return {
    http: httpClientConfig(r, r.mapping(m["http_config"] ?? null, `${at}.http_config`), `${at}.http_config`),
    staticAddresses,
    fileSd,
    scheme,
    pathPrefix: normalPathPrefix(pathPrefix),
    timeoutMs: r.duration(m, at, "timeout", DEFAULT_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS,
  };
}

/** "", or the prefix with one leading slash and none trailing (Thanos joins it with path.Join). */
function normalPathPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "" : `/${trimmed}`;
}

function httpClientConfig(r: YamlKeyReader, h: YamlMapping, at: string): HttpClientConfig {
  r.onlyKeys(h, at, ["basic_auth", "bearer_token", "bearer_token_file", "proxy_url", "tls_config", "transport_config"]);
  const proxy = r.string(h, at, "proxy_url", "");
  if (proxy !== "") throw r.error(`${at}.proxy_url`, "is not supported by orrery; leave it empty");
  const bearerToken = r.string(h, at, "bearer_token", "");
  const bearerTokenFile = r.string(h, at, "bearer_token_file", "");
  if (bearerToken !== "" && bearerTokenFile !== "") throw r.error(at, "at most one of bearer_token & bearer_token_file must be configured");
  let basicAuth: HttpClientConfig["basicAuth"];
  if (h["basic_auth"] !== undefined && h["basic_auth"] !== null) {
    const bAt = `${at}.basic_auth`;
    const b = r.mapping(h["basic_auth"], bAt);
    r.onlyKeys(b, bAt, ["username", "password", "password_file"]);
    basicAuth = { username: r.string(b, bAt, "username", ""), password: r.string(b, bAt, "password", ""), passwordFile: r.string(b, bAt, "password_file", "") };
    if (basicAuth.password !== "" && basicAuth.passwordFile !== "") throw r.error(bAt, "at most one of basic_auth password & password_file must be configured");
    // Thanos's zero basic_auth (all empty) means none.
    if (basicAuth.username === "" && basicAuth.password === "" && basicAuth.passwordFile === "") basicAuth = undefined;
  }
  if (basicAuth !== undefined && (bearerToken !== "" || bearerTokenFile !== "")) throw r.error(at, "at most one of basic_auth, bearer_token & bearer_token_file must be configured");
  const tAt = `${at}.tls_config`;
  const t = r.mapping(h["tls_config"] ?? null, tAt);
  r.onlyKeys(t, tAt, ["ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify"]);
  const tls = {
    caFile: r.string(t, tAt, "ca_file", ""),
    certFile: r.string(t, tAt, "cert_file", ""),
    keyFile: r.string(t, tAt, "key_file", ""),
    serverName: r.string(t, tAt, "server_name", ""),
    insecureSkipVerify: r.bool(t, tAt, "insecure_skip_verify", false),
  };
  if ((tls.certFile === "") !== (tls.keyFile === "")) throw r.error(`${tAt}.${tls.certFile === "" ? "cert_file" : "key_file"}`, "missing: give cert_file and key_file together");
  // Go transport knobs (idle connections, dial timeouts): parsed for their errors; Node's agent sets its own.
  const trAt = `${at}.transport_config`;
  const tr = r.mapping(h["transport_config"] ?? null, trAt);
  r.onlyKeys(tr, trAt, ["max_idle_conns", "max_idle_conns_per_host", "idle_conn_timeout", "response_header_timeout", "expect_continue_timeout", "max_conns_per_host", "disable_compression", "tls_handshake_timeout", "dialer_timeout"]);
  return { basicAuth, bearerToken, bearerTokenFile, tls };
}
