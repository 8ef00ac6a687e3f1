// `orrery store` as a process: its flags, and interop both ways in one comparison — blocks written
// by promtool, in a bucket, served by `orrery store` and queried through `orrery query --endpoint`,
// answer the compliance query set as Prometheus 2.42 serving blocks orrery wrote of the same data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeDatasetFile } from "../bench/dataset/index.js";
import { createBlocks, freePort, PROMETHEUS_BIN, PROMTOOL_BIN, runCompareCommand, startPrometheus, startServer, type RunningServer } from "../conformance/index.js";
import { createBlocksFromExposition, FilesystemBucket, isUlid, uploadBlock } from "../stores/index.js";

const MAIN = join(dirname(fileURLToPath(import.meta.url)), "main.js");
const END_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

test("orrery store --help names Thanos Store's flags", () => {
  const help = spawnSync(process.execPath, [MAIN, "store", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  for (const flag of ["objstore.config-file", "objstore.config", "grpc-address", "http-address", "data-dir", "sync-block-duration", "index-cache-size", "chunk-cache-size", "store.limits.request-series", "store.limits.request-samples"]) {
    assert.match(help.stdout, new RegExp(`--${flag.replace(/\./g, "\\.")}=`), flag);
  }
  assert.match(help.stdout, /sync-block-duration=<value>.*default: 3m/);
});

test("orrery store refuses bad flags naming them", () => {
  const cases: [string[], RegExp][] = [
    [[], /one of --objstore\.config-file or --objstore\.config is required/],
    [["--objstore.config=type: FILESYSTEM\nconfig:\n  directory: /tmp/x", "--index-cache-size=lots"], /invalid --index-cache-size=lots/],
    [["--objstore.config=type: FILESYSTEM\nconfig:\n  directory: /tmp/x", "--store.limits.request-series=-1"], /invalid --store\.limits\.request-series=-1/],
    [["--objstore.config=type: FILESYSTEM\nconfig:\n  directory: /tmp/x", "--sync-block-duration=soon"], /invalid --sync-block-duration=soon/],
  ];
  for (const [args, want] of cases) {
    const r = spawnSync(process.execPath, [MAIN, "store", ...args], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, want);
  }
});

function startOrrery(args: readonly string[], readyUrl: string): Promise<RunningServer> {
  const url = readyUrl.replace(/(https?:\/\/[^/]+).*/, "$1");
  return startServer(process.execPath, [MAIN, ...args], url, readyUrl.slice(url.length), 60_000);
}

test("interop: promtool's blocks in a bucket, served by orrery store through orrery query, answer the compliance set as Prometheus 2.42 serving orrery's blocks", { timeout: 300_000 }, async (t) => {
  if (!existsSync(PROMETHEUS_BIN) || !existsSync(PROMTOOL_BIN)) return t.skip(`did not run: ${PROMETHEUS_BIN} or ${PROMTOOL_BIN} is not installed`);
  const dir = await mkdtemp(join(tmpdir(), "orrery-store-interop-"));
  const servers: RunningServer[] = [];
  try {
    const file = join(dir, "data.om");
    writeDatasetFile(file, { endMs: END_MS, hours: 3, benchSeries: 0 });
    await createBlocks(file, join(dir, "prom"));
    const bucket = new FilesystemBucket(join(dir, "bucket"));
    const ulids = (await readdir(join(dir, "prom"))).filter(isUlid);
    assert.ok(ulids.length >= 2, `promtool wrote ${ulids.length} blocks; the test wants the range to span several`);
    for (const u of ulids) await uploadBlock(bucket, join(dir, "prom", u), u);
    // Prometheus reads blocks orrery wrote of the same file: a difference in either writer shows.
    const written = await createBlocksFromExposition(file, join(dir, "prom-data"));
    assert.equal(written.blocks.length, ulids.length, "orrery and promtool cut the file into as many 2h blocks");
    const prometheus = await startPrometheus({ dataDir: join(dir, "prom-data") });
    servers.push(prometheus);

    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const objstore = `type: FILESYSTEM\nconfig:\n  directory: ${join(dir, "bucket")}\n`;
    servers.push(
      await startOrrery(
        ["store", `--objstore.config=${objstore}`, `--grpc-address=127.0.0.1:${grpcPort}`, `--http-address=127.0.0.1:${httpPort}`, `--data-dir=${join(dir, "gw")}`, "--log.level=warn"],
        `http://127.0.0.1:${httpPort}/-/ready`,
      ),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    assert.match(metrics, new RegExp(`orrery_bucket_store_blocks_loaded ${ulids.length}\\b`));
    const queryPort = await freePort();
    const query = await startOrrery(
      ["query", `--web.listen-address=127.0.0.1:${queryPort}`, `--endpoint=127.0.0.1:${grpcPort}`, "--log.level=warn"],
      `http://127.0.0.1:${queryPort}/api/v1/query?query=1`,
    );
    servers.push(query);
    // The querier learns the endpoint's time range in the background: wait until it answers with data.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = (await (await fetch(`${query.url}/api/v1/query?query=count(demo_memory_usage_bytes)&time=${END_MS / 1000 - 600}`)).json()) as { data?: { result: unknown[] } };
      if ((r.data?.result.length ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error(`orrery query never saw the store's data: ${JSON.stringify(r)}`);
      await new Promise((r) => setTimeout(r, 300));
    }

    const out: string[] = [];
    // Across block boundaries: the last 2h40m of the 3h dataset.
    const range = ["--start", String((END_MS - 160 * 60_000) / 1000), "--end", String((END_MS - 60_000) / 1000), "--step", "60s"];
    const code = await runCompareCommand(["--reference", prometheus.url, "--target", query.url, ...range, "--parallelism", "2"], {
      out: (s) => out.push(s),
      err: (s) => out.push(s),
    });
    const text = out.join("\n");
    const summary = text.split("\n").at(-1) ?? "";
    t.diagnostic(`conformance compare, Prometheus 2.42 vs orrery query → orrery store: ${summary}`);
    assert.match(summary, /^\d+ passed, 0 failed, \d+ skipped$/, text.slice(-6000));
    assert.equal(code, 0);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  }
});
