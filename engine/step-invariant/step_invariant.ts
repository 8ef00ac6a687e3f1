// Evaluates a step-invariant subtree once and repeats its one step for every step of the query.
import type { QueryContext } from "../exec/context.js";
import { pushHistogram, type Explain, type Operator, type SeriesMeta, type StepVector, type Timeline } from "../model.js";

export class StepInvariantOperator implements Operator {
  readonly kind: "vector" | "scalar";
  private cached: StepVector | undefined;
  private done = false;
  private step = 0;

  /** `inner` is built over a one-step timeline at the query start. */
  constructor(
    private readonly ctx: QueryContext,
    private readonly inner: Operator,
    private readonly tl: Timeline,
  ) {
    this.kind = inner.kind;
  }

  series(): Promise<readonly SeriesMeta[]> {
    return this.inner.series();
  }

  private async once(): Promise<StepVector | undefined> {
    if (this.done) return this.cached;
    this.done = true;
    for (;;) {
      const b = await this.inner.next();
      if (b === null) break;
      for (const sv of b) {
        if (this.cached === undefined) this.cached = sv;
        else this.ctx.pool.put(sv);
      }
    }
    return this.cached;
  }

  async next(): Promise<StepVector[] | null> {
    const one = await this.once();
    if (this.step >= this.tl.steps) return null;
    const out: StepVector[] = [];
    const last = Math.min(this.tl.steps, this.step + this.ctx.stepsBatch);
    for (; this.step < last; this.step++) {
      const t = this.tl.start + this.step * this.tl.step;
      const n = one?.n ?? 0;
      const sv = this.ctx.pool.get(t, n);
      if (one) {
        sv.ids.set(one.ids.subarray(0, n));
        sv.v.set(one.v.subarray(0, n));
        // Histograms are read-only once in a step vector, so every step may share them.
        for (let k = 0; k < one.hn; k++) pushHistogram(sv, one.hIds![k]!, one.h![k]!);
      }
      sv.n = n;
      out.push(sv);
    }
    return out;
  }

  explain(): Explain {
    return { name: "[stepInvariant]", children: [this.inner.explain()] };
  }
}
