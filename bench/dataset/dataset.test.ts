import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { benchLayout, exactTimestamp, generateDatasetText, Prng } from "./index.js";

const SMALL = { endMs: Date.UTC(2026, 0, 1), hours: 0.25, benchSeries: 300, seed: 7 };

function sha(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

test("same options, same bytes; another seed, other bytes", () => {
  const a = generateDatasetText(SMALL);
  const b = generateDatasetText(SMALL);
  assert.equal(sha(a), sha(b));
  assert.notEqual(sha(generateDatasetText({ ...SMALL, seed: 8 })), sha(a));
});

test("the PRNG is seeded and stays in [0, 1)", () => {
  const a = new Prng(42);
  const b = new Prng(42);
  for (let i = 0; i < 1000; i++) {
    const x = a.next();
    assert.equal(x, b.next());
    assert.ok(x >= 0 && x < 1);
  }
});

test("timestamps read back to the same ms whether truncated (as Prometheus and orrery read them) or rounded", () => {
  for (let ms = 1_767_225_600_000; ms < 1_767_225_600_000 + 5000; ms++) {
    const ts = exactTimestamp(ms);
    assert.ok(ts.ms >= ms && ts.ms < ms + 10);
    assert.equal(Math.trunc(Number(ts.text) * 1000), ts.ms);
    assert.equal(Math.round(Number(ts.text) * 1000), ts.ms);
  }
});

test("OpenMetrics shape: families typed, every series in time order, # EOF last", () => {
  const text = generateDatasetText(SMALL);
  assert.ok(text.endsWith("# EOF\n"));
  const lines = text.trimEnd().split("\n");
  const lastTs = new Map<string, number>();
  const typed = new Set<string>();
  const families = new Set<string>();
  for (const line of lines.slice(0, -1)) {
    const type = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
    if (type !== null) {
      assert.ok(!typed.has(type[1]), `${type[1]} typed once`);
      typed.add(type[1]);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\}) (\S+) (\d+(?:\.\d{1,3})?)$/.exec(line);
    assert.ok(m !== null, `sample line: ${line}`);
    const ts = Math.round(Number(m[4]) * 1000);
    const key = m[1] + m[2];
    assert.ok((lastTs.get(key) ?? -Infinity) < ts, `${key} in time order`);
    lastTs.set(key, ts);
    families.add(m[1]);
    assert.ok(ts <= SMALL.endMs && ts > SMALL.endMs - SMALL.hours * 3_600_000);
  }
  for (const f of [
    "demo_cpu_usage_seconds_total",
    "demo_memory_usage_bytes",
    "demo_api_request_duration_seconds_bucket",
    "demo_api_request_duration_seconds_sum",
    "demo_api_request_duration_seconds_count",
    "demo_num_cpus",
    "demo_disk_usage_bytes",
    "demo_intermittent_metric",
    "demo_batch_last_success_timestamp_seconds",
    "bench_http_requests_total",
    "bench_memory_usage_bytes",
    "bench_request_duration_seconds_bucket",
  ]) {
    assert.ok(families.has(f), `has ${f}`);
  }
  const bench = [...lastTs.keys()].filter((k) => k.startsWith("bench_")).length;
  assert.equal(bench, 300, "the benchmark set has the series asked for");
  const layout = benchLayout(300);
  assert.equal(layout.counters + layout.gauges + layout.histograms * 14, 300);
});

test("demo_intermittent_metric is present only in even minutes", () => {
  const text = generateDatasetText({ ...SMALL, benchSeries: 0 });
  const times = [...text.matchAll(/^demo_intermittent_metric\{[^}]*\} 1 (\S+)$/gm)].map((m) => Number(m[1]) * 1000);
  assert.ok(times.length > 0);
  assert.ok(times.every((t) => Math.floor(t / 60_000) % 2 === 0));
});
