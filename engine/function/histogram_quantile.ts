// histogram_quantile / histogram_fraction over classic `le` buckets: series grouped by all labels
// but `le`, buckets sorted by upper bound each step, then the library's bucket interpolation.
import { classicHistogramFraction, classicHistogramQuantile } from "../functions/index.js";
import type { QueryContext } from "../exec/context.js";
import { getLabel, labelsKey, METRIC_NAME, removeLabels, setLabel } from "../../storeapi/index.js";
import { formatGoFloat } from "../../promql/index.js";
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";
import type { PosRange } from "../types.js";
import { badBucketLabelWarning, histogramQuantileForcedMonotonicityInfo, invalidQuantileWarning } from "../annotations.js";

export class HistogramQuantileOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;
  private groupOf = new Int32Array(0);
  private upper = new Float64Array(0);
  private members: number[][] = [];
  private step = 0;
  private bounds = new Float64Array(16);
  private counts = new Float64Array(16);
  private order: number[] = [];

  constructor(
    private readonly ctx: QueryContext,
    private readonly name: "histogram_quantile" | "histogram_fraction" | "histogram_quantiles",
    private readonly input: Operator,
    /** φ for quantile; lower and upper for fraction, per step. */
    private readonly params: Float64Array[],
    private readonly paramPos: PosRange | undefined,
    private readonly inputPos: PosRange,
    /** histogram_quantiles: the label naming each quantile's output series. */
    private readonly quantileLabel = "",
  ) {}

  async series(): Promise<readonly SeriesMeta[]> {
    if (this.meta !== undefined) return this.meta;
    const input = await this.input.series();
    const index = new Map<string, number>();
    const meta: SeriesMeta[] = [];
    const le = new Set(["le"]);
    this.groupOf = new Int32Array(input.length).fill(-1);
    this.upper = new Float64Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const m = input[i]!;
      const raw = getLabel(m.labels, "le");
      const ub = parseBound(raw);
      if (ub === undefined) {
        this.ctx.annotations.report(badBucketLabelWarning(getLabel(m.labels, METRIC_NAME), raw), this.inputPos);
        continue;
      }
      const ls = removeLabels(m.labels, le);
      const key = labelsKey(ls);
      let g = index.get(key);
      if (g === undefined) {
        g = meta.length;
        index.set(key, g);
        meta.push({ labels: ls, dropName: true });
        this.members.push([]);
      }
      this.groupOf[i] = g;
      this.upper[i] = ub;
    }
    if (this.name === "histogram_quantiles") {
      this.meta = [];
      for (const g of meta) {
        for (const q of this.params) this.meta.push({ labels: setLabel(g.labels, this.quantileLabel, quantileName(q[0]!)), dropName: true });
      }
      return this.meta;
    }
    this.meta = meta;
    return meta;
  }

  async next(): Promise<StepVector[] | null> {
    const meta = await this.series();
    const batch = await this.input.next();
    if (batch === null) return null;
    const out: StepVector[] = [];
    for (const sv of batch) {
      out.push(this.evalStep(sv, meta));
      this.ctx.pool.put(sv);
      this.step++;
    }
    return out;
  }

  private evalStep(sv: StepVector, meta: readonly SeriesMeta[]): StepVector {
    for (const m of this.members) m.length = 0;
    for (let k = 0; k < sv.n; k++) {
      const g = this.groupOf[sv.ids[k]!]!;
      if (g >= 0) this.members[g]!.push(k);
    }
    const res = this.ctx.pool.get(sv.t, meta.length);
    let n = 0;
    const p0 = this.params[0]![this.step]!;
    if (this.name !== "histogram_fraction") {
      for (const q of this.params) {
        const v = q[this.step]!;
        const invalid = invalidQuantileWarning(v);
        if (invalid !== undefined) this.ctx.annotations.report(invalid, this.paramPos);
      }
    }
    for (let g = 0; g < this.members.length; g++) {
      const ks = this.members[g]!;
      if (ks.length === 0) continue;
      const nb = ks.length;
      if (this.bounds.length < nb) {
        this.bounds = new Float64Array(2 * nb);
        this.counts = new Float64Array(2 * nb);
      }
      const ord = this.order;
      ord.length = 0;
      for (const k of ks) ord.push(k);
      ord.sort((a, b) => this.upper[sv.ids[a]!]! - this.upper[sv.ids[b]!]!);
      for (let j = 0; j < nb; j++) {
        this.bounds[j] = this.upper[sv.ids[ord[j]!]!]!;
        this.counts[j] = sv.v[ord[j]!]!;
      }
      let value: number;
      if (this.name === "histogram_quantiles") {
        for (let qi = 0; qi < this.params.length; qi++) {
          const r = classicHistogramQuantile(this.params[qi]![this.step]!, this.bounds, this.counts, nb);
          if (r.forcedMonotonic) this.monotonicityInfo(meta[g * this.params.length]!);
          res.ids[n] = g * this.params.length + qi;
          res.v[n++] = r.value;
        }
        continue;
      } else if (this.name === "histogram_quantile") {
        const r = classicHistogramQuantile(p0, this.bounds, this.counts, nb);
        value = r.value;
        if (r.forcedMonotonic) this.monotonicityInfo(meta[g]!);
      } else {
        const r = classicHistogramFraction(p0, this.params[1]![this.step]!, this.bounds, this.counts, nb) as unknown;
        value = typeof r === "number" ? r : (r as { value: number }).value;
      }
      res.ids[n] = g;
      res.v[n++] = value;
    }
    res.n = n;
    return res;
  }

  private monotonicityInfo(m: SeriesMeta): void {
    this.ctx.annotations.report(histogramQuantileForcedMonotonicityInfo(getLabel(m.labels, METRIC_NAME)), this.inputPos);
  }

  explain(): Explain {
    return { name: `[function] ${this.name}`, children: [this.input.explain()] };
  }
}

function parseBound(s: string): number | undefined {
  const t = s.trim();
  if (t === "") return undefined;
  if (/^\+?inf$/i.test(t)) return Infinity;
  if (/^-inf$/i.test(t)) return -Infinity;
  if (/^nan$/i.test(t)) return NaN;
  const v = Number(t);
  if (Number.isNaN(v) && !/^[+-]?(\d|\.\d)/.test(t)) return undefined;
  return Number.isNaN(v) ? undefined : v;
}

/** A quantile as a label value: shortest decimal, integers with ".0" ("0.0", "0.25", "NaN"). */
function quantileName(q: number): string {
  const s = formatGoFloat(q);
  return /^-?\d+$/.test(s) ? s + ".0" : s;
}
