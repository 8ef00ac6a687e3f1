// End to end against real Prometheus 2.42: it scrapes itself every second and
// remote_writes into orrery; then the same instant and range queries against
// both must return the same series and values, and promtool must work against orrery.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, hasPrometheus, NO_PROMETHEUS, PROMTOOL_BIN, startPrometheus } from "../conformance/index.js";
import { startOrreryApi } from "./testkit.js";

/** Seconds of 1 s scrapes the comparison needs: [20s] windows that start 23 s after the first scrape, plus slack. */
const SCRAPE_SECONDS = 34;


const QUERIES = [
  "up",
  "prometheus_http_requests_total",
  'prometheus_http_requests_total{handler=~"/metrics|/api/v1/query.*"}',
  "rate(prometheus_http_requests_total[20s])",
  "sum by (job) (rate(prometheus_tsdb_head_samples_appended_total[20s]))",
  "sum(up)",
  'count by (__name__) ({__name__=~"prometheus_tsdb_head_.*"})',
  "prometheus_tsdb_head_series * 2 + 1",
  "process_resident_memory_bytes / on(instance, job) process_virtual_memory_bytes",
  "max_over_time(scrape_duration_seconds[20s])",
  "go_goroutines > bool 5",
  "topk(3, prometheus_http_requests_total)",
  "histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[20s])))",
  "avg(irate(process_cpu_seconds_total[10s]))",
  "increase(prometheus_tsdb_head_samples_appended_total[20s])",
  "absent(nonexistent_metric)",
  "timestamp(up) - time()",
  "count_over_time(up[1m])",
  "min_over_time(timestamp(up)[1m:1s])",
];

interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** Runs promtool without blocking the event loop (the orrery under test lives in this process). */
function promtool(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL_BIN, args, { encoding: "utf8", timeout: 20_000 }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : null;
      resolve({ status, stdout, stderr });
    });
  });
}

async function getJson(url: string): Promise<{ status: string; data: { resultType: string; result: unknown }; error?: string }> {
  const res = await fetch(url);
  return (await res.json()) as { status: string; data: { resultType: string; result: unknown }; error?: string };
}

function key(metric: Record<string, string>): string {
  return JSON.stringify(Object.entries(metric).sort());
}

function close(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
}

/** Compares two results: same series (by labels), same timestamps, values within float tolerance. */
function compare(query: string, want: { resultType: string; result: unknown }, got: { resultType: string; result: unknown }): string[] {
  const problems: string[] = [];
  if (want.resultType !== got.resultType) return [`${query}: resultType ${got.resultType}, want ${want.resultType}`];
  if (want.resultType === "scalar") {
    const [tw, vw] = want.result as [number, string];
    const [tg, vg] = got.result as [number, string];
    if (tw !== tg || !close(vw, vg)) problems.push(`${query}: scalar [${tg}, ${vg}], want [${tw}, ${vw}]`);
    return problems;
  }
  const wantSeries = new Map((want.result as PromSeries[]).map((s) => [key(s.metric), s]));
  const gotSeries = new Map((got.result as PromSeries[]).map((s) => [key(s.metric), s]));
  for (const k of wantSeries.keys()) if (!gotSeries.has(k)) problems.push(`${query}: missing series ${k}`);
  for (const k of gotSeries.keys()) if (!wantSeries.has(k)) problems.push(`${query}: extra series ${k}`);
  for (const [k, w] of wantSeries) {
    const g = gotSeries.get(k);
    if (g === undefined) continue;
    const wp = w.values ?? [w.value!];
    const gp = g.values ?? [g.value!];
    if (wp.length !== gp.length) {
      problems.push(`${query} ${k}: ${gp.length} points, want ${wp.length}`);
      continue;
    }
    for (let i = 0; i < wp.length; i++) {
      if (wp[i][0] !== gp[i][0] || !close(wp[i][1], gp[i][1])) {
        problems.push(`${query} ${k}: point ${i} is [${gp[i][0]}, ${gp[i][1]}], want [${wp[i][0]}, ${wp[i][1]}]`);
        break;
      }
    }
  }
  return problems;
}

test("orrery answers like Prometheus 2.42 on data Prometheus remote_writes into it", { timeout: 120_000 }, async (t) => {
  if (!hasPrometheus()) return t.skip(NO_PROMETHEUS);
  const dir = mkdtempSync(join(tmpdir(), "orrery-e2e-"));
  const api = await startOrreryApi(join(dir, "orrery"));
  const orrery = api.url;
  const promPort = await freePort();
  const prom = `http://127.0.0.1:${promPort}`;
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "  evaluation_interval: 1s",
    "scrape_configs:",
    "  - job_name: prometheus",
    "    static_configs:",
    `      - targets: ["127.0.0.1:${promPort}"]`,
    "remote_write:",
    `  - url: ${orrery}/api/v1/write`,
    "    queue_config:",
    "      batch_send_deadline: 500ms",
    "      max_samples_per_send: 5000",
    "      min_backoff: 100ms",
    "    metadata_config:",
    "      send: false",
    "",
  ].join("\n");
  const server = await startPrometheus({ dataDir: join(dir, "prometheus"), config, port: promPort });
  try {
    for (const deadline = Date.now() + 90_000; ; ) {
      const now = Math.floor(Date.now() / 1000);
      const counted = (await getJson(`${prom}/api/v1/query?query=count_over_time(up[5m])&time=${now}`)).data.result as PromSeries[];
      if (Number(counted[0]?.value?.[1] ?? 0) >= SCRAPE_SECONDS) break;
      assert.ok(Date.now() < deadline, `Prometheus scraped ${counted[0]?.value?.[1] ?? 0} times in 90 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // A whole second well behind now, so every sample up to it has been delivered.
    const end = Math.floor(Date.now() / 1000) - 4;
    // Every extrapolating window ([20s] at most) starts after the series do: where a
    // window holds a series' first sample, Prometheus 3 (orrery's reference)
    // extrapolates rate() differently from 2.42.
    const scraped = (await getJson(`${prom}/api/v1/query?query=count_over_time(up[5m])&time=${end}`)).data.result as PromSeries[];
    const firstScrape = end - Number(scraped[0]?.value?.[1] ?? 0);
    const start = Math.max(end - 20, firstScrape + 23);
    assert.ok(start <= end - 4, `Prometheus scraped for ${end - firstScrape}s only`);
    // Under load remote_write can lag more than those seconds: compare once orrery holds, for every
    // series Prometheus has, a sample as late as Prometheus's newest before end.
    const fresh = `/api/v1/query?query=${encodeURIComponent('{job="prometheus"}[1500ms]')}&time=${end}`;
    const wantFresh = ((await getJson(prom + fresh)).data.result as PromSeries[]).length;
    assert.ok(wantFresh > 0, `Prometheus holds no sample in the 1.5 s before ${end}`);
    for (const deadline = Date.now() + 30_000; ; ) {
      const gotFresh = ((await getJson(orrery + fresh)).data.result as PromSeries[]).length;
      if (gotFresh === wantFresh) break;
      assert.ok(Date.now() < deadline, `remote_write delivered ${gotFresh} of ${wantFresh} series up to ${end} in 30 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const problems: string[] = [];
    for (const q of QUERIES) {
      const instant = `/api/v1/query?query=${encodeURIComponent(q)}&time=${end}`;
      const range = `/api/v1/query_range?query=${encodeURIComponent(q)}&start=${start}&end=${end}&step=2`;
      for (const path of [instant, range]) {
        const want = await getJson(prom + path);
        const got = await getJson(orrery + path);
        assert.equal(want.status, "success", `prometheus: ${q}: ${want.error}`);
        if (got.status !== "success") {
          problems.push(`${q}: orrery error ${got.error}`);
          continue;
        }
        problems.push(...compare(q, want.data, got.data));
      }
    }
    assert.deepEqual(problems, [], `differences from Prometheus:\n${problems.join("\n")}\n${server.logTail().slice(-2000)}`);
    const upSeries = (await getJson(`${orrery}/api/v1/query?query=up&time=${end}`)).data.result as PromSeries[];
    assert.equal(upSeries.length, 1);

    const instant = await promtool(["query", "instant", "--time", String(end), orrery, "up"]);
    assert.equal(instant.status, 0, instant.stderr);
    assert.match(instant.stdout, /^up\{instance="127\.0\.0\.1:\d+", job="prometheus"\} => 1 @\[\d+(\.\d+)?\]/);
    const range = await promtool(["query", "range", "--start", String(start), "--end", String(end), "--step", "10s", orrery, "up"]);
    assert.equal(range.status, 0, range.stderr);
    assert.match(range.stdout, /up\{instance="127\.0\.0\.1:\d+", job="prometheus"\} =>\n1 @\[\d+\]/);
    const series = await promtool(["query", "series", "--match", "up", orrery]);
    assert.equal(series.status, 0, series.stderr);
    assert.match(series.stdout, /__name__="up"/);
    const labels = await promtool(["query", "labels", orrery, "job"]);
    assert.equal(labels.status, 0, labels.stderr);
    assert.match(labels.stdout, /prometheus/);
  } finally {
    await server.stop();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

interface Answer {
  status: number;
  allow: string | null;
  body: string;
}

async function ask(base: string, method: string, path: string, init: { body?: FormData | string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(base + path, { method, ...init });
  return { status: res.status, allow: res.headers.get("allow"), body: await res.text() };
}

/** What must agree: the status, Allow, and for JSON errors the error type and message. */
function comparable(a: Answer): unknown {
  if (!a.body.startsWith("{")) return { status: a.status, allow: a.allow };
  const json = JSON.parse(a.body) as { status: string; errorType?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  if (json.status === "error") return { status: a.status, errorType: json.errorType, error: json.error };
  // Successful answers: the data without evaluation timestamps (both ask "now" a few ms apart).
  return { status: a.status, data: JSON.stringify(json.data).replace(/\[\d+(\.\d+)?,/g, "[T,") };
}

function multipartForm(fields: [string, string][]): FormData {
  const form = new FormData();
  for (const [k, v] of fields) form.append(k, v);
  return form;
}

test("orrery answers methods, long URLs, multipart forms and bad queries as Prometheus 2.42 does", { timeout: 120_000 }, async (t) => {
  if (!hasPrometheus()) return t.skip(NO_PROMETHEUS);
  const dir = mkdtempSync(join(tmpdir(), "orrery-e2e-http-"));
  const api = await startOrreryApi(join(dir, "orrery"));
  const server = await startPrometheus({ dataDir: join(dir, "prometheus") });
  try {
    const alternation = Array.from({ length: 14_000 }, (_, i) => `v${i}`).join("|");
    const bad = [
      "foo{",
      'foo{a="1"',
      '"é" + foo{',
      '"éé" + foo[5m] + bar{',
      "é",
      "foo !x",
      "foo{a!x}",
      "foo)",
      "foo]",
      'foo{a="1"}}',
      "sum(",
      "rate(foo[5m]",
      "1 +",
      "foo ==",
      "",
      'label_replace(vector(1), "a", "b", "c", "(")',
      "rate(foo)",
    ];
    // A thousand levels, as Prometheus's parser accepts; and an error at the bottom of them.
    const deep = [
      "(".repeat(1000) + "vector(1)" + ")".repeat(1000),
      "abs(".repeat(1000) + "vector(-2)" + ")".repeat(1000),
      "sum by (a) (".repeat(1000) + "vector(3)" + ")".repeat(1000),
      "-(".repeat(1000) + "4" + ")".repeat(1000),
      "(".repeat(1000) + "1 +" + ")".repeat(1000),
    ];
    const requests: [string, string, { body?: FormData | string; headers?: Record<string, string> }?][] = [
      ["PUT", "/api/v1/query?query=1"],
      ["DELETE", "/api/v1/labels"],
      ["PATCH", "/api/v1/label/job/values"],
      ["HEAD", "/api/v1/query?query=1"],
      ["OPTIONS", "/api/v1/query"],
      ["OPTIONS", "/api/v1/nonexistent"],
      ["GET", "/api/v1/nonexistent"],
      ["GET", "/api/v1/write"],
      ["PUT", "/-/healthy"],
      ["GET", `/api/v1/query?time=100&query=${encodeURIComponent(`count(up{job=~"${alternation}"})`)}`],
      ["POST", "/api/v1/query", { body: multipartForm([["query", "1+1"], ["time", "100"]]) }],
      ["POST", "/api/v1/query?query=3&time=100", { body: multipartForm([["query", "1"]]) }],
      ["POST", "/api/v1/query", { body: multipartForm([["query", 'foo{a="1"']]) }],
      ["POST", "/api/v1/format_query", { body: multipartForm([["query", 'foo{b="1",a="2"}']]) }],
      ["POST", "/api/v1/series", { body: multipartForm([["match[]", "up"]]) }],
      ["GET", `/api/v1/format_query?query=${encodeURIComponent('sum by (b, a) (foo{z="1",a!="2"}) + {__name__="x",b="1",a="2"}')}`],
      ["GET", "/api/v1/query_range?query=foo%5B5m%5D&start=1&end=2&step=1"],
      ["GET", "/api/v1/series?match[]=foo%7B"],
      ["GET", "/api/v1/labels?match[]=foo%7B"],
      ["GET", "/api/v1/label/job/values?match[]=foo%7B"],
      ["GET", "/api/v1/query_exemplars?query=foo%7B&start=1&end=2"],
      ...bad.map((q): [string, string] => ["GET", `/api/v1/query?time=100&query=${encodeURIComponent(q)}`]),
      ...deep.map((q): [string, string] => ["GET", `/api/v1/query?time=100&query=${encodeURIComponent(q)}`]),
      ...bad.map((q): [string, string, { body: FormData | string; headers: Record<string, string> }] => [
        "POST",
        "/api/v1/query_range",
        { body: new URLSearchParams({ query: q, start: "0", end: "100", step: "10" }).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } },
      ]),
    ];
    assert.ok(requests[9]![1].length > 100_000, "the long URL is over 100 KB");
    const problems: string[] = [];
    for (const [method, path, init] of requests) {
      const want = comparable(await ask(server.url, method, path, init));
      const got = comparable(await ask(api.url, method, path, init));
      try {
        assert.deepEqual(got, want);
      } catch {
        problems.push(`${method} ${path.slice(0, 120)}: orrery ${JSON.stringify(got)}, Prometheus ${JSON.stringify(want)}`);
      }
    }
    assert.deepEqual(problems, [], `differences from Prometheus:\n${problems.join("\n")}`);
  } finally {
    await server.stop();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
