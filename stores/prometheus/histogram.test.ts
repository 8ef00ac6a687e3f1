// PrometheusStore reading native histograms from a real Prometheus 2.42 through remote_read: Prometheus
// serves the block of one of its own head snapshots (stores/bucket/block/prometheus-histogram-block.ts);
// streamed chunks arrive as Prometheus holds them. (SAMPLES answers with histograms: fake-server.test.ts.)
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPrometheus, PROMETHEUS_BIN, type RunningServer } from "../../conformance/index.js";
import {
  ChunkEncoding,
  FloatHistogramChunkIterator,
  HistogramChunkIterator,
  formatLabels,
  type Matcher,
  type NativeHistogram,
  type Series,
  type Store,
} from "../../storeapi/index.js";
import { BlocksStore } from "../bucket/index.js";
import { PROMETHEUS_HISTOGRAM_BLOCK_FILES, PROMETHEUS_HISTOGRAM_BLOCK_ULID } from "../bucket/block/prometheus-histogram-block.js";
import { PrometheusStore } from "./index.js";

const ALL: Matcher[] = [{ name: "__name__", op: "=~", value: "fx.*" }];
let dir = "";
let prom: RunningServer | undefined;
let blocks: BlocksStore | undefined;

before(async () => {
  if (!existsSync(PROMETHEUS_BIN)) return;
  dir = mkdtempSync(join(tmpdir(), "orrery-promrr-hist-"));
  const blockDir = join(dir, "data", PROMETHEUS_HISTOGRAM_BLOCK_ULID);
  mkdirSync(join(blockDir, "chunks"), { recursive: true });
  for (const [name, b64] of Object.entries(PROMETHEUS_HISTOGRAM_BLOCK_FILES)) writeFileSync(join(blockDir, name), Buffer.from(b64, "base64"));
  blocks = await BlocksStore.open(join(dir, "data"));
  prom = await startPrometheus({ dataDir: join(dir, "data"), extraArgs: ["--enable-feature=native-histograms"] });
});

after(async () => {
  await prom?.stop();
  await blocks?.close();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

async function collect(store: Store): Promise<{ series: Series[]; warnings: string[] }> {
  const series: Series[] = [];
  const warnings: string[] = [];
  for await (const f of store.series({ minTime: 0, maxTime: Number.MAX_SAFE_INTEGER, matchers: ALL })) {
    series.push(...f.series);
    warnings.push(...f.warnings);
  }
  return { series, warnings };
}

/** Every histogram sample of each series, by series. */
function histograms(series: Series[]): Map<string, { t: number; h: NativeHistogram }[]> {
  const out = new Map<string, { t: number; h: NativeHistogram }[]>();
  for (const s of series) {
    const samples: { t: number; h: NativeHistogram }[] = [];
    for (const c of s.chunks) {
      const raw = c.raw!;
      assert.notEqual(raw.encoding, ChunkEncoding.XOR, `${formatLabels(s.labels)}: only histogram chunks`);
      const it = raw.encoding === ChunkEncoding.Histogram ? new HistogramChunkIterator(raw.data) : new FloatHistogramChunkIterator(raw.data);
      while (it.next()) {
        const h = it.at();
        // Compared as observations: the hint depends on where a chunk starts.
        samples.push({ t: it.t, h: { ...h, counterResetHint: 0 } });
      }
      assert.equal(it.err, undefined);
    }
    out.set(formatLabels(s.labels), samples);
  }
  return out;
}

test("remote_read from Prometheus 2.42: streamed histogram chunks are Prometheus's own bytes", { timeout: 120_000 }, async (t) => {
  if (prom === undefined) return t.skip(`did not run: ${PROMETHEUS_BIN} is not installed`);
  const store = new PrometheusStore({ url: prom.url, timeoutMs: 30_000, responseTypes: ["streamed"] });
  const got = await collect(store);
  const want = await collect(blocks!);
  assert.deepEqual(got.warnings, []);
  assert.ok(got.series.length >= 5);
  const hex = (series: Series[]): unknown => series.map((s) => [formatLabels(s.labels), s.chunks.map((c) => [c.raw!.encoding, Buffer.from(c.raw!.data).toString("hex")])]);
  assert.deepEqual(hex(got.series), hex(want.series));
  assert.ok(got.series.some((s) => s.chunks.some((c) => c.raw!.encoding === ChunkEncoding.FloatHistogram)));
});

test("remote_read from Prometheus 2.42: SAMPLES answers carry no histogram samples (2.42 leaves them out), so streamed is the default", { timeout: 120_000 }, async (t) => {
  if (prom === undefined) return t.skip(`did not run: ${PROMETHEUS_BIN} is not installed`);
  const sampled = await collect(new PrometheusStore({ url: prom.url, timeoutMs: 30_000, responseTypes: ["samples"] }));
  assert.ok(sampled.series.length >= 5);
  for (const s of sampled.series) assert.deepEqual(s.chunks, [], formatLabels(s.labels));
  const byDefault = await collect(new PrometheusStore({ url: prom.url, timeoutMs: 30_000 }));
  const decoded = histograms(byDefault.series);
  assert.equal([...decoded.values()].reduce((n, x) => n + x.length, 0), [...histograms((await collect(blocks!)).series).values()].reduce((n, x) => n + x.length, 0));
});
