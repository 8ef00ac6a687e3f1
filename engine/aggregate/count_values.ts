// count_values: its output series depend on the values seen, so the input is read in full first.
import { formatGoFloat, formatGoG } from "../../promql/index.js";
import type { Bucket, FloatHistogram } from "../histogram/index.js";
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
        // A histogram counts by its text (Prometheus's FloatHistogram.String()), after the floats.
        for (let k = 0; k < sv.n + sv.hn; k++) {
          const sid = k < sv.n ? sv.ids[k]! : sv.hIds![k - sv.n]!;
          const grp = g.meta[g.of[sid]!]!;
          const text = k < sv.n ? formatGoFloat(sv.v[k]!) : histogramText(sv.h![k - sv.n]!);
          const ls = setLabel(grp.labels, this.label, text);
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

/** `{count:20, sum:10, [-2,-1):2, [-0.001,0.001]:2, (0.5,1]:1}`: Prometheus's FloatHistogram.String(). */
export function histogramText(h: FloatHistogram): string {
  let out = `{count:${formatGoG(h.count)}, sum:${formatGoG(h.sum)}`;
  const negative: string[] = [];
  for (const it = h.buckets("negative"); it.next(); ) if (it.count !== 0) negative.push(bucketText(it));
  for (let i = negative.length - 1; i >= 0; i--) out += ", " + negative[i];
  if (h.zeroCount !== 0) out += `, [${formatGoG(-h.zeroThreshold)},${formatGoG(h.zeroThreshold)}]:${formatGoG(h.zeroCount)}`;
  for (const it = h.buckets("positive"); it.next(); ) if (it.count !== 0) out += ", " + bucketText(it);
  return out + "}";
}

function bucketText(b: Bucket): string {
  return `${b.lowerInclusive ? "[" : "("}${formatGoG(b.lower)},${formatGoG(b.upper)}${b.upperInclusive ? "]" : ")"}:${formatGoG(b.count)}`;
}
