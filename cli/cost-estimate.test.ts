// The cost estimate's round trips on a real `orrery query` over a gRPC StoreAPI (a store without an
// estimate of its own): a query with no series limit makes one Series call; a tenant with
// max_fetched_series_per_query makes one more, with skip_chunks, and a tenant over it is refused
// before any chunk is fetched; with --no-query.cost-estimate no estimate is made and the limit is
// enforced as series stream in.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../conformance/index.js";
import { labelsFromRecord, MemoryStore, serveStoreApi, type StoreApiServer, type Store } from "../storeapi/index.js";
import { parseFlags, queryCommandConfig } from "./query.js";
import { logged, orrery } from "./testkit.js";

const T = Date.now() - 60_000;
const dir = mkdtempSync(join(tmpdir(), "orrery-cost-estimate-"));
const calls = { skipChunks: 0, chunks: 0 };
let server: StoreApiServer | undefined;
const children: ChildProcess[] = [];
let estimating = "";
let notEstimating = "";

/** Five series behind a store that counts its Series calls by kind. */
function countingStore(): Store {
  const mem = new MemoryStore();
  for (let i = 0; i < 5; i++) mem.add(labelsFromRecord({ __name__: "cost_metric", i: String(i) }), [T], [i]);
  return {
    info: () => mem.info(),
    series: (request, signal) => {
      if (request.skipChunks === true) calls.skipChunks++;
      else calls.chunks++;
      return mem.series(request, signal);
    },
    labelNames: (request, signal) => mem.labelNames(request, signal),
    labelValues: (request, signal) => mem.labelValues(request, signal),
  };
}

async function startQuery(extra: string[]): Promise<string> {
  const child = orrery(["query", "--web.listen-address=127.0.0.1:0", `--endpoint=${server!.address}`, `--limits.config-file=${join(dir, "limits.yml")}`, ...extra]);
  children.push(child);
  return logged(child, /listening on (http:\/\/[^\s"]+)/, "query");
}

async function query(url: string, tenant: string): Promise<{ status: number; body: { errorType?: string; error?: string; data?: { result: unknown[] } } }> {
  const res = await fetch(`${url}/api/v1/query?query=cost_metric&time=${T / 1000}`, { headers: { "THANOS-TENANT": tenant } });
  return { status: res.status, body: (await res.json()) as never };
}

/** The Series calls `run` makes, by kind. */
async function counted(run: () => Promise<void>): Promise<{ skipChunks: number; chunks: number }> {
  const before = { ...calls };
  await run();
  return { skipChunks: calls.skipChunks - before.skipChunks, chunks: calls.chunks - before.chunks };
}

/** Waits until the querier has found the endpoint and answers with its five series. */
async function ready(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await query(url, "free")).body.data?.result.length === 5) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} never answered with the endpoint's series`);
}

before(async () => {
  writeFileSync(join(dir, "limits.yml"), ["overrides:", "  limited:", "    max_fetched_series_per_query: 100", "  tiny:", "    max_fetched_series_per_query: 2", ""].join("\n"));
  server = await serveStoreApi(countingStore(), { address: "127.0.0.1:0" });
  [estimating, notEstimating] = await Promise.all([startQuery([]), startQuery(["--no-query.cost-estimate"])]);
  await Promise.all([ready(estimating), ready(notEstimating)]);
});

after(async () => {
  await Promise.all(children.map((c) => stopProcess(c)));
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("no series limit (only --query.max-samples): one Series call per query, no skip_chunks estimate", { timeout: 30_000 }, async () => {
  assert.deepEqual(await counted(async () => assert.equal((await query(estimating, "free")).status, 200)), { skipChunks: 0, chunks: 1 });
});

test("a tenant's series limit: one skip_chunks estimate, then the fetch; over the limit, refused before any chunk", { timeout: 30_000 }, async () => {
  assert.deepEqual(await counted(async () => assert.equal((await query(estimating, "limited")).status, 200)), { skipChunks: 1, chunks: 1 });
  let refused: Awaited<ReturnType<typeof query>> | undefined;
  assert.deepEqual(await counted(async () => void (refused = await query(estimating, "tiny"))), { skipChunks: 1, chunks: 0 });
  assert.equal(refused!.status, 422);
  assert.equal(refused!.body.errorType, "execution");
  assert.match(refused!.body.error!, /^series limit \(max_fetched_series_per_query=2\) exceeded for tenant "tiny": estimated 5 series before any chunk was read \(limit 2, max_fetched_series_per_query\); selectors matching the most series: cost_metric \(5 series/);
  const metrics = await (await fetch(`${estimating}/metrics`)).text();
  assert.match(metrics, /orrery_limits_rejected_total\{limit="max_fetched_series_per_query",tenant="tiny"\} 1\n/);
});

test("--no-query.cost-estimate: no estimate for any tenant; the series limit still holds as series stream in", { timeout: 30_000 }, async () => {
  assert.equal(queryCommandConfig(parseFlags(["--endpoint=a:1"])).costEstimate, true);
  assert.equal(queryCommandConfig(parseFlags(["--endpoint=a:1", "--query.cost-estimate=false"])).costEstimate, false);
  assert.deepEqual(await counted(async () => assert.equal((await query(notEstimating, "limited")).status, 200)), { skipChunks: 0, chunks: 1 });
  let refused: Awaited<ReturnType<typeof query>> | undefined;
  assert.deepEqual(await counted(async () => void (refused = await query(notEstimating, "tiny"))), { skipChunks: 0, chunks: 1 });
  assert.equal(refused!.status, 422);
  assert.match(refused!.body.error!, /^series limit \(max_fetched_series_per_query=2\) exceeded for tenant "tiny": the query fetches more than 2 series/);
});
