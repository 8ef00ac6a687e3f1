// A function with no float result (histogram_count on floats, …): reads its input, outputs nothing.
import type { QueryContext } from "../exec/context.js";
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";

export class EmptyOperator implements Operator {
  readonly kind = "vector";
  constructor(
    private readonly ctx: QueryContext,
    private readonly input: Operator,
    private readonly name: string,
  ) {}

  async series(): Promise<readonly SeriesMeta[]> {
    return (await this.input.series()).map((m) => ({ labels: m.labels, dropName: true }));
  }

  async next(): Promise<StepVector[] | null> {
    const b = await this.input.next();
    if (b === null) return null;
    for (const sv of b) sv.n = 0;
    return b;
  }

  explain(): Explain {
    return { name: `[function] ${this.name}`, children: [this.input.explain()] };
  }
}
