// Matrix selector as a range source: the selector's series with stale markers dropped.
import { statsReadExtension, type MatrixNode } from "../../planner/index.js";
import type { QueryContext } from "../exec/context.js";
import type { RangeData, RangeSource } from "../function/range_source.js";
import type { Timeline } from "../model.js";
import { fetchSeries, type LoadedSeries } from "./fetch.js";
import { readSteps, withStatsReadHints } from "./histogram_stats.js";
import { SampleBuffer } from "./sample_buffer.js";

export class MatrixSelectorSource implements RangeSource {
  private data: RangeData | undefined;
  readonly rangeMs: number;
  readonly anchored: boolean;
  readonly smoothed: boolean;
  readonly distinctLabels = true;

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
    const ext = this.anchored || this.smoothed ? this.ctx.lookbackMs : statsReadExtension(sel);
    const fallback = {
      key: "ms" + this.node.pos.start,
      minTime: this.refTime(this.tl.start) - this.rangeMs + 1 - ext,
      maxTime: this.refTime(this.tl.end) + (this.smoothed ? ext : 0),
    };
    const loaded = await fetchSeries(this.ctx, sel, fallback);
    const steps = readSteps(this.tl, sel.atMs, sel.offsetMs);
    const input = (s: LoadedSeries) => (sel.histogramStats ? withStatsReadHints(s.input, steps, this.rangeMs) : s.input);
    this.data = {
      meta: loaded.map((s) => ({ labels: s.labels, dropName: false })),
      buffers: loaded.map((s) => new SampleBuffer(input(s), true)),
    };
    return this.data;
  }

  describe(): string {
    const s = this.node.selector;
    return `[matrixSelector] {${s.matchers.map((m) => `${m.name}${m.op}"${m.value}"`).join(", ")}}[${this.rangeMs}ms]`;
  }
}
