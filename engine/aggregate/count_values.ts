// count_values: its output series depend on the values seen, so the input is read in full first.
import { formatGoFloat } from "../../promql/index.js";
import type { QueryContext } from "../exec/context.js";
import { labelsKey, setLabel } from "../../storeapi/index.js";
import { MaterializedSteps, type Explain, type Operator, type SeriesMeta, type StepVector } from "../model.js";
import { groupSeries } from "./grouping.js";

export class CountValuesOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;
  private readonly steps = new MaterializedSteps();

  constructor(
    private readonly ctx: QueryContext,
    private readonly input: Operator,
    private readonly label: string,
    private readonly grouping: string[],
    private readonly without: boolean,
  ) {}

  private async init(): Promise<SeriesMeta[]> {
    if (this.meta !== undefined) return this.meta;
    const g = groupSeries(await this.input.series(), this.grouping, this.without);
    const index = new Map<string, number>();
    const meta: SeriesMeta[] = [];
    for (;;) {
      const batch = await this.input.next();
      if (batch === null) break;
      for (const sv of batch) {
        const counts = new Map<number, number>();
        for (let k = 0; k < sv.n; k++) {
          const grp = g.meta[g.of[sv.ids[k]!]!]!;
          const ls = setLabel(grp.labels, this.label, formatGoFloat(sv.v[k]!));
          const key = labelsKey(ls);
          let id = index.get(key);
          if (id === undefined) {
            id = meta.length;
            index.set(key, id);
            meta.push({ labels: ls, dropName: grp.dropName });
          }
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        const ids = [...counts.keys()].sort((a, b) => a - b);
        this.steps.push(sv.t, ids, ids.map((i) => counts.get(i)!));
        this.ctx.pool.put(sv);
      }
    }
    this.meta = meta;
    return meta;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    return this.init();
  }

  async next(): Promise<StepVector[] | null> {
    await this.init();
    return this.steps.next(this.ctx.pool, this.ctx.stepsBatch);
  }

  explain(): Explain {
    return { name: `[countValues] ${this.label}`, children: [this.input.explain()] };
  }
}
