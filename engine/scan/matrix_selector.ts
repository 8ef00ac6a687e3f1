// Matrix selector as a range source: the selector's series with stale markers dropped.
import type { MatrixNode } from "../../planner/index.js";
import { isStaleNaN } from "../../storeapi/index.js";
import type { QueryContext } from "../exec/context.js";
import type { RangeData, RangeSource } from "../function/range_source.js";
import type { Timeline } from "../model.js";
import { fetchSeries } from "./fetch.js";

export class MatrixSelectorSource implements RangeSource {
  private data: RangeData | undefined;
  readonly rangeMs: number;
  readonly anchored: boolean;
  readonly smoothed: boolean;

  constructor(
    private readonly ctx: QueryContext,
    private readonly node: MatrixNode,
    private readonly tl: Timeline,
  ) {
    this.rangeMs = node.rangeMs;
    this.anchored = node.selector.anchored;
    this.smoothed = node.selector.smoothed;
  }

  refTime(t: number): number {
    return (this.node.selector.atMs ?? t) - this.node.selector.offsetMs;
  }

  async load(): Promise<RangeData> {
    if (this.data !== undefined) return this.data;
    const sel = this.node.selector;
    const ext = this.anchored || this.smoothed ? this.ctx.lookbackMs : 0;
    const fallback = {
      key: "ms" + this.node.pos.start,
      minTime: this.refTime(this.tl.start) - this.rangeMs + 1 - ext,
      maxTime: this.refTime(this.tl.end) + (this.smoothed ? ext : 0),
    };
    const loaded = await fetchSeries(this.ctx, sel, fallback);
    const data: RangeData = { meta: [], t: [], v: [], samples: 0 };
    for (const s of loaded) {
      const { t, v } = withoutStale(s.t, s.v);
      if (t.length === 0) continue;
      data.meta.push({ labels: s.labels, dropName: false });
      data.t.push(t);
      data.v.push(v);
    }
    this.data = data;
    return data;
  }

  describe(): string {
    const s = this.node.selector;
    return `[matrixSelector] {${s.matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(", ")}}[${this.rangeMs}ms]`;
  }
}

function withoutStale(t: Float64Array, v: Float64Array): { t: Float64Array; v: Float64Array } {
  let stale = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x !== x && isStaleNaN(x)) stale++;
  }
  if (stale === 0) return { t, v };
  const nt = new Float64Array(t.length - stale);
  const nv = new Float64Array(t.length - stale);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x !== x && isStaleNaN(x)) continue;
    nt[n] = t[i]!;
    nv[n++] = x;
  }
  return { t: nt, v: nv };
}
