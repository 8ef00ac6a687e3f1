// Reads one selector's series from the store and decodes only the chunks that overlap the range.
import type { Matcher } from "../../storeapi/index.js";
import { ChunkEncoding, decodeXorChunk, xorChunkNumSamples } from "../../storeapi/index.js";
import type { FetchSpec, SelectorNode } from "../../planner/index.js";
import { execution } from "../errors.js";
import { checkAborted, type LoadedSeries, type QueryContext } from "../exec/context.js";
import { compareLabelSets } from "../labels.js";

/** The selector's series over its fetch range; identical fetches in one query share the result. */
export function fetchSeries(ctx: QueryContext, sel: SelectorNode, fallback: FetchSpec): Promise<LoadedSeries[]> {
  const spec = sel.fetch ?? fallback;
  let p = ctx.fetches.get(spec.key + "\xfd" + spec.minTime + ":" + spec.maxTime);
  if (p === undefined) {
    p = load(ctx, sel, spec);
    ctx.fetches.set(spec.key + "\xfd" + spec.minTime + ":" + spec.maxTime, p);
  }
  return p;
}

async function load(ctx: QueryContext, sel: SelectorNode, spec: FetchSpec): Promise<LoadedSeries[]> {
  checkAborted(ctx.signal);
  const matchers: Matcher[] = sel.matchers.map((m) => ({ name: m.name, op: m.op, value: m.value }));
  const out: LoadedSeries[] = [];
  const req = { minTime: spec.minTime, maxTime: spec.maxTime, matchers, queryHints: sel.hints };
  for await (const frame of ctx.store.series(req, ctx.signal)) {
    for (const w of frame.warnings) ctx.annotations.warn(w);
    for (const s of frame.series) {
      const loaded = decodeSeries(s.chunks, spec.minTime, spec.maxTime);
      if (loaded === undefined) continue;
      ctx.samples.hold(loaded.t.length);
      out.push({ labels: s.labels, t: loaded.t, v: loaded.v });
    }
    checkAborted(ctx.signal);
  }
  return mergeDuplicates(out);
}

interface ChunkRef {
  minTime: number;
  maxTime: number;
  raw?: { encoding: ChunkEncoding; data: Uint8Array };
}

function decodeSeries(chunks: readonly ChunkRef[], mint: number, maxt: number): { t: Float64Array; v: Float64Array } | undefined {
  let total = 0;
  for (const c of chunks) {
    if (c.maxTime < mint || c.minTime > maxt || c.raw === undefined) continue;
    if (c.raw.encoding !== ChunkEncoding.XOR) continue; // Native histogram chunks: not supported yet.
    total += xorChunkNumSamples(c.raw.data);
  }
  if (total === 0) return undefined;
  const t = new Float64Array(total);
  const v = new Float64Array(total);
  let n = 0;
  for (const c of chunks) {
    if (c.maxTime < mint || c.minTime > maxt || c.raw === undefined || c.raw.encoding !== ChunkEncoding.XOR) continue;
    try {
      n += decodeXorChunk(c.raw.data, mint, maxt, t, v, n);
    } catch (e) {
      throw execution(e instanceof Error ? e.message : String(e));
    }
  }
  if (n === 0) return undefined;
  return n === total ? { t, v } : { t: t.subarray(0, n), v: v.subarray(0, n) };
}

/** A store may send one label set twice (replicas, overlapping stores): merge by time, first wins. */
function mergeDuplicates(series: LoadedSeries[]): LoadedSeries[] {
  let sorted = true;
  for (let i = 1; i < series.length; i++) {
    const c = compareLabelSets(series[i - 1]!.labels, series[i]!.labels);
    if (c >= 0) sorted = false;
  }
  if (sorted) return series;
  series.sort((a, b) => compareLabelSets(a.labels, b.labels));
  const out: LoadedSeries[] = [];
  for (const s of series) {
    const last = out[out.length - 1];
    if (last !== undefined && compareLabelSets(last.labels, s.labels) === 0) out[out.length - 1] = mergeTwo(last, s);
    else out.push(s);
  }
  return out;
}

function mergeTwo(a: LoadedSeries, b: LoadedSeries): LoadedSeries {
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
  return { labels: a.labels, t: t.subarray(0, n), v: v.subarray(0, n) };
}
