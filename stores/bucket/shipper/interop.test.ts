// The shipper against real parts: s3rver's S3 API as the bucket, and Debian's promtool 2.42
// analysing the blocks it uploaded. promtool tests are skipped by name when it is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { NO_PROMETHEUS, PROMTOOL_BIN, hasPrometheus } from "../../../conformance/index.js";
import { withTempDir } from "../block/test-helpers.js";
import { FilesystemBucket, openBucket } from "../objstore/index.js";
import { startS3rver } from "../objstore/testkit.js";
import { Shipper } from "./shipper.js";
import { HOUR, ScriptedBucket, T0, bucketBlocks, bucketSamples, expectedSamples, headWith, shipperOptions, testSeries } from "./test-helpers.js";

const run = promisify(execFile);

test("S3 (s3rver): blocks cut from the head appear in the bucket, meta.json last, and read back exactly; the head is truncated after", async () => {
  const s3 = await startS3rver("orrery-shipper");
  try {
    await withTempDir("orrery-shipper-s3-", async (dir) => {
      const bucket = new ScriptedBucket(await openBucket({ type: "S3", prefix: "tenant-a", s3: s3.config() }));
      try {
        const shipper = await Shipper.open(shipperOptions(join(dir, "data"), bucket));
        const series = testSeries(10);
        const head = await headWith(shipper, series);
        const report = await shipper.sync(head);
        assert.equal(report.uploaded.length, 3);
        assert.deepEqual(await bucketBlocks(bucket), [...report.uploaded].sort());
        for (const ulid of report.uploaded) assert.equal(bucket.puts.filter((p) => p.startsWith(ulid)).at(-1), `${ulid}/meta.json`);
        assert.deepEqual((await bucketSamples(bucket)).samples, expectedSamples(series, T0 + 6 * HOUR));
        assert.equal(head.bounds().minTime, T0 + 6 * HOUR);
      } finally {
        await bucket.close();
      }
    });
  } finally {
    await s3.stop();
  }
});

test("blocks the shipper uploads pass promtool tsdb analyze (Prometheus 2.42), read from the filesystem bucket as they are", { skip: hasPrometheus() ? false : NO_PROMETHEUS }, async () => {
  await withTempDir("orrery-shipper-promtool-", async (dir) => {
    const bucketDir = join(dir, "bucket");
    const bucket = new FilesystemBucket(bucketDir);
    const shipper = await Shipper.open(shipperOptions(join(dir, "data"), bucket));
    const report = await shipper.sync(await headWith(shipper, testSeries(10)));
    assert.equal(report.uploaded.length, 3);
    for (const ulid of report.uploaded) {
      const { stdout } = await run(PROMTOOL_BIN, ["tsdb", "analyze", bucketDir, ulid]);
      assert.match(stdout, new RegExp(`Block ID: ${ulid}`));
      assert.match(stdout, /Series: 3\n/);
      assert.match(stdout, /Duration: 2h0m0s/);
    }
  });
});
