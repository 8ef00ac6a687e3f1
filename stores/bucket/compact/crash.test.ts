// A compactor killed with SIGKILL at chosen moments (and, with ORRERY_COMPACT_CRASH_RANDOM=<n>, at n
// random moments) leaves the bucket answering every query as before, and a restart finishes the work.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { FilesystemBucket } from "../objstore/index.js";
import { withTempDir } from "../block/test-helpers.js";
import { bucketAnswers, seedBucket } from "./test-helpers.js";
import { Compactor } from "./compactor.js";

const CHILD = fileURLToPath(new URL("./crash-child.js", import.meta.url));
const H = 3600_000;

/** Runs the child; resolves with its exit code (null) and signal. */
function runChild(args: string[], killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

async function blockDirs(bucket: FilesystemBucket): Promise<string[]> {
  const out: string[] = [];
  for await (const e of bucket.list("")) out.push(e);
  return out;
}

test("killed before the new block's meta.json and after the first deletion mark: answers unchanged at each kill, a restart finishes", async () => {
  await withTempDir("orrery-crash-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    await seedBucket(bucket, join(dir, "local"), Array.from({ length: 5 }, (_, i) => [i * 2 * H, (i + 1) * 2 * H] as const));
    const before = await bucketAnswers(bucket, join(dir, "gw"));
    const args = [join(dir, "bucket"), join(dir, "data")];
    for (const killPoint of ["before-put:/meta.json:1", "event:marked:1"]) {
      const run = await runChild([...args, killPoint]);
      assert.equal(run.signal, "SIGKILL", `killed at ${killPoint}: ${run.stderr}`);
      const during = await bucketAnswers(bucket, join(dir, "gw"));
      assert.deepEqual(during.series, before.series, `answers after a kill at ${killPoint}`);
    }
    // The restart in-process (one child start less): the same pass the child runs.
    await new Compactor({ bucket, dataDir: join(dir, "data"), deleteDelayMs: 0, partialUploadThresholdMs: 0 }).run();
    const after = await bucketAnswers(bucket, join(dir, "gw"));
    assert.deepEqual(after.series, before.series);
    // The 8h block and the newest 2h block; the sources and the partial upload of the first run are gone.
    assert.equal((await blockDirs(bucket)).length, 2);
  });
});

const randomKills = Number(process.env.ORRERY_COMPACT_CRASH_RANDOM ?? 0);
test(`killed at ${randomKills} random moments (ORRERY_COMPACT_CRASH_RANDOM), restarted each time`, { skip: randomKills <= 0 && "set ORRERY_COMPACT_CRASH_RANDOM=<kills> to run" }, async () => {
  await withTempDir("orrery-crash-", async (dir) => {
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    // 13 2h blocks: three 8h compactions, then a 2d-range one, each killed and resumed.
    await seedBucket(bucket, join(dir, "local"), Array.from({ length: 13 }, (_, i) => [i * 2 * H, (i + 1) * 2 * H] as const), { stepMs: 15_000 });
    const before = await bucketAnswers(bucket, join(dir, "gw"));
    const args = [join(dir, "bucket"), join(dir, "data"), "none"];
    // How long an uninterrupted run takes on this machine, from a copy, to spread the kills over it.
    const probe = await withTempDir("orrery-crash-probe-", async (copy) => {
      const b = new FilesystemBucket(join(copy, "bucket"));
      await seedBucket(b, join(copy, "local"), Array.from({ length: 13 }, (_, i) => [i * 2 * H, (i + 1) * 2 * H] as const), { stepMs: 15_000 });
      const t0 = Date.now();
      await runChild([join(copy, "bucket"), join(copy, "data"), "none"]);
      return Date.now() - t0;
    });
    let kills = 0;
    for (let i = 0; i < randomKills; i++) {
      const run = await runChild(args, Math.floor(Math.random() * probe));
      if (run.signal === "SIGKILL") kills++;
      const during = await bucketAnswers(bucket, join(dir, "gw"));
      assert.deepEqual(during.series, before.series, `answers after kill ${i + 1}`);
    }
    const finish = await runChild(args);
    assert.equal(finish.code, 0, finish.stderr);
    assert.deepEqual((await bucketAnswers(bucket, join(dir, "gw"))).series, before.series);
    console.log(`# ${kills} of ${randomKills} runs were killed mid-pass (the others had finished)`);
  });
});
