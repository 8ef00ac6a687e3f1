// S3Bucket against a scripted HTTP server, for what s3rver cannot show: retries and backoff,
// aborting a failed multipart upload, ListObjectsV2 pages; and the SDK's Node-version warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { BucketError } from "./bucket.js";
import { parseObjstoreConfig } from "./config.js";
import { backoffMs } from "./retry.js";
import { S3Bucket, type S3BucketOptions, type S3Config } from "./s3.js";
import { configYaml } from "./testkit.js";

interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

interface FakeS3 {
  endpoint: string;
  requests: { method: string; url: string }[];
  close(): Promise<void>;
}

/** An HTTP server answering each request with `reply(request, body)`; it records every request. */
async function fakeS3(reply: (req: IncomingMessage, index: number) => Reply): Promise<FakeS3> {
  const requests: { method: string; url: string }[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const r = reply(req, requests.length);
      requests.push({ method: req.method ?? "", url: req.url ?? "" });
      res.writeHead(r.status, { "content-type": "application/xml", ...r.headers });
      res.end(r.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const s3Error = (code: string, status: number): Reply => ({ status, body: `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${code} from the fake</Message></Error>` });

const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 40, maxDelayMs: 1000 };

async function openFake(endpoint: string, overrides: Partial<S3Config> = {}, options: S3BucketOptions = { retry: FAST_RETRY }): Promise<S3Bucket> {
  const parsed = parseObjstoreConfig(configYaml(endpoint, "fake-bucket"), "test");
  assert.equal(parsed.type, "S3");
  return S3Bucket.open({ ...(parsed as { s3: S3Config }).s3, ...overrides }, options);
}

test("backoff doubles from the base delay, is capped, and jitters within [½, 1) of it", () => {
  const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.deepEqual([0, 1, 2, 3, 4].map((r) => backoffMs(policy, r, () => 0)), [50, 100, 200, 400, 500]);
  assert.deepEqual([0, 1, 2, 3, 4].map((r) => backoffMs(policy, r, () => 0.999999)).map(Math.round), [100, 200, 400, 800, 1000]);
});

test("a 503 is retried after a backoff and counted; the answer that follows is used", async (t) => {
  const server = await fakeS3((_req, i) => (i < 2 ? s3Error("SlowDown", 503) : { status: 200, body: "hello", headers: { "content-type": "application/octet-stream" } }));
  const bucket = await openFake(server.endpoint);
  t.after(async () => {
    await bucket.close();
    await server.close();
  });
  const start = performance.now();
  assert.equal(new TextDecoder().decode(await bucket.get("a/b")), "hello");
  const elapsed = performance.now() - start;
  assert.equal(server.requests.length, 3);
  assert.deepEqual(server.requests.map((r) => r.url.split("?")[0]), ["/fake-bucket/a/b", "/fake-bucket/a/b", "/fake-bucket/a/b"], "path-style addressing");
  assert.equal(bucket.retries().get("get"), 2);
  // Waits of at least ½·40 and ½·80 ms.
  assert.ok(elapsed >= 60, `retried after ${elapsed} ms`);
});

test("an answer cut short is retried, never returned as a shorter object", async (t) => {
  let answered = 0;
  const server = createServer((req, res) => {
    req.resume();
    if (answered++ === 0) {
      // Promise ten bytes, send five, drop the connection.
      res.socket?.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Type: application/octet-stream\r\n\r\n01234");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.end("0123456789");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const bucket = await openFake(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  t.after(async () => {
    await bucket.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  assert.equal(new TextDecoder().decode(await bucket.get("short")), "0123456789");
  assert.equal(answered, 2);
  assert.equal(bucket.retries().get("get"), 1);
});

test("retries are bounded: the last error names the bucket, the object and the HTTP status", async (t) => {
  const server = await fakeS3(() => s3Error("InternalError", 500));
  const bucket = await openFake(server.endpoint);
  t.after(async () => {
    await bucket.close();
    await server.close();
  });
  await assert.rejects(bucket.get("blocks/01H/meta.json"), (err: unknown) => {
    assert.ok(err instanceof BucketError);
    assert.match(err.message, /^s3 bucket "fake-bucket" at http:\/\/127\.0\.0\.1:\d+: get "blocks\/01H\/meta\.json": InternalError, HTTP 500/);
    return true;
  });
  assert.equal(server.requests.length, FAST_RETRY.maxAttempts);
  assert.equal(bucket.retries().get("get"), FAST_RETRY.maxAttempts - 1);
});

test("a 403 is not retried; a refused connection is", async (t) => {
  const server = await fakeS3(() => s3Error("AccessDenied", 403));
  const bucket = await openFake(server.endpoint);
  t.after(async () => {
    await bucket.close();
  });
  await assert.rejects(bucket.put("x", new Uint8Array([1])), /put "x": AccessDenied, HTTP 403/);
  assert.equal(server.requests.length, 1);
  assert.equal(bucket.retries().get("put"), undefined);

  const endpoint = server.endpoint;
  await server.close();
  const refused = await openFake(endpoint);
  t.after(() => refused.close());
  await assert.rejects(refused.exists("x"), (err: unknown) => err instanceof BucketError && /"x"/.test(err.message) && /ECONNREFUSED/.test(err.message));
  assert.equal(refused.retries().get("get attributes of"), FAST_RETRY.maxAttempts - 1);
});

test("a multipart upload whose part fails is aborted, and the error names the object", async (t) => {
  const server = await fakeS3((req) => {
    const url = new URL(req.url ?? "", "http://x");
    if (req.method === "POST" && url.searchParams.has("uploads")) {
      return { status: 200, body: `<?xml version="1.0"?><InitiateMultipartUploadResult><Bucket>fake-bucket</Bucket><Key>big</Key><UploadId>up-1</UploadId></InitiateMultipartUploadResult>` };
    }
    if (req.method === "PUT" && url.searchParams.get("partNumber") === "1") return { status: 200, headers: { etag: '"e1"' } };
    if (req.method === "DELETE" && url.searchParams.get("uploadId") === "up-1") return { status: 204 };
    return s3Error("InternalError", 500);
  });
  const bucket = await openFake(server.endpoint, { partSize: 1000 });
  t.after(async () => {
    await bucket.close();
    await server.close();
  });
  await assert.rejects(bucket.put("blocks/big", new Uint8Array(2500)), /upload part of "blocks\/big": InternalError, HTTP 500/);
  const summary = server.requests.map((r) => `${r.method} ${r.url.replace(/[?&]x-id=[^&]*/, "")}`);
  assert.deepEqual(summary, [
    "POST /fake-bucket/blocks/big?uploads=",
    "PUT /fake-bucket/blocks/big?partNumber=1&uploadId=up-1",
    ...Array(FAST_RETRY.maxAttempts).fill("PUT /fake-bucket/blocks/big?partNumber=2&uploadId=up-1"),
    "DELETE /fake-bucket/blocks/big?uploadId=up-1",
  ]);
});

test("ListObjectsV2 is followed page by page with its continuation tokens", async (t) => {
  const page = (keys: string[], prefixes: string[], next?: string): Reply => ({
    status: 200,
    body:
      `<?xml version="1.0"?><ListBucketResult><Name>fake-bucket</Name><Prefix>d/</Prefix><IsTruncated>${next !== undefined}</IsTruncated>` +
      (next !== undefined ? `<NextContinuationToken>${next}</NextContinuationToken>` : "") +
      keys.map((k) => `<Contents><Key>${k}</Key><Size>1</Size></Contents>`).join("") +
      prefixes.map((p) => `<CommonPrefixes><Prefix>${p}</Prefix></CommonPrefixes>`).join("") +
      `</ListBucketResult>`,
  });
  const server = await fakeS3((req) => {
    const token = new URL(req.url ?? "", "http://x").searchParams.get("continuation-token");
    if (token === null) return page(["d/", "d/a"], ["d/b/"], "t1");
    if (token === "t1") return page(["d/c"], ["d/e/"], "t2");
    return page(["d/f"], []);
  });
  const bucket = await openFake(server.endpoint);
  t.after(async () => {
    await bucket.close();
    await server.close();
  });
  const names: string[] = [];
  for await (const n of bucket.list("d")) names.push(n);
  assert.deepEqual(names, ["d/a", "d/b/", "d/c", "d/e/", "d/f"]);
  assert.equal(server.requests.length, 3);
  assert.match(server.requests[0]!.url, /list-type=2/);
  assert.match(server.requests[0]!.url, /delimiter=%2F/);
});

test("an unreadable tls_config file is an error naming the bucket, the key and the file", async () => {
  const parsed = parseObjstoreConfig(configYaml("127.0.0.1:9", "fake-bucket"), "test") as { s3: S3Config };
  const s3 = parsed.s3;
  await assert.rejects(
    S3Bucket.open({ ...s3, http: { ...s3.http, tls: { ...s3.http.tls, caFile: "/nonexistent/ca.pem" } } }),
    /^Error: s3 bucket "fake-bucket": http_config\.tls_config\.ca_file: cannot read \/nonexistent\/ca\.pem: ENOENT/,
  );
});

test("opening an S3 bucket prints no NodeVersionSupportWarning, and leaves the SDK's switch as it was", () => {
  const s3js = fileURLToPath(new URL("./s3.js", import.meta.url));
  const script = (useBucket: boolean): string =>
    useBucket
      ? `const { S3Bucket } = await import(${JSON.stringify(s3js)});
         const b = await S3Bucket.open({ bucket: "b", endpoint: "127.0.0.1:9", region: "", accessKey: "", secretKey: "", sessionToken: "", insecure: true,
           bucketLookupType: "path", partSize: 1 << 20, disableMultipart: false, listObjectsVersion: "v2", putUserMetadata: {},
           http: { idleConnTimeoutMs: 1, responseHeaderTimeoutMs: 1, tlsHandshakeTimeoutMs: 1, maxIdleConnsPerHost: 1, maxConnsPerHost: 0, insecureSkipVerify: false,
             tls: { caFile: "", trustRootCa: false, certFile: "", keyFile: "", serverName: "" } } });
         await b.close();
         process.emitWarning("another warning");
         console.log(JSON.stringify(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? null));`
      : `const { S3Client } = await import("@aws-sdk/client-s3"); new S3Client({ region: "us-east-1" }).destroy();`;
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const run = (useBucket: boolean) => spawnSync(process.execPath, ["--input-type=module", "-e", script(useBucket)], { env, encoding: "utf8", cwd: fileURLToPath(new URL(".", import.meta.url)) });
  const bare = run(false);
  // The control: the SDK on its own does warn on Node < 22 (if it stops, this test has nothing to check).
  if (Number(process.versions.node.split(".")[0]) < 22) assert.match(bare.stderr, /NodeVersionSupportWarning/);
  const ours = run(true);
  assert.equal(ours.status, 0, ours.stderr);
  assert.doesNotMatch(ours.stderr, /NodeVersionSupportWarning/);
  assert.match(ours.stderr, /another warning/, "other warnings still print");
  assert.equal(ours.stdout.trim(), "null");
});
