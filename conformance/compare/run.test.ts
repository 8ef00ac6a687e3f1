import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { compareCase, runComparison } from "./run.js";
import type { CompareCase } from "./queries.js";
import { formatTextReport, summaryLine } from "./report.js";
import { formatJsonReport } from "./report.js";
import { freePort } from "./prometheus.js";

type Form = Record<string, string>;
type Handler = (path: string, form: Form) => { status?: number; body: unknown };

/** A stand-in Prometheus API answering from a function of the request. */
async function fakeApi(t: TestContext, handler: Handler): Promise<string> {
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const form = Object.fromEntries(new URLSearchParams(body)) as Form;
      const out = handler(req.url ?? "", form);
      res.writeHead(out.status ?? 200, { "content-type": "application/json" });
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const ok = (resultType: string, result: unknown) => ({ body: { status: "success", data: { resultType, result } } });
const err = (errorType: string, error: string) => ({ status: 400, body: { status: "error", errorType, error } });

const RANGE = { startMs: 1_000_000, endMs: 1_030_000, stepMs: 10_000 };
const STEPS = [1000, 1010, 1020, 1030];
const X = { __name__: "x", job: "j" };
const OUT = { job: "j" };

const kase = (query: string, extra: Partial<CompareCase> = {}): CompareCase => ({ query, shouldFail: false, skipComparison: false, template: query, ...extra });

/** count_over_time over samples every 10 s: 2.42 counts the left edge's sample too. */
function countingApi(countPerWindow: number, edgeOffsetS: number, openWindowCount = 1): Handler {
  return (path, form) => {
    const count = form.query === "count_over_time(x[10s])" ? countPerWindow : form.query === "count_over_time(x[9999ms])" ? openWindowCount : undefined;
    if (count !== undefined) {
      if (path.endsWith("query_range")) return ok("matrix", [{ metric: OUT, values: STEPS.map((s) => [s, String(count)]) }]);
      return ok("vector", [{ metric: OUT, value: [Number(form.time), String(count)] }]);
    }
    if (form.query === "x[10s]") {
      const t = Number(form.time);
      return ok("matrix", [{ metric: X, values: [[t - 10 + edgeOffsetS, "1"], [t, "1"]] }]);
    }
    return err("bad_data", `unexpected query ${form.query}`);
  };
}

test("a difference explained by a sample on the window's left edge is a known 2.42 difference", async (t) => {
  const reference = { url: await fakeApi(t, countingApi(2, 0)) };
  const target = { url: await fakeApi(t, countingApi(1, 0)) };
  const r = await compareCase(kase("count_over_time(x[10s])"), { reference, target, range: RANGE });
  assert.equal(r.status, "known-2.42", JSON.stringify(r.modes));
  assert.deepEqual(r.modes.map((m) => m.status), ["known-2.42", "known-2.42"]);
  assert.match(r.modes[0].reason ?? "", /left edge.*agrees with the target when asked count_over_time\(x\[9999ms\]\)/);
  const text = formatTextReport([r], { reference, target, range: RANGE });
  assert.match(text, /KNOWN PROMETHEUS 2\.42 DIFFERENCES/);
  assert.equal(text.split("\n").at(-1), "0 passed, 0 failed, 1 skipped");
});

test("an edge sample does not excuse a target that disagrees with the reference's open-window answer", async (t) => {
  const reference = { url: await fakeApi(t, countingApi(2, 0, 1)) };
  const target = { url: await fakeApi(t, countingApi(3, 0)) };
  const r = await compareCase(kase("count_over_time(x[10s])"), { reference, target, range: RANGE });
  assert.equal(r.status, "failed");
  assert.match(r.modes[0].reason ?? "", /also from the reference asked with open windows \(count_over_time\(x\[9999ms\]\)\)/);
  assert.equal(r.modes[0].diff?.points[0].reference?.v, 1, "the diff shown is against the open-window answer");
});

test("without an edge sample the same difference is a failure", async (t) => {
  const reference = { url: await fakeApi(t, countingApi(2, 0.5)) };
  const target = { url: await fakeApi(t, countingApi(1, 0.5)) };
  const r = await compareCase(kase("count_over_time(x[10s])"), { reference, target, range: RANGE });
  assert.equal(r.status, "failed");
  assert.match(r.modes[0].reason ?? "", /not explained/);
  const off = await compareCase(kase("count_over_time(x[10s])"), { reference, target, range: RANGE, detectClosedWindows: false });
  assert.equal(off.modes[0].reason, "results differ");
});

test("should_fail: both must fail; errors and skip_comparison are judged", async (t) => {
  const failing = await fakeApi(t, () => err("bad_data", "parse error"));
  const answering = await fakeApi(t, (path, form) => (path.endsWith("query_range") ? ok("matrix", []) : ok("vector", form.query === "y" ? [{ metric: X, value: [1030, "1"] }] : [])));
  const both = { reference: { url: failing }, target: { url: failing }, range: RANGE };
  assert.equal((await compareCase(kase("bad(", { shouldFail: true }), both)).status, "passed");
  const onlyRef = { reference: { url: failing }, target: { url: answering }, range: RANGE };
  const r = await compareCase(kase("bad(", { shouldFail: true }), onlyRef);
  assert.equal(r.status, "failed");
  assert.match(r.modes[0].reason ?? "", /target succeeded/);
  const tgtFails = await compareCase(kase("x"), { reference: { url: answering }, target: { url: failing }, range: RANGE });
  assert.match(tgtFails.modes[0].reason ?? "", /target failed: bad_data: parse error/);
  const skipped = await compareCase(kase("y", { skipComparison: true }), { reference: { url: answering }, target: { url: await fakeApi(t, () => ok("vector", [])) }, range: RANGE });
  assert.equal(skipped.modes[1].status, "skipped");
  const diff = await compareCase(kase("y"), { reference: { url: answering }, target: { url: await fakeApi(t, (p) => (p.endsWith("query_range") ? ok("matrix", []) : ok("vector", []))) }, range: RANGE });
  assert.equal(diff.status, "failed");
  assert.deepEqual(diff.modes.map((m) => m.status), ["passed", "failed"]);
  assert.deepEqual(diff.modes[1].diff?.missingSeries, [X]);
});

test("an unreachable endpoint fails the case with a clear reason", async (t) => {
  const answering = await fakeApi(t, () => ok("vector", []));
  const closed = await freePort();
  const r = await compareCase(kase("x"), { reference: { url: answering }, target: { url: `http://127.0.0.1:${closed}` }, range: RANGE });
  assert.equal(r.status, "failed");
  assert.match(r.modes[0].reason ?? "", /target unreachable: .*ECONNREFUSED/);
});

test("runComparison keeps case order and the report ends with the summary line", async (t) => {
  const api = await fakeApi(t, (path, form) => (path.endsWith("query_range") ? ok("matrix", []) : ok("scalar", [Number(form.time), form.query])));
  const other = await fakeApi(t, (path, form) => (path.endsWith("query_range") ? ok("matrix", []) : ok("scalar", [Number(form.time), form.query === "2" ? "3" : form.query])));
  const cases = ["1", "2", "3", "4", "5"].map((q) => kase(q));
  const results = await runComparison(cases, { reference: { url: api }, target: { url: other }, range: RANGE, parallelism: 3 });
  assert.deepEqual(results.map((r) => r.case.query), ["1", "2", "3", "4", "5"]);
  assert.deepEqual(results.map((r) => r.status), ["passed", "failed", "passed", "passed", "passed"]);
  assert.equal(summaryLine(results), "4 passed, 1 failed, 0 skipped");
  const text = formatTextReport(results, { reference: { url: api }, target: { url: other }, range: RANGE });
  assert.match(text, /FAILED \(1\):\n- 2\n  instant: results differ\n    1 differing point\(s\) in 1 series; first: \{\} at .*: reference 2, target 3/);
  assert.match(text, /pass rate: 80\.00% \(4 of 5 compared cases\)/);
  assert.match(text, /literal\s+4\s+1\s+0\s+0\s+80%/);
  const json = JSON.parse(formatJsonReport(results, { reference: { url: api }, target: { url: other }, range: RANGE }));
  assert.deepEqual(json.totals, { passed: 4, failed: 1, skipped: 0, knownPrometheus242Differences: 0 });
  assert.equal(json.cases[1].modes[1].diff.firstDifferingPoint.reference.v, 2);
});
