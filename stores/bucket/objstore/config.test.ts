import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_PART_SIZE, ObjstoreConfigError, openBucket, parseObjstoreConfig, type ObjstoreConfig } from "./config.js";

// Thanos's documented S3 config with every key at its default, as `thanos tools bucket` prints it.
const THANOS_S3_FULL = `type: S3
config:
  bucket: "thanos"
  endpoint: "minio.example:9000"
  region: ""
  disable_dualstack: false
  aws_sdk_auth: false
  access_key: "AKID"
  insecure: true
  signature_version2: false
  secret_key: "SECRET"
  session_token: ""
  put_user_metadata: {}
  http_config:
    idle_conn_timeout: 1m30s
    response_header_timeout: 2m
    insecure_skip_verify: false
    tls_handshake_timeout: 10s
    expect_continue_timeout: 1s
    max_idle_conns: 100
    max_idle_conns_per_host: 100
    max_conns_per_host: 0
    tls_config:
      ca_file: ""
      cert_file: ""
      key_file: ""
      server_name: ""
      insecure_skip_verify: false
    disable_compression: false
  trace:
    enable: false
  list_objects_version: ""
  bucket_lookup_type: path
  send_content_md5: true
  disable_multipart: false
  part_size: 67108864
  sse_config:
    type: ""
    kms_key_id: ""
    kms_encryption_context: {}
    encryption_key: ""
  sts_endpoint: ""
prefix: ""
`;

test("Thanos's full S3 config, every key at its documented default, is read as Thanos reads it", () => {
  const cfg = parseObjstoreConfig(THANOS_S3_FULL, "objstore.yml");
  assert.deepEqual(cfg, {
    type: "S3",
    prefix: "",
    s3: {
      bucket: "thanos",
      endpoint: "minio.example:9000",
      region: "",
      accessKey: "AKID",
      secretKey: "SECRET",
      sessionToken: "",
      insecure: true,
      bucketLookupType: "path",
      partSize: 64 * 1024 * 1024,
      disableMultipart: false,
      listObjectsVersion: "v2",
      putUserMetadata: {},
      http: {
        idleConnTimeoutMs: 90_000,
        responseHeaderTimeoutMs: 120_000,
        tlsHandshakeTimeoutMs: 10_000,
        maxIdleConnsPerHost: 100,
        maxConnsPerHost: 0,
        insecureSkipVerify: false,
        tls: { caFile: "", trustRootCa: false, certFile: "", keyFile: "", serverName: "" },
      },
    },
  } satisfies ObjstoreConfig);
});

test("a minimal S3 config takes Thanos's defaults; the type is case-insensitive; prefix and metadata are kept", () => {
  const cfg = parseObjstoreConfig(
    "type: s3\nconfig:\n  bucket: b12\n  endpoint: s3.eu-west-1.amazonaws.com\n  put_user_metadata:\n    X-Amz-Storage-Class: STANDARD_IA\n    team: obs\nprefix: /tenant/a/\n",
    "x.yml",
  );
  assert.equal(cfg.type, "S3");
  if (cfg.type !== "S3") return;
  assert.equal(cfg.prefix, "/tenant/a/");
  assert.equal(cfg.s3.partSize, DEFAULT_PART_SIZE);
  assert.equal(cfg.s3.bucketLookupType, "auto");
  assert.equal(cfg.s3.insecure, false);
  assert.equal(cfg.s3.accessKey, "", "empty: the SDK's credential chain (AWS_ACCESS_KEY_ID, profile, instance role)");
  assert.deepEqual(cfg.s3.putUserMetadata, { "X-Amz-Storage-Class": "STANDARD_IA", team: "obs" });
  assert.equal(parseObjstoreConfig("type: S3\nconfig:\n  bucket: b12\n  endpoint: e:1\n  part_size: 0\n  list_objects_version: v1\n", "x").type, "S3");
});

test("a FILESYSTEM config: directory and prefix", () => {
  assert.deepEqual(parseObjstoreConfig("type: FILESYSTEM\nconfig:\n  directory: /var/lib/thanos\nprefix: p\n", "fs.yml"), {
    type: "FILESYSTEM",
    prefix: "p",
    directory: "/var/lib/thanos",
  });
});

test("bad configs: each error names the file and the key", () => {
  const S3 = (lines: string): string => `type: S3\nconfig:\n  bucket: b12\n  endpoint: host:9000\n${lines}`;
  const cases: [string, string][] = [
    ["typ: S3\n", "objstore.yml: typ: unknown key (known here: type, config, prefix)"],
    ["config:\n  directory: /x\n", "objstore.yml: type: missing (FILESYSTEM or S3)"],
    ["type: GCS\nconfig:\n  bucket: x\n", 'objstore.yml: type: "GCS" is not supported by orrery (supported: FILESYSTEM, S3)'],
    ["- type: S3\n", "objstore.yml: top level: want a mapping of keys, got a list"],
    ["type: S3\nconfig: bucket\n", 'objstore.yml: config: want a mapping of keys, got "bucket"'],
    ["type: S3\n  config:\n", "objstore.yml: line 2: unexpected indentation"],
    ["type: FILESYSTEM\nconfig:\n  dir: /x\n", "objstore.yml: config.dir: unknown key (known here: directory)"],
    ["type: FILESYSTEM\n", "objstore.yml: config.directory: missing (the directory that holds the bucket)"],
    ["type: S3\nconfig:\n  bukcet: b12\n", "objstore.yml: config.bukcet: unknown key (known here: bucket, endpoint, region,"],
    ["type: S3\nconfig:\n  endpoint: h:1\n", "objstore.yml: config.bucket: missing (the name of the S3 bucket)"],
    ["type: S3\nconfig:\n  bucket: b12\n", "objstore.yml: config.endpoint: missing (host[:port] of the S3 API"],
    [S3("  endpoint: x\n"), 'objstore.yml: line 5: duplicate key "endpoint"'],
    ["type: S3\nconfig:\n  bucket: b12\n  endpoint: https://s3.amazonaws.com\n", 'objstore.yml: config.endpoint: "https://s3.amazonaws.com": want host[:port] without a scheme or path (insecure: true for http)'],
    [S3("  insecure: yes\n"), 'objstore.yml: config.insecure: want true or false, got "yes"'],
    [S3("  part_size: -1\n"), "objstore.yml: config.part_size: want an integer ≥ 0, got -1"],
    [S3("  part_size: 64MiB\n"), 'objstore.yml: config.part_size: want an integer ≥ 0, got "64MiB"'],
    [S3("  bucket_lookup_type: dns\n"), 'objstore.yml: config.bucket_lookup_type: "dns": want auto, virtual-hosted or path'],
    [S3("  list_objects_version: v3\n"), 'objstore.yml: config.list_objects_version: "v3": want v1 or v2'],
    [S3("  access_key: AKID\n"), "objstore.yml: config.secret_key: missing while access_key is set; give both, or neither to use the environment"],
    [S3("  secret_key: S\n"), "objstore.yml: config.access_key: missing while secret_key is set"],
    [S3("  access_key: A\n  secret_key: S\n  aws_sdk_auth: true\n"), "objstore.yml: config.aws_sdk_auth: and access_key are mutually exclusive"],
    [S3("  signature_version2: true\n"), "objstore.yml: config.signature_version2: true is not supported by orrery (signature v4 only)"],
    [S3("  sse_config:\n    type: SSE-KMS\n"), 'objstore.yml: config.sse_config.type: "SSE-KMS": server-side encryption is not supported by orrery yet'],
    [S3("  sse_config:\n    kind: x\n"), "objstore.yml: config.sse_config.kind: unknown key"],
    [S3("  trace:\n    enabled: true\n"), "objstore.yml: config.trace.enabled: unknown key (known here: enable)"],
    [S3("  http_config:\n    idle_conn_timeout: soon\n"), 'objstore.yml: config.http_config.idle_conn_timeout: want a duration such as 90s or 1m30s, got "soon"'],
    [S3("  http_config:\n    max_conns_per_host: many\n"), 'objstore.yml: config.http_config.max_conns_per_host: want an integer ≥ 0, got "many"'],
    [S3("  http_config:\n    timeout: 1s\n"), "objstore.yml: config.http_config.timeout: unknown key (known here: idle_conn_timeout,"],
    [S3("  http_config:\n    tls_config:\n      ca: x\n"), "objstore.yml: config.http_config.tls_config.ca: unknown key (known here: ca_file,"],
    [S3("  http_config:\n    tls_config:\n      cert_file: c.pem\n"), "objstore.yml: config.http_config.tls_config.key_file: missing: give cert_file and key_file together"],
    [S3("  put_user_metadata:\n    team: [a, b]\n"), "objstore.yml: config.put_user_metadata.team: want a string, got a list"],
  ];
  for (const [yaml, message] of cases) {
    assert.throws(
      () => parseObjstoreConfig(yaml, "objstore.yml"),
      (err: unknown) => {
        assert.ok(err instanceof ObjstoreConfigError, `${yaml}: ${String(err)}`);
        assert.ok(err.message.startsWith(message), `${JSON.stringify(yaml)}\n  got:  ${err.message}\n  want: ${message}…`);
        return true;
      },
    );
  }
});

test("openBucket: a FILESYSTEM config with a prefix keeps its objects under directory/prefix", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-objstore-open-"));
  try {
    const bucket = await openBucket(parseObjstoreConfig(`type: FILESYSTEM\nconfig:\n  directory: ${dir}\nprefix: /tenant-a/\n`, "fs.yml"));
    await bucket.put("01H/meta.json", new TextEncoder().encode("{}"));
    assert.equal(await readFile(join(dir, "tenant-a", "01H", "meta.json"), "utf8"), "{}");
    const names: string[] = [];
    for await (const n of bucket.list("")) names.push(n);
    assert.deepEqual(names, ["01H/"]);
    assert.match(bucket.name, /filesystem bucket .* under prefix "tenant-a\/"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a one-line config, as given inline to --objstore.config, reads as its block form", () => {
  assert.deepEqual(
    parseObjstoreConfig("{type: FILESYSTEM, config: {directory: /data/bucket}, prefix: t}", "--objstore.config"),
    parseObjstoreConfig("type: FILESYSTEM\nconfig:\n  directory: /data/bucket\nprefix: t\n", "--objstore.config"),
  );
});
