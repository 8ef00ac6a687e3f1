// `orrery compact`: Thanos Compactor's flags, and one pass over a filesystem bucket as a process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FilesystemBucket } from "../stores/index.js";
import { seedBucket } from "../stores/bucket/compact/test-helpers.js";
import { compactConfig, parseFlags } from "./compact.js";
import { FlagError } from "./flags.js";
import { MAIN } from "./testkit.js";

const H = 3600_000;
const OBJSTORE = "--objstore.config=type: FILESYSTEM\nconfig:\n  directory: /tmp/x";

test("orrery compact takes Thanos Compactor's flags", () => {
  const cfg = compactConfig(
    parseFlags([
      OBJSTORE,
      "--wait",
      "--wait-interval=1m",
      "--delete-delay=0s",
      "--consistency-delay=5m",
      "--retention.resolution-raw=30d",
      "--retention.resolution-5m=90d",
      "--deduplication.replica-label=replica",
      "--deduplication.replica-label=rule_replica",
      "--compact.concurrency=2",
      "--downsampling.disable",
    ]),
  );
  assert.equal(cfg.wait, true);
  assert.equal(cfg.waitIntervalMs, 60_000);
  assert.equal(cfg.deleteDelayMs, 0);
  assert.equal(cfg.consistencyDelayMs, 5 * 60_000);
  assert.deepEqual(cfg.retention, { raw: 30 * 24 * H, fiveMinutes: 90 * 24 * H, oneHour: 0 });
  assert.deepEqual(cfg.replicaLabels, ["replica", "rule_replica"]);
  assert.equal(cfg.concurrency, 2);
  assert.equal(cfg.downsampling, false);
  const defaults = compactConfig(parseFlags([OBJSTORE]));
  assert.equal(defaults.deleteDelayMs, 48 * H);
  assert.equal(defaults.consistencyDelayMs, 30 * 60_000, "Thanos's default");
  assert.equal(defaults.downsampling, true);
  assert.equal(defaults.wait, false);
  for (const [flag, want] of [
    ["--retention.resolution-raw=forever", /invalid --retention\.resolution-raw=forever/],
    ["--compact.concurrency=0", /invalid --compact\.concurrency=0/],
    ["--delete-delay=-1h", /invalid --delete-delay=-1h/],
    ["--consistency-delay=soon", /invalid --consistency-delay=soon/],
  ] as const) {
    assert.throws(() => compactConfig(parseFlags([OBJSTORE, flag])), (err: unknown) => err instanceof FlagError && want.test(err.message));
  }
  assert.throws(() => compactConfig(parseFlags([])), /one of --objstore\.config-file or --objstore\.config is required/);
});

test("orrery compact runs one pass over a bucket and exits 0; blocks younger than --consistency-delay are left alone", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-compact-cli-"));
  try {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    await seedBucket(bucket, join(dir, "local"), Array.from({ length: 5 }, (_, i) => [i * 2 * H, (i + 1) * 2 * H] as const));
    const compactOnce = async (...flags: string[]): Promise<{ out: string; blocks: number }> => {
      const child = spawn(
        process.execPath,
        [MAIN, "compact", `--objstore.config=type: FILESYSTEM\nconfig:\n  directory: ${join(dir, "bucket")}`, `--data-dir=${join(dir, "data")}`, "--delete-delay=0s", "--http-address=127.0.0.1:0", ...flags],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      assert.equal(code, 0, out);
      let blocks = 0;
      for await (const _ of bucket.list("")) blocks++;
      return { out, blocks };
    };
    // Just uploaded (ULIDs of now): inside the default 30m delay.
    const fresh = await compactOnce();
    assert.match(fresh.out, /pass done: 0 compactions, 0 downsamplings, 0 blocks marked for deletion, 0 deleted/);
    assert.equal(fresh.blocks, 5);
    const done = await compactOnce("--consistency-delay=0s");
    assert.match(done.out, /pass done: 1 compactions, 0 downsamplings, 4 blocks marked for deletion, 4 deleted/);
    assert.equal(done.blocks, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
