import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, rename, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FilesystemBucket, isNotFound } from "./index.js";

/** This process's open descriptors on `path`. */
function fdsOn(path: string): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

/** Waits out the handle closes the bucket does not await. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

test("filesystem bucket: range GETs share one open handle; a file replaced or removed behind the bucket's back is noticed; close() closes", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-fsb-"));
  try {
    const bucket = new FilesystemBucket(dir);
    await bucket.put("b/obj", new Uint8Array([1, 2, 3, 4, 5, 6]));
    const path = join(dir, "b", "obj");
    const reads = await Promise.all([bucket.getRange("b/obj", 0, 2), bucket.getRange("b/obj", 2, 2), bucket.getRange("b/obj", 4, 10)]);
    assert.deepEqual(reads.map((r) => [...r]), [[1, 2], [3, 4], [5, 6]]);
    assert.equal(fdsOn(path), 1, "one handle, kept open for the next GET");
    await bucket.getRange("b/obj", 1, 1);
    assert.equal(fdsOn(path), 1);
    // Another process replaces the object the way put does (write aside, rename over).
    await writeFile(join(dir, "replacement"), new Uint8Array([9, 8, 7]));
    await rename(join(dir, "replacement"), path);
    assert.deepEqual([...(await bucket.getRange("b/obj", 0, 10))], [9, 8, 7]);
    await settle();
    assert.equal(fdsOn(path), 1, "the handle of the replaced file is closed");
    await bucket.put("b/obj", new Uint8Array([4, 4]));
    assert.deepEqual([...(await bucket.getRange("b/obj", 0, 10))], [4, 4]);
    await unlink(path);
    await assert.rejects(bucket.getRange("b/obj", 0, 1), (err) => isNotFound(err));
    await bucket.put("b/other", new Uint8Array([1]));
    await bucket.getRange("b/other", 0, 1);
    await bucket.close();
    await settle();
    assert.equal(fdsOn(join(dir, "b", "other")), 0, "close() closes the handles");
    assert.deepEqual([...(await bucket.getRange("b/other", 0, 1))], [1], "still usable after close()");
    await bucket.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
