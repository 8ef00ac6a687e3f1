// --query.parallelism end to end through `orrery start`: the first heavy range query starts the
// window workers and runs on the query's thread; once they are up, the same query (results cache
// off) runs partly on them (orrery_engine_window_worker_parts_total) and answers byte for byte the same.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopProcess } from "../conformance/index.js";
import { labelsFromRecord } from "../storeapi/index.js";
import { rng } from "../testing/index.js";
import { logged, orrery, remoteWrite } from "./testkit.js";

const M = 60_000;

async function workerParts(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^orrery_engine_window_worker_parts_total (\S+)$/m.exec(text);
  assert.ok(m !== null, "the parts counter is exported");
  return Number(m[1]);
}

test("orrery start --query.parallelism: a heavy range query is shared with a window worker and answers the same", { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-par-e2e-"));
  const server = orrery(["start", `--storage.tsdb.path=${join(dir, "data")}`, "--web.listen-address=127.0.0.1:0", "--no-self-scrape", "--no-query-frontend.enabled", "--query.parallelism=1", "--query.parallel-min-samples=0"]);
  t.after(async () => {
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
  });
  const url = await logged(server, /listening on (http:\/\/[^\s"]+)/, "orrery start");
  const r = rng(5);
  const end = Math.floor(Date.now() / M) * M - M;
  const start = end - 60 * M;
  const series = Array.from({ length: 20 }, (_, i) => {
    let v = 0;
    const samples = [];
    for (let ts = start; ts <= end; ts += 15_000) samples.push({ timestamp: ts, value: r() < 0.02 ? (v = 0) : (v += r() * 10) });
    return { labels: labelsFromRecord({ __name__: "http_requests_total", instance: `i-${i}` }), samples };
  });
  await remoteWrite(url, series);
  const q = `${url}/api/v1/query_range?query=${encodeURIComponent("rate(http_requests_total[5m])")}&start=${(start + 10 * M) / 1000}&end=${end / 1000}&step=15`;
  const first = await (await fetch(q)).text();
  assert.match(first, /"status":"success"/);
  assert.equal(await workerParts(url), 0, "the first query starts the workers and does not wait for them");
  // The worker loads the engine's modules; until then queries stay on their own thread.
  let again = first;
  for (let i = 0; i < 200 && (await workerParts(url)) === 0; i++) {
    again = await (await fetch(q)).text();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok((await workerParts(url)) > 0, "a query ran partly on the window worker");
  assert.equal(again, first);
});
