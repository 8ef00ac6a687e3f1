// The runner against a scripted fake engine and a recording store: what is
// loaded, which queries are run, and how outcomes are judged.
import assert from "node:assert/strict";
import { test } from "node:test";
import { QueryError, type Query, type QueryEngine, type QueryResult, type Value } from "../../engine/index.js";
import { isStaleNaN, type Labels, type NativeHistogram, type SeriesFrame, type StoreInfo, type StringsResponse } from "../../storeapi/index.js";
import { runScript, type LoadableStore } from "./runner.js";
import { parseScript } from "./script.js";

class RecordingStore implements LoadableStore {
  readonly appended: { labels: string; t: number; v: number; st?: number }[] = [];
  readonly histograms: { labels: string; t: number; h: NativeHistogram }[] = [];
  clears = 0;
  appendSample(labels: Labels, t: number, v: number, st = 0): void {
    const labelText = labels.map((l) => `${l.name}=${l.value}`).join(",");
    this.appended.push(st === 0 ? { labels: labelText, t, v } : { labels: labelText, t, v, st });
  }
  appendHistogram(labels: Labels, t: number, h: NativeHistogram): void {
    this.histograms.push({ labels: labels.map((l) => `${l.name}=${l.value}`).join(","), t, h });
  }
  clear(): void {
    this.clears++;
  }
  async info(): Promise<StoreInfo> {
    return { labelSets: [], minTime: 0, maxTime: 0, resolutions: [0], supportsAggregationPushdown: false };
  }
  async *series(): AsyncIterable<SeriesFrame> {}
  async labelNames(): Promise<StringsResponse> {
    return { values: [], warnings: [] };
  }
  async labelValues(): Promise<StringsResponse> {
    return { values: [], warnings: [] };
  }
}

type Call = { kind: "instant"; query: string; t: number } | { kind: "range"; query: string; start: number; end: number; step: number };

/** An engine whose answer for each call comes from `answer`; it records every call. */
class FakeEngine implements QueryEngine {
  readonly calls: Call[] = [];
  constructor(private readonly answer: (c: Call) => Partial<QueryResult> & { value: Value }) {}
  private query(c: Call): Query {
    this.calls.push(c);
    return {
      query: c.query,
      exec: async () => ({ warnings: [], infos: [], stats: { totalSamples: 0, peakSamples: 0, evalTimeMs: 0 }, ...this.answer(c) }),
      cancel: () => {},
    };
  }
  instantQuery(_s: unknown, query: string, t: number): Query {
    return this.query({ kind: "instant", query, t });
  }
  rangeQuery(_s: unknown, query: string, start: number, end: number, step: number): Query {
    return this.query({ kind: "range", query, start, end, step });
  }
}

const X = [{ name: "__name__", value: "x" }];

/** x = 5 everywhere: a vector for instant calls, a matrix for range calls. */
function constantX(c: Call): { value: Value } {
  if (c.kind === "instant") return { value: { type: "vector", samples: [{ labels: X, t: c.t, v: 5 }] } };
  const ts: number[] = [];
  for (let t = c.start; t <= c.end; t += c.step) ts.push(t);
  return { value: { type: "matrix", series: [{ labels: X, t: Float64Array.from(ts), v: Float64Array.from(ts.map(() => 5)) }] } };
}

async function run(text: string, engine: QueryEngine, store = new RecordingStore()) {
  return runScript(parseScript(text, "t.test"), () => engine, { storeFactory: () => store });
}

test("load appends floats at i*interval, skips _, writes stale markers; clear clears", async () => {
  const store = new RecordingStore();
  await run("load 1m\n  m{a=\"b\"} 1 _ stale 3\n\nclear\n", new FakeEngine(constantX), store);
  assert.deepEqual(
    store.appended.map((s) => [s.labels, s.t, isStaleNaN(s.v) ? "stale" : s.v]),
    [
      ["__name__=m,a=b", 0, 1],
      ["__name__=m,a=b", 120_000, "stale"],
      ["__name__=m,a=b", 180_000, 3],
    ],
  );
  assert.equal(store.clears, 1);
});

test("an instant eval also runs @-pinned variants and the range-mode check", async () => {
  const engine = new FakeEngine(constantX);
  const [r] = await run("eval instant at 1m x\n  x 5\n", engine);
  assert.equal(r.status, "passed", r.message);
  const instants = engine.calls.filter((c) => c.kind === "instant");
  const ranges = engine.calls.filter((c) => c.kind === "range");
  assert.deepEqual(
    instants.map((c) => [c.query, c.kind === "instant" ? c.t : 0]),
    [
      ["x", 60_000],
      ["x @ 60.000", -600_000],
      ["x @ 60.000", 0],
      ["x @ 60.000", 12_000],
      ["x @ 60.000", 60_000],
      ["x @ 60.000", 600_000],
    ],
  );
  assert.equal(ranges.length, 6);
  assert.deepEqual(ranges[0], { kind: "range", query: "x", start: 0, end: 120_000, step: 60_000 });
});

test("a wrong answer in the range-mode check fails the eval", async () => {
  const engine = new FakeEngine((c) => (c.kind === "range" ? { value: { type: "matrix", series: [] } } : constantX(c)));
  const [r] = await run("eval instant at 1m x\n  x 5\n", engine);
  assert.equal(r.status, "failed");
  assert.match(r.message ?? "", /in range mode: expected series x\{\} not found/);
});

test("a failure in an @ variant says which variant", async () => {
  const engine = new FakeEngine((c) => (c.kind === "instant" && c.t < 0 ? { value: { type: "vector", samples: [] } } : constantX(c)));
  const [r] = await run("eval instant at 1m x\n  x 5\n", engine);
  assert.equal(r.status, "failed");
  assert.match(r.message ?? "", /@-pinned variant "x @ 60.000" at t=-600s/);
  assert.equal(r.expected, "x{} 5");
  assert.equal(r.got, "empty vector");
});

test("range evals compare each point", async () => {
  const good = await run("eval range from 0 to 2m step 1m x\n  x 5 5 5\n", new FakeEngine(constantX));
  assert.equal(good[0].status, "passed", good[0].message);
  const bad = await run("eval range from 0 to 2m step 1m x\n  x 5 6 5\n", new FakeEngine(constantX));
  assert.match(bad[0].message ?? "", /point 1 \(t=60000\) of x\{\} to be 6, but got 5/);
});

test("expected errors: a query error matches, a crash never does", async () => {
  const fails = (err: unknown) =>
    new FakeEngine(() => {
      throw err;
    });
  const ok = await run("eval instant at 0 x\n  expect fail msg: boom\n", fails(new QueryError("execution", "boom")));
  assert.equal(ok[0].status, "passed", ok[0].message);
  const wrong = await run("eval instant at 0 x\n  expect fail msg: boom\n", fails(new QueryError("execution", "bang")));
  assert.match(wrong[0].message ?? "", /expected error matching message "boom" but got "bang"/);
  const crash = await run("eval instant at 0 x\n  expect fail\n", fails(new TypeError("undefined is not a function")));
  assert.match(crash[0].message ?? "", /engine error: undefined is not a function/);
  const unexpected = await run("eval range from 0 to 1m step 1m x\n  x 1 1\n", fails(new QueryError("bad_data", "nope")));
  assert.match(unexpected[0].message ?? "", /unexpected error: nope/);
  const succeeded = await run("eval instant at 0 x\n  expect fail\n", new FakeEngine(constantX));
  assert.match(succeeded[0].message ?? "", /expected an error but the query succeeded/);
});

test("native histograms and start timestamps are loaded and judged like floats: a wrong answer on them fails", async () => {
  const script = [
    "load 1m",
    "  h {{schema:0 sum:1 count:1}}x2",
    "  x 1 2 3",
    "  c@st -1mx1",
    "  c 1 2",
    "",
    "load_with_nhcb 1m",
    '  lat_bucket{le="1"} 1 2',
    '  lat_bucket{le="+Inf"} 2 3',
    "",
    "eval instant at 1m sum(h)",
    "  {} 1",
    "",
    'eval instant at 1m {__name__=~"h|x"}',
    "  x 5",
    "",
    "eval instant at 1m x",
    "  x {{schema:0 sum:1 count:1}}",
    "",
    "eval instant at 1m histogram_quantile(0.5, lat)",
    "  {} 1",
    "",
    "eval instant at 1m rate(c[5m])",
    "  {} 1",
    "",
    "eval range from 0 to 1m step 1m x",
    "  x 5 5",
    "",
    "clear",
    "",
    "eval instant at 1m sum(h)",
    "  x 5",
    "",
  ].join("\n");
  const store = new RecordingStore();
  const results = await run(script, new FakeEngine(constantX), store);
  assert.deepEqual(
    results.map((r) => [r.line, r.status]),
    [
      [11, "failed"],
      [14, "passed"],
      [17, "failed"],
      [20, "failed"],
      [23, "failed"],
      [26, "passed"],
      [31, "passed"],
    ],
  );
  assert.match(results[0].message ?? "", /unexpected series x/);
  assert.match(results[2].message ?? "", /expected histogram \{\{schema:0 sum:1 count:1\}\} for x\{\} but got float value 5/);
  // An @st offset is relative to its sample; a start timestamp of 0 is "none", as in Prometheus's runner.
  assert.deepEqual(
    store.appended.filter((s) => s.labels === "__name__=c"),
    [
      { labels: "__name__=c", t: 0, v: 1, st: -60_000 },
      { labels: "__name__=c", t: 60_000, v: 2 },
    ],
  );
  assert.deepEqual(
    store.histograms.map((s) => [s.labels, s.t, s.h.count, s.h.schema]),
    [
      ["__name__=h", 0, 1, 0],
      ["__name__=h", 60_000, 1, 0],
      ["__name__=h", 120_000, 1, 0],
      ["__name__=lat", 0, 2, -53],
      ["__name__=lat", 60_000, 3, -53],
    ],
  );
  assert.deepEqual(store.histograms[4]!.h.customValues, [1]);
  assert.deepEqual(store.histograms[4]!.h.positiveBuckets, [2, 1]);
});

test("a query the parser rejects fails the eval", async () => {
  const [r] = await run("eval instant at 0 sum(\n  {} 1\n", new FakeEngine(constantX));
  assert.equal(r.status, "failed");
  assert.match(r.message ?? "", /the parser rejects the query/);
});

test("onlyLines runs just those evals", async () => {
  const script = parseScript("eval instant at 0 x\n  x 5\n\neval instant at 0 x\n  x 6\n", "t.test");
  const results = await runScript(script, () => new FakeEngine(constantX), { storeFactory: () => new RecordingStore(), onlyLines: new Set([4]) });
  assert.deepEqual(results.map((r) => [r.line, r.status]), [[4, "failed"]]);
});

test("expect string and expect range vector skip the range-mode check; range vector evaluates at its end", async () => {
  const strings = new FakeEngine((c) => (c.kind === "instant" ? { value: { type: "string", t: c.t, v: "Foo" } } : constantX(c)));
  const [s] = await run('eval instant at 50m "Foo"\n  expect string "Foo"\n', strings);
  assert.equal(s.status, "passed", s.message);
  assert.equal(strings.calls.filter((c) => c.kind === "range").length, 0);

  const matrices = new FakeEngine(() => ({
    value: { type: "matrix", series: [{ labels: X, t: Float64Array.from([10_000, 20_000]), v: Float64Array.from([1, 2]) }] },
  }));
  const [m] = await run("eval instant at 5m x[20s]\n  expect range vector from 10s to 20s step 10s\n  x 1 2\n", matrices);
  assert.equal(m.status, "passed", m.message);
  assert.equal(matrices.calls.filter((c) => c.kind === "range").length, 0);
  assert.deepEqual(matrices.calls[0], { kind: "instant", query: "x[20s]", t: 20_000 });
});

test("an ordered instant eval still runs the range query but does not compare it", async () => {
  const engine = new FakeEngine((c) => (c.kind === "range" ? { value: { type: "matrix", series: [] } } : constantX(c)));
  const [r] = await run("eval instant at 1m sort(x)\n  expect ordered\n  x 5\n", engine);
  assert.equal(r.status, "passed", r.message);
  assert.ok(engine.calls.some((c) => c.kind === "range"));
});
