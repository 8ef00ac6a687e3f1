// Equality with Prometheus 2.42's own rule evaluation: the bench:compare dataset (scaled down)
// remote-written into a real Prometheus that evaluates a rules file (rate, sum by,
// histogram_quantile over classic buckets, an alert with `for`); orrery's RuleGroup then
// evaluates the same file over the same data at the timestamps Prometheus evaluated at. The
// recorded series, ALERTS and ALERTS_FOR_STATE must be equal sample for sample.
//
// Known 2.42 difference kept out by construction: 2.42 closes range and lookback windows on the
// left. The dataset's samples sit 1–40 ms after whole seconds and all ranges are whole seconds,
// so the group is named to put its evaluation times elsewhere in the second (checked below).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDatasetText } from "../bench/dataset/index.js";
import { hasPrometheus, NO_PROMETHEUS, startPrometheus, valuesEqual, type RunningServer } from "../conformance/index.js";
import { Engine } from "../engine/index.js";
import { isStaleNaN, labelsKey, STALE_NAN, type Labels } from "../storeapi/index.js";
import { encodeRemoteWriteBody, Head, parseExpositionLine, type WriteTimeSeries } from "../stores/index.js";
import { engineQuerier, groupOffsetMs, parseRuleFile, remoteWriteAppender, RuleGroup, type GroupDeps } from "./index.js";

const INTERVAL_MS = 250;
const EVALUATIONS = 8;
const dir = mkdtempSync(join(tmpdir(), "orrery-ruler-eq-"));
const rulesFile = join(dir, "rules.yml");
let prometheus: RunningServer | undefined;

after(async () => {
  await prometheus?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A group name whose evaluation times land at least 41 ms into each quarter second: never on a sample's window edge. */
function groupName(): string {
  for (let i = 0; ; i++) {
    const off = Math.floor(groupOffsetMs(`demo-${i}`, rulesFile, INTERVAL_MS));
    if (off > 45 && off < 245) return `demo-${i}`;
  }
}

function rulesYaml(name: string): string {
  return `groups:
- name: ${name}
  interval: ${INTERVAL_MS}ms
  rules:
  - record: instance_mode:demo_cpu_usage_seconds:rate1m
    expr: rate(demo_cpu_usage_seconds_total[1m])
  - record: instance:demo_cpu_usage_seconds:sum_rate1m
    expr: sum by (instance) (instance_mode:demo_cpu_usage_seconds:rate1m)
  - record: path:demo_api_request_duration_seconds:p90_1m
    expr: histogram_quantile(0.9, sum by (path, le) (rate(demo_api_request_duration_seconds_bucket[1m])))
  - record: status:demo_api_requests:rate2m
    expr: sum by (job, status) (rate(demo_api_request_duration_seconds_count[2m]))
  - alert: DemoCPUBusy
    expr: instance:demo_cpu_usage_seconds:sum_rate1m > 0
    for: 1s
    labels:
      severity: warning
    annotations:
      summary: '{{ $labels.instance }} busy at {{ $value | humanize }}'
  - alert: DemoSlowPath
    expr: path:demo_api_request_duration_seconds:p90_1m > 0.05
  - record: ruler_eval_marker
    expr: vector(1)
`;
}

/** The dataset's series (labels, times, values), parsed from its OpenMetrics text. */
function datasetSeries(text: string): { labels: Labels; t: number[]; v: number[] }[] {
  const byKey = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
  text.split("\n").forEach((line, i) => {
    const l = parseExpositionLine(line, i + 1, "openmetrics");
    if (l.kind === "error") throw new Error(`dataset line ${l.line}: ${l.message}`);
    if (l.kind !== "sample" || l.timestamp === undefined) return;
    const key = labelsKey(l.labels);
    let s = byKey.get(key);
    if (s === undefined) byKey.set(key, (s = { labels: l.labels, t: [], v: [] }));
    s.t.push(l.timestamp);
    s.v.push(l.value);
  });
  return [...byKey.values()];
}

async function remoteWrite(url: string, series: readonly { labels: Labels; t: number[]; v: number[] }[]): Promise<void> {
  for (let i = 0; i < series.length; i += 200) {
    const timeseries: WriteTimeSeries[] = series.slice(i, i + 200).map((s) => ({ labels: s.labels, samples: s.t.map((t, k) => ({ timestamp: t, value: s.v[k]! })) }));
    const res = await fetch(`${url}/api/v1/write`, {
      method: "POST",
      headers: { "Content-Encoding": "snappy", "Content-Type": "application/x-protobuf", "X-Prometheus-Remote-Write-Version": "0.1.0" },
      body: encodeRemoteWriteBody({ timeseries }),
    });
    assert.equal(res.status, 204, `remote_write into Prometheus: ${res.status} ${await res.text()}`);
  }
}

type Samples = Map<string, { labels: Labels; points: [number, number][] }>;

async function prometheusOutput(url: string): Promise<Samples> {
  const query = `{__name__=~".+:.+|ALERTS|ALERTS_FOR_STATE|ruler_eval_marker"}[1h]`;
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const json = (await res.json()) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  const out: Samples = new Map();
  for (const s of json.data.result) {
    const labels = Object.entries(s.metric)
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    out.set(labelsKey(labels), { labels, points: s.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]) });
  }
  return out;
}

before(async () => {
  if (!hasPrometheus()) return;
  writeFileSync(rulesFile, "groups: []\n");
  prometheus = await startPrometheus({
    dataDir: join(dir, "prometheus"),
    config: `global:\n  evaluation_interval: 1s\nrule_files:\n- ${rulesFile}\nscrape_configs: []\n`,
    extraArgs: ["--web.enable-remote-write-receiver", "--web.enable-lifecycle"],
  });
});

test("recorded series and ALERTS equal Prometheus 2.42's evaluation of the same rules over the same data", { skip: !hasPrometheus() && NO_PROMETHEUS, timeout: 60_000 }, async () => {
  const url = prometheus!.url;
  // Data up to 20 s ahead, so every evaluation in the test sees fresh samples.
  const series = datasetSeries(generateDatasetText({ endMs: Date.now() + 20_000, hours: 0.05, benchSeries: 0 }));
  await remoteWrite(url, series);
  const yaml = rulesYaml(groupName());
  writeFileSync(rulesFile, yaml);
  const reload = await fetch(`${url}/-/reload`, { method: "POST" });
  assert.equal(reload.status, 200, await reload.text());

  let want: Samples = new Map();
  let marks: number[] = [];
  for (const deadline = Date.now() + 30_000; marks.length < EVALUATIONS && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    want = await prometheusOutput(url);
    marks = want.get(labelsKey([{ name: "__name__", value: "ruler_eval_marker" }]))?.points.map((p) => p[0]) ?? [];
  }
  assert.ok(marks.length >= EVALUATIONS, `Prometheus evaluated ${marks.length} times`);
  // The marker is the group's last rule: every rule's samples at a marked time are in.
  const last = marks[marks.length - 1]!;
  for (const t of marks) assert.ok(t % 1000 > 40, `evaluation at ${t} could sit on a sample's window edge`);

  // The head, as `orrery start` and `orrery rule` read and write it.
  const store = new Head({ windowMs: 3_600_000 });
  await store.appendBatch(series);
  const got: Samples = new Map();
  const deps: GroupDeps = {
    querier: engineQuerier(new Engine(), () => store),
    append: async (samples) => {
      const res = await store.appendBatch(samples.map((s) => ({ labels: s.labels, t: [s.t], v: Float64Array.of(s.v) })));
      assert.deepEqual(res.rejected, []);
      for (const s of samples) {
        if (isStaleNaN(s.v)) continue; // Prometheus's query API does not show stale markers.
        const key = labelsKey(s.labels);
        let e = got.get(key);
        if (e === undefined) got.set(key, (e = { labels: s.labels, points: [] }));
        e.points.push([s.t, s.v]);
      }
    },
    notify: () => undefined,
    externalLabels: [],
    externalURL: "http://orrery",
    defaultIntervalMs: 1000,
    defaultQueryOffsetMs: 0,
    resendDelayMs: 60_000,
    outageToleranceMs: 3_600_000,
    forGracePeriodMs: 600_000,
    now: Date.now,
  };
  const { groups, errors } = parseRuleFile(yaml, rulesFile);
  assert.deepEqual(errors, []);
  const group = new RuleGroup(groups[0]!, deps, false);
  for (const t of marks) await group.evaluate(t);
  for (const r of group.rules) assert.equal(r.health, "ok", `${r.config.name}: ${r.lastError}`);

  const inRange = (points: [number, number][]): [number, number][] => points.filter(([t]) => t >= marks[0]! && t <= last);
  const differ: string[] = [];
  for (const [key, w] of want) {
    const g = got.get(key);
    const wp = inRange(w.points);
    const gp = g === undefined ? [] : inRange(g.points);
    const same = wp.length === gp.length && wp.every(([t, v], i) => gp[i]![0] === t && valuesEqual(v, gp[i]![1]));
    if (!same) differ.push(`${key}\n  prometheus ${JSON.stringify(wp)}\n  orrery     ${JSON.stringify(gp)}`);
  }
  for (const key of got.keys()) if (!want.has(key) && inRange(got.get(key)!.points).length > 0) differ.push(`${key}: only orrery has it`);
  assert.deepEqual(differ.slice(0, 5), [], `${differ.length} of ${want.size} series differ`);
  // The comparison covered what it claims: every recording rule, and both alert states.
  const names = new Set([...want.values()].map((s) => s.labels.find((l) => l.name === "__name__")!.value));
  for (const n of ["instance_mode:demo_cpu_usage_seconds:rate1m", "path:demo_api_request_duration_seconds:p90_1m", "status:demo_api_requests:rate2m", "ALERTS", "ALERTS_FOR_STATE"]) assert.ok(names.has(n), `no ${n} from Prometheus`);
  const states = new Set([...want.values()].flatMap((s) => s.labels.filter((l) => l.name === "alertstate").map((l) => l.value)));
  assert.deepEqual([...states].sort(), ["firing", "pending"]);
});

test("stateless mode: remoteWriteAppender's samples (and stale markers) land in Prometheus 2.42's remote_write receiver", { skip: !hasPrometheus() && NO_PROMETHEUS }, async () => {
  const url = prometheus!.url;
  const append = remoteWriteAppender(`${url}/api/v1/write`);
  const t = Date.now() - 5_000;
  const series = (instance: string): Labels => [{ name: "__name__", value: "job:stateless:sum" }, { name: "instance", value: instance }, { name: "job", value: "rw" }];
  await append([{ labels: series("a"), t, v: 1.5 }, { labels: series("b"), t, v: 2 }, { labels: series("a"), t: t + 1000, v: 3 }]);
  await append([{ labels: series("b"), t: t + 1000, v: STALE_NAN }]);
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent("job:stateless:sum[1m]")}&time=${(t + 2000) / 1000}`);
  const json = (await res.json()) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  assert.deepEqual(
    json.data.result.map((s) => [s.metric["instance"], s.values]),
    [["a", [[t / 1000, "1.5"], [(t + 1000) / 1000, "3"]]], ["b", [[t / 1000, "2"]]]],
  );
  // The stale marker ended b: an instant query right after finds only a.
  const now = await fetch(`${url}/api/v1/query?query=job:stateless:sum&time=${(t + 2000) / 1000}`);
  const inst = (await now.json()) as { data: { result: { metric: Record<string, string> }[] } };
  assert.deepEqual(inst.data.result.map((s) => s.metric["instance"]), ["a"]);
  // A refused request (Prometheus: 400 for an out-of-order sample) is an error naming the URL, not retried into silence.
  await assert.rejects(append([{ labels: series("a"), t: t - 60_000, v: 1 }]), /remote_write refused: .*\/api\/v1\/write: HTTP 400/);
});
