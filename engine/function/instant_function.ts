// Element-wise functions (abs, round, clamp, hour, …): each sample mapped on its own, name dropped
// unless the catalog says the function keeps it.
import { lookupFunction } from "../../promql/index.js";
import { clampHasOutput, instantFunctions } from "../functions/index.js";
import type { QueryContext } from "../exec/context.js";
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";

export function hasInstantFunction(name: string): boolean {
  return instantFunctions[name] !== undefined;
}

export class InstantFunctionOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;
  private step = 0;
  private readonly fn: (v: number, args: number[]) => number;
  private readonly argv: number[];

  constructor(
    private readonly ctx: QueryContext,
    private readonly name: string,
    private readonly input: Operator,
    private readonly args: Float64Array[],
  ) {
    this.fn = instantFunctions[name]!;
    this.argv = args.map(() => NaN);
  }

  async series(): Promise<readonly SeriesMeta[]> {
    if (this.meta === undefined) {
      const keep = lookupFunction(this.name)?.keepsMetricName === true;
      this.meta = (await this.input.series()).map((m) => (keep ? m : { labels: m.labels, dropName: true }));
    }
    return this.meta;
  }

  async next(): Promise<StepVector[] | null> {
    await this.series();
    const batch = await this.input.next();
    if (batch === null) return null;
    const fn = this.fn;
    const clamp = this.name === "clamp";
    for (const sv of batch) {
      for (let a = 0; a < this.args.length; a++) this.argv[a] = this.args[a]![this.step]!;
      this.step++;
      if (clamp && !clampHasOutput(this.argv[0]!, this.argv[1]!)) {
        sv.n = 0;
        sv.hn = 0;
        continue;
      }
      for (let k = 0; k < sv.n; k++) sv.v[k] = fn(sv.v[k]!, this.argv);
      // These functions are defined on floats only: Prometheus drops histogram samples silently.
      sv.hn = 0;
    }
    return batch;
  }

  explain(): Explain {
    return { name: `[function] ${this.name}`, children: [this.input.explain()] };
  }
}

/** A function over the step time itself: `hour()`, `year()` … without an argument give one series {}. */
export class TimeFunctionOperator implements Operator {
  readonly kind = "vector";
  private step = 0;

  constructor(
    private readonly ctx: QueryContext,
    private readonly name: string,
    private readonly tl: { start: number; step: number; steps: number },
  ) {}

  async series(): Promise<readonly SeriesMeta[]> {
    return [{ labels: [], dropName: false }];
  }

  async next(): Promise<StepVector[] | null> {
    if (this.step >= this.tl.steps) return null;
    const fn = instantFunctions[this.name]!;
    const out: StepVector[] = [];
    const last = Math.min(this.tl.steps, this.step + this.ctx.stepsBatch);
    for (; this.step < last; this.step++) {
      const t = this.tl.start + this.step * this.tl.step;
      const sv = this.ctx.pool.get(t, 1);
      sv.ids[0] = 0;
      sv.v[0] = fn(t / 1000, []);
      sv.n = 1;
      out.push(sv);
    }
    return out;
  }

  explain(): Explain {
    return { name: `[function] ${this.name}()`, children: [] };
  }
}
