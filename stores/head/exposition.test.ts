import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Labels } from "../../storeapi/index.js";
import { parseExpositionLine, type ExpositionFormat } from "./exposition.js";
import { Head } from "./head.js";
import { importExpositionFile } from "./import.js";

type Expect = { labels: Record<string, string>; value: number; timestamp?: number } | { error: RegExp; column: number } | { kind: string };

const cases: [string, ExpositionFormat, Expect][] = [
  ['up{job="a",instance="x:1"} 1 1700000000000', "prometheus", { labels: { __name__: "up", instance: "x:1", job: "a" }, value: 1, timestamp: 1700000000000 }],
  ["up 1", "prometheus", { labels: { __name__: "up" }, value: 1 }],
  ["up  \t 2.5e3   -5", "prometheus", { labels: { __name__: "up" }, value: 2500, timestamp: -5 }],
  ['up{job="a",} +Inf 1', "prometheus", { labels: { __name__: "up", job: "a" }, value: Infinity, timestamp: 1 }],
  ["up -Inf", "prometheus", { labels: { __name__: "up" }, value: -Infinity }],
  ['x{a="q\\"uote\\\\back\\nline"} 1 2', "prometheus", { labels: { __name__: "x", a: 'q"uote\\back\nline' }, value: 1, timestamp: 2 }],
  ['x{a=""} 1 2', "prometheus", { labels: { __name__: "x" }, value: 1, timestamp: 2 }],
  ['{"my.metric", "a.b"="v"} 4 1', "prometheus", { labels: { __name__: "my.metric", "a.b": "v" }, value: 4, timestamp: 1 }],
  ["http_total 3 1700000000.5", "openmetrics", { labels: { __name__: "http_total" }, value: 3, timestamp: 1700000000500 }],
  ["http_total 3 1700000000", "openmetrics", { labels: { __name__: "http_total" }, value: 3, timestamp: 1700000000000 }],
  // 1700000000.0009 s × 1000 is 1700000000000.9 ms: truncated as Prometheus does, not rounded.
  ["http_total 3 1700000000.0009", "openmetrics", { labels: { __name__: "http_total" }, value: 3, timestamp: 1700000000000 }],
  ["http_total 3 -1.5009", "openmetrics", { labels: { __name__: "http_total" }, value: 3, timestamp: -1500 }],
  ['foo_bucket{le="0.1"} 8 1.5 # {trace_id="abc"} 0.05 1.4', "openmetrics", { labels: { __name__: "foo_bucket", le: "0.1" }, value: 8, timestamp: 1500 }],
  ["nan_metric NaN 1", "prometheus", { labels: { __name__: "nan_metric" }, value: NaN, timestamp: 1 }],
  ["# TYPE up gauge", "prometheus", { kind: "type" }],
  ["# HELP up Whether it is up.", "prometheus", { kind: "help" }],
  ["# EOF", "openmetrics", { kind: "eof" }],
  ["# just a comment", "prometheus", { kind: "comment" }],
  ["   ", "prometheus", { kind: "blank" }],
  ['up{job="a" 1', "prometheus", { error: /expected "," or "}"/, column: 12 }],
  ["up", "prometheus", { error: /expected a space and a value/, column: 3 }],
  ["up abc", "prometheus", { error: /invalid value "abc"/, column: 4 }],
  ["up 1 1.5", "prometheus", { error: /invalid timestamp "1.5"/, column: 6 }],
  ["up 1 2 3", "prometheus", { error: /unexpected "3"/, column: 8 }],
  ['up{job="a} 1', "prometheus", { error: /unterminated/, column: 8 }],
  ['up{job="a",job="b"} 1', "prometheus", { error: /duplicate label name "job"/, column: 1 }],
  ['up{1x="a"} 1', "prometheus", { error: /expected a label name/, column: 4 }],
  ['up{a="\\t"} 1', "prometheus", { error: /invalid escape/, column: 7 }],
  ["9up 1", "prometheus", { error: /expected a metric name/, column: 1 }],
  ["up 1 1s", "openmetrics", { error: /invalid timestamp/, column: 6 }],
];

test("parseExpositionLine: samples, comments and errors with their column", () => {
  for (const [line, format, want] of cases) {
    const got = parseExpositionLine(line, 7, format);
    if ("error" in want) {
      assert.equal(got.kind, "error", line);
      if (got.kind !== "error") continue;
      assert.match(got.message, want.error, line);
      assert.equal(got.line, 7, line);
      assert.equal(got.column, want.column, `${line}: ${got.message}`);
    } else if ("kind" in want) {
      assert.equal(got.kind, want.kind, line);
    } else {
      assert.equal(got.kind, "sample", `${line}: ${JSON.stringify(got)}`);
      if (got.kind !== "sample") continue;
      assert.deepEqual(Object.fromEntries(got.labels.map((l) => [l.name, l.value])), want.labels, line);
      assert.deepEqual(got.labels.map((l) => l.name), [...got.labels.map((l) => l.name)].sort(), `${line}: labels sorted`);
      assert.ok(Object.is(got.value, want.value), line);
      assert.equal(got.timestamp, want.timestamp, line);
    }
  }
});

test("parseExpositionLine with a series cache: every case parses as without it, twice over, and a series is parsed once", () => {
  const extra: [string, ExpositionFormat][] = [
    ['up {job="a"} 1 2', "prometheus"],
    ['up{job="a}b"} 1 2', "prometheus"],
    ['up{job="a\\"} 3', "prometheus"],
    ["up\t1", "prometheus"],
  ];
  const cache = new Map<string, Labels>();
  for (const [line, format] of [...cases.map(([l, f]) => [l, f] as [string, ExpositionFormat]), ...extra]) {
    const plain = parseExpositionLine(line, 7, format);
    for (let i = 0; i < 2; i++) assert.deepEqual(parseExpositionLine(line, 7, format, cache), plain, `${line} (pass ${i + 1})`);
  }
  const a = parseExpositionLine('x{a="1"} 1 5', 1, "prometheus", cache);
  const b = parseExpositionLine('x{a="1"} 2 6', 2, "prometheus", cache);
  assert.ok(a.kind === "sample" && b.kind === "sample" && a.labels === b.labels, "the second line reuses the first one's labels");
  const bad = parseExpositionLine('x{a="1"} zz', 3, "prometheus", cache);
  assert.ok(bad.kind === "error" && bad.column === 10, "a bad value after a cached series names its column");
});

test("importExpositionFile: checks first (a bad line imports nothing), then imports in time order per series", async () => {
  const dir = await mkdtemp(join(tmpdir(), "orrery-import-"));
  try {
    const good = join(dir, "good.txt");
    await writeFile(
      good,
      [
        "# TYPE req counter",
        'req_total{code="200"} 5 1700000010',
        'req_total{code="200"} 3 1700000000',
        'req_total{code="500"} 1 1700000000.25',
        "# EOF",
        "",
      ].join("\n"),
    );
    const head = new Head({ minValidTime: -Infinity });
    const report = await importExpositionFile(head, good, { batchSamples: 1 });
    assert.equal(report.format, "openmetrics");
    assert.deepEqual([report.samples, report.series, report.accepted, report.errors.length], [3, 2, 3, 0]);
    assert.equal(report.minTime, 1700000000000);
    assert.equal(head.numSeries(), 2);

    const bad = join(dir, "bad.txt");
    await writeFile(bad, 'ok 1 1700000000000\nbroken{ 1 1700000000000\nno_ts 1\nok 2 1700000001000\n');
    const head2 = new Head({ minValidTime: -Infinity });
    const r2 = await importExpositionFile(head2, bad, { format: "prometheus" });
    assert.deepEqual(r2.errors.map((e) => e.line), [2, 3]);
    assert.match(r2.errors[1]!.message, /no timestamp/);
    assert.equal(head2.numSeries(), 0, "nothing imported from a file with errors");

    const afterEof = join(dir, "eof.txt");
    await writeFile(afterEof, "ok 1 1700000000\n# EOF\nok 2 1700000001\n");
    const r3 = await importExpositionFile(new Head({ minValidTime: -Infinity }), afterEof);
    assert.match(r3.errors[0]!.message, /after "# EOF"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Imports `text` into a fresh head; the report and how many series the head got. */
async function importText(text: string, format?: ExpositionFormat): Promise<{ errors: string[]; lines: number[]; series: number }> {
  const dir = await mkdtemp(join(tmpdir(), "orrery-import-"));
  try {
    const file = join(dir, "in.txt");
    await writeFile(file, text);
    const head = new Head({ minValidTime: -Infinity });
    const report = await importExpositionFile(head, file, { format });
    return { errors: report.errors.map((e) => e.message), lines: report.errors.map((e) => e.line), series: head.numSeries() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("import refuses an OpenMetrics file without its closing # EOF, as promtool does; nothing is imported", async () => {
  const r = await importText("a 1 1700000000\na 2 1700000015\n");
  assert.deepEqual(r.lines, [3]);
  assert.match(r.errors[0]!, /does not end with "# EOF"/);
  assert.equal(r.series, 0);
  assert.deepEqual((await importText("a 1 1700000000\na 2 1700000015\n# EOF\n")).errors, []);
  assert.deepEqual((await importText("a 1 1700000000000\n", "prometheus")).errors, [], "Prometheus text needs no # EOF");
});

test("import refuses millisecond timestamps read as OpenMetrics seconds (year 55000+), naming the first such line", async () => {
  const r = await importText("# TYPE a gauge\na 1 1700000000000\na 2 1700000015000\n# EOF\n");
  assert.deepEqual(r.lines, [2]);
  assert.match(r.errors[0]!, /read as OpenMetrics seconds is \+?0?5\d{4}-.*outside the plausible .*prometheus format \(the first of 2 such samples\)/);
  assert.equal(r.series, 0);
});

test("import refuses second timestamps read as Prometheus milliseconds (1970), naming the first such line", async () => {
  const r = await importText("a 1 1700000000000\na 1 1700000000\nb 2 1700000015\n", "prometheus");
  assert.deepEqual(r.lines, [2]);
  assert.match(r.errors[0]!, /read as Prometheus milliseconds is 1970-01-20T.*openmetrics format \(the first of 2 such samples\)/);
  assert.equal(r.series, 0);
});
