// Cross-check against histogram chunks Prometheus 2.42 wrote (prometheus-histogram-fixture.ts, made by
// make-histogram-fixture.ts): every chunk decodes to what the exporter served, and re-encoding the
// served histograms (in their original, narrower layouts) gives Prometheus's bytes exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FloatHistogramChunk,
  FloatHistogramChunkIterator,
  HistogramChunk,
  HistogramChunkIterator,
  histogramChunkHeader,
  STALE_NAN,
  isStaleNaN,
} from "./index.js";
import { CounterResetHint, type HistogramSpan, type NativeHistogram } from "../histogram.js";
import { EXPORTER_SERVED, PROMETHEUS_HISTOGRAM_SERIES } from "./prometheus-histogram-fixture.js";

const HISTOGRAM_ENCODING = 2;
const FLOAT_HISTOGRAM_ENCODING = 3;
/** The recording rule sum(fx_rpc_seconds): float histograms equal to the one scraped series. */
const RULE_SERIES = "fx:rpc_seconds:sum";
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

function byIndex(spans: readonly HistogramSpan[], buckets: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  let pos = 0;
  let k = 0;
  for (const s of spans) {
    pos += s.offset;
    for (let j = 0; j < s.length; j++) m.set(pos + j, buckets[k++]!);
    pos += s.length;
  }
  return m;
}

/** Same observations: schema, threshold, counts, sum and every non-zero bucket (recoding adds zero buckets). */
function sameHistogram(a: NativeHistogram, b: NativeHistogram): boolean {
  if (a.schema !== b.schema || a.zeroThreshold !== b.zeroThreshold || a.count !== b.count || a.zeroCount !== b.zeroCount || a.sum !== b.sum) return false;
  for (const side of ["positive", "negative"] as const) {
    const x = byIndex(a[`${side}Spans`], a[`${side}Buckets`]);
    const y = byIndex(b[`${side}Spans`], b[`${side}Buckets`]);
    for (const [i, v] of x) if ((y.get(i) ?? 0) !== v) return false;
    for (const [i, v] of y) if ((x.get(i) ?? 0) !== v) return false;
  }
  return true;
}

interface Sample {
  t: number;
  h: NativeHistogram;
  /** Index into what the exporter served (undefined for a stale marker). */
  served: number | undefined;
}

/** Decodes a series' chunks, matching each sample to the next served histogram equal to it. */
function decodeSeries(name: string, chunks: readonly { hex: string }[]): Sample[][] {
  const served = EXPORTER_SERVED[name]!.histograms;
  let next = 0;
  return chunks.map((c, ci) => {
    const it = new HistogramChunkIterator(fromHex(c.hex));
    const out: Sample[] = [];
    while (it.next()) {
      const h = it.at();
      if (isStaleNaN(h.sum)) {
        out.push({ t: it.t, h, served: undefined });
        continue;
      }
      while (next < served.length && !sameHistogram(h, served[next]!)) next++;
      assert.ok(next < served.length, `${name} chunk ${ci} sample ${out.length}: decoded histogram was never served: ${JSON.stringify(h)}`);
      out.push({ t: it.t, h, served: next++ });
    }
    assert.equal(it.err, undefined, `${name} chunk ${ci}`);
    return out;
  });
}

test("Prometheus 2.42 histogram chunks decode to what the exporter served", () => {
  assert.ok(PROMETHEUS_HISTOGRAM_SERIES.length >= 4);
  for (const s of PROMETHEUS_HISTOGRAM_SERIES) {
    const name = s.labels.__name__!;
    if (name === RULE_SERIES) continue;
    for (const c of s.chunks) assert.equal(c.encoding, HISTOGRAM_ENCODING, `${name}: encoding`);
    const perChunk = decodeSeries(name, s.chunks);
    const decoded = perChunk.flat();
    const served = EXPORTER_SERVED[name]!.histograms.length;
    const matched = decoded.filter((d) => d.served !== undefined).length;
    // Every scrape Prometheus took is there (one may fall outside the snapshot).
    assert.ok(matched >= served - 2, `${name}: ${matched} of ${served} served histograms found`);
    for (let i = 1; i < decoded.length; i++) assert.ok(decoded[i]!.t > decoded[i - 1]!.t, `${name}: time order`);
    s.chunks.forEach((c, i) => {
      const samples = perChunk[i]!;
      assert.equal(c.minTime, samples[0]!.t, `${name} chunk ${i}: minTime`);
      assert.equal(c.maxTime, samples[samples.length - 1]!.t, `${name} chunk ${i}: maxTime`);
    });
  }
  const shortLived = decodeSeries("fx_short_lived", PROMETHEUS_HISTOGRAM_SERIES.find((s) => s.labels.__name__ === "fx_short_lived")!.chunks).flat();
  assert.ok(isStaleNaN(shortLived[shortLived.length - 1]!.h.sum), "the series that went away ends in a stale marker");
});

test("re-encoding the served histograms gives Prometheus 2.42's chunk bytes, recoding and cuts included", () => {
  let recoded = 0;
  let cuts = 0;
  for (const s of PROMETHEUS_HISTOGRAM_SERIES) {
    const name = s.labels.__name__!;
    if (name === RULE_SERIES) continue;
    const served = EXPORTER_SERVED[name]!.histograms;
    const chunks = decodeSeries(name, s.chunks);
    let previous: HistogramChunk | undefined;
    chunks.forEach((samples, ci) => {
      const want = fromHex(s.chunks[ci]!.hex);
      const c = new HistogramChunk();
      if (previous !== undefined) {
        // Prometheus cut here; so must we, with the same counter-reset header.
        const first = samples[0]!;
        const h = first.served === undefined ? { ...first.h, sum: STALE_NAN } : served[first.served]!;
        assert.equal(previous.append(first.t, h), false, `${name}: chunk ${ci} starts a new chunk`);
        const header = histogramChunkHeader(want);
        if (header === CounterResetHint.Unknown && h.count < (previous.lastSampleCount() ?? 0)) {
          // 2.42's snapshot re-encoder leaves the header unknown after the total count drops; today's appender
          // (which orrery follows) marks that chunk as a counter reset.
          assert.equal(previous.cutHeader, CounterResetHint.CounterReset, `${name}: chunk ${ci} header`);
        } else {
          assert.equal(previous.cutHeader, header, `${name}: chunk ${ci} header`);
        }
        cuts++;
      }
      for (const smp of samples) {
        const h = smp.served === undefined ? smp.h : served[smp.served]!;
        const before = c.numSamples() > 0 ? layoutOf(c) : undefined;
        assert.equal(c.append(smp.t, h), true, `${name} chunk ${ci}: sample at ${smp.t} fits`);
        if (before !== undefined && before !== layoutOf(c)) recoded++;
      }
      c.setCounterResetHeader(histogramChunkHeader(want));
      assert.equal(Buffer.from(c.bytes()).toString("hex"), s.chunks[ci]!.hex, `${name} chunk ${ci}: bytes`);
      previous = c;
    });
  }
  assert.ok(recoded >= 4, `recoding exercised (${recoded})`);
  assert.ok(cuts >= 10, `cuts exercised (${cuts})`);
});

/** The chunk's layout as it decodes (changes when the chunk is recoded). */
function layoutOf(c: HistogramChunk): string {
  const it = new HistogramChunkIterator(c.bytes());
  it.next();
  const h = it.at();
  return JSON.stringify([h.positiveSpans, h.negativeSpans]);
}

test("the fixture's first chunk of each series has an unknown counter-reset header", () => {
  for (const s of PROMETHEUS_HISTOGRAM_SERIES) assert.equal(histogramChunkHeader(fromHex(s.chunks[0]!.hex)), CounterResetHint.Unknown);
});

test("Prometheus 2.42 FLOAT_HISTOGRAM chunks (a recording rule's sums) decode to the served histograms and re-encode to the same bytes", () => {
  const rule = PROMETHEUS_HISTOGRAM_SERIES.find((s) => s.labels.__name__ === RULE_SERIES)!;
  const served = EXPORTER_SERVED["fx_rpc_seconds"]!.histograms.map((h) => ({ ...h, float: true }));
  let recoded = 0;
  for (const chunk of rule.chunks) {
    assert.equal(chunk.encoding, FLOAT_HISTOGRAM_ENCODING);
    const it = new FloatHistogramChunkIterator(fromHex(chunk.hex));
    const c = new FloatHistogramChunk();
    let next = 0;
    let layout = "";
    while (it.next()) {
      const h = it.at();
      assert.equal(h.float, true);
      while (next < served.length && !sameHistogram(h, served[next]!)) next++;
      assert.ok(next < served.length, `rule sample at ${it.t} was never served: ${JSON.stringify(h)}`);
      assert.equal(c.append(it.t, served[next]!), true);
      const first = new FloatHistogramChunkIterator(c.bytes());
      first.next();
      const l = JSON.stringify(first.at().positiveSpans);
      if (layout !== "" && l !== layout) recoded++;
      layout = l;
    }
    assert.equal(it.err, undefined);
    c.setCounterResetHeader(histogramChunkHeader(fromHex(chunk.hex)));
    assert.equal(Buffer.from(c.bytes()).toString("hex"), chunk.hex);
  }
  assert.ok(recoded >= 2, `float recoding exercised (${recoded})`);
});
