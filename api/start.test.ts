// `orrery start` as a user runs it: the built CLI in a child process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../testing/index.js";
import { parseFlags, splitHostPort, startConfig } from "../cli/start.js";

const MAIN = join(repoRoot(), "dist", "cli", "main.js");

test("orrery start --help lists every flag; a bad flag exits 2", () => {
  const help = spawnSync(process.execPath, [MAIN, "start", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  for (const flag of [
    "--web.listen-address",
    "--storage.tsdb.path",
    "--storage.tsdb.retention.time",
    "--query.lookback-delta",
    "--query.timeout",
    "--query.max-samples",
    "--query.max-concurrency",
    "--self-scrape.interval",
    "--[no-]self-scrape.enabled",
    "--no-self-scrape",
    "--log.level",
    "--endpoint=",
    "--endpoint.sd-files",
    "--prometheus.url",
    "--query.replica-label",
    "--[no-]query.partial-response",
    "--store.response-timeout",
    "--label",
    "--grpc-address",
    "--grpc-server-tls-cert",
    "--[no-]grpc-client-tls-secure",
  ]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  const bad = spawnSync(process.execPath, [MAIN, "start", "--query.timeout=soon"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid --query.timeout=soon/);
  const unknown = spawnSync(process.execPath, [MAIN, "start", "--nope"], { encoding: "utf8" });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown flag --nope/);
});

test("start flags: defaults, = and space forms, --no-self-scrape, bad values", () => {
  const defaults = startConfig(parseFlags([]));
  assert.equal(defaults.host, "127.0.0.1");
  assert.equal(defaults.port, 9090);
  assert.equal(defaults.dataDir, "./data");
  assert.equal(defaults.queryTimeoutMs, 120000);
  assert.equal(defaults.maxSamples, 50000000);
  assert.equal(defaults.maxConcurrency, 20);
  assert.equal(defaults.lookbackDeltaMs, 300000);
  assert.equal(defaults.selfScrape, true);
  assert.equal(defaults.selfScrapeIntervalMs, 15000);
  const set = startConfig(parseFlags(["--query.timeout=30s", "--web.listen-address", "[::1]:0", "--no-self-scrape", "--query.max-concurrency=4"]));
  assert.deepEqual([set.queryTimeoutMs, set.host, set.port, set.selfScrape, set.maxConcurrency], [30000, "::1", 0, false, 4]);
  assert.equal(startConfig(parseFlags(["--self-scrape.enabled=false"])).selfScrape, false);
  assert.equal(startConfig(parseFlags(["--no-self-scrape.enabled"])).selfScrape, false);
  assert.equal(parseFlags(["--help"]).help, true);
  assert.throws(() => parseFlags(["--self-scrape.enabled=maybe"]), /must be true or false/);
  assert.throws(() => parseFlags(["--query.timeout"]), /needs a value/);
  assert.throws(() => startConfig(parseFlags(["--query.max-samples=-1"])), /invalid --query.max-samples/);
  assert.throws(() => splitHostPort("localhost"), /want host:port/);
  assert.deepEqual(splitHostPort(":9090"), { host: "0.0.0.0", port: 9090 });
});

/** Resolves with the URL once the child prints where it listens. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m !== null) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`orrery start exited ${code} before listening:\n${out}`)));
  });
}

test("orrery start serves `up` for its own metrics within 30s and shuts down cleanly on SIGTERM", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-start-"));
  const child = spawn(process.execPath, [MAIN, "start", `--storage.tsdb.path=${dir}`, "--web.listen-address=127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  try {
    const url = await listeningUrl(child);
    const deadline = Date.now() + 30_000;
    let body: { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } } | undefined;
    while (Date.now() < deadline) {
      const res = await fetch(`${url}/api/v1/query?query=up`);
      body = (await res.json()) as typeof body;
      if (body!.status === "success" && body!.data.result.length > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(body !== undefined && body.data.result.length === 1, `no up sample: ${JSON.stringify(body)} ${stderr}`);
    const sample = body.data.result[0];
    assert.equal(sample.metric.job, "orrery");
    assert.equal(sample.metric.instance, url.slice("http://".length));
    assert.equal(sample.value[1], "1");
    const names = (await (await fetch(`${url}/api/v1/label/__name__/values`)).json()) as { data: string[] };
    assert.ok(names.data.includes("process_cpu_user_seconds_total"));
    assert.ok(names.data.includes("orrery_engine_chunks_skipped_total"), "the engine's metrics are on the served registry");
    assert.ok(existsSync(join(dir, "wal")));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
