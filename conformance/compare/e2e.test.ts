// End to end against two real Prometheus 2.42 servers loaded with the same blocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDatasetFile } from "../../bench/dataset/index.js";
import { runCompareCommand } from "./cli.js";
import { rangeQuery } from "./client.js";
import { createBlocks, PROMETHEUS_BIN, PROMTOOL_BIN, startPrometheus, type RunningServer } from "./prometheus.js";

const END_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

const QUERIES = `test_cases:
  - query: 'demo_memory_usage_bytes'
  - query: '{{.extrapolatedRateFunc}}(demo_cpu_usage_seconds_total[{{.range}}])'
    variant_args: ['extrapolatedRateFunc', 'range']
  - query: 'sum by(instance) (demo_memory_usage_bytes)'
  - query: 'histogram_quantile(0.9, rate(demo_api_request_duration_seconds_bucket[1m]))'
  - query: 'topk(3, demo_memory_usage_bytes)'
  - query: 'count_over_time(demo_intermittent_metric[1m])'
  - query: 'label_replace(demo_num_cpus, "job", "value-$1", "src", "(.*")'
    should_fail: true
  - query: 'avg_over_time(rate(demo_cpu_usage_seconds_total[1m])[2m:10s])'
`;

test("compare: two Prometheus 2.42 servers on the same blocks agree on every case", { timeout: 180_000 }, async (t) => {
  if (!existsSync(PROMETHEUS_BIN) || !existsSync(PROMTOOL_BIN)) return t.skip(`did not run: ${PROMETHEUS_BIN} or ${PROMTOOL_BIN} is not installed`);
  const dir = await mkdtemp(join(tmpdir(), "orrery-compare-e2e-"));
  const servers: RunningServer[] = [];
  try {
    const file = join(dir, "data.om");
    writeDatasetFile(file, { endMs: END_MS, hours: 0.5, benchSeries: 0 });
    await createBlocks(file, join(dir, "blocks"));
    for (const name of ["a", "b"]) {
      await cp(join(dir, "blocks"), join(dir, name), { recursive: true });
      servers.push(await startPrometheus({ dataDir: join(dir, name) }));
    }
    const range = { startMs: END_MS - 10 * 60_000, endMs: END_MS - 60_000, stepMs: 10_000 };
    const probe = await rangeQuery({ url: servers[0].url }, "demo_memory_usage_bytes", range);
    assert.ok(probe.ok && probe.result.resultType === "matrix" && probe.result.series.length === 12, "the blocks hold the demo data (3 instances × 4 types)");
    const queries = join(dir, "queries.yml");
    await writeFile(queries, QUERIES);
    const out: string[] = [];
    const code = await runCompareCommand(
      ["--reference", servers[0].url, "--target", servers[1].url, "--queries", queries, "--start", String(range.startMs / 1000), "--end", String(range.endMs / 1000), "--step", "10s"],
      { out: (s) => out.push(s), err: (s) => out.push(s) },
    );
    const text = out.join("\n");
    assert.equal(text.split("\n").at(-1), "25 passed, 0 failed, 0 skipped", text);
    assert.equal(code, 0, text);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  }
});
