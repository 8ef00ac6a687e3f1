// Subquery as a range source: runs the inner expression over its own aligned steps and keeps
// every series' points, which range functions then window like a matrix selector's samples.
import type { SubqueryNode } from "../../planner/index.js";
import { checkAborted, LoopTurns, type QueryContext, yieldToLoop } from "../exec/context.js";
import type { RangeData, RangeSource } from "../function/range_source.js";
import { stepVectorWeight, type Operator } from "../model.js";
import { NO_CHUNKS } from "../scan/chunk_table.js";
import { SampleBuffer } from "../scan/sample_buffer.js";
import type { FloatHistogram } from "../histogram/index.js";
import { CounterResetHint } from "../../storeapi/index.js";

export class SubquerySource implements RangeSource {
  private data: RangeData | undefined;
  readonly rangeMs: number;
  readonly anchored = false;
  readonly smoothed = false;
  readonly distinctLabels = false;

  constructor(
    private readonly ctx: QueryContext,
    private readonly node: SubqueryNode,
    private readonly inner: Operator,
  ) {
    this.rangeMs = node.rangeMs;
  }

  refTime(t: number): number {
    return (this.node.atMs ?? t) - this.node.offsetMs;
  }

  async load(): Promise<RangeData> {
    if (this.data !== undefined) return this.data;
    const meta = await this.inner.series();
    const ts: number[][] = meta.map(() => []);
    const vs: number[][] = meta.map(() => []);
    // Histogram points by series, made for the series that have any (a step holds one sample per series).
    const hs: (FloatHistogram | undefined)[][] = [];
    let points = 0;
    const turns = new LoopTurns();
    for (;;) {
      checkAborted(this.ctx.signal);
      const batch = await this.inner.next();
      if (batch === null) break;
      for (const sv of batch) {
        for (let k = 0; k < sv.n; k++) {
          const id = sv.ids[k]!;
          ts[id]!.push(sv.t);
          vs[id]!.push(sv.v[k]!);
          hs[id]?.push(undefined);
        }
        for (let k = 0; k < sv.hn; k++) {
          const id = sv.hIds![k]!;
          hs[id] ??= new Array<FloatHistogram | undefined>(ts[id]!.length).fill(undefined);
          ts[id]!.push(sv.t);
          vs[id]!.push(0);
          hs[id].push(withoutResetHint(sv.h![k]!));
        }
        // Prometheus holds every point of a subquery at once.
        points += stepVectorWeight(sv);
        this.ctx.samples.check(points);
        this.ctx.pool.put(sv);
      }
      if (turns.due()) await yieldToLoop();
    }
    const data: RangeData = { meta: [], buffers: [], points };
    for (let i = 0; i < meta.length; i++) {
      if (ts[i]!.length === 0) continue;
      data.meta.push(meta[i]!);
      const decoded = { t: Float64Array.from(ts[i]!), v: Float64Array.from(vs[i]!), h: hs[i] };
      data.buffers.push(new SampleBuffer({ chunks: NO_CHUNKS, minTime: -Infinity, maxTime: Infinity, decoded }, false));
    }
    this.data = data;
    return data;
  }

  describe(): string {
    return `[subquery] [${this.node.rangeMs}ms:${this.node.stepMs}ms]`;
  }
}

/**
 * A subquery point's histogram with a CounterReset/NotCounterReset hint made Unknown, as
 * Prometheus does: the points may skip the sample that reset or repeat it, so the hint no longer
 * describes the step from the point before; resets are then detected from the counts alone.
 */
function withoutResetHint(h: FloatHistogram): FloatHistogram {
  if (h.counterResetHint !== CounterResetHint.CounterReset && h.counterResetHint !== CounterResetHint.NotCounterReset) return h;
  const c = h.copy();
  c.counterResetHint = CounterResetHint.Unknown;
  return c;
}
