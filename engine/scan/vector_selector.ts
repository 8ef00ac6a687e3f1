// Instant vector selector: for each step, each series' latest sample in (t − lookback, t],
// unless that sample is a stale marker (Prometheus 3 semantics).
import type { SelectorNode } from "../../planner/index.js";
import { isStaleNaN } from "../../storeapi/index.js";
import type { QueryContext } from "../exec/context.js";
import { pushHistogram, type Explain, type Operator, type SeriesMeta, type StepVector, type Timeline } from "../model.js";
import { fetchSeries } from "./fetch.js";
import { SampleBuffer } from "./sample_buffer.js";

export interface VectorSelectorOptions {
  /** Output the sample's timestamp in seconds instead of its value (for `timestamp(x)`). */
  timestampValues?: boolean;
  /** Output the sample's start timestamp in seconds (0 when it has none) instead of its value (for `start_timestamp(x)`). */
  startTimestampValues?: boolean;
}

export class VectorSelectorOperator implements Operator {
  readonly kind = "vector";
  private buffers: SampleBuffer[] | undefined;
  private meta: SeriesMeta[] | undefined;
  private step = 0;

  constructor(
    private readonly ctx: QueryContext,
    private readonly node: SelectorNode,
    private readonly tl: Timeline,
    private readonly opts: VectorSelectorOptions = {},
  ) {}

  private async load(): Promise<SampleBuffer[]> {
    if (this.buffers !== undefined) return this.buffers;
    const n = this.node;
    const ext = n.smoothed ? this.ctx.lookbackMs : 0;
    const refStart = (n.atMs ?? this.tl.start) - n.offsetMs;
    const refEnd = (n.atMs ?? this.tl.end) - n.offsetMs;
    const fallback = { key: "vs" + n.pos.start, minTime: refStart - this.ctx.lookbackMs + 1, maxTime: refEnd + ext };
    const data = await fetchSeries(this.ctx, n, fallback);
    const dropName = !!this.opts.timestampValues || !!this.opts.startTimestampValues;
    this.meta = data.map((s) => ({ labels: s.labels, dropName }));
    this.buffers = data.map((s) => new SampleBuffer(s.input, false));
    return this.buffers;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    await this.load();
    return this.meta!;
  }

  async next(): Promise<StepVector[] | null> {
    const bufs = await this.load();
    if (this.step >= this.tl.steps) return null;
    const out: StepVector[] = [];
    const lookback = this.ctx.lookbackMs;
    const smoothed = this.node.smoothed;
    const tsValues = !!this.opts.timestampValues;
    const stValues = !!this.opts.startTimestampValues;
    const last = Math.min(this.tl.steps, this.step + this.ctx.stepsBatch);
    for (; this.step < last; this.step++) {
      const t = this.tl.start + this.step * this.tl.step;
      const ref = (this.node.atMs ?? t) - this.node.offsetMs;
      const sv = this.ctx.pool.get(t, bufs.length);
      let n = 0;
      for (let i = 0; i < bufs.length; i++) {
        const b = bufs[i]!;
        b.fill(ref);
        const ts = b.t;
        // Cursor a: the last sample at or before ref (steps only move forward).
        let a = b.a;
        while (a + 1 < b.len && ts[a + 1]! <= ref) a++;
        b.a = a;
        b.keep = a;
        if (a >= b.len || ts[a]! > ref || ts[a]! <= ref - lookback) continue;
        const v = b.v[a]!;
        if (v !== v && isStaleNaN(v)) continue;
        if (stValues) {
          sv.ids[n] = i;
          sv.v[n++] = (b.st?.[a] ?? 0) / 1000;
          continue;
        }
        const h = b.h?.[a];
        if (h !== undefined) {
          if (tsValues) {
            sv.ids[n] = i;
            sv.v[n++] = ts[a]! / 1000;
          } else if (!smoothed) pushHistogram(sv, i, h);
          continue;
        }
        if (smoothed && ts[a]! < ref && a + 1 < b.len && ts[a + 1]! - ref < lookback) {
          const nv = b.v[a + 1]!;
          if (!(nv !== nv && isStaleNaN(nv)) && b.h?.[a + 1] === undefined) {
            const f = (ref - ts[a]!) / (ts[a + 1]! - ts[a]!);
            sv.ids[n] = i;
            sv.v[n++] = v + (nv - v) * f;
            continue;
          }
        }
        sv.ids[n] = i;
        sv.v[n++] = tsValues ? ts[a]! / 1000 : v;
      }
      sv.n = n;
      this.ctx.samples.read(n + sv.hn);
      out.push(sv);
    }
    return out;
  }

  explain(): Explain {
    const n = this.node;
    return { name: `[vectorSelector] {${n.matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(", ")}}`, children: [] };
  }
}
