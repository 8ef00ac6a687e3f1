// Per-tenant remote_write limits on a real `orrery receive --limits.config-file`: the tenant
// "small" is refused (429 past its ingestion rate and burst, 400 at its series limit, each naming
// the limit, its value and the tenant) while "big", on the same process, is not; the refusals are
// counted per limit and tenant — the same limiter and flags as `orrery start`. A request naming no
// tenant is the default tenant's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../conformance/index.js";
import type { WriteTimeSeries } from "../stores/index.js";
import { parseFlags, receiveConfig } from "./receive.js";
import { logged, orrery, remoteWriteAs } from "./testkit.js";

const dir = mkdtempSync(join(tmpdir(), "orrery-receive-limits-"));
const limitsFile = join(dir, "limits.yml");
const T = Date.now() - 60_000;
let child: ChildProcess | undefined;
let url = "";

function series(n: number, name: string): WriteTimeSeries[] {
  return Array.from({ length: n }, (_, i) => ({ labels: [{ name: "__name__", value: name }, { name: "i", value: String(i) }], samples: [{ timestamp: T, value: i }] }));
}

before(async () => {
  writeFileSync(limitsFile, ["overrides:", "  small:", "    ingestion_rate: 10", "    ingestion_burst_size: 20", "    max_global_series_per_user: 3", "  default-tenant:", "    max_global_series_per_user: 2", ""].join("\n"));
  child = orrery(["receive", `--tsdb.path=${join(dir, "data")}`, "--remote-write.address=127.0.0.1:0", "--grpc-address=127.0.0.1:0", `--limits.config-file=${limitsFile}`]);
  url = await logged(child, /listening on (http:\/\/[^\s"]+)/, "receive");
});

after(async () => {
  if (child !== undefined) await stopProcess(child);
  rmSync(dir, { recursive: true, force: true });
});

test("receive: small gets 429 past its burst and 400 at its series limit, each named; big writes the same; refusals counted per limit and tenant", { timeout: 60_000 }, async () => {
  const burst = await remoteWriteAs(url, "small", series(30, "m"));
  assert.equal(burst.status, 429);
  assert.match(await burst.text(), /ingestion rate limit \(ingestion_rate=10 samples\/s, ingestion_burst_size=20\) exceeded for tenant "small": the request's 30 samples exceed the burst size/);

  assert.equal((await remoteWriteAs(url, "small", series(3, "m"))).status, 204);
  const full = await remoteWriteAs(url, "small", series(1, "other"));
  assert.equal(full.status, 400);
  assert.match(await full.text(), /per-tenant series limit \(max_global_series_per_user=3\) reached for tenant "small": 3 active series/);

  // The same requests from another tenant: its own bucket, its own series.
  assert.equal((await remoteWriteAs(url, "big", series(30, "m"))).status, 204);
  assert.equal((await remoteWriteAs(url, "big", series(30, "other"))).status, 204);

  // A request naming no tenant is stored as sent and limited as the default tenant, whose series are those without a tenant label.
  assert.equal((await remoteWriteAs(url, undefined, series(2, "m"))).status, 204);
  const unnamed = await remoteWriteAs(url, undefined, series(1, "other"));
  assert.equal(unnamed.status, 400);
  assert.match(await unnamed.text(), /per-tenant series limit \(max_global_series_per_user=2\) reached for tenant "default-tenant": 2 active series/);

  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /orrery_limits_rejected_total\{limit="ingestion_rate",tenant="small"\} 1\n/);
  assert.match(metrics, /orrery_limits_rejected_total\{limit="max_global_series_per_user",tenant="small"\} 1\n/);
  assert.doesNotMatch(metrics, /orrery_limits_rejected_total\{[^}]*tenant="big"/);
});

test("receive limits flags: the ingestion group of start's --limits.*; query limits are not receive's", () => {
  assert.equal(receiveConfig(parseFlags([])).tenantLimits, undefined);
  const cfg = receiveConfig(parseFlags(["--limits.ingestion-rate=2.5", "--limits.ingestion-burst-size=7", "--limits.max-global-series-per-user=100"])).tenantLimits!;
  assert.deepEqual([cfg.defaults.ingestionRate, cfg.defaults.ingestionBurstSize, cfg.defaults.maxGlobalSeriesPerUser, cfg.defaults.maxFetchedSeriesPerQuery], [2.5, 7, 100, 0]);
  assert.throws(() => parseFlags(["--limits.max-concurrent-queries=1"]), /unknown flag --limits.max-concurrent-queries/);
  const badFile = join(dir, "bad.yml");
  writeFileSync(badFile, "overrides:\n  a:\n    ingestion_rate: fast\n");
  assert.throws(() => receiveConfig(parseFlags([`--limits.config-file=${badFile}`])), /bad\.yml: overrides\.a\.ingestion_rate/);
});
