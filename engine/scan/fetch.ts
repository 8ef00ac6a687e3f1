// Reads one selector's series from the store, keeping only the chunks that overlap the range;
// they are decoded later, chunk by chunk, as the steps reach them (sample_buffer.ts).
import type { Labels, Matcher } from "../../storeapi/index.js";
import { ChunkEncoding, compareLabels } from "../../storeapi/index.js";
import type { FetchSpec, SelectorNode } from "../../planner/index.js";
import { checkAborted, type QueryContext } from "../exec/context.js";
import { DecodeScratch, inputSamples, SampleBuffer, type SeriesInput } from "./sample_buffer.js";

/** One series as fetched: its labels and its chunk input. */
export interface LoadedSeries {
  labels: Labels;
  input: SeriesInput;
}

/** The selector's series over its fetch range; identical fetches in one query share the result. */
export function fetchSeries(ctx: QueryContext, sel: SelectorNode, fallback: FetchSpec): Promise<LoadedSeries[]> {
  const spec = sel.fetch ?? fallback;
  const key = spec.key + "\xfd" + spec.minTime + ":" + spec.maxTime;
  let p = ctx.fetches.get(key);
  if (p === undefined) {
    p = load(ctx, sel, spec);
    ctx.fetches.set(key, p);
  }
  return p;
}

async function load(ctx: QueryContext, sel: SelectorNode, spec: FetchSpec): Promise<LoadedSeries[]> {
  checkAborted(ctx.signal);
  const matchers: Matcher[] = sel.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value }));
  const out: LoadedSeries[] = [];
  const req = { minTime: spec.minTime, maxTime: spec.maxTime, matchers, queryHints: sel.hints };
  const scratch = new DecodeScratch();
  for await (const frame of ctx.store.series(req, ctx.signal)) {
    for (const w of frame.warnings) ctx.annotations.warn(w);
    for (const s of frame.series) {
      const chunks: Uint8Array[] = [];
      for (const c of s.chunks) {
        if (c.maxTime < spec.minTime || c.minTime > spec.maxTime || c.raw === undefined) continue;
        if (c.raw.encoding !== ChunkEncoding.XOR) continue; // Native histogram chunks: not supported yet.
        chunks.push(c.raw.data);
      }
      if (chunks.length === 0) continue;
      const input: SeriesInput = { chunks, minTime: spec.minTime, maxTime: spec.maxTime, scratch };
      ctx.samples.hold(inputSamples(input));
      out.push({ labels: s.labels, input });
    }
    checkAborted(ctx.signal);
  }
  return mergeDuplicates(out);
}

/** A store may send one label set twice (replicas, overlapping stores): merge by time, first wins. */
function mergeDuplicates(series: LoadedSeries[]): LoadedSeries[] {
  let sorted = true;
  for (let i = 1; i < series.length && sorted; i++) {
    if (compareLabels(series[i - 1]!.labels, series[i]!.labels) >= 0) sorted = false;
  }
  if (sorted) return series;
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  const out: LoadedSeries[] = [];
  for (const s of series) {
    const last = out[out.length - 1];
    if (last !== undefined && compareLabels(last.labels, s.labels) === 0) out[out.length - 1] = mergeTwo(last, s);
    else out.push(s);
  }
  return out;
}

function decodeAll(s: LoadedSeries): { t: Float64Array; v: Float64Array } {
  const buf = new SampleBuffer(s.input, false);
  buf.fill(Infinity);
  return { t: buf.t.subarray(0, buf.len), v: buf.v.subarray(0, buf.len) };
}

function mergeTwo(x: LoadedSeries, y: LoadedSeries): LoadedSeries {
  const a = decodeAll(x);
  const b = decodeAll(y);
  const t = new Float64Array(a.t.length + b.t.length);
  const v = new Float64Array(t.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.t.length || j < b.t.length) {
    if (j >= b.t.length || (i < a.t.length && a.t[i]! <= b.t[j]!)) {
      if (j < b.t.length && a.t[i] === b.t[j]) j++;
      t[n] = a.t[i]!;
      v[n++] = a.v[i++]!;
    } else {
      t[n] = b.t[j]!;
      v[n++] = b.v[j++]!;
    }
  }
  const input: SeriesInput = { chunks: [], minTime: x.input.minTime, maxTime: x.input.maxTime, decoded: { t: t.subarray(0, n), v: v.subarray(0, n) } };
  return { labels: x.labels, input };
}
