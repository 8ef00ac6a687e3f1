import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openHead } from "../stores/index.js";
import { run } from "./tsdb.js";

test("orrery tsdb import openmetrics writes the WAL that openHead (orrery start) replays", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-tsdb-"));
  const log = t.mock.method(console, "log", () => undefined);
  const err = t.mock.method(console, "error", () => undefined);
  try {
    const file = join(dir, "in.om");
    // Samples years old: accepted by the import whatever the head's window.
    await writeFile(file, 'up{job="a"} 1 1500000000\nup{job="a"} 0 1500000015.5\n# EOF\n');
    assert.equal(await run(["import", "openmetrics", file, "--storage.tsdb.path", join(dir, "data")]), 0);
    assert.match(String(log.mock.calls.at(-1)?.arguments[0]), /imported 2 of 2 samples in 1 series/);
    const { head, replay } = await openHead(join(dir, "data"), { fsync: "never" });
    try {
      assert.equal(replay?.samples, 2);
      const frames = [];
      for await (const f of head.series({ minTime: 0, maxTime: 2e12, matchers: [{ name: "job", op: "=", value: "a" }] })) frames.push(...f.series);
      assert.equal(frames.length, 1);
      assert.deepEqual([frames[0]!.chunks[0]!.minTime, frames[0]!.chunks[0]!.maxTime], [1500000000000, 1500000015500]);
    } finally {
      await head.close();
    }
    const bad = join(dir, "bad.txt");
    await writeFile(bad, "up{ 1 1\n");
    assert.equal(await run(["import", "openmetrics", bad, `--storage.tsdb.path=${join(dir, "data")}`]), 1);
    assert.match(String(err.mock.calls[0]?.arguments[0]), /bad\.txt:1:\d+: /);
    assert.equal(await run(["import", "openmetrics"]), 2);
    assert.equal(await run(["import", "openmetrics", file, "--nope", "x"]), 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
