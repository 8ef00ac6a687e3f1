// `orrery frontend` as a user runs it: flags and cache config, and the process
// in front of a real Prometheus 2.42 and in front of `orrery start`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDatasetText } from "../bench/dataset/index.js";
import { createBlocks, hasPrometheus, NO_PROMETHEUS, type RunningServer, startPrometheus, stopProcess } from "../conformance/index.js";
import { frontendCommandConfig, parseFlags } from "./frontend.js";
import { cacheConfigYaml } from "./query-roles.js";
import { byteSize } from "./flags.js";
import { parseFlags as parseStartFlags, startConfig } from "./start.js";
import { logged, MAIN, orrery } from "./testkit.js";

const MIN = 60_000;

test("frontend flags: Thanos's names and defaults; the downstream URL is required; bad values exit 2 naming the flag", () => {
  const cfg = frontendCommandConfig(parseFlags(["--query-frontend.downstream-url=http://prom:9090"]));
  assert.deepEqual(
    [cfg.splitIntervalMs, cfg.alignRangeWithStep, cfg.maxParallelism, cfg.maxRetries, cfg.maxFreshnessMs, cfg.port],
    [24 * 3600_000, true, 14, 5, 60_000, 10902],
  );
  assert.deepEqual(cfg.cache, { type: "in-memory", maxSizeBytes: 256 * 1024 * 1024, ttlMs: 0 });
  const redis = frontendCommandConfig(parseFlags(["--query-frontend.downstream-url=http://p", "--cache.redis.address=r:6380", "--cache.redis.db=2", "--cache.redis.key-prefix=x:"]));
  assert.equal(redis.cache.type, "redis");
  assert.deepEqual(redis.cache.type === "redis" && [redis.cache.redis.address, redis.cache.redis.db, redis.cache.redis.keyPrefix, redis.cache.redis.ttlMs], ["r:6380", 2, "x:", 24 * 3600_000]);
  assert.equal(frontendCommandConfig(parseFlags(["--query-frontend.downstream-url=http://p", "--cache.in-memory.max-size=0"])).cache.type, "none");
  assert.equal(frontendCommandConfig(parseFlags(["--query-frontend.downstream-url=http://p", "--no-query-range.align-range-with-step"])).alignRangeWithStep, false);
  assert.equal(cfg.verticalShards, 1, "vertical sharding is off by default");
  assert.equal(frontendCommandConfig(parseFlags(["--query-frontend.downstream-url=http://p", "--query-frontend.vertical-shards=4"])).verticalShards, 4);
  for (const [args, message] of [
    [[], /--query-frontend.downstream-url is required/],
    [["--query-frontend.downstream-url=prom:9090"], /invalid --query-frontend.downstream-url=prom:9090/],
    [["--query-frontend.downstream-url=http://p", "--query-range.split-interval=daily"], /invalid --query-range.split-interval=daily/],
    [["--query-frontend.downstream-url=http://p", "--cache.in-memory.max-size=lots"], /invalid --cache.in-memory.max-size=lots/],
    [["--query-frontend.downstream-url=http://p", "--cache.redis.address=a:b:c"], /invalid --cache.redis.address/],
    [["--query-frontend.downstream-url=http://p", "--query-frontend.vertical-shards=0"], /invalid --query-frontend.vertical-shards=0: want an integer ≥ 1/],
  ] as const) {
    const bad = spawnSync(process.execPath, [MAIN, "frontend", ...args], { encoding: "utf8" });
    assert.equal(bad.status, 2, args.join(" "));
    assert.match(bad.stderr, message);
  }
  const help = spawnSync(process.execPath, [MAIN, "frontend", "--help"], { encoding: "utf8" });
  for (const flag of ["--query-frontend.downstream-url", "--query-range.split-interval", "--[no-]query-range.align-range-with-step", "--query-range.max-query-parallelism", "--query-range.max-retries-per-request", "--query-range.response-cache-max-freshness", "--cache.redis.address", "--query-range.response-cache-config", "--query-frontend.vertical-shards"]) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  // orrery start: on by default, off for engine benchmarks.
  assert.notEqual(startConfig(parseStartFlags([])).frontend, undefined);
  assert.equal(startConfig(parseStartFlags(["--no-query-frontend.enabled"])).frontend, undefined);
});

test("cache config YAML as Thanos writes it: IN-MEMORY and REDIS, with errors naming the field", () => {
  assert.deepEqual(cacheConfigYaml("type: IN-MEMORY\nconfig:\n  max_size: 1GB\n  validity: 10m\n", "c.yml", 500), { type: "in-memory", maxSizeBytes: 1024 ** 3, ttlMs: 600_000 });
  const redis = cacheConfigYaml('type: REDIS\nconfig:\n  addr: "127.0.0.1:6379"\n  db: 1\n  password: s3cret\n  tls_enabled: true\n  expiration: 1h\n', "c.yml", 200);
  assert.deepEqual(redis, { type: "redis", redis: { address: "127.0.0.1:6379", db: 1, username: "", password: "s3cret", tls: true, keyPrefix: "orrery:", ttlMs: 3600_000, timeoutMs: 200 } });
  assert.throws(() => cacheConfigYaml("type: MEMCACHED\n", "c.yml", 1), /c.yml: unknown type "MEMCACHED"/);
  assert.throws(() => cacheConfigYaml("type: REDIS\nconfig:\n  db: 0\n", "c.yml", 1), /needs config.addr/);
  assert.throws(() => cacheConfigYaml("type: REDIS\nconfig:\n  addr: a:1\n  expiration: soon\n", "c.yml", 1), /expiration in c.yml/);
  assert.equal(byteSize("512KiB", "x"), 512 * 1024);
});

/** Range queries over a 25-minute window ending at endMs: plain, aggregated, a rate. */
const QUERIES = ["demo_cpu_usage_seconds_total", 'sum by (mode) (rate(demo_cpu_usage_seconds_total[5m]))', "avg(demo_memory_usage_bytes) / 1e6"];

async function rangeBody(url: string, query: string, start: number, end: number): Promise<string> {
  const res = await fetch(`${url}/api/v1/query_range?query=${encodeURIComponent(query)}&start=${start / 1000}&end=${end / 1000}&step=60`);
  return `${res.status} ${await res.text()}`;
}

test("orrery frontend in front of Prometheus 2.42: cold, warm and shifted range queries equal Prometheus's own answers; other routes are proxied", { skip: !hasPrometheus() && NO_PROMETHEUS, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-frontend-prom-"));
  let prometheus: RunningServer | undefined;
  let frontend: ChildProcess | undefined;
  t.after(async () => {
    if (frontend !== undefined) await stopProcess(frontend);
    await prometheus?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const endMs = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
  writeFileSync(join(dir, "data.om"), generateDatasetText({ endMs, hours: 0.5, benchSeries: 0 }));
  await createBlocks(join(dir, "data.om"), join(dir, "tsdb"));
  prometheus = await startPrometheus({ dataDir: join(dir, "tsdb") });
  frontend = orrery(["frontend", `--query-frontend.downstream-url=${prometheus.url}`, "--http-address=127.0.0.1:0", "--query-range.split-interval=10m"]);
  const url = await logged(frontend, /listening on (http:\/\/[^\s"]+)/, "frontend");
  const start = endMs - 25 * MIN;
  const end = endMs - 5 * MIN;
  for (const q of QUERIES) {
    const want = await rangeBody(prometheus.url, q, start, end);
    assert.match(want, /^200 .*"result":\[\{/, q);
    assert.equal(await rangeBody(url, q, start, end), want, `cold: ${q}`);
    assert.equal(await rangeBody(url, q, start, end), want, `warm: ${q}`);
    assert.equal(await rangeBody(url, q, start + 7 * MIN, end + 7 * MIN), await rangeBody(prometheus.url, q, start + 7 * MIN, end + 7 * MIN), `shifted: ${q}`);
  }
  const labels = await fetch(`${url}/api/v1/labels`);
  assert.equal(await labels.text(), await (await fetch(`${prometheus.url}/api/v1/labels`)).text());
  // Split in 10-minute windows and united, labels, values and series equal Prometheus's.
  const range = `start=${start / 1000}&end=${end / 1000}`;
  for (const path of [`/api/v1/labels?${range}`, `/api/v1/label/instance/values?${range}`, `/api/v1/series?match[]=demo_num_cpus&${range}`]) {
    const want = await (await fetch(`${prometheus.url}${path}`)).text();
    assert.match(want, /"data":\[./, path);
    assert.equal(await (await fetch(`${url}${path}`)).text(), want, `cold ${path}`);
    assert.equal(await (await fetch(`${url}${path}`)).text(), want, `warm ${path}`);
  }
  const bad = await fetch(`${url}/api/v1/query_range?query=sum(&start=0&end=60&step=15`);
  assert.equal(bad.status, 400);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /orrery_frontend_cache_lookups_total\{backend="inmemory",result="hit"\} [1-9]/);
});

test("orrery frontend in front of orrery start, whose own frontend stage is on: the answers are orrery's", { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-frontend-orrery-"));
  const children: ChildProcess[] = [];
  t.after(async () => {
    await Promise.all(children.map((c) => stopProcess(c)));
    rmSync(dir, { recursive: true, force: true });
  });
  const endMs = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
  const file = join(dir, "data.om");
  writeFileSync(file, generateDatasetText({ endMs, hours: 0.5, benchSeries: 0 }));
  const imported = spawnSync(process.execPath, [MAIN, "tsdb", "import", "openmetrics", file, `--storage.tsdb.path=${join(dir, "data")}`], { encoding: "utf8" });
  assert.equal(imported.status, 0, imported.stderr);
  const start = orrery(["start", `--storage.tsdb.path=${join(dir, "data")}`, "--web.listen-address=127.0.0.1:0", "--no-self-scrape", "--storage.tsdb.retention.time=24h"]);
  children.push(start);
  const startUrl = await logged(start, /listening on (http:\/\/[^\s"]+)/, "start");
  const frontend = orrery(["frontend", `--query-frontend.downstream-url=${startUrl}`, "--http-address=127.0.0.1:0", "--query-range.split-interval=10m"]);
  children.push(frontend);
  const url = await logged(frontend, /listening on (http:\/\/[^\s"]+)/, "frontend");
  const from = endMs - 25 * MIN;
  const to = endMs - 5 * MIN;
  for (const q of QUERIES) {
    const want = await rangeBody(startUrl, q, from, to);
    assert.match(want, /^200 .*"result":\[\{/, q);
    assert.equal(await rangeBody(url, q, from, to), want, `cold: ${q}`);
    assert.equal(await rangeBody(url, q, from, to), want, `warm: ${q}`);
  }
  // orrery start answered through its own stage.
  assert.match(await (await fetch(`${startUrl}/metrics`)).text(), /orrery_frontend_requests_total\{route="\/api\/v1\/query_range",path="cache"\} [1-9]/);
});
