// Scalars that need no input: number literals, time(), pi(), and vector(s) of a scalar.
import type { QueryContext } from "../exec/context.js";
import type { Explain, Operator, SeriesMeta, StepVector, Timeline } from "../model.js";

/** A scalar per step: a constant, or a function of the step time (time()). */
export class ScalarOperator implements Operator {
  readonly kind = "scalar";
  private step = 0;

  constructor(
    private readonly ctx: QueryContext,
    private readonly tl: Timeline,
    private readonly value: number | "time",
  ) {}

  async series(): Promise<readonly SeriesMeta[]> {
    return [{ labels: [], dropName: false }];
  }

  async next(): Promise<StepVector[] | null> {
    if (this.step >= this.tl.steps) return null;
    const out: StepVector[] = [];
    const last = Math.min(this.tl.steps, this.step + this.ctx.stepsBatch);
    for (; this.step < last; this.step++) {
      const t = this.tl.start + this.step * this.tl.step;
      const sv = this.ctx.pool.get(t, 1);
      sv.ids[0] = 0;
      sv.v[0] = this.value === "time" ? t / 1000 : this.value;
      sv.n = 1;
      out.push(sv);
    }
    return out;
  }

  explain(): Explain {
    return { name: `[scalar] ${this.value}`, children: [] };
  }
}

/** scalar(v): the single sample's value, NaN when there are zero or several. */
export class ScalarOfVectorOperator implements Operator {
  readonly kind = "scalar";
  constructor(
    private readonly ctx: QueryContext,
    private readonly input: Operator,
  ) {}

  async series(): Promise<readonly SeriesMeta[]> {
    await this.input.series();
    return [{ labels: [], dropName: false }];
  }

  async next(): Promise<StepVector[] | null> {
    const batch = await this.input.next();
    if (batch === null) return null;
    for (const sv of batch) {
      // Histograms do not count: only a single float sample gives a value (as Prometheus).
      const v = sv.n === 1 ? sv.v[0]! : NaN;
      sv.ids[0] = 0;
      sv.v[0] = v;
      sv.n = 1;
      sv.hn = 0;
    }
    return batch;
  }

  explain(): Explain {
    return { name: "[function] scalar", children: [this.input.explain()] };
  }
}

/** vector(s): one series without labels carrying the scalar. */
export class VectorOfScalarOperator implements Operator {
  readonly kind = "vector";
  constructor(private readonly input: Operator) {}

  async series(): Promise<readonly SeriesMeta[]> {
    return [{ labels: [], dropName: false }];
  }

  next(): Promise<StepVector[] | null> {
    return this.input.next();
  }

  explain(): Explain {
    return { name: "[function] vector", children: [this.input.explain()] };
  }
}
