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
import { rng } from "../../../testing/index.js";
import { downsampleBlock } from "../downsample/index.js";
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
    await new Compactor({ bucket, dataDir: join(dir, "data"), deleteDelayMs: 0, partialUploadThresholdMs: 0, downsampler: downsampleBlock }).run();
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
    // 25 2h blocks: six 8h compactions, a 2d one, its 5m downsampling, each killed and resumed.
    const blocks = Array.from({ length: 25 }, (_, i) => [i * 2 * H, (i + 1) * 2 * H] as const);
    await seedBucket(bucket, join(dir, "local"), blocks, { stepMs: 15_000 });
    const before = await bucketAnswers(bucket, join(dir, "gw"));
    const args = [join(dir, "bucket"), join(dir, "data"), "none"];
    // How long an uninterrupted run takes on this machine, from a copy, to spread the kills over it.
    const probe = await withTempDir("orrery-crash-probe-", async (copy) => {
      const b = new FilesystemBucket(join(copy, "bucket"));
      await seedBucket(b, join(copy, "local"), blocks, { stepMs: 15_000 });
      const t0 = Date.now();
      await runChild([join(copy, "bucket"), join(copy, "data"), "none"]);
      return Date.now() - t0;
    });
    const seed = Number(process.env.ORRERY_COMPACT_CRASH_SEED ?? Date.now() % 1_000_000);
    console.log(`# kill times from seed ${seed} (ORRERY_COMPACT_CRASH_SEED) over a ${probe} ms pass`);
    const random = rng(seed);
    // Half the kills at a random time of a pass (deletions included), half before a random one of the
    // next 8 object uploads (mid-upload and mid-marking), until `randomKills` runs were really killed.
    let kills = 0;
    let runs = 0;
    for (; kills < randomKills && runs < 4 * randomKills; runs++) {
      const byTime = random() < 0.5;
      const run = byTime ? await runChild(args, Math.floor(random() * probe)) : await runChild([...args.slice(0, 2), `before-put::${1 + Math.floor(random() * 8)}`]);
      if (run.signal === "SIGKILL") kills++;
      const during = await bucketAnswers(bucket, join(dir, "gw"));
      assert.deepEqual(during.series, before.series, `answers after run ${runs + 1} (${byTime ? "timed kill" : "kill before an upload"})`);
    }
    assert.equal(kills, randomKills, `only ${kills} of ${runs} runs were killed before the work ran out`);
    const finish = await runChild(args);
    assert.equal(finish.code, 0, finish.stderr);
    assert.deepEqual((await bucketAnswers(bucket, join(dir, "gw"))).series, before.series);
    const live = (await new Compactor({ bucket, dataDir: join(dir, "data") }).sync()).live;
    assert.equal(live.filter((m) => m.thanos?.downsample.resolution === 300_000).length, 1, "the 2d block was downsampled to 5m");
    console.log(`# ${kills} of ${runs} runs were killed mid-pass (the others had finished)`);
  });
});
