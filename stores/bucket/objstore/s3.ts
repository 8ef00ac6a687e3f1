// A bucket in S3 or an S3-compatible store (MinIO, Ceph, s3rver), through @aws-sdk/client-s3, set
// up from Thanos's S3 config keys. The SDK's own retries are off: every request goes through one
// bounded, counted retry loop (retry.ts), and a put above part_size is a multipart upload that is
// aborted when any part fails.
import { createReadStream, readFileSync } from "node:fs";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { rootCertificates } from "node:tls";
import type * as Sdk from "@aws-sdk/client-s3";
import { BucketError, checkObjectName, checkRange, listPrefix, ObjectNotFoundError, PieceReader, type ListOptions, type ObjectAttributes, type ObjectBucket, type ObjectContent } from "./bucket.js";
import { DEFAULT_RETRY_POLICY, isRetryableS3Error, type RetryPolicy, withRetries } from "./retry.js";

/** Thanos's S3 `config:` block, typed (config.ts parses it; the YAML key is in each comment). */
export interface S3Config {
  readonly bucket: string;
  /** endpoint: host[:port], no scheme. */
  readonly endpoint: string;
  /** region: empty → AWS_REGION / AWS_DEFAULT_REGION from the environment, else us-east-1. */
  readonly region: string;
  /** access_key, secret_key, session_token: empty → the SDK's default credential chain (environment, profile, instance role). */
  readonly accessKey: string;
  readonly secretKey: string;
  readonly sessionToken: string;
  /** insecure: http instead of https. */
  readonly insecure: boolean;
  /** bucket_lookup_type: auto (virtual-hosted on AWS, path elsewhere), virtual-hosted or path. */
  readonly bucketLookupType: "auto" | "virtual-hosted" | "path";
  /** part_size: objects this size or more go up as multipart uploads of parts this size. */
  readonly partSize: number;
  readonly disableMultipart: boolean;
  /** list_objects_version: v2 (the default), or v1 for stores without ListObjectsV2. */
  readonly listObjectsVersion: "v1" | "v2";
  /** put_user_metadata: object metadata sent with every put (X-Amz-Storage-Class picks the storage class). */
  readonly putUserMetadata: Readonly<Record<string, string>>;
  readonly http: S3HttpConfig;
}

/** http_config, the parts a Node agent can honour. */
export interface S3HttpConfig {
  readonly idleConnTimeoutMs: number;
  readonly responseHeaderTimeoutMs: number;
  readonly tlsHandshakeTimeoutMs: number;
  readonly maxIdleConnsPerHost: number;
  /** 0: no limit. */
  readonly maxConnsPerHost: number;
  readonly insecureSkipVerify: boolean;
  readonly tls: { readonly caFile: string; readonly trustRootCa: boolean; readonly certFile: string; readonly keyFile: string; readonly serverName: string };
}

export interface S3BucketOptions {
  readonly retry?: RetryPolicy;
  /** Keys per list request (S3's maximum and default is 1000); smaller in tests of pagination. */
  readonly listPageSize?: number;
  /** Where AWS_REGION and friends are read; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

type SdkModule = typeof Sdk;

const MAX_PARTS = 10_000;
const NODE_VERSION_WARNING_SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";

export class S3Bucket implements ObjectBucket {
  readonly name: string;
  private readonly retriesByOperation = new Map<string, number>();
  private readonly requestsByOperation = new Map<string, number>();

  private constructor(
    private readonly sdk: SdkModule,
    private readonly client: Sdk.S3Client,
    private readonly config: S3Config,
    private readonly options: S3BucketOptions,
  ) {
    this.name = `s3 bucket ${JSON.stringify(config.bucket)} at ${config.insecure ? "http" : "https"}://${config.endpoint}`;
  }

  /** Loads the SDK (only when an S3 bucket is used: it is large) and builds the client. */
  static async open(config: S3Config, options: S3BucketOptions = {}): Promise<S3Bucket> {
    const sdk = await import("@aws-sdk/client-s3");
    const env = options.env ?? process.env;
    let client: Sdk.S3Client;
    try {
      client = withoutNodeVersionWarning(() => new sdk.S3Client(clientConfig(config, env)));
    } catch (err) {
      throw new Error(`s3 bucket ${JSON.stringify(config.bucket)}: ${(err as Error).message}`, { cause: err });
    }
    return new S3Bucket(sdk, client, config, options);
  }

  /** Retries so far, by operation ("get", "put", "upload part of", …). */
  retries(): ReadonlyMap<string, number> {
    return this.retriesByOperation;
  }

  /** Operations so far (each counted once, however many tries it took), by operation. */
  requests(): ReadonlyMap<string, number> {
    return this.requestsByOperation;
  }

  async get(name: string): Promise<Uint8Array> {
    checkObjectName(this.name, "get", name);
    return this.send("get", name, async () => {
      const out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.config.bucket, Key: name }));
      return wholeBody(out);
    });
  }

  async getRange(name: string, offset: number, length: number): Promise<Uint8Array> {
    const op = "get range of";
    checkObjectName(this.name, op, name);
    checkRange(this.name, name, offset, length);
    if (length === 0) return this.emptyRangeAt(name, offset);
    try {
      return await this.send(op, name, async () => {
        const out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.config.bucket, Key: name, Range: `bytes=${offset}-${offset + length - 1}` }));
        return wholeBody(out);
      });
    } catch (err) {
      // S3 answers 416 for a range starting at or past the end; at the end exactly, the range is empty.
      if (err instanceof BucketError && httpStatus(err.cause) === 416) return this.emptyRangeAt(name, offset);
      throw err;
    }
  }

  async put(name: string, content: ObjectContent): Promise<void> {
    checkObjectName(this.name, "put", name);
    const partSize = this.config.disableMultipart ? Number.POSITIVE_INFINITY : this.config.partSize;
    if (content instanceof Uint8Array && content.length < partSize) return this.putObject(name, content);
    const reader = new PieceReader(content instanceof Uint8Array ? oneChunk(content) : "path" in content ? createReadStream(content.path) : content);
    let first;
    try {
      first = await reader.read(partSize);
    } catch (err) {
      throw new BucketError(this.name, "put", name, `reading the content: ${(err as Error).message}`, { cause: err });
    }
    if (first.done) return this.putObject(name, first.bytes);
    return this.putMultipart(name, first.bytes, reader, partSize);
  }

  async delete(name: string): Promise<void> {
    checkObjectName(this.name, "delete", name);
    await this.send("delete", name, () => this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.config.bucket, Key: name })));
  }

  async *list(dir: string, options: ListOptions = {}): AsyncIterable<string> {
    const prefix = listPrefix(this.name, dir);
    const delimiter = options.recursive === true ? undefined : "/";
    const page = this.config.listObjectsVersion === "v1" ? (after: string | undefined) => this.listPageV1(dir, prefix, delimiter, after) : (after: string | undefined) => this.listPageV2(dir, prefix, delimiter, after);
    let next: string | undefined;
    do {
      const out = await page(next);
      // S3 may list the directory's own marker object ("dir/"); it is not an entry of the directory.
      yield* out.names.filter((k) => k !== "" && k !== prefix).sort();
      next = out.next;
    } while (next !== undefined);
  }

  private async listPageV2(dir: string, prefix: string, delimiter: string | undefined, token: string | undefined): Promise<ListPage> {
    const out = await this.send("list", dir, () =>
      this.client.send(
        new this.sdk.ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token, MaxKeys: this.options.listPageSize }),
      ),
    );
    return { names: pageNames(out), next: out.IsTruncated === true ? out.NextContinuationToken : undefined };
  }

  private async listPageV1(dir: string, prefix: string, delimiter: string | undefined, marker: string | undefined): Promise<ListPage> {
    const out = await this.send("list", dir, () =>
      this.client.send(new this.sdk.ListObjectsCommand({ Bucket: this.config.bucket, Prefix: prefix, Delimiter: delimiter, Marker: marker, MaxKeys: this.options.listPageSize })),
    );
    const names = pageNames(out);
    // Without a delimiter S3 sends no NextMarker: the last key is where the next page starts.
    return { names, next: out.IsTruncated === true ? (out.NextMarker ?? names.reduce((a, b) => (a > b ? a : b), "")) : undefined };
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.attributes(name);
      return true;
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return false;
      throw err;
    }
  }

  async attributes(name: string): Promise<ObjectAttributes> {
    checkObjectName(this.name, "get attributes of", name);
    const out = await this.send("get attributes of", name, () => this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.config.bucket, Key: name })));
    return { size: out.ContentLength ?? 0, lastModified: out.LastModified?.getTime() ?? 0 };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async emptyRangeAt(name: string, offset: number): Promise<Uint8Array> {
    const { size } = await this.attributes(name);
    if (offset > size) throw new BucketError(this.name, "get range of", name, `offset ${offset} is past the end of the object (${size} bytes)`);
    return new Uint8Array(0);
  }

  private async putObject(name: string, bytes: Uint8Array): Promise<void> {
    await this.send("put", name, () => this.client.send(new this.sdk.PutObjectCommand({ Bucket: this.config.bucket, Key: name, Body: bytes, ...this.putMetadata() })));
  }

  private async putMultipart(name: string, first: Uint8Array, reader: PieceReader, partSize: number): Promise<void> {
    const bucket = this.config.bucket;
    const created = await this.send("create multipart upload of", name, () =>
      this.client.send(new this.sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: name, ...this.putMetadata() })),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new BucketError(this.name, "create multipart upload of", name, "the answer has no UploadId");
    try {
      const parts: Sdk.CompletedPart[] = [];
      let piece = { bytes: first, done: false };
      for (;;) {
        if (piece.bytes.length > 0) {
          const partNumber = parts.length + 1;
          if (partNumber > MAX_PARTS) throw new BucketError(this.name, "put", name, `more than ${MAX_PARTS} parts of ${partSize} bytes: raise part_size`);
          const body = piece.bytes;
          const out = await this.send("upload part of", name, () =>
            this.client.send(new this.sdk.UploadPartCommand({ Bucket: bucket, Key: name, UploadId: uploadId, PartNumber: partNumber, Body: body })),
          );
          parts.push({ ETag: out.ETag, PartNumber: partNumber });
        }
        if (piece.done) break;
        piece = await reader.read(partSize);
      }
      await this.send("complete multipart upload of", name, () =>
        this.client.send(new this.sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: name, UploadId: uploadId, MultipartUpload: { Parts: parts } })),
      );
    } catch (err) {
      await this.abortUpload(name, uploadId, err);
      throw err instanceof BucketError ? err : new BucketError(this.name, "put", name, (err as Error).message, { cause: err });
    }
  }

  /** Aborts a failed multipart upload so its parts are not kept (and billed); reports both failures if that fails too. */
  private async abortUpload(name: string, uploadId: string, cause: unknown): Promise<void> {
    try {
      await this.send("abort multipart upload of", name, () => this.client.send(new this.sdk.AbortMultipartUploadCommand({ Bucket: this.config.bucket, Key: name, UploadId: uploadId })));
    } catch (abortErr) {
      throw new BucketError(this.name, "put", name, `${(cause as Error).message}; aborting multipart upload ${uploadId} failed too: ${(abortErr as Error).message}`, {
        cause,
      });
    }
  }

  private putMetadata(): { Metadata?: Record<string, string>; StorageClass?: Sdk.StorageClass } {
    const metadata: Record<string, string> = {};
    let storageClass: string | undefined;
    for (const [k, v] of Object.entries(this.config.putUserMetadata)) {
      if (k.toLowerCase() === "x-amz-storage-class") storageClass = v;
      else metadata[k] = v;
    }
    return { ...(Object.keys(metadata).length > 0 ? { Metadata: metadata } : {}), ...(storageClass !== undefined ? { StorageClass: storageClass as Sdk.StorageClass } : {}) };
  }

  /** One request with retries; its failure as a BucketError (ObjectNotFoundError for a missing key). */
  private async send<T>(operation: string, name: string, request: () => Promise<T>): Promise<T> {
    this.requestsByOperation.set(operation, (this.requestsByOperation.get(operation) ?? 0) + 1);
    try {
      return await withRetries(this.options.retry ?? DEFAULT_RETRY_POLICY, request, isRetryableS3Error, () => {
        this.retriesByOperation.set(operation, (this.retriesByOperation.get(operation) ?? 0) + 1);
      });
    } catch (err) {
      if (err instanceof BucketError) throw err;
      if (isMissingKey(err)) throw new ObjectNotFoundError(this.name, operation, name, "object not found", { cause: err });
      throw new BucketError(this.name, operation, name, describeSdkError(err), { cause: err });
    }
  }
}

/** The SDK client's settings from Thanos's keys; the SDK's retries are off (send() retries). */
function clientConfig(config: S3Config, env: Readonly<Record<string, string | undefined>>): Sdk.S3ClientConfig {
  const http = config.http;
  const agentOptions = {
    keepAlive: true,
    maxSockets: http.maxConnsPerHost > 0 ? http.maxConnsPerHost : Number.POSITIVE_INFINITY,
    maxFreeSockets: http.maxIdleConnsPerHost,
    timeout: http.idleConnTimeoutMs,
  };
  const tls = http.tls;
  return {
    endpoint: `${config.insecure ? "http" : "https"}://${config.endpoint}`,
    region: config.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
    forcePathStyle: config.bucketLookupType === "path" || (config.bucketLookupType === "auto" && !isAwsEndpoint(config.endpoint)),
    credentials: config.accessKey === "" ? undefined : { accessKeyId: config.accessKey, secretAccessKey: config.secretKey, sessionToken: config.sessionToken || undefined },
    maxAttempts: 1,
    // S3-compatible stores (MinIO, Ceph, s3rver) do not all accept the SDK's newer default checksums.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      connectionTimeout: http.tlsHandshakeTimeoutMs,
      requestTimeout: http.responseHeaderTimeoutMs,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent({
        ...agentOptions,
        rejectUnauthorized: !http.insecureSkipVerify,
        ca: tls.caFile === "" ? undefined : tls.trustRootCa ? [...rootCertificates, readTlsFile("ca_file", tls.caFile)] : readTlsFile("ca_file", tls.caFile),
        cert: tls.certFile === "" ? undefined : readTlsFile("cert_file", tls.certFile),
        key: tls.keyFile === "" ? undefined : readTlsFile("key_file", tls.keyFile),
        servername: tls.serverName || undefined,
      }),
    },
  };
}

/**
 * Builds the client with the SDK's NodeVersionSupportWarning off: it tells orrery's maintainers
 * that SDK releases after January 2027 need Node 22, which users cannot act on. The SDK reads its
 * own switch once, in the constructor; it is set only around that call, and never over the user's.
 */
function withoutNodeVersionWarning<T>(build: () => T): T {
  if (process.env[NODE_VERSION_WARNING_SWITCH] !== undefined) return build();
  process.env[NODE_VERSION_WARNING_SWITCH] = "true";
  try {
    return build();
  } finally {
    delete process.env[NODE_VERSION_WARNING_SWITCH];
  }
}

function readTlsFile(key: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`http_config.tls_config.${key}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function isAwsEndpoint(endpoint: string): boolean {
  return /(^|\.)amazonaws\.com(\.cn)?(:\d+)?$/.test(endpoint);
}

interface ListPage {
  readonly names: string[];
  /** Where the next page starts (token or marker); undefined after the last page. */
  readonly next: string | undefined;
}

function pageNames(out: { Contents?: { Key?: string }[]; CommonPrefixes?: { Prefix?: string }[] }): string[] {
  return [...(out.Contents ?? []).map((c) => c.Key ?? ""), ...(out.CommonPrefixes ?? []).map((p) => p.Prefix ?? "")];
}

async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** The body of a GET, checked against its Content-Length: a short one is a broken connection (and retried), never a short object. */
async function wholeBody(out: { Body?: unknown; ContentLength?: number }): Promise<Uint8Array> {
  const bytes = out.Body === undefined ? new Uint8Array(0) : await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
  if (out.ContentLength !== undefined && bytes.length !== out.ContentLength) {
    throw Object.assign(new Error(`the answer ended after ${bytes.length} of its ${out.ContentLength} bytes`), { code: "ECONNRESET" });
  }
  return bytes;
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isMissingKey(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  return name === "NoSuchKey" || (httpStatus(err) === 404 && name !== "NoSuchBucket");
}

/** An SDK error for a message: its S3 code, HTTP status and text. */
function describeSdkError(err: unknown): string {
  const e = err as Error & { code?: string };
  const status = httpStatus(err);
  const code = e.name !== "Error" ? e.name : e.code;
  const parts = [code, status !== undefined ? `HTTP ${status}` : undefined].filter((p) => p !== undefined && p !== "");
  return `${parts.length > 0 ? `${parts.join(", ")}: ` : ""}${e.message}`;
}
