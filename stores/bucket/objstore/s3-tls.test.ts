// S3 over HTTPS with a CA made in the test (http_config.tls_config.ca_file), and credentials that
// come from the environment or the shared credentials file instead of the config (s3rver checks
// every request's signature against its own keys).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCerts } from "../../../testing/index.js";
import { parseObjstoreConfig, openBucket } from "./config.js";
import { type RunningS3rver, startS3rver } from "./testkit.js";

const dir = mkdtempSync(join(tmpdir(), "orrery-s3-tls-"));
let s3: RunningS3rver;
const AWS_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_PROFILE", "AWS_EC2_METADATA_DISABLED"];
const saved = Object.fromEntries(AWS_KEYS.map((k) => [k, process.env[k]]));

before(async () => {
  makeCerts(dir);
  s3 = await startS3rver("orrery-tls", { cert: readFileSync(join(dir, "server.crt"), "utf8"), key: readFileSync(join(dir, "server.key"), "utf8") });
});

after(async () => {
  for (const k of AWS_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Thanos's S3 config over HTTPS without keys (the SDK's chain finds them), trusting `ca`. */
function httpsConfig(ca: string): string {
  return ["type: S3", "config:", "  bucket: orrery-tls", `  endpoint: ${s3.endpoint}`, "  bucket_lookup_type: path", "  http_config:", "    tls_config:", `      ca_file: ${ca}`, ""].join("\n");
}

function useEnv(env: Record<string, string>): void {
  for (const k of AWS_KEYS) delete process.env[k];
  Object.assign(process.env, { AWS_CONFIG_FILE: join(dir, "none"), AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"), AWS_EC2_METADATA_DISABLED: "true" }, env);
}

async function roundTrip(yaml: string, name: string): Promise<string> {
  const bucket = await openBucket(parseObjstoreConfig(yaml, "bucket.yml"));
  try {
    await bucket.put(name, new TextEncoder().encode(`hello ${name}`));
    return new TextDecoder().decode(await bucket.get(name));
  } finally {
    await bucket.close();
  }
}

test("S3 over HTTPS trusting tls_config.ca_file, keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; none anywhere is an error", async () => {
  useEnv({ AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER" });
  assert.equal(await roundTrip(httpsConfig(join(dir, "ca.crt")), "env"), "hello env");
  useEnv({});
  await assert.rejects(roundTrip(httpsConfig(join(dir, "ca.crt")), "none"), /credentials/i, "no keys in the environment: none used");
});

test("S3 keys from the shared credentials file (AWS_SHARED_CREDENTIALS_FILE); a server signed by another CA is refused", async () => {
  writeFileSync(join(dir, "credentials"), "[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n");
  useEnv({ AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials") });
  assert.equal(await roundTrip(httpsConfig(join(dir, "ca.crt")), "file"), "hello file");
  const other = join(dir, "other");
  mkdirSync(other);
  makeCerts(other, [], "other-ca");
  await assert.rejects(roundTrip(httpsConfig(join(other, "other-ca.crt")), "untrusted"), /certificate/i);
});
