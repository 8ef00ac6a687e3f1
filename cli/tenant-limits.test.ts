// Per-tenant limits on a real `orrery start --query.enforce-tenancy --limits.config-file`: the
// tenant "small" is refused (429 for its ingestion rate and concurrency, Prometheus error types for
// the rest, each naming the limit and its value) while "big", on the same process, is not; the
// refusals are counted per limit and tenant; a changed file takes effect without a restart.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../conformance/index.js";
import type { WriteTimeSeries } from "../stores/index.js";
import { parseFlags, startConfig } from "./start.js";
import { logged, orrery, remoteWriteAs } from "./testkit.js";

const dir = mkdtempSync(join(tmpdir(), "orrery-limits-tenant-"));
const limitsFile = join(dir, "limits.yml");
const T = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
let child: ChildProcess | undefined;
let url = "";

function overrides(smallSeries: number): string {
  return ["overrides:", "  small:", "    ingestion_rate: 10", "    ingestion_burst_size: 20", `    max_fetched_series_per_query: ${smallSeries}`, "    max_query_length: 1h", ""].join("\n");
}

function series(n: number, name: string): WriteTimeSeries[] {
  return Array.from({ length: n }, (_, i) => ({ labels: [{ name: "__name__", value: name }, { name: "i", value: String(i) }], samples: [{ timestamp: T, value: i }] }));
}

function write(tenant: string, ts: WriteTimeSeries[]): Promise<Response> {
  return remoteWriteAs(url, tenant, ts);
}

async function query(tenant: string, path: string): Promise<{ status: number; body: { status: string; errorType?: string; error?: string; data?: { result: unknown[] } } }> {
  const res = await fetch(`${url}${path}`, { headers: { "THANOS-TENANT": tenant } });
  return { status: res.status, body: (await res.json()) as never };
}

before(async () => {
  writeFileSync(limitsFile, overrides(2));
  child = orrery(["start", `--storage.tsdb.path=${join(dir, "data")}`, "--web.listen-address=127.0.0.1:0", "--query.enforce-tenancy", `--limits.config-file=${limitsFile}`, "--limits.reload-period=100ms", "--no-self-scrape.enabled", "--no-query-frontend.enabled"]);
  url = await logged(child, /listening on (http:\/\/[^\s"]+)/, "start");
});

after(async () => {
  if (child !== undefined) await stopProcess(child);
  rmSync(dir, { recursive: true, force: true });
});

test("ingestion rate: tenant small gets 429 naming ingestion_rate past its burst; tenant big writes the same at once", { timeout: 60_000 }, async () => {
  assert.equal((await write("small", series(5, "m"))).status, 204);
  const refused = await write("small", series(30, "m"));
  assert.equal(refused.status, 429);
  assert.match(await refused.text(), /ingestion rate limit \(ingestion_rate=10 samples\/s, ingestion_burst_size=20\) exceeded for tenant "small": the request's 30 samples exceed the burst size/);
  assert.equal((await write("big", series(30, "m"))).status, 204);
});

test("series per query and query length: small's query fails with the limit named; big's same query answers", { timeout: 60_000 }, async () => {
  const at = `time=${T / 1000}`;
  const small = await query("small", `/api/v1/query?query=m&${at}`);
  assert.equal(small.status, 422);
  assert.equal(small.body.errorType, "execution");
  // Refused on the estimate, which counts only small's own 5 series of m (tenancy is enforced there too).
  assert.match(small.body.error!, /series limit \(max_fetched_series_per_query=2\) exceeded for tenant "small": estimated 5 series before any chunk was read/);
  const big = await query("big", `/api/v1/query?query=m&${at}`);
  assert.equal(big.status, 200);
  assert.equal(big.body.data!.result.length, 30);

  const range = `start=${(T - 3 * 3600_000) / 1000}&end=${T / 1000}&step=60`;
  const long = await query("small", `/api/v1/query_range?query=count(m{i="1"})&${range}`);
  assert.equal(long.status, 422, JSON.stringify(long.body));
  assert.equal(long.body.errorType, "execution");
  assert.match(long.body.error!, /query length limit \(max_query_length=1h\) exceeded for tenant "small": the request reads 3h5m/);
  assert.equal((await query("big", `/api/v1/query_range?query=count(m)&${range}`)).status, 200);

  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /orrery_limits_rejected_total\{limit="ingestion_rate",tenant="small"\} 1/);
  assert.match(metrics, /orrery_limits_rejected_total\{limit="max_fetched_series_per_query",tenant="small"\} 1/);
  assert.match(metrics, /orrery_limits_rejected_total\{limit="max_query_length",tenant="small"\} 1/);
  assert.doesNotMatch(metrics, /tenant="big"/);
});

test("a changed limits file applies without a restart; a broken one keeps the previous limits", { timeout: 60_000 }, async () => {
  writeFileSync(limitsFile, overrides(10));
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    status = (await query("small", `/api/v1/query?query=m&time=${T / 1000}`)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 200);
  writeFileSync(limitsFile, "overrides:\n  small:\n    max_fetched_series_per_query: lots\n");
  let failures = "";
  for (let i = 0; i < 100 && !/result="failure"\} [1-9]/.test(failures); i++) {
    failures = await (await fetch(`${url}/metrics`)).text();
    if (!/result="failure"\} [1-9]/.test(failures)) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(failures, /orrery_limits_config_reloads_total\{result="failure"\} [1-9]/);
  assert.equal((await query("small", `/api/v1/query?query=m&time=${T / 1000}`)).status, 200);
});

test("limits flags: defaults for every tenant; a bad limits file is an error naming the file and key", () => {
  assert.equal(startConfig(parseFlags([])).tenantLimits, undefined);
  const cfg = startConfig(parseFlags(["--limits.ingestion-rate=2.5", "--limits.max-query-length=2h", "--limits.max-response-size=1MB"])).tenantLimits!;
  assert.equal(cfg.defaults.ingestionRate, 2.5);
  assert.equal(cfg.defaults.maxQueryLengthMs, 7200_000);
  assert.equal(cfg.defaults.maxResponseSizeBytes, 1024 ** 2);
  const bad = join(dir, "bad.yml");
  writeFileSync(bad, "overrides:\n  a:\n    max_series: 3\n");
  assert.throws(() => startConfig(parseFlags([`--limits.config-file=${bad}`])), /bad\.yml: overrides\.a\.max_series: unknown key/);
});
