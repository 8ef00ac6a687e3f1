// Instant vector selector: for each step, each series' latest sample in (t − lookback, t],
// unless that sample is a stale marker (Prometheus 3 semantics).
import type { SelectorNode } from "../../planner/index.js";
import { isStaleNaN } from "../../storeapi/index.js";
import type { LoadedSeries, QueryContext } from "../exec/context.js";
import type { Explain, Operator, SeriesMeta, StepVector, Timeline } from "../model.js";
import { fetchSeries } from "./fetch.js";

export interface VectorSelectorOptions {
  /** Output the sample's timestamp in seconds instead of its value (for `timestamp(x)`). */
  timestampValues?: boolean;
}

export class VectorSelectorOperator implements Operator {
  readonly kind = "vector";
  private data: LoadedSeries[] | undefined;
  private meta: SeriesMeta[] | undefined;
  private cursors = new Int32Array(0);
  private step = 0;

  constructor(
    private readonly ctx: QueryContext,
    private readonly node: SelectorNode,
    private readonly tl: Timeline,
    private readonly opts: VectorSelectorOptions = {},
  ) {}

  private async load(): Promise<LoadedSeries[]> {
    if (this.data !== undefined) return this.data;
    const n = this.node;
    const ext = n.smoothed ? this.ctx.lookbackMs : 0;
    const refStart = (n.atMs ?? this.tl.start) - n.offsetMs;
    const refEnd = (n.atMs ?? this.tl.end) - n.offsetMs;
    const fallback = { key: "vs" + n.pos.start, minTime: refStart - this.ctx.lookbackMs + 1, maxTime: refEnd + ext };
    this.data = await fetchSeries(this.ctx, n, fallback);
    this.meta = this.data.map((s) => ({ labels: s.labels, dropName: !!this.opts.timestampValues }));
    this.cursors = new Int32Array(this.data.length);
    return this.data;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    await this.load();
    return this.meta!;
  }

  async next(): Promise<StepVector[] | null> {
    const data = await this.load();
    if (this.step >= this.tl.steps) return null;
    const out: StepVector[] = [];
    const lookback = this.ctx.lookbackMs;
    const smoothed = this.node.smoothed;
    const tsValues = !!this.opts.timestampValues;
    const last = Math.min(this.tl.steps, this.step + this.ctx.stepsBatch);
    for (; this.step < last; this.step++) {
      const t = this.tl.start + this.step * this.tl.step;
      const ref = (this.node.atMs ?? t) - this.node.offsetMs;
      const sv = this.ctx.pool.get(t, data.length);
      let n = 0;
      for (let i = 0; i < data.length; i++) {
        const s = data[i]!;
        const ts = s.t;
        let c = this.cursors[i]!;
        // Advance to the last sample at or before ref (steps only move forward unless `@` pins them).
        if (c > 0 && ts[c - 1]! > ref) c = 0;
        while (c < ts.length && ts[c]! <= ref) c++;
        this.cursors[i] = c;
        const idx = c - 1;
        if (idx < 0 || ts[idx]! <= ref - lookback) continue;
        const v = s.v[idx]!;
        if (v !== v && isStaleNaN(v)) continue;
        if (smoothed && ts[idx]! < ref && c < ts.length && ts[c]! - ref < lookback) {
          const nv = s.v[c]!;
          if (!(nv !== nv && isStaleNaN(nv))) {
            const f = (ref - ts[idx]!) / (ts[c]! - ts[idx]!);
            sv.ids[n] = i;
            sv.v[n++] = v + (nv - v) * f;
            continue;
          }
        }
        sv.ids[n] = i;
        sv.v[n++] = tsValues ? ts[idx]! / 1000 : v;
      }
      sv.n = n;
      this.ctx.samples.read(n);
      out.push(sv);
    }
    return out;
  }

  explain(): Explain {
    const n = this.node;
    return { name: `[vectorSelector] {${n.matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(", ")}}`, children: [] };
  }
}
