// `orrery receive` and `orrery start` with --objstore.config: remote-written history leaves the
// head as blocks in the bucket, source and external labels in meta.json, exactly the samples written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../conformance/index.js";
import { formatLabels, labelsFromRecord, mergeSeriesChunks } from "../storeapi/index.js";
import { isUlid, openBlockDir, SHIPPER_META_FILE, type WriteTimeSeries } from "../stores/index.js";
import { parseFlags as receiveFlags, receiveConfig } from "./receive.js";
import { parseFlags as startFlags, startConfig } from "./start.js";
import { logged, orrery, remoteWrite } from "./testkit.js";

const HOUR = 3_600_000;

test("shipping flags: off without --objstore.config*, 2h blocks by default, Prometheus's and Thanos Receive's flag names", () => {
  assert.deepEqual(startConfig(startFlags([])).shipping, { objstore: undefined, blockDurationMs: 2 * HOUR });
  assert.deepEqual(receiveConfig(receiveFlags([])).shipping, { objstore: undefined, blockDurationMs: 2 * HOUR });
  const start = startConfig(startFlags(["--storage.tsdb.min-block-duration=1h", "--objstore.config=type: FILESYSTEM\nconfig:\n  directory: /b\n"]));
  assert.deepEqual(start.shipping, { objstore: { type: "FILESYSTEM", prefix: "", directory: "/b" }, blockDurationMs: HOUR });
  assert.equal(receiveConfig(receiveFlags(["--tsdb.min-block-duration=4h"])).shipping.blockDurationMs, 4 * HOUR);
  assert.throws(() => receiveConfig(receiveFlags(["--tsdb.min-block-duration=0s"])), /invalid --tsdb.min-block-duration=0s: must be positive/);
});

/** The block directories of a filesystem bucket (it keeps its own temporary directory beside them). */
function blockDirs(dir: string): string[] {
  return readdirSync(dir).filter((n) => isUlid(n)).sort();
}

/** Bucket blocks read back: ULIDs, metas, and labels → "t v" lines over all blocks. */
async function readBucket(dir: string) {
  const samples = new Map<string, string[]>();
  const metas = [];
  for (const ulid of blockDirs(dir)) {
    const block = await openBlockDir(join(dir, ulid));
    metas.push(block.meta);
    for await (const s of block.select([{ name: "__name__", op: "=~", value: ".+" }], Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) {
      const m = mergeSeriesChunks({ labels: s.labels, chunks: [...s.chunks] }, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const lines = samples.get(formatLabels(s.labels)) ?? [];
      for (let i = 0; i < m.length; i++) lines.push(`${m.ts[i]} ${m.vs[i]}`);
      samples.set(formatLabels(s.labels), lines);
    }
    await block.close();
  }
  return { samples, metas };
}

for (const [command, source, dataFlag, listenFlag, extra] of [
  ["receive", "receive", "--tsdb.path", "--remote-write.address=127.0.0.1:0", ["--grpc-address=127.0.0.1:0"]],
  ["start", "sidecar", "--storage.tsdb.path", "--web.listen-address=127.0.0.1:0", ["--no-self-scrape"]],
] as const) {
  test(`orrery ${command} --objstore.config: 10h remote-written → blocks in the bucket (source ${source}), exactly the samples before the cut; a restart uploads nothing twice`, { timeout: 60_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `orrery-ship-${command}-`));
    const children: ChildProcess[] = [];
    t.after(async () => {
      await Promise.all(children.map((c) => stopProcess(c)));
      rmSync(dir, { recursive: true, force: true });
    });
    const bucketDir = join(dir, "bucket");
    const args = [command, `${dataFlag}=${join(dir, "data")}`, listenFlag, ...extra, '--label=replica="r1"', `--objstore.config=type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`];
    const run = async (write: readonly WriteTimeSeries[]): Promise<void> => {
      const child = orrery(args);
      children.push(child);
      let out = "";
      child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
      const url = await logged(child, /listening on (http:\/\/[^\s"]+)/, command);
      await remoteWrite(url, write);
      child.kill("SIGTERM");
      const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.once("exit", (c, sig) => r([c, sig])));
      assert.deepEqual([code, signal], [0, null], out);
    };

    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const written: WriteTimeSeries[] = [];
    // One request per 10 minutes of all series, in time order, as Prometheus sends them.
    for (let t0 = end - 10 * HOUR; t0 < end; t0 += 10 * 60_000) {
      for (let k = 0; k < 3; k++) {
        const samples = [];
        for (let ts = t0; ts < t0 + 10 * 60_000; ts += 60_000) samples.push({ timestamp: ts, value: k * 1000 + (ts - end) / 60_000 });
        written.push({ labels: labelsFromRecord({ __name__: "shipped", k: String(k) }), samples });
      }
    }
    await run(written);

    const cutBefore = (JSON.parse(readFileSync(join(dir, "data", SHIPPER_META_FILE), "utf8")) as { cut_before: number }).cut_before;
    assert.ok(cutBefore <= end - 2 * HOUR && cutBefore >= end - 6 * HOUR, `cut before ${cutBefore}, end ${end}`);
    const { samples, metas } = await readBucket(bucketDir);
    assert.ok(metas.length >= 3, `${metas.length} blocks`);
    for (const m of metas) {
      assert.equal(m.maxTime - m.minTime, 2 * HOUR);
      assert.equal(m.minTime % (2 * HOUR), 0, "aligned to multiples of the block duration");
      assert.deepEqual([m.thanos?.source, m.thanos?.labels, m.thanos?.downsample], [source, { replica: "r1" }, { resolution: 0 }]);
    }
    const want = new Map<string, string[]>();
    for (const s of written) {
      const key = formatLabels(s.labels);
      const lines = want.get(key) ?? [];
      for (const x of s.samples) if (x.timestamp < cutBefore) lines.push(`${x.timestamp} ${x.value}`);
      want.set(key, lines);
    }
    assert.deepEqual(samples, want);

    // The WAL replays the whole 10h; what is already in the bucket is neither cut nor uploaded again.
    const before = blockDirs(bucketDir);
    await run([]);
    assert.deepEqual(blockDirs(bucketDir), before);
  });
}
