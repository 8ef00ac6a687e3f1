import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BlocksStore } from "./index.js";
import { compatibleBlockDuration, createBlocksFromExposition } from "./create-from-exposition.js";
import { dumpStore, withTempDir } from "./test-helpers.js";

const H = 3_600_000;

test("block duration as promtool picks it: 2h·3^k not above --max-block-duration, at most 2h·3^9", () => {
  const cases: [number, number][] = [
    [H, 2 * H],
    [2 * H, 2 * H],
    [5 * H, 2 * H],
    [6 * H, 6 * H],
    [17 * H, 6 * H],
    [18 * H, 18 * H],
    [1e15, 2 * H * 3 ** 9],
  ];
  for (const [max, want] of cases) assert.equal(compatibleBlockDuration(max), want, `max ${max / H}h`);
});

test("a repeated timestamp with the same value is dropped; with another value, or a missing # EOF, is an error naming the file", async () => {
  await withTempDir("orrery-create-", async (dir) => {
    const ok = join(dir, "ok.om");
    await writeFile(ok, "# TYPE a gauge\na 1 10\na 1 10\na NaN 20\na NaN 20\n# EOF\n");
    const report = await createBlocksFromExposition(ok, join(dir, "ok"));
    assert.equal(report.blocks.length, 1);
    assert.equal(report.blocks[0]!.stats.numSamples, 2);
    const store = await BlocksStore.open(join(dir, "ok"));
    try {
      assert.deepEqual((await dumpStore(store)).series.get('{__name__="a"}'), ["10000 1", "20000 NaN"]);
    } finally {
      await store.close();
    }
    const dup = join(dir, "dup.om");
    await writeFile(dup, "a 1 10\na 2 10\n# EOF\n");
    await assert.rejects(createBlocksFromExposition(dup, join(dir, "dup")), /dup\.om:2: duplicate sample for timestamp 10000 with a different value/);
    const noEof = join(dir, "noeof.om");
    await writeFile(noEof, "a 1 10\n");
    await assert.rejects(createBlocksFromExposition(noEof, join(dir, "x"), { format: "openmetrics" }), /noeof\.om: OpenMetrics input has no "# EOF" line/);
    const noTs = join(dir, "nots.om");
    await writeFile(noTs, "a 1\n# EOF\n");
    await assert.rejects(createBlocksFromExposition(noTs, join(dir, "y")), /nots\.om:1:4: sample has no timestamp/);
  });
});
