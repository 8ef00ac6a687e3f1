// PrometheusStore against a real Prometheus 2.42 serving promtool-made blocks, both response types.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBlocks, startPrometheus, PROMETHEUS_BIN, PROMTOOL_BIN, type RunningServer } from "../../conformance/index.js";
import { labelsFromRecord, mergeSeriesChunks, formatLabels, type Labels, type Matcher, type Series } from "../../storeapi/index.js";
import { PrometheusStore } from "./index.js";

const START = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 8 * 3_600_000;
const STEP = 15_000;
const POINTS = 700; // almost 3h: several chunks per series and more than one block
const EXTERNAL = { region: "eu-1", replica: "a" };

interface Written {
  labels: Record<string, string>;
  t: number[];
  v: number[];
}

function dataset(): Written[] {
  const out: Written[] = [];
  for (const job of ["api", "db"]) {
    for (let i = 0; i < 3; i++) {
      const t: number[] = [];
      const v: number[] = [];
      for (let k = 0; k < POINTS; k++) {
        if (i === 2 && k % 7 === 3) continue; // gaps
        t.push(START + k * STEP);
        v.push(i === 0 ? k * 3 : i === 1 ? Math.sin(k / 10) * 1e3 + 0.125 : (k % 5) - 2.5);
      }
      out.push({ labels: { __name__: "requests_total", job, instance: `host-${i}:80` }, t, v });
    }
  }
  out.push({ labels: { __name__: "temperature", job: "api", instance: "host-0:80" }, t: [START, START + 60_000], v: [21.5, -3e-7] });
  return out;
}

function openMetrics(data: Written[]): string {
  const lines: string[] = [];
  for (const name of [...new Set(data.map((d) => d.labels.__name__!))]) {
    lines.push(`# TYPE ${name} gauge`);
    for (const d of data.filter((x) => x.labels.__name__ === name)) {
      const sel = Object.entries(d.labels)
        .filter(([k]) => k !== "__name__")
        .map(([k, val]) => `${k}="${val}"`)
        .join(",");
      for (let i = 0; i < d.t.length; i++) lines.push(`${name}{${sel}} ${d.v[i]} ${d.t[i]! / 1000}`);
    }
  }
  lines.push("# EOF", "");
  return lines.join("\n");
}

const m = (name: string, op: Matcher["op"], value: string): Matcher => ({ name, op, value });

async function collect(store: PrometheusStore, matchers: Matcher[], minTime = START - 1, maxTime = START + POINTS * STEP): Promise<{ series: Series[]; warnings: string[] }> {
  const series: Series[] = [];
  const warnings: string[] = [];
  for await (const f of store.series({ minTime, maxTime, matchers })) {
    series.push(...f.series);
    warnings.push(...f.warnings);
  }
  return { series, warnings };
}

/** What the store must return for `want`: labels with the external ones, every sample. */
function expected(want: Written[]): { labels: Labels; t: number[]; v: number[] }[] {
  return want
    .map((w) => ({ labels: labelsFromRecord({ ...w.labels, ...EXTERNAL }), t: w.t, v: w.v }))
    .sort((a, b) => (formatLabels(a.labels) < formatLabels(b.labels) ? -1 : 1));
}

function samples(series: Series[]): { labels: Labels; t: number[]; v: number[] }[] {
  return series.map((s) => {
    const d = mergeSeriesChunks(s, -Infinity, Infinity);
    return { labels: s.labels, t: Array.from(d.ts.subarray(0, d.length)), v: Array.from(d.vs.subarray(0, d.length)) };
  });
}

test("PrometheusStore reads Prometheus 2.42's blocks through remote_read, streamed and sampled", { timeout: 180_000 }, async (t) => {
  if (!existsSync(PROMETHEUS_BIN) || !existsSync(PROMTOOL_BIN)) return t.skip("did not run: /usr/bin/prometheus and /usr/bin/promtool are not installed");
  const dir = mkdtempSync(join(tmpdir(), "orrery-promrr-"));
  const data = dataset();
  writeFileSync(join(dir, "data.om"), openMetrics(data));
  await createBlocks(join(dir, "data.om"), join(dir, "prometheus"));
  let prom: RunningServer | undefined;
  try {
    prom = await startPrometheus({
      dataDir: join(dir, "prometheus"),
      config: `global:\n  scrape_interval: 1m\n  external_labels:\n    region: eu-1\n    replica: "a"\nscrape_configs: []\n`,
    });
    const contentTypes: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith("/api/v1/read")) contentTypes.push(res.headers.get("content-type") ?? "");
      return res;
    };
    const streamed = new PrometheusStore({ url: prom.url, timeoutMs: 30_000, fetch: recording, frameSize: 2 });
    const sampled = new PrometheusStore({ url: prom.url + "/", timeoutMs: 30_000, fetch: recording, responseTypes: ["samples"] });

    const info = await streamed.info();
    assert.deepEqual(info.labelSets, [labelsFromRecord(EXTERNAL)]);

    const want = expected(data.filter((d) => d.labels.__name__ === "requests_total"));
    for (const [name, store, type] of [
      ["streamed", streamed, "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse"],
      ["sampled", sampled, "application/x-protobuf"],
    ] as const) {
      contentTypes.length = 0;
      const got = await collect(store, [m("__name__", "=", "requests_total")]);
      assert.deepEqual(contentTypes, [type], name);
      assert.deepEqual(got.warnings, [], name);
      assert.deepEqual(samples(got.series), want, `${name}: every sample as written`);
      for (const s of got.series) assert.ok(s.chunks.length >= 5, `${name}: ${formatLabels(s.labels)} has ${s.chunks.length} chunks`);

      // Matchers on external labels are settled by the store; regexes on them too.
      assert.equal((await collect(store, [m("__name__", "=", "requests_total"), m("region", "=~", "eu-.*")])).series.length, 6, name);
      assert.equal((await collect(store, [m("__name__", "=", "requests_total"), m("region", "=", "us-1")])).series.length, 0, name);
      assert.equal((await collect(store, [m("region", "=", "eu-1"), m("job", "=", "db")])).series.length, 3, name);
      // Only external-label matchers: every series.
      assert.equal((await collect(store, [m("replica", "=", "a")])).series.length, 7, name);
      // A time range inside the data: chunks overlapping it, samples within it after trimming.
      const mid = await collect(store, [m("__name__", "=", "temperature")], START + 30_000, START + 90_000);
      const merged = mergeSeriesChunks(mid.series[0]!, START + 30_000, START + 90_000);
      assert.deepEqual(Array.from(merged.vs.subarray(0, merged.length)), [-3e-7], name);
    }
    // Prometheus writes the exact chunk bytes; the SAMPLES path re-encodes into identical samples.
    const names = await streamed.labelNames({ minTime: START, maxTime: START + POINTS * STEP, matchers: [] });
    assert.deepEqual(names.values, ["__name__", "instance", "job", "region", "replica"]);
    const jobs = await streamed.labelValues({ minTime: START, maxTime: START + POINTS * STEP, matchers: [m("__name__", "=", "temperature")], label: "job" });
    assert.deepEqual(jobs.values, ["api"]);
    const region = await streamed.labelValues({ minTime: START, maxTime: START + POINTS * STEP, matchers: [], label: "region" });
    assert.deepEqual(region.values, ["eu-1"]);
    const none = await streamed.labelValues({ minTime: START, maxTime: START + POINTS * STEP, matchers: [m("region", "!=", "eu-1")], label: "job" });
    assert.deepEqual(none.values, []);
  } finally {
    await prom?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
