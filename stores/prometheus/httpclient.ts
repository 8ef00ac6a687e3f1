// Prometheus's HTTP client config (`basic_auth`, `authorization`, `bearer_token_file`, `tls_config`,
// as in its remote_read and alerting sections) and a fetch that applies it. Secrets come from the
// config file or from files it names, never from flags; a password_file or credentials_file is
// read again for every request, as Prometheus does, so a rotated secret needs no restart. The
// TLS files are read once, when the client is made.
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from "node:http";
import { request as httpsRequest, Agent as HttpsAgent } from "node:https";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { joinKey, type YamlKeyReader, type YamlMapping } from "../../storeapi/index.js";

export interface HttpClientTls {
  /** PEM text (from ca_file or inline ca); empty: the system's roots. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly serverName: string;
  readonly insecureSkipVerify: boolean;
  readonly minVersion: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3" | undefined;
}

export interface HttpClientConfig {
  readonly basicAuth?: { readonly username: string; readonly password: string; readonly passwordFile: string };
  /** `authorization` (or `bearer_token` / `bearer_token_file`, which are its Bearer form). */
  readonly authorization?: { readonly type: string; readonly credentials: string; readonly credentialsFile: string };
  readonly tls: HttpClientTls;
  /** Where the config came from ("file: remote_read[0]"), for errors. */
  readonly source: string;
}

/** The keys of Prometheus's HTTP client config that orrery reads (others in the section are the caller's). */
export const HTTP_CLIENT_KEYS = ["basic_auth", "authorization", "bearer_token", "bearer_token_file", "tls_config", "follow_redirects", "enable_http2", "oauth2", "proxy_url"] as const;

const TLS_KEYS = ["ca", "ca_file", "cert", "cert_file", "key", "key_file", "server_name", "insecure_skip_verify", "min_version"];
const TLS_VERSIONS: Record<string, HttpClientTls["minVersion"]> = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" };

/** Reads the HTTP client keys of the mapping `m` at `at`; files named by tls_config are read here, so a bad one fails at start. */
export function parseHttpClientConfig(r: YamlKeyReader, m: YamlMapping, at: string): HttpClientConfig {
  for (const unsupported of ["oauth2", "proxy_url"]) {
    if (m[unsupported] !== undefined && m[unsupported] !== null) throw r.error(joinKey(at, unsupported), "is not supported by orrery");
  }
  r.bool(m, at, "follow_redirects", true);
  r.bool(m, at, "enable_http2", true);
  const given = ["basic_auth", "authorization", "bearer_token", "bearer_token_file"].filter((k) => m[k] !== undefined && m[k] !== null);
  if (given.length > 1) throw r.error(joinKey(at, given[1]!), `cannot be given with ${given[0]}: at most one of basic_auth, authorization, bearer_token and bearer_token_file`);
  return { basicAuth: basicAuth(r, m, at), authorization: authorization(r, m, at), tls: tlsConfig(r, r.mapping(m.tls_config ?? {}, joinKey(at, "tls_config")), joinKey(at, "tls_config")), source: at };
}

function basicAuth(r: YamlKeyReader, m: YamlMapping, at: string): HttpClientConfig["basicAuth"] {
  if (m.basic_auth === undefined || m.basic_auth === null) return undefined;
  const path = joinKey(at, "basic_auth");
  const b = r.mapping(m.basic_auth, path);
  r.onlyKeys(b, path, ["username", "password", "password_file"]);
  const out = { username: r.string(b, path, "username", ""), password: r.string(b, path, "password", ""), passwordFile: r.string(b, path, "password_file", "") };
  if (out.password !== "" && out.passwordFile !== "") throw r.error(joinKey(path, "password_file"), "cannot be given with password: give one");
  if (out.passwordFile !== "") readSecret(out.passwordFile, r.error(joinKey(path, "password_file"), "").message);
  return out;
}

function authorization(r: YamlKeyReader, m: YamlMapping, at: string): HttpClientConfig["authorization"] {
  const token = r.string(m, at, "bearer_token", "");
  const tokenFile = r.string(m, at, "bearer_token_file", "");
  if (token !== "" || tokenFile !== "") {
    if (tokenFile !== "") readSecret(tokenFile, r.error(joinKey(at, "bearer_token_file"), "").message);
    return { type: "Bearer", credentials: token, credentialsFile: tokenFile };
  }
  if (m.authorization === undefined || m.authorization === null) return undefined;
  const path = joinKey(at, "authorization");
  const a = r.mapping(m.authorization, path);
  r.onlyKeys(a, path, ["type", "credentials", "credentials_file"]);
  const out = { type: r.string(a, path, "type", "Bearer") || "Bearer", credentials: r.string(a, path, "credentials", ""), credentialsFile: r.string(a, path, "credentials_file", "") };
  if (out.type.toLowerCase() === "basic") throw r.error(joinKey(path, "type"), 'cannot be "Basic": use basic_auth');
  if (out.credentials !== "" && out.credentialsFile !== "") throw r.error(joinKey(path, "credentials_file"), "cannot be given with credentials: give one");
  if (out.credentialsFile !== "") readSecret(out.credentialsFile, r.error(joinKey(path, "credentials_file"), "").message);
  return out;
}

function tlsConfig(r: YamlKeyReader, t: YamlMapping, at: string): HttpClientTls {
  r.onlyKeys(t, at, TLS_KEYS);
  const pem = (inline: string, fileKey: string): string => {
    const text = r.string(t, at, inline, "");
    const file = r.string(t, at, fileKey, "");
    if (text !== "" && file !== "") throw r.error(joinKey(at, fileKey), `cannot be given with ${inline}: give one`);
    if (file === "") return text;
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      throw r.error(joinKey(at, fileKey), `cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const cert = pem("cert", "cert_file");
  const key = pem("key", "key_file");
  if ((cert === "") !== (key === "")) throw r.error(joinKey(at, cert === "" ? "cert_file" : "key_file"), "missing: give a client certificate and its key together");
  const version = r.string(t, at, "min_version", "");
  if (version !== "" && TLS_VERSIONS[version] === undefined) throw r.error(joinKey(at, "min_version"), `${JSON.stringify(version)}: want TLS10, TLS11, TLS12 or TLS13`);
  return { ca: pem("ca", "ca_file"), cert, key, serverName: r.string(t, at, "server_name", ""), insecureSkipVerify: r.bool(t, at, "insecure_skip_verify", false), minVersion: TLS_VERSIONS[version] };
}

/** A secret file's content without surrounding whitespace (as Prometheus trims it); `where` prefixes the error. */
function readSecret(path: string, where: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (err) {
    throw new Error(`${where}cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The Authorization header value the config gives now (secret files read again), or undefined. */
export function authorizationHeader(config: HttpClientConfig): string | undefined {
  const b = config.basicAuth;
  if (b !== undefined) {
    const password = b.passwordFile !== "" ? readSecret(b.passwordFile, `${config.source}.basic_auth.password_file: `) : b.password;
    return `Basic ${Buffer.from(`${b.username}:${password}`).toString("base64")}`;
  }
  const a = config.authorization;
  if (a === undefined) return undefined;
  const credentials = a.credentialsFile !== "" ? readSecret(a.credentialsFile, `${config.source}: credentials file: `) : a.credentials;
  return `${a.type} ${credentials}`;
}

/**
 * A fetch (the subset orrery's clients use: a URL, method, headers, a byte body, a signal) over
 * Node's http/https with the config's TLS settings and credentials; the answer is a standard
 * Response whose body streams.
 */
export function httpClientFetch(config: HttpClientConfig): typeof fetch {
  const tls = config.tls;
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    ca: tls.ca === "" ? undefined : tls.ca,
    cert: tls.cert === "" ? undefined : tls.cert,
    key: tls.key === "" ? undefined : tls.key,
    servername: tls.serverName === "" ? undefined : tls.serverName,
    rejectUnauthorized: !tls.insecureSkipVerify,
    minVersion: tls.minVersion,
  });
  const httpAgent = new HttpAgent({ keepAlive: true });
  const send = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init.headers);
    const auth = authorizationHeader(config);
    if (auth !== undefined) headers.set("authorization", auth);
    const body = init.body === undefined || init.body === null ? undefined : await new Response(init.body).arrayBuffer();
    if (body !== undefined) headers.set("content-length", String(body.byteLength));
    const secure = url.protocol === "https:";
    const options = { method: init.method ?? "GET", headers: Object.fromEntries(headers), agent: secure ? httpsAgent : httpAgent, signal: init.signal ?? undefined };
    return new Promise<Response>((resolve, reject) => {
      const onResponse = (res: IncomingMessage): void => {
        const answer = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) answer.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const status = res.statusCode ?? 502;
        const empty = status === 204 || status === 304 || options.method === "HEAD";
        if (empty) res.resume();
        resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? "", headers: answer }));
      };
      const req = secure ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
      req.on("error", reject);
      req.end(body === undefined ? undefined : Buffer.from(body));
    });
  };
  return send as typeof fetch;
}
