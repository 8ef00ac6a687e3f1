import { test } from "node:test";
import assert from "node:assert/strict";
import { FilesystemBucket, type ObjectBucket } from "../objstore/index.js";
import { withTempDir } from "./test-helpers.js";
import { bucketObjectSource } from "./index.js";

test("bucketObjectSource: small nearby reads share one range GET; large reads go straight through; reads stop at the end", () =>
  withTempDir("orrery-bsrc-", async (dir) => {
    const fs = new FilesystemBucket(dir);
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
    await fs.put("obj", bytes);
    const gets: [number, number][] = [];
    const counting: ObjectBucket = Object.assign(Object.create(fs) as ObjectBucket, {
      getRange: (name: string, offset: number, length: number) => {
        gets.push([offset, length]);
        return fs.getRange(name, offset, length);
      },
    });
    const same = (got: Uint8Array, want: Uint8Array): void => assert.deepEqual(Array.from(got), Array.from(want));
    const src = bucketObjectSource(counting, "obj", bytes.length, 4096);
    same(await src.read(10, 4), bytes.subarray(10, 14));
    same(await src.read(14, 100), bytes.subarray(14, 114));
    same(await src.read(2000, 50), bytes.subarray(2000, 2050));
    assert.equal(gets.length, 1, "three reads within 4 KiB: one GET");
    same(await src.read(50_000, 20_000), bytes.subarray(50_000, 70_000));
    assert.deepEqual(gets.at(-1), [50_000, 20_000]);
    same(await src.read(99_990, 100), bytes.subarray(99_990));
    assert.equal((await src.read(200_000, 10)).length, 0);
  }));
