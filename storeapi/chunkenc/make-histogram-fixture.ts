// Regenerates prometheus-histogram-fixture.ts (and stores/bucket/block/prometheus-histogram-block.ts): Prometheus 2.42 (--enable-feature=native-histograms) scrapes
// a small exporter serving native histograms in the protobuf exposition format; a head snapshot
// (admin API) is read with orrery's block reader, and the histogram chunks are recorded exactly as
// Prometheus wrote them, beside every histogram the exporter served, in order.
// A recording rule (sum of a histogram) adds FLOAT_HISTOGRAM chunks, with no served counterpart.
// Run by hand: node dist/storeapi/chunkenc/make-histogram-fixture.js (needs /usr/bin/prometheus).
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../testing/index.js";
import { freePort, startPrometheus } from "../../conformance/index.js";
import { openBlockDir } from "../../stores/bucket/block/index.js";
import { CounterResetHint, type HistogramSpan, type NativeHistogram } from "../histogram.js";
import { ExpositionMetricType, PROTOBUF_EXPOSITION_CONTENT_TYPE, encodeDelimitedMetricFamilies } from "../proto/index.js";

const SCRAPES = Number(process.env.SCRAPES ?? 70);

interface Served {
  readonly name: string;
  readonly gauge: boolean;
  readonly h: NativeHistogram;
}

/** Spans and absolute counts of buckets given as index → count (ascending indexes). */
function layout(buckets: [number, number][]): { spans: HistogramSpan[]; counts: number[] } {
  const spans: { offset: number; length: number }[] = [];
  let last = 0;
  for (const [idx] of buckets) {
    if (spans.length > 0 && idx === last + 1) spans[spans.length - 1]!.length++;
    else spans.push({ offset: spans.length === 0 ? idx : idx - last - 1, length: 1 });
    last = idx;
  }
  return { spans, counts: buckets.map(([, c]) => c) };
}

function histogram(schema: number, zeroThreshold: number, zeroCount: number, sum: number, pos: [number, number][], neg: [number, number][]): NativeHistogram {
  const p = layout(pos);
  const n = layout(neg);
  const count = zeroCount + p.counts.reduce((a, b) => a + b, 0) + n.counts.reduce((a, b) => a + b, 0);
  return {
    float: false,
    counterResetHint: CounterResetHint.Unknown,
    schema,
    zeroThreshold,
    zeroCount,
    count,
    sum,
    positiveSpans: p.spans,
    positiveBuckets: p.counts,
    negativeSpans: n.spans,
    negativeBuckets: n.counts,
  };
}

/** What the exporter serves at scrape k: buckets appear over time (recoding), a counter reset, big counts, a series that goes away. */
function state(k: number): Served[] {
  const out: Served[] = [];
  // A latency counter: schema 3, default zero threshold; new buckets at k 10 (after), 20 (before), 15 (negative);
  // its bucket counts wobble (a modulo term), so Prometheus sees a counter reset every few scrapes.
  const r = k < 35 ? k : k - 35;
  const pos: [number, number][] = [];
  if (k >= 20) pos.push([-2, 1 + r]);
  for (let i = 0; i < 4; i++) pos.push([i, (i + 1) * r + ((r * r * (i + 3)) % 7)]);
  if (k >= 10) pos.push([7, 2 * r]);
  const neg: [number, number][] = k >= 15 ? [[-1, r]] : [];
  out.push({ name: "fx_latency_seconds", gauge: false, h: histogram(3, 2 ** -128, r, 0.25 * r * r + 0.125 * r, pos, neg) });
  // A steady counter, schema 0: buckets appear after (k 5), before (k 12), in a gap (k 18) and on the negative side (k 25).
  const rpc: [number, number][] = [];
  if (k >= 12) rpc.push([-3, k - 11]);
  rpc.push([0, 3 * k], [1, 5 * k + 1]);
  if (k >= 18) rpc.push([3, 2 * (k - 17)]);
  if (k >= 5) rpc.push([6, k * k]);
  out.push({ name: "fx_rpc_seconds", gauge: false, h: histogram(0, 2 ** -128, k, 0.1 * k * k, rpc, k >= 25 ? [[2, k - 24]] : []) });
  // (No gauge histogram: 2.42 has no gauge hint, and its snapshot fails re-encoding a gauge's decreasing counts.)
  // Big counts: wide varbit dods.
  const big: [number, number][] = [[0, 1_000_000 * k + ((k * k * 977) % 100_000)], [1, 3_000_017 * k], [5, k * k * k * 4099]];
  out.push({ name: "fx_requests_bytes", gauge: false, h: histogram(-2, 2 ** -20, 12345 * k, 1e6 * k + k / 7, big, []) });
  // Goes away after scrape 40: Prometheus writes a stale marker.
  if (k < 40) out.push({ name: "fx_short_lived", gauge: false, h: histogram(1, 2 ** -128, 0, k, [[0, k], [1, 2 * k]], []) });
  return out;
}

/** The delta-encoded buckets the exposition format carries. */
function deltas(counts: readonly number[]): number[] {
  let last = 0;
  return counts.map((c) => {
    const d = c - last;
    last = c;
    return d;
  });
}

function family(s: Served): object {
  const h = s.h;
  return {
    name: s.name,
    help: "fixture",
    type: s.gauge ? ExpositionMetricType.GAUGE_HISTOGRAM : ExpositionMetricType.HISTOGRAM,
    metric: [
      {
        histogram: {
          sampleCount: h.count,
          sampleSum: h.sum,
          schema: h.schema,
          zeroThreshold: h.zeroThreshold,
          zeroCount: h.zeroCount,
          positiveSpan: h.positiveSpans,
          positiveDelta: deltas(h.positiveBuckets),
          negativeSpan: h.negativeSpans,
          negativeDelta: deltas(h.negativeBuckets),
        },
      },
    ],
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "orrery-hist-fixture-"));
  const served: Served[][] = [];
  let server: Server | undefined;
  let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  try {
    const port = await freePort();
    server = createServer((req, res) => {
      const accept = req.headers.accept ?? "";
      if (!accept.includes("io.prometheus.client.MetricFamily")) {
        res.writeHead(406).end("protobuf only");
        return;
      }
      const now = state(Math.min(served.length, SCRAPES - 1));
      served.push(now);
      res.writeHead(200, { "Content-Type": PROTOBUF_EXPOSITION_CONTENT_TYPE });
      res.end(encodeDelimitedMetricFamilies(now.map(family)));
    });
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    // A recording rule over the histograms makes Prometheus write FLOAT_HISTOGRAM chunks too.
    const rules = join(dir, "rules.yml");
    writeFileSync(rules, "groups:\n  - name: fx\n    interval: 500ms\n    rules:\n      - record: fx:rpc_seconds:sum\n        expr: sum(fx_rpc_seconds)\n");
    const config = [
      "global:",
      "  scrape_interval: 500ms",
      "  scrape_timeout: 500ms",
      `rule_files: ["${rules}"]`,
      "scrape_configs:",
      "  - job_name: fx",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${port}"]`,
      "",
    ].join("\n");
    prom = await startPrometheus({
      dataDir: join(dir, "data"),
      config,
      extraArgs: ["--enable-feature=native-histograms", "--web.enable-admin-api"],
    });
    while (served.length < SCRAPES) await new Promise((r) => setTimeout(r, 200));
    // A few more scrapes of the last state (the short-lived series is gone: stale marker), then snapshot.
    await new Promise((r) => setTimeout(r, 2000));
    const res = await fetch(`${prom.url}/api/v1/admin/tsdb/snapshot`, { method: "POST" });
    const text = await res.text();
    if (!res.ok) throw new Error(`snapshot: ${res.status} ${text}`);
    const body = JSON.parse(text) as { data: { name: string } };
    const snap = join(dir, "data", "snapshots", body.data.name);
    const blocks = readdirSync(snap);
    if (blocks.length !== 1) throw new Error(`snapshot holds ${blocks.length} blocks, expected 1`);
    const files = Object.fromEntries(
      ["meta.json", "index", "chunks/000001"].map((f) => [f, readFileSync(join(snap, blocks[0]!, f)).toString("base64")]),
    );
    writeFileSync(
      join(repoRoot(), "stores", "bucket", "block", "prometheus-histogram-block.ts"),
      "// Generated by storeapi/chunkenc/make-histogram-fixture.ts: the block of a Prometheus 2.42 head snapshot holding\n" +
        "// native histograms (HISTOGRAM and FLOAT_HISTOGRAM chunks), file by file in base64. Do not edit by hand.\n" +
        `export const PROMETHEUS_HISTOGRAM_BLOCK_ULID = ${JSON.stringify(blocks[0])};\n` +
        `export const PROMETHEUS_HISTOGRAM_BLOCK_FILES: Readonly<Record<string, string>> = ${JSON.stringify(files, null, 1)};\n`,
    );
    const series: { labels: Record<string, string>; chunks: { encoding: number; minTime: number; maxTime: number; hex: string }[] }[] = [];
    for (const b of blocks) {
      const block = await openBlockDir(join(snap, b));
      for await (const s of block.select([{ op: "=~", name: "__name__", value: "fx[_:].*" }], Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) {
        series.push({
          labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])),
          chunks: s.chunks.map((c) => ({ encoding: c.raw!.encoding, minTime: c.minTime, maxTime: c.maxTime, hex: Buffer.from(c.raw!.data).toString("hex") })),
        });
      }
    }
    const servedByName: Record<string, { gauge: boolean; histograms: NativeHistogram[] }> = {};
    for (const scrape of served) {
      for (const s of scrape) (servedByName[s.name] ??= { gauge: s.gauge, histograms: [] }).histograms.push(s.h);
    }
    const out =
      "// Generated by make-histogram-fixture.ts: Prometheus 2.42 (--enable-feature=native-histograms) scraped a\n" +
      "// protobuf exporter; these are the chunks of its head snapshot as Prometheus wrote them (read with orrery's\n" +
      "// block reader), and every histogram the exporter served, in order. Do not edit by hand.\n" +
      "import type { NativeHistogram } from \"../histogram.js\";\n\n" +
      "export interface FixtureChunk { readonly encoding: number; readonly minTime: number; readonly maxTime: number; readonly hex: string }\n" +
      "export interface FixtureSeries { readonly labels: Readonly<Record<string, string>>; readonly chunks: readonly FixtureChunk[] }\n\n" +
      `export const PROMETHEUS_HISTOGRAM_SERIES: readonly FixtureSeries[] = ${JSON.stringify(series, null, 1)};\n\n` +
      `export const EXPORTER_SERVED: Readonly<Record<string, { readonly gauge: boolean; readonly histograms: readonly NativeHistogram[] }>> = ${JSON.stringify(servedByName)};\n`;
    writeFileSync(join(repoRoot(), "storeapi", "chunkenc", "prometheus-histogram-fixture.ts"), out);
    console.log(`${series.length} series, ${series.reduce((a, s) => a + s.chunks.length, 0)} chunks, ${served.length} scrapes`);
  } finally {
    await prom?.stop();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
