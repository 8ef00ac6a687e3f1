// One contract, every implementation: the same tests against a directory, S3 (s3rver), and
// both under a Thanos `prefix:`. What passes here is what the shipper and store gateway may rely on.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { BucketError, isNotFound, type ObjectBucket } from "./bucket.js";
import { FilesystemBucket } from "./filesystem.js";
import { withPrefix } from "./prefixed.js";
import { S3Bucket, type S3BucketOptions, type S3Config } from "./s3.js";
import { startS3rver, type RunningS3rver } from "./testkit.js";

const PART_SIZE = 256 * 1024;

interface Subject {
  bucket: ObjectBucket;
  /** Whether concurrent puts of one name leave one whole version (S3 and the filesystem bucket do; s3rver writes in place). */
  wholeOverwrites: boolean;
  /** The S3 bucket underneath, to check which requests a put made. */
  s3?: S3Bucket;
  close(): Promise<void>;
}

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const name of it) out.push(name);
  return out;
}

/** Bytes that differ at every position, so a misplaced part shows. */
function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function rejectsNotFound(p: Promise<unknown>, bucket: ObjectBucket, name: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isNotFound(err), `want a not-found error, got ${String(err)}`);
    assert.ok((err as Error).message.includes(bucket.name.split(" under ")[0]!), (err as Error).message);
    assert.ok((err as Error).message.includes(JSON.stringify(name).slice(1, -1)), (err as Error).message);
    return true;
  });
}

function contract(kind: string, open: () => Promise<Subject>): void {
  describe(`ObjectBucket contract: ${kind}`, () => {
    let subject: Subject;
    let bucket: ObjectBucket;
    before(async () => {
      subject = await open();
      bucket = subject.bucket;
    });
    after(async () => {
      await subject?.close();
    });

    test("put then get gives the bytes back, binary and empty; a second put overwrites", async () => {
      await bucket.put("bin/all-bytes", ALL_BYTES);
      assert.deepEqual(new Uint8Array(await bucket.get("bin/all-bytes")), ALL_BYTES);
      await bucket.put("bin/empty", new Uint8Array(0));
      assert.equal((await bucket.get("bin/empty")).length, 0);
      await bucket.put("bin/over", text("first version, longer"));
      await bucket.put("bin/over", text("second"));
      assert.equal(str(await bucket.get("bin/over")), "second");
      assert.equal((await bucket.attributes("bin/over")).size, 6);
    });

    test("get, getRange and attributes of a missing object: not found, naming the bucket and the object", async () => {
      await rejectsNotFound(bucket.get("nope/missing.json"), bucket, "nope/missing.json");
      await rejectsNotFound(bucket.getRange("nope/missing.json", 0, 10), bucket, "nope/missing.json");
      await rejectsNotFound(bucket.attributes("nope/missing.json"), bucket, "nope/missing.json");
      assert.equal(await bucket.exists("nope/missing.json"), false);
    });

    test("getRange: inside, up to the end, past the end (stops at the end), at the end (empty), beyond (error)", async () => {
      await bucket.put("range/obj", text("0123456789"));
      assert.equal(str(await bucket.getRange("range/obj", 2, 3)), "234");
      assert.equal(str(await bucket.getRange("range/obj", 0, 10)), "0123456789");
      assert.equal(str(await bucket.getRange("range/obj", 7, 3)), "789");
      assert.equal(str(await bucket.getRange("range/obj", 7, 100)), "789");
      assert.equal(str(await bucket.getRange("range/obj", 4, 0)), "");
      assert.equal((await bucket.getRange("range/obj", 10, 5)).length, 0);
      await assert.rejects(bucket.getRange("range/obj", 11, 5), (err: unknown) => {
        assert.ok(err instanceof BucketError && !isNotFound(err));
        assert.match((err as Error).message, /range\/obj".*offset 11 is past the end of the object \(10 bytes\)/);
        return true;
      });
      await assert.rejects(bucket.getRange("range/obj", -1, 5), /range\/obj": offset -1 is not an integer ≥ 0/);
      await assert.rejects(bucket.getRange("range/obj", 0, 1.5), /length 1.5 is not an integer ≥ 0/);
    });

    test("exists and attributes: size and last-modified time", async () => {
      const t0 = Date.now();
      await bucket.put("attrs/x", pattern(1234, 1));
      const attrs = await bucket.attributes("attrs/x");
      assert.equal(attrs.size, 1234);
      // S3 keeps last-modified to the second.
      assert.ok(attrs.lastModified >= t0 - 2000 && attrs.lastModified <= Date.now() + 2000, `${attrs.lastModified} vs ${t0}`);
      assert.equal(await bucket.exists("attrs/x"), true);
      assert.equal(await bucket.exists("attrs"), false, "a directory is not an object");
    });

    test("delete removes the object; deleting a missing object is not an error", async () => {
      await bucket.put("del/a/b", text("x"));
      await bucket.delete("del/a/b");
      assert.equal(await bucket.exists("del/a/b"), false);
      await rejectsNotFound(bucket.get("del/a/b"), bucket, "del/a/b");
      await bucket.delete("del/a/b");
      assert.deepEqual(await collect(bucket.list("del")), [], "no empty directories are left behind");
    });

    test("list: directory-style when not recursive, every object when recursive, nothing for a missing directory", async () => {
      for (const name of ["ls/a/b/c1", "ls/a/b/c2", "ls/a/d", "ls/e", "ls/f.json"]) await bucket.put(name, text(name));
      assert.deepEqual(await collect(bucket.list("ls")), ["ls/a/", "ls/e", "ls/f.json"]);
      assert.deepEqual(await collect(bucket.list("ls/")), ["ls/a/", "ls/e", "ls/f.json"]);
      assert.deepEqual(await collect(bucket.list("ls/a", { recursive: false })), ["ls/a/b/", "ls/a/d"]);
      assert.deepEqual(await collect(bucket.list("ls/a", { recursive: true })), ["ls/a/b/c1", "ls/a/b/c2", "ls/a/d"]);
      assert.deepEqual(await collect(bucket.list("ls", { recursive: true })), ["ls/a/b/c1", "ls/a/b/c2", "ls/a/d", "ls/e", "ls/f.json"]);
      assert.deepEqual(await collect(bucket.list("ls/zzz")), []);
      assert.ok((await collect(bucket.list(""))).includes("ls/"));
      await assert.rejects(collect(bucket.list("ls/../x")), (err: unknown) => err instanceof BucketError && /list "ls\/\.\.\/x"/.test(err.message));
    });

    test("names with slashes, spaces and non-ASCII characters", async () => {
      const name = "01HABC/chunks/sub dir/ü+name=1 (copy).json";
      await bucket.put(name, text("ok"));
      assert.equal(str(await bucket.get(name)), "ok");
      assert.deepEqual(await collect(bucket.list("01HABC/chunks/sub dir")), [name]);
    });

    test("invalid names are errors naming the bucket and the name", async () => {
      for (const name of ["", "/abs", "dir/", "a//b", "a/../b", "./a"]) {
        await assert.rejects(bucket.put(name, text("x")), (err: unknown) => err instanceof BucketError && err.message.includes(`put ${JSON.stringify(name)}`), name);
      }
    });

    test("put from a stream and from a file", async () => {
      const data = pattern(100_000, 7);
      await bucket.put("stream/obj", Readable.from([data.subarray(0, 1), data.subarray(1, 50_000), data.subarray(50_000)]));
      assert.deepEqual(new Uint8Array(await bucket.get("stream/obj")), data);
      const dir = await mkdtemp(join(tmpdir(), "orrery-objstore-file-"));
      try {
        await writeFile(join(dir, "f"), data);
        await bucket.put("file/obj", { path: join(dir, "f") });
        assert.deepEqual(new Uint8Array(await bucket.get("file/obj")), data);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test("a stream of strings is refused, naming the object, and writes nothing", async () => {
      await assert.rejects(bucket.put("stream/text", Readable.from(["not bytes"])), (err: unknown) => {
        assert.ok(err instanceof BucketError, String(err));
        assert.match(err.message, /put "(tenant-a\/)?stream\/text": .*gave a string chunk; want bytes/);
        return true;
      });
      assert.equal(await bucket.exists("stream/text"), false);
    });

    test(`objects larger than part_size (${PART_SIZE} bytes), from bytes and from a stream`, async () => {
      const data = pattern(PART_SIZE * 2 + 1000, 3);
      const partsBefore = subject.s3?.requests().get("upload part of") ?? 0;
      await bucket.put("big/from-bytes", data);
      await bucket.put("big/from-stream", Readable.from([data.subarray(0, 5000), data.subarray(5000)]));
      assert.deepEqual(new Uint8Array(await bucket.get("big/from-bytes")), data);
      assert.deepEqual(new Uint8Array(await bucket.get("big/from-stream")), data);
      assert.deepEqual(new Uint8Array(await bucket.getRange("big/from-stream", PART_SIZE - 10, 20)), data.subarray(PART_SIZE - 10, PART_SIZE + 10));
      if (subject.s3 !== undefined) {
        assert.equal((subject.s3.requests().get("upload part of") ?? 0) - partsBefore, 6, "3 parts for each object");
        assert.ok((subject.s3.requests().get("complete multipart upload of") ?? 0) >= 2);
      }
    });

    test("concurrent puts: each object whole, and of one name, one whole version wins", async () => {
      const versions = Array.from({ length: 8 }, (_, i) => pattern(20_000 + i, 100 + i));
      await Promise.all(versions.map((v, i) => bucket.put(`conc/obj-${i}`, v)));
      for (let i = 0; i < versions.length; i++) assert.deepEqual(new Uint8Array(await bucket.get(`conc/obj-${i}`)), versions[i]);
      await Promise.all(versions.map((v) => bucket.put("conc/same", v)));
      if (!subject.wholeOverwrites) return;
      const got = new Uint8Array(await bucket.get("conc/same"));
      assert.ok(
        versions.some((v) => v.length === got.length && Buffer.compare(Buffer.from(v), Buffer.from(got)) === 0),
        "the object is one of the versions put",
      );
    });
  });
}

async function fsSubject(prefix = ""): Promise<Subject> {
  const dir = await mkdtemp(join(tmpdir(), "orrery-objstore-"));
  return { bucket: withPrefix(new FilesystemBucket(dir), prefix), wholeOverwrites: true, close: () => rm(dir, { recursive: true, force: true }) };
}

async function s3Subject(prefix: string, overrides: Partial<S3Config>, options: S3BucketOptions): Promise<Subject> {
  const server: RunningS3rver = await startS3rver();
  try {
    const s3 = await S3Bucket.open(server.config({ partSize: PART_SIZE, ...overrides }), options);
    return {
      bucket: withPrefix(s3, prefix),
      s3,
      // s3rver streams a put straight into its file, so racing puts of one key interleave there.
      wholeOverwrites: false,
      async close() {
        await s3.close();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

contract("FilesystemBucket", () => fsSubject());
contract("FilesystemBucket under a prefix", () => fsSubject("tenant-a/"));
contract("S3Bucket on s3rver", () => s3Subject("", {}, {}));
// s3rver's ListObjectsV2 cannot page on Node 20 (its tokens need DES); s3.test.ts pages v2 on a fake.
contract("S3Bucket on s3rver, list_objects_version v1 in pages of 2 keys", () => s3Subject("", { listObjectsVersion: "v1" }, { listPageSize: 2 }));
contract("S3Bucket on s3rver under a prefix", () => s3Subject("/tenant-a", {}, {}));

test("FilesystemBucket: a put leaves no temp files behind and the temp directory is not listed", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-objstore-"));
  try {
    const bucket = new FilesystemBucket(dir);
    await bucket.put("a", text("1"));
    await assert.rejects(bucket.put("a/b", text("2")), (err: unknown) => err instanceof BucketError && /put "a\/b"/.test(err.message));
    assert.deepEqual(await readdir(join(dir, ".orrery-tmp")), []);
    assert.deepEqual(await collect(bucket.list("")), ["a"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
