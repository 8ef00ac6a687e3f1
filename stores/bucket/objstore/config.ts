// Thanos's objstore configuration file (`--objstore.config-file`), read as Thanos reads it: `type`,
// `config` and `prefix` at the top; under `config` the provider's keys with Thanos's names and
// defaults. Unknown keys are errors, as Thanos's strict YAML decoding makes them; so are settings
// orrery cannot honour (server-side encryption, signature v2), rather than being quietly ignored.
import { parseYaml, YamlError, YamlKeyReader, type YamlMapping, type YamlValue } from "../../../storeapi/index.js";
import type { ObjectBucket } from "./bucket.js";
import { FilesystemBucket } from "./filesystem.js";
import { withPrefix } from "./prefixed.js";
import { S3Bucket, type S3BucketOptions, type S3Config, type S3HttpConfig } from "./s3.js";

export type ObjstoreConfig =
  | { readonly type: "FILESYSTEM"; readonly prefix: string; readonly directory: string }
  | { readonly type: "S3"; readonly prefix: string; readonly s3: S3Config };

export class ObjstoreConfigError extends Error {
  override name = "ObjstoreConfigError";
}

const MIB = 1024 * 1024;
export const DEFAULT_PART_SIZE = 64 * MIB;

type Mapping = YamlMapping;

/** Keys Thanos accepts that change nothing here (tracing, dual-stack, MD5 headers, Go transport knobs). */
const S3_KEYS = [
  "bucket",
  "endpoint",
  "region",
  "disable_dualstack",
  "aws_sdk_auth",
  "access_key",
  "insecure",
  "signature_version2",
  "secret_key",
  "session_token",
  "put_user_metadata",
  "http_config",
  "trace",
  "list_objects_version",
  "bucket_lookup_type",
  "send_content_md5",
  "disable_multipart",
  "part_size",
  "sse_config",
  "sts_endpoint",
];
const HTTP_KEYS = [
  "idle_conn_timeout",
  "response_header_timeout",
  "insecure_skip_verify",
  "tls_handshake_timeout",
  "expect_continue_timeout",
  "max_idle_conns",
  "max_idle_conns_per_host",
  "max_conns_per_host",
  "tls_config",
  "disable_compression",
];
const TLS_KEYS = ["ca_file", "trust_root_ca", "cert_file", "key_file", "server_name", "insecure_skip_verify"];
const SSE_KEYS = ["type", "kms_key_id", "kms_encryption_context", "encryption_key"];

/** Parses an objstore config file's text; `source` (a file name, or "--objstore.config") names it in errors. */
export function parseObjstoreConfig(text: string, source: string): ObjstoreConfig {
  let doc: YamlValue;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (err instanceof YamlError) throw new ObjstoreConfigError(`${source}: ${err.message}`);
    throw err;
  }
  const r = new YamlKeyReader(source, (message) => new ObjstoreConfigError(message));
  const top = r.mapping(doc, "");
  r.onlyKeys(top, "", ["type", "config", "prefix"]);
  const type = r.string(top, "", "type", "");
  if (type === "") throw r.error("type", "missing (FILESYSTEM or S3)");
  const prefix = r.string(top, "", "prefix", "");
  const config = r.mapping(top.config ?? {}, "config");
  switch (type.toUpperCase()) {
    case "FILESYSTEM": {
      r.onlyKeys(config, "config", ["directory"]);
      const directory = r.string(config, "config", "directory", "");
      if (directory === "") throw r.error("config.directory", "missing (the directory that holds the bucket)");
      return { type: "FILESYSTEM", prefix, directory };
    }
    case "S3":
      return { type: "S3", prefix, s3: s3Config(r, config) };
    default:
      throw r.error("type", `${JSON.stringify(type)} is not supported by orrery (supported: FILESYSTEM, S3)`);
  }
}

/** The bucket a config describes, under its prefix. */
export async function openBucket(config: ObjstoreConfig, options: S3BucketOptions = {}): Promise<ObjectBucket> {
  const bucket = config.type === "FILESYSTEM" ? new FilesystemBucket(config.directory) : await S3Bucket.open(config.s3, options);
  return withPrefix(bucket, config.prefix);
}

function s3Config(r: YamlKeyReader, c: Mapping): S3Config {
  const at = "config";
  r.onlyKeys(c, at, S3_KEYS);
  const cfg = {
    bucket: r.string(c, at, "bucket", ""),
    endpoint: r.string(c, at, "endpoint", ""),
    region: r.string(c, at, "region", ""),
    accessKey: r.string(c, at, "access_key", ""),
    secretKey: r.string(c, at, "secret_key", ""),
    sessionToken: r.string(c, at, "session_token", ""),
    insecure: r.bool(c, at, "insecure", false),
    bucketLookupType: lookupType(r, r.string(c, at, "bucket_lookup_type", "auto")),
    partSize: r.integer(c, at, "part_size", DEFAULT_PART_SIZE, 0) || DEFAULT_PART_SIZE,
    disableMultipart: r.bool(c, at, "disable_multipart", false),
    listObjectsVersion: listVersion(r, r.string(c, at, "list_objects_version", "")),
    putUserMetadata: r.stringMap(c, at, "put_user_metadata"),
    http: httpConfig(r, r.mapping(c.http_config ?? {}, "config.http_config")),
  };
  if (cfg.bucket === "") throw r.error("config.bucket", "missing (the name of the S3 bucket)");
  if (cfg.endpoint === "") throw r.error("config.endpoint", "missing (host[:port] of the S3 API, e.g. s3.us-east-1.amazonaws.com)");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(cfg.endpoint) || cfg.endpoint.includes("/")) {
    throw r.error("config.endpoint", `${JSON.stringify(cfg.endpoint)}: want host[:port] without a scheme or path (insecure: true for http)`);
  }
  if (cfg.accessKey === "" && cfg.secretKey !== "") throw r.error("config.access_key", "missing while secret_key is set; give both, or neither to use the environment");
  if (cfg.accessKey !== "" && cfg.secretKey === "") throw r.error("config.secret_key", "missing while access_key is set; give both, or neither to use the environment");
  if (r.bool(c, at, "aws_sdk_auth", false) && cfg.accessKey !== "") throw r.error("config.aws_sdk_auth", "and access_key are mutually exclusive");
  refuseUnsupported(r, c);
  return cfg;
}

/** Settings orrery does not implement: an error, so that nothing is written unencrypted or signed wrongly without notice. */
function refuseUnsupported(r: YamlKeyReader, c: Mapping): void {
  if (r.bool(c, "config", "signature_version2", false)) throw r.error("config.signature_version2", "true is not supported by orrery (signature v4 only)");
  const sse = r.mapping(c.sse_config ?? {}, "config.sse_config");
  r.onlyKeys(sse, "config.sse_config", SSE_KEYS);
  const sseType = r.string(sse, "config.sse_config", "type", "");
  if (sseType !== "") throw r.error("config.sse_config.type", `${JSON.stringify(sseType)}: server-side encryption is not supported by orrery yet`);
  r.onlyKeys(r.mapping(c.trace ?? {}, "config.trace"), "config.trace", ["enable"]);
  r.bool(c, "config", "disable_dualstack", false);
  r.bool(c, "config", "send_content_md5", true);
  r.string(c, "config", "sts_endpoint", "");
}

function lookupType(r: YamlKeyReader, value: string): S3Config["bucketLookupType"] {
  if (value === "auto" || value === "virtual-hosted" || value === "path") return value;
  throw r.error("config.bucket_lookup_type", `${JSON.stringify(value)}: want auto, virtual-hosted or path`);
}

function listVersion(r: YamlKeyReader, value: string): S3Config["listObjectsVersion"] {
  if (value === "" || value === "v2") return "v2";
  if (value === "v1") return value;
  throw r.error("config.list_objects_version", `${JSON.stringify(value)}: want v1 or v2`);
}

function httpConfig(r: YamlKeyReader, h: Mapping): S3HttpConfig {
  const at = "config.http_config";
  r.onlyKeys(h, at, HTTP_KEYS);
  const tlsAt = `${at}.tls_config`;
  const t = r.mapping(h.tls_config ?? {}, tlsAt);
  r.onlyKeys(t, tlsAt, TLS_KEYS);
  const tls = {
    caFile: r.string(t, tlsAt, "ca_file", ""),
    trustRootCa: r.bool(t, tlsAt, "trust_root_ca", false),
    certFile: r.string(t, tlsAt, "cert_file", ""),
    keyFile: r.string(t, tlsAt, "key_file", ""),
    serverName: r.string(t, tlsAt, "server_name", ""),
  };
  if ((tls.certFile === "") !== (tls.keyFile === "")) throw r.error(`${tlsAt}.${tls.certFile === "" ? "cert_file" : "key_file"}`, "missing: give cert_file and key_file together");
  // Parsed for their errors; a Node agent has no equivalent.
  r.duration(h, at, "expect_continue_timeout", 1000);
  r.integer(h, at, "max_idle_conns", 100, 0);
  r.bool(h, at, "disable_compression", false);
  return {
    idleConnTimeoutMs: r.duration(h, at, "idle_conn_timeout", 90_000),
    responseHeaderTimeoutMs: r.duration(h, at, "response_header_timeout", 120_000),
    tlsHandshakeTimeoutMs: r.duration(h, at, "tls_handshake_timeout", 10_000),
    maxIdleConnsPerHost: r.integer(h, at, "max_idle_conns_per_host", 100, 0),
    maxConnsPerHost: r.integer(h, at, "max_conns_per_host", 0, 0),
    insecureSkipVerify: r.bool(h, at, "insecure_skip_verify", false) || r.bool(t, tlsAt, "insecure_skip_verify", false),
    tls,
  };
}
