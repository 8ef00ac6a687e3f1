import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, walk } from "../../promql/index.js";
import { repoRoot } from "../../testing/index.js";
import { extrapolatedCounterRate, extrapolatingCalls, withoutSeries } from "./known-zero-point.js";
import { createBlocks, freePort, PROMETHEUS_BIN, PROMTOOL_BIN, startPrometheus, stopProcess, waitReady, type RunningServer } from "./prometheus.js";
import type { CompareCase } from "./queries.js";
import { compareCase } from "./run.js";

// A counter that starts inside the window: samples 10 s apart from 10 to 40, the first 21 s after
// the window's start (a 1m window ending 10 s after the last sample). Its zero point lies 10 s
// before the first sample: past half an interval (5 s), short of 1.1 intervals (11 s).
const T = [1_000_001, 1_010_001, 1_020_001, 1_030_001];
const V = [10, 20, 30, 40];
const END = 1_040_001;
const START = END - 60_000;

test("the model: 2.42 extrapolates to the zero point (50), 2.52 by half an interval (45); elsewhere they agree", () => {
  assert.equal(extrapolatedCounterRate(T, V, START, END, false, "2.42"), 50);
  assert.equal(extrapolatedCounterRate(T, V, START, END, false, "2.52"), 45);
  assert.equal(extrapolatedCounterRate(T, V, START, END, true, "2.52"), 45 / 60);
  // A zero point within half an interval: both stop there.
  const near = [20, 30, 40, 50].map((v) => v - 18);
  assert.equal(extrapolatedCounterRate(T, near, START, END, false, "2.42"), extrapolatedCounterRate(T, near, START, END, false, "2.52"));
  // First sample close to the window's start: no difference.
  assert.equal(extrapolatedCounterRate(T, V, 999_000, 1_059_000, false, "2.42"), extrapolatedCounterRate(T, V, 999_000, 1_059_000, false, "2.52"));
  assert.equal(extrapolatedCounterRate([1], [1], 0, 10, false, "2.42"), undefined);
});

test("the isolating forms: rate/increase over range selectors outside subqueries; the affected series left out exactly", () => {
  const q = 'sum by (job) (rate(x{job="a"}[5m] offset 1m)) / increase(y[1m]) + avg_over_time(rate(z[1m])[5m:1m]) + delta(w[1m])';
  const calls = extrapolatingCalls(q)!;
  assert.deepEqual(calls.map((c) => c.text), ['rate(x{job="a"}[5m] offset 1m)', "increase(y[1m])"]);
  assert.deepEqual([calls[0]!.rangeMs, calls[0]!.offsetMs, calls[0]!.isRate], [300_000, 60_000, true]);
  const out = withoutSeries(q, [
    { call: calls[0]!, metric: { __name__: "x", job: "a", i: "1" } },
    { call: calls[0]!, metric: { __name__: "x", job: "a", i: "2" } },
    { call: calls[1]!, metric: { __name__: "y" } },
  ]);
  assert.equal(
    out,
    'sum by (job) ((rate(x{job="a"}[5m] offset 1m) unless (last_over_time({__name__="x",i="1",job="a"}[5m] offset 1m) or ' +
      'last_over_time({__name__="x",i="2",job="a"}[5m] offset 1m)))) / (increase(y[1m]) unless (last_over_time({__name__="y"}[1m]))) + ' +
      "avg_over_time(rate(z[1m])[5m:1m]) + delta(w[1m])",
  );
  assert.equal(extrapolatingCalls("rate("), undefined);
});

test("thousands of affected series are left out in a query that nests log2(n) deep, which a parser accepts", () => {
  const q = "sum by (code) (rate(x[5m]))";
  const call = extrapolatingCalls(q)![0]!;
  const out = withoutSeries(q, Array.from({ length: 5000 }, (_, i) => ({ call, metric: { __name__: "x", instance: `i${i}` } })));
  let terms = 0;
  walk(parse(out), (n) => {
    if (n.type === "Call" && n.func === "last_over_time") terms++;
  });
  assert.equal(terms, 5000);
});

type Form = Record<string, string>;

/** A stand-in Prometheus API: raw samples of c[1m], and increase(c[1m]) as `order` computes it (or `value` overrides it). */
async function counterApi(t: TestContext, order: "2.42" | "2.52", override?: number): Promise<string> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(body)) as Form;
      const at = Math.round(Number(form.time ?? form.end) * 1000);
      const metric = { i: "a" };
      const value = (end: number): number | undefined => {
        const open = T.map((x, k) => [x, V[k]!] as const).filter(([x]) => x > end - 60_000 && x <= end);
        return override ?? extrapolatedCounterRate(open.map(([x]) => x), open.map(([, v]) => v), end - 60_000, end, false, order);
      };
      let out: unknown;
      if (form.query === "c[1m]") {
        out = { resultType: "matrix", result: [{ metric: { __name__: "c", ...metric }, values: T.filter((x) => x > at - 60_000 && x <= at).map((x) => [x / 1000, String(V[T.indexOf(x)])]) }] };
      } else if (form.query === "increase(c[1m])") {
        const v = value(at);
        const point = [at / 1000, String(v)];
        if (req.url?.endsWith("query_range")) out = { resultType: "matrix", result: v === undefined ? [] : [{ metric, values: [point] }] };
        else out = { resultType: "vector", result: v === undefined ? [] : [{ metric, value: point }] };
      } else if (form.query?.includes("unless")) {
        out = { resultType: "vector", result: [] };
      } else {
        res.writeHead(400).end(JSON.stringify({ status: "error", errorType: "bad_data", error: `unexpected ${form.query}` }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "success", data: out }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const kase = (query: string): CompareCase => ({ query, shouldFail: false, skipComparison: false, template: query });

test("a first-sample difference proved on both sides is a known difference; a target off from the 2.52 value is still a failure", async (t) => {
  const reference = { url: await counterApi(t, "2.42") };
  const known = await compareCase(kase("increase(c[1m])"), { reference, target: { url: await counterApi(t, "2.52") }, range: { startMs: END, endMs: END, stepMs: 10_000 } });
  assert.deepEqual(known.modes.map((m) => m.status), ["known-2.42", "known-2.42"], JSON.stringify(known.modes));
  assert.match(known.modes[1]!.reason!, /prometheus#13725.*is 50 on the reference \(zero point first\) and 45 on the target; both agree when asked \(increase\(c\[1m\]\) unless/);
  const wrong = await compareCase(kase("increase(c[1m])"), { reference, target: { url: await counterApi(t, "2.52", 46) }, range: { startMs: END, endMs: END, stepMs: 10_000 } });
  assert.equal(wrong.status, "failed");
  assert.match(wrong.modes[1]!.reason!, /not explained by 2\.42's closed windows.*the first-sample extrapolation order: .*(changes no input series|is 46, not the 2\.52 value 45)/);
});

test("against a real Prometheus 2.42: rate/increase near a series' first sample is a known difference with orrery, never a pass", { timeout: 120_000 }, async (t) => {
  if (!existsSync(PROMETHEUS_BIN) || !existsSync(PROMTOOL_BIN)) return t.skip(`did not run: ${PROMETHEUS_BIN} or ${PROMTOOL_BIN} is not installed`);
  const dir = await mkdtemp(join(tmpdir(), "orrery-zero-point-"));
  let prometheus: RunningServer | undefined;
  let orrery: ReturnType<typeof spawn> | undefined;
  t.after(async () => {
    await prometheus?.stop();
    if (orrery !== undefined) await stopProcess(orrery);
    await rm(dir, { recursive: true, force: true });
  });
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
  const lines = ["# TYPE c counter"];
  for (let k = 0; k < 4; k++) lines.push(`c_total{i="a"} ${10 * (k + 1)} ${(base + 1000 + 10_000 * k) / 1000}`);
  for (let k = -60; k <= 30; k++) lines.push(`c_total{i="b"} ${1000 + 5 * (k + 60)} ${(base + 1000 + 10_000 * k) / 1000}`);
  const file = join(dir, "data.om");
  await writeFile(file, [...lines, "# EOF", ""].join("\n"));

  await createBlocks(file, join(dir, "prometheus"));
  prometheus = await startPrometheus({ dataDir: join(dir, "prometheus") });
  const main = join(repoRoot(), "dist", "cli", "main.js");
  const imported = spawnSync(process.execPath, [main, "tsdb", "import", "openmetrics", file, "--storage.tsdb.path", join(dir, "orrery")], { encoding: "utf8" });
  assert.equal(imported.status, 0, imported.stderr);
  const port = await freePort();
  orrery = spawn(process.execPath, [main, "start", "--storage.tsdb.path", join(dir, "orrery"), `--web.listen-address=127.0.0.1:${port}`, "--no-self-scrape"], { stdio: "ignore" });
  await waitReady(`http://127.0.0.1:${port}/-/ready`, orrery, 30_000, () => "");

  const range = { startMs: base - 30_000, endMs: base + 40_000, stepMs: 10_000 };
  const opts = { reference: { url: prometheus.url }, target: { url: `http://127.0.0.1:${port}` }, range };
  for (const query of ["increase(c_total[1m])", "rate(c_total[1m])", "sum(rate(c_total[1m]))"]) {
    const r = await compareCase(kase(query), opts);
    assert.equal(r.status, "known-2.42", `${query}: ${JSON.stringify(r.modes)}`);
    for (const m of r.modes) assert.match(m.reason ?? "", /prometheus#13725/, query);
  }
  const steady = await compareCase(kase('increase(c_total{i="b"}[1m])'), opts);
  assert.equal(steady.status, "passed", "a long-running counter agrees");
});
