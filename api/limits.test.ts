// TenantLimiter in process: the token bucket refills at the rate, concurrency is per tenant and
// released once, response size and the overrides file's errors name the limit, tenant and key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { repoRoot } from "../testing/index.js";
import { processCostPolicy } from "./cost.js";
import { parseLimitsOverrides, TenantLimiter, UNLIMITED } from "./limits.js";

test("ingestion rate: a token bucket per tenant, refilled at the rate up to the burst", () => {
  let now = 0;
  const limiter = new TenantLimiter({ defaults: { ...UNLIMITED, ingestionRate: 10, ingestionBurstSize: 20 }, registry: new Registry(), now: () => now });
  assert.equal(limiter.admitSamples("a", 20), undefined);
  assert.equal(limiter.admitSamples("a", 1)?.status, 429);
  assert.equal(limiter.admitSamples("b", 20), undefined, "another tenant has its own bucket");
  now = 500;
  assert.equal(limiter.admitSamples("a", 5), undefined, "half a second refills 5");
  assert.match(limiter.admitSamples("a", 1)!.message, /ingestion_rate=10 samples\/s, ingestion_burst_size=20\) exceeded for tenant "a": 1 samples asked, 0 left/);
});

test("concurrent queries per tenant: the next one is a 429 naming the limit; release frees a slot once", () => {
  const registry = new Registry();
  const limiter = new TenantLimiter({ defaults: { ...UNLIMITED, maxConcurrentQueries: 1 }, registry });
  const release = limiter.acquireQuery("a");
  assert.throws(() => limiter.acquireQuery("a"), (err: Error & { status?: number }) => err.status === 429 && /max_concurrent_queries=1\) reached for tenant "a"/.test(err.message));
  limiter.acquireQuery("b")();
  release();
  release();
  const again = limiter.acquireQuery("a");
  assert.throws(() => limiter.acquireQuery("a"));
  again();
});

test("response size and overrides: defaults fill what a tenant leaves out; bad keys named", async () => {
  const registry = new Registry();
  const overrides = parseLimitsOverrides("overrides:\n  a:\n    max_response_size_bytes: 10\n    max_query_length: 2h\n", "l.yml", { ...UNLIMITED, maxFetchedSeriesPerQuery: 7 });
  assert.deepEqual(overrides.get("a"), { ...UNLIMITED, maxFetchedSeriesPerQuery: 7, maxResponseSizeBytes: 10, maxQueryLengthMs: 7200_000 });
  const limiter = new TenantLimiter({ defaults: { ...UNLIMITED, maxResponseSizeBytes: 10 }, registry });
  limiter.checkResponseSize("a", 10);
  assert.throws(() => limiter.checkResponseSize("a", 11), /response size limit \(max_response_size_bytes=10\) exceeded for tenant "a"/);
  assert.match(await registry.metrics(), /orrery_limits_rejected_total\{limit="max_response_size_bytes",tenant="a"\} 1/);
  assert.throws(() => parseLimitsOverrides("overrides:\n  a:\n    ingestion_rate: -1\n", "l.yml", UNLIMITED), /l\.yml: overrides\.a\.ingestion_rate: want a number ≥ 0/);
});

test("the README's limits example loads: team-a's and team-b's overrides over the defaults", () => {
  const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
  const m = /<!-- limits-example -->\n```yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(m !== null, "README.md has the limits example");
  const overrides = parseLimitsOverrides(m[1]!, "README.md", { ...UNLIMITED, maxQueryLengthMs: 31 * 86_400_000 });
  assert.deepEqual([...overrides.keys()], ["team-a", "team-b"]);
  assert.deepEqual(overrides.get("team-a"), { ...UNLIMITED, ingestionRate: 10_000, ingestionBurstSize: 200_000, maxFetchedSeriesPerQuery: 50_000, maxQueryLengthMs: 7 * 86_400_000 });
  assert.deepEqual(overrides.get("team-b"), { ...UNLIMITED, maxConcurrentQueries: 4, maxQueryLengthMs: 31 * 86_400_000 });
});

test("cost policy: a tenant's series limit joins the process's, and its refusal is named and counted as the streaming one", () => {
  const registry = new Registry();
  const limiter = new TenantLimiter({ defaults: UNLIMITED, registry, file: undefined });
  const base = processCostPolicy(1000, true);
  assert.equal(limiter.costPolicy(base, "a"), base, "no series limit: the process's policy");
  const limited = new TenantLimiter({ defaults: { ...UNLIMITED, maxFetchedSeriesPerQuery: 5 }, registry: new Registry() });
  const policy = limited.costPolicy(base, "a");
  assert.deepEqual(policy.limits, { samples: { max: 1000, name: "--query.max-samples" }, series: { max: 5, name: "max_fetched_series_per_query" } });
  const err = policy.refusal({ limit: "series", message: "query would fetch too many series: estimated 9 series", detail: "estimated 9 series" });
  assert.equal(err.message, 'series limit (max_fetched_series_per_query=5) exceeded for tenant "a": estimated 9 series');
  assert.equal(policy.refusal({ limit: "samples", message: "m", detail: "d" }).message, "m", "the process's samples limit keeps Prometheus's words");
});
