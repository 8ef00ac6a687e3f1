// absent(v) / absent_over_time(m): one series, 1 at the steps where the input has no sample.
import type { SelectorNode } from "../../planner/index.js";
import type { QueryContext } from "../exec/context.js";
import { METRIC_NAME, sortLabelsByName, type Labels } from "../../storeapi/index.js";
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";

/** Labels of absent()'s result: the selector's equality matchers (a name seen twice is left out). */
export function absentLabels(sel: SelectorNode | undefined): Labels {
  if (sel === undefined) return [];
  const counts = new Map<string, number>();
  for (const m of sel.matchers) counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
  const out = sel.matchers
    .filter((m) => m.op === "=" && m.name !== METRIC_NAME && counts.get(m.name) === 1)
    .map((m) => ({ name: m.name, value: m.value }));
  return sortLabelsByName(out);
}

export class AbsentOperator implements Operator {
  readonly kind = "vector";

  constructor(
    private readonly ctx: QueryContext,
    private readonly input: Operator,
    private readonly labels: Labels,
    private readonly name: string,
  ) {}

  async series(): Promise<readonly SeriesMeta[]> {
    await this.input.series();
    return [{ labels: this.labels, dropName: false }];
  }

  async next(): Promise<StepVector[] | null> {
    const batch = await this.input.next();
    if (batch === null) return null;
    const out: StepVector[] = [];
    for (const sv of batch) {
      const res = this.ctx.pool.get(sv.t, 1);
      if (sv.n === 0 && sv.hn === 0) {
        res.ids[0] = 0;
        res.v[0] = 1;
        res.n = 1;
      }
      out.push(res);
      this.ctx.pool.put(sv);
    }
    return out;
  }

  explain(): Explain {
    return { name: `[function] ${this.name}`, children: [this.input.explain()] };
  }
}
