// Object storage: where TSDB blocks live (the role of Thanos's objstore). One interface,
// ObjectBucket, with two implementations — a local directory (the embedded default) and S3 —
// configured by Thanos's objstore YAML, so a Thanos user's file works as it is.
//
//   const bucket = await openBucket(parseObjstoreConfig(text, "objstore.yml"));
//   await bucket.put("01H…/meta.json", bytes);
//   for await (const name of bucket.list("", { recursive: false })) …   // "01H…/" entries
//   const head = await bucket.getRange("01H…/chunks/000001", 0, 4096);
//   try { await bucket.get("x") } catch (err) { if (isNotFound(err)) … }
export { BucketError, isNotFound, ObjectNotFoundError } from "./bucket.js";
export type { ListOptions, ObjectAttributes, ObjectBucket, ObjectContent } from "./bucket.js";
export { FilesystemBucket } from "./filesystem.js";
export { S3Bucket } from "./s3.js";
export type { S3BucketOptions, S3Config, S3HttpConfig } from "./s3.js";
export { PrefixedBucket } from "./prefixed.js";
export { DEFAULT_RETRY_POLICY } from "./retry.js";
export type { RetryPolicy } from "./retry.js";
export { DEFAULT_PART_SIZE, ObjstoreConfigError, openBucket, parseObjstoreConfig } from "./config.js";
export type { ObjstoreConfig } from "./config.js";
