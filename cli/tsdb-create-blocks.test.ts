import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlocksStore } from "../stores/index.js";
import { run } from "./tsdb.js";

test("orrery tsdb create-blocks-from openmetrics writes 2h-aligned blocks the blocks store serves", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-tsdb-blocks-"));
  const log = t.mock.method(console, "log", () => undefined);
  const err = t.mock.method(console, "error", () => undefined);
  try {
    const file = join(dir, "in.om");
    // 01:59:59 and 02:00:00 fall in different 2h windows; 05:00 in a third.
    await writeFile(file, 'up{job="a"} 1 7199\nup{job="a"} 2 7200\nup{job="a"} 3 18000.5\n# EOF\n');
    const out = join(dir, "blocks");
    assert.equal(await run(["create-blocks-from", "openmetrics", file, out]), 0, String(err.mock.calls[0]?.arguments[0]));
    assert.match(String(log.mock.calls.at(-1)?.arguments[0]), /wrote 3 blocks of 2h with 3 samples/);
    assert.equal((await readdir(out)).length, 3);
    const store = await BlocksStore.open(out);
    try {
      assert.deepEqual(
        store.blocks.map((b) => [b.meta.minTime, b.meta.maxTime]).sort((a, b) => a[0]! - b[0]!),
        [[7_199_000, 7_199_001], [7_200_000, 7_200_001], [18_000_500, 18_000_501]],
      );
    } finally {
      await store.close();
    }

    const big = join(dir, "big");
    assert.equal(await run(["create-blocks-from", "openmetrics", file, big, "--max-block-duration", "7h"]), 0);
    assert.match(String(log.mock.calls.at(-1)?.arguments[0]), /wrote 1 blocks of 6h/);

    const bad = join(dir, "bad.om");
    await writeFile(bad, 'up{job="a"} 2 10\nup{job="a"} 1 5\n# EOF\n');
    assert.equal(await run(["create-blocks-from", "openmetrics", bad, join(dir, "x")]), 1);
    assert.match(String(err.mock.calls.at(-1)?.arguments[0]), /bad\.om:2: out-of-order sample: timestamp 5000 is before the series' previous 10000/);
    assert.equal(await run(["create-blocks-from", "openmetrics"]), 2);
    assert.equal(await run(["create-blocks-from", "csv", file]), 2);
    assert.equal(await run(["create-blocks-from", "openmetrics", file, out, "--max-block-duration=soon"]), 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
