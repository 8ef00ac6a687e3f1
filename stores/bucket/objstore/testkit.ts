// For tests: an S3 API (s3rver) on 127.0.0.1 with a bucket, and the Thanos config that reaches it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { parseObjstoreConfig } from "./config.js";
import type { S3Config } from "./s3.js";

export interface RunningS3rver {
  /** host:port, as Thanos's `endpoint` key wants it. */
  readonly endpoint: string;
  readonly bucket: string;
  /** s3rver's own credentials. */
  readonly accessKey: string;
  readonly secretKey: string;
  /** The S3Config for the bucket (path-style, http); `overrides` replace fields. */
  config(overrides?: Partial<S3Config>): S3Config;
  stop(): Promise<void>;
}

/** Starts s3rver on a free port with one bucket (names must be ≥ 3 characters), over HTTPS when given a certificate and key (PEM); stop() closes it and removes its files. */
export async function startS3rver(bucket = "orrery-test", tls?: { cert: string; key: string }): Promise<RunningS3rver> {
  if (bucket.length < 3) throw new Error(`s3 bucket name ${JSON.stringify(bucket)}: must be at least 3 characters`);
  const directory = await mkdtemp(join(tmpdir(), "orrery-s3rver-"));
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory, configureBuckets: [{ name: bucket }], ...tls });
  let address;
  try {
    address = await server.run();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `127.0.0.1:${address.port}`;
  return {
    endpoint,
    bucket,
    accessKey: "S3RVER",
    secretKey: "S3RVER",
    config: (overrides = {}) => ({ ...(parseObjstoreConfig(configYaml(endpoint, bucket), "startS3rver") as { s3: S3Config }).s3, ...overrides }),
    async stop() {
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

/** Thanos's S3 config for a bucket on s3rver: path-style, http, s3rver's credentials. */
export function configYaml(endpoint: string, bucket: string): string {
  return ["type: S3", "config:", `  bucket: ${bucket}`, `  endpoint: ${endpoint}`, "  access_key: S3RVER", "  secret_key: S3RVER", "  insecure: true", "  bucket_lookup_type: path", ""].join("\n");
}
