// Prometheus's web configuration file (the exporter-toolkit format behind --web.config.file):
// TLS for the HTTP listener, basic_auth_users with bcrypt hashes, extra response headers.
// parseWebConfig reads it into settings Node's TLS server takes; files it names are read relative
// to the config file's folder, as exporter-toolkit does.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { SecureVersion } from "node:tls";
import bcrypt from "bcryptjs";
import { parseYaml, type YamlValue } from "../storeapi/index.js";

export class WebConfigError extends Error {
  override name = "WebConfigError";
}

/** Go's tls.ClientAuthType names, as the file spells them. */
export type ClientAuthType = "NoClientCert" | "RequestClientCert" | "RequireAnyClientCert" | "VerifyClientCertIfGiven" | "RequireAndVerifyClientCert";

export interface TlsServerSettings {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly clientCa?: Buffer;
  readonly clientAuth: ClientAuthType;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  /** OpenSSL cipher list (TLS 1.2 suites, then the TLS 1.3 ones); undefined: Node's default. */
  readonly ciphers?: string;
  /** OpenSSL group list, e.g. "X25519:P-256"; undefined: Node's default. */
  readonly ecdhCurve?: string;
  readonly honorCipherOrder: boolean;
  /** A client certificate must carry one of these subject alternative names. */
  readonly clientAllowedSans?: readonly string[];
}

export interface WebConfig {
  /** undefined: plain HTTP. */
  readonly tls?: TlsServerSettings;
  /** User name → bcrypt hash; empty: no authentication. */
  readonly users: ReadonlyMap<string, string>;
  /** Set on every response, the 401s included. */
  readonly headers: Readonly<Record<string, string>>;
  /** Every file the config reads (itself first): a change to any of them is a reload. */
  readonly files: readonly string[];
}

/** The headers exporter-toolkit lets a config set, with the values allowed where they are an enumeration. */
const SETTABLE_HEADERS: ReadonlyMap<string, readonly string[] | undefined> = new Map([
  ["Strict-Transport-Security", undefined],
  ["X-Content-Type-Options", ["nosniff"]],
  ["X-Frame-Options", ["deny", "sameorigin"]],
  ["X-XSS-Protection", undefined],
  ["Content-Security-Policy", undefined],
]);

const TLS_VERSIONS: ReadonlyMap<string, SecureVersion> = new Map([
  ["TLS10", "TLSv1"],
  ["TLS11", "TLSv1.1"],
  ["TLS12", "TLSv1.2"],
  ["TLS13", "TLSv1.3"],
]);
const VERSION_ORDER: readonly SecureVersion[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/** Go's curve names → OpenSSL's group names. */
const CURVES: ReadonlyMap<string, string> = new Map([
  ["CurveP256", "P-256"],
  ["CurveP384", "P-384"],
  ["CurveP521", "P-521"],
  ["X25519", "X25519"],
]);

/** Go's secure cipher suites (tls.CipherSuites) → OpenSSL names; the TLS 1.3 ones keep their name. */
const CIPHERS: ReadonlyMap<string, string> = new Map([
  ["TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"],
  ["TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"],
  ["TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"],
  ["TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"],
  ["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"],
  ["TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"],
  ["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"],
  ["TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"],
  ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"],
  ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"],
  ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"],
  ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"],
  ["TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"],
  ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"],
  ["TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"],
  ["TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"],
  ["TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"],
]);
/** Go does not let a config choose TLS 1.3 suites, so they stay on whatever cipher_suites says. */
const TLS13_SUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

const CLIENT_AUTH_TYPES: ReadonlyMap<string, ClientAuthType> = new Map([
  ["", "NoClientCert"],
  ["NoClientCert", "NoClientCert"],
  ["RequestClientCert", "RequestClientCert"],
  ["RequireAnyClientCert", "RequireAnyClientCert"],
  // exporter-toolkit keeps this older name working.
  ["RequireClientCert", "RequireAnyClientCert"],
  ["VerifyClientCertIfGiven", "VerifyClientCertIfGiven"],
  ["RequireAndVerifyClientCert", "RequireAndVerifyClientCert"],
]);

const TOP_KEYS = ["tls_server_config", "http_server_config", "basic_auth_users"];
const TLS_KEYS = [
  "cert",
  "key",
  "client_ca",
  "cert_file",
  "key_file",
  "client_auth_type",
  "client_ca_file",
  "cipher_suites",
  "curve_preferences",
  "min_version",
  "max_version",
  "prefer_server_cipher_suites",
  "client_allowed_sans",
];
const HTTP_KEYS = ["http2", "headers"];

type Mapping = { [key: string]: YamlValue };

/** Reads and parses the web config file `file`; a WebConfigError names the file and what is wrong. */
export function loadWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new WebConfigError(`cannot read web config ${file}: ${(err as Error).message}`);
  }
  return parseWebConfig(text, file);
}

/** The web config in `text`, read from `file` (the folder relative paths start from). */
export function parseWebConfig(text: string, file: string): WebConfig {
  const fail = (detail: string): never => {
    throw new WebConfigError(`invalid web config ${file}: ${detail}`);
  };
  let doc: YamlValue;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (doc === null) doc = {};
  const top = mapping(doc, "the document", fail);
  knownKeys(top, TOP_KEYS, "", fail);
  const files = [file];
  const tlsNode = top["tls_server_config"];
  const tls = tlsNode === undefined || tlsNode === null ? undefined : tlsSettings(mapping(tlsNode, "tls_server_config", fail), dirname(file), files, fail);
  const http = top["http_server_config"];
  const headers = http === undefined || http === null ? {} : httpHeaders(mapping(http, "http_server_config", fail), fail);
  const users = basicAuthUsers(top["basic_auth_users"], fail);
  return { tls, users, headers, files };
}

function mapping(v: YamlValue, where: string, fail: (d: string) => never): Mapping {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return fail(`${where} must be a mapping`);
  return v;
}

function knownKeys(m: Mapping, known: readonly string[], where: string, fail: (d: string) => never): void {
  for (const k of Object.keys(m)) if (!known.includes(k)) fail(`unknown field ${where}${k} (want one of ${known.join(", ")})`);
}

function stringAt(m: Mapping, key: string, where: string, fail: (d: string) => never): string {
  const v = m[key];
  if (v === undefined || v === null) return "";
  if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return fail(`${where}${key} must be a string`);
  return String(v);
}

function stringList(m: Mapping, key: string, where: string, fail: (d: string) => never): string[] | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) return fail(`${where}${key} must be a list of strings`);
  return v as string[];
}

function tlsSettings(m: Mapping, base: string, files: string[], fail: (d: string) => never): TlsServerSettings | undefined {
  const w = "tls_server_config.";
  knownKeys(m, TLS_KEYS, w, fail);
  const s = (key: string): string => stringAt(m, key, w, fail);
  const enabled = ["cert", "key", "client_ca", "cert_file", "key_file", "client_ca_file", "client_auth_type"].some((k) => s(k) !== "");
  if (!enabled) return undefined;
  const pem = (inlineKey: string, fileKey: string): Buffer | undefined => {
    if (s(fileKey) !== "") {
      const path = isAbsolute(s(fileKey)) ? s(fileKey) : join(base, s(fileKey));
      files.push(path);
      try {
        return readFileSync(path);
      } catch (err) {
        return fail(`cannot read ${w}${fileKey} ${path}: ${(err as Error).message}`);
      }
    }
    return s(inlineKey) === "" ? undefined : Buffer.from(s(inlineKey));
  };
  const cert = pem("cert", "cert_file") ?? fail(`${w}: missing one of cert or cert_file`);
  const key = pem("key", "key_file") ?? fail(`${w}: missing one of key or key_file`);
  const clientCa = pem("client_ca", "client_ca_file");
  const clientAuth = CLIENT_AUTH_TYPES.get(s("client_auth_type")) ?? fail(`${w}client_auth_type: unknown ${JSON.stringify(s("client_auth_type"))} (want one of ${[...CLIENT_AUTH_TYPES.keys()].filter((k) => k !== "").join(", ")})`);
  if (clientCa !== undefined && clientAuth === "NoClientCert") fail(`${w}client_ca_file is given without a client_auth_type that asks for client certificates`);
  if (clientCa === undefined && (clientAuth === "VerifyClientCertIfGiven" || clientAuth === "RequireAndVerifyClientCert")) {
    fail(`${w}client_auth_type ${clientAuth} needs client_ca_file (or client_ca) to verify the certificates against`);
  }
  const version = (key: string, dflt: SecureVersion): SecureVersion => (s(key) === "" ? dflt : (TLS_VERSIONS.get(s(key)) ?? fail(`${w}${key}: unknown TLS version ${JSON.stringify(s(key))} (want TLS10, TLS11, TLS12 or TLS13)`)));
  const minVersion = version("min_version", "TLSv1.2");
  const maxVersion = version("max_version", "TLSv1.3");
  if (VERSION_ORDER.indexOf(minVersion) > VERSION_ORDER.indexOf(maxVersion)) fail(`${w}min_version ${s("min_version")} is above max_version ${s("max_version") || "TLS13"}`);
  const suites = stringList(m, "cipher_suites", w, fail)?.map((c) => CIPHERS.get(c) ?? fail(`${w}cipher_suites: unknown cipher ${JSON.stringify(c)} (Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)`));
  const curves = stringList(m, "curve_preferences", w, fail)?.map((c) => CURVES.get(c) ?? fail(`${w}curve_preferences: unknown curve ${JSON.stringify(c)} (want ${[...CURVES.keys()].join(", ")})`));
  const sans = stringList(m, "client_allowed_sans", w, fail);
  if (sans !== undefined && clientAuth !== "RequireAnyClientCert" && clientAuth !== "RequireAndVerifyClientCert") {
    fail(`${w}client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert`);
  }
  const prefer = m["prefer_server_cipher_suites"];
  if (prefer !== undefined && prefer !== null && typeof prefer !== "boolean") fail(`${w}prefer_server_cipher_suites must be true or false`);
  return {
    cert,
    key,
    clientCa,
    clientAuth,
    minVersion,
    maxVersion,
    ciphers: suites === undefined || suites.length === 0 ? undefined : [...suites.filter((c) => !c.startsWith("TLS_")), TLS13_SUITES].join(":"),
    ecdhCurve: curves === undefined || curves.length === 0 ? undefined : curves.join(":"),
    honorCipherOrder: prefer !== false,
    clientAllowedSans: sans,
  };
}

function httpHeaders(m: Mapping, fail: (d: string) => never): Record<string, string> {
  knownKeys(m, HTTP_KEYS, "http_server_config.", fail);
  const http2 = m["http2"];
  if (http2 !== undefined && http2 !== null && typeof http2 !== "boolean") fail("http_server_config.http2 must be true or false");
  const node = m["headers"];
  if (node === undefined || node === null) return {};
  const headers = mapping(node, "http_server_config.headers", fail);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!SETTABLE_HEADERS.has(name)) fail(`http_server_config.headers: header ${JSON.stringify(name)} cannot be set (want one of ${[...SETTABLE_HEADERS.keys()].join(", ")})`);
    if (typeof value !== "string") fail(`http_server_config.headers.${name} must be a string`);
    const allowed = SETTABLE_HEADERS.get(name);
    if (allowed !== undefined && !allowed.includes(value as string)) fail(`http_server_config.headers.${name}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
    out[name] = value as string;
  }
  return out;
}

function basicAuthUsers(node: YamlValue | undefined, fail: (d: string) => never): Map<string, string> {
  const users = new Map<string, string>();
  if (node === undefined || node === null) return users;
  for (const [user, hash] of Object.entries(mapping(node, "basic_auth_users", fail))) {
    if (typeof hash !== "string") fail(`basic_auth_users.${user} must be a bcrypt hash string`);
    try {
      bcrypt.getRounds(hash as string);
    } catch {
      fail(`basic_auth_users.${user} is not a bcrypt hash (want $2a$, $2b$ or $2y$ followed by the cost and the hash)`);
    }
    if (!/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash as string)) fail(`basic_auth_users.${user} is not a bcrypt hash (want $2a$, $2b$ or $2y$ followed by the cost and the hash)`);
    users.set(user, hash as string);
  }
  return users;
}
