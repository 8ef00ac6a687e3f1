// topk, bottomk, limitk and limit_ratio: per group, pick input samples; output series are the
// input series themselves (labels and pending name removal unchanged).
import type { AggregateOp } from "../../promql/index.js";
import { execution } from "../errors.js";
import type { QueryContext } from "../exec/context.js";
import { labelsHash } from "../../storeapi/index.js";
import { pushHistogram, type Explain, type Operator, type SeriesMeta, type StepVector } from "../model.js";
import type { PosRange } from "../types.js";
import { formatGoG } from "../../promql/index.js";
import { histogramIgnoredInAggregationInfo, invalidRatioWarning } from "../annotations.js";
import { groupSeries, type Groups } from "./grouping.js";

export class KAggregateOperator implements Operator {
  readonly kind = "vector";
  private groups: Groups | undefined;
  private meta: readonly SeriesMeta[] = [];
  private ratioHash = new Float64Array(0);
  private buckets: number[][] = [];
  private step = 0;

  /** Its output series are some of its input's. */
  get distinctLabels(): boolean {
    return this.input.distinctLabels === true;
  }

  constructor(
    private readonly ctx: QueryContext,
    private readonly op: AggregateOp,
    private readonly input: Operator,
    private readonly grouping: string[],
    private readonly without: boolean,
    private readonly param: Float64Array,
    private readonly paramPos: PosRange | undefined,
    /** The whole aggregation, where topk/bottomk's ignored-histogram info points. */
    private readonly pos: PosRange | undefined = undefined,
  ) {}

  private async init(): Promise<Groups> {
    if (this.groups !== undefined) return this.groups;
    this.meta = await this.input.series();
    const g = groupSeries(this.meta, this.grouping, this.without);
    this.buckets = g.meta.map(() => []);
    if (this.op === "limit_ratio") this.ratioHash = Float64Array.from(this.meta, (m) => labelsHash(m.labels) / 2 ** 53);
    this.groups = g;
    return g;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    await this.init();
    return this.meta;
  }

  async next(): Promise<StepVector[] | null> {
    const g = await this.init();
    const batch = await this.input.next();
    if (batch === null) return null;
    const out: StepVector[] = [];
    for (const sv of batch) {
      out.push(this.selectStep(g, sv, this.param[this.step]!));
      this.ctx.pool.put(sv);
      this.step++;
    }
    return out;
  }

  private selectStep(g: Groups, sv: StepVector, p: number): StepVector {
    const res = this.ctx.pool.get(sv.t, sv.n + sv.hn);
    res.n = 0;
    if (this.op === "limit_ratio") return this.ratioStep(sv, p, res);
    if (p !== p) throw execution("Parameter value is NaN", this.paramPos);
    if (p >= 2 ** 63) throw execution(`Scalar value ${formatGoG(p)} overflows int64`, this.paramPos);
    const k = Math.trunc(p);
    if (k >= 1 && sv.hn > 0) {
      // topk/bottomk rank floats only; limitk keeps histograms like any sample.
      if (this.op !== "limitk") this.ctx.annotations.report(histogramIgnoredInAggregationInfo(this.op), this.pos);
      else return this.limitkMixed(g, sv, k, res);
    }
    if (k < 1 || sv.n === 0) return res;
    for (const b of this.buckets) b.length = 0;
    for (let i = 0; i < sv.n; i++) this.buckets[g.of[sv.ids[i]!]!]!.push(i);
    const values = sv.v;
    const top = this.op === "topk";
    const bottom = this.op === "bottomk";
    for (const b of this.buckets) {
      if (b.length === 0) continue;
      if ((top || bottom) && k < b.length && k <= 64) selectFirstK(b, values, k, top ? cmpDesc : cmpAsc);
      else if (top) b.sort((x, y) => cmpDesc(values[x]!, values[y]!));
      else if (bottom) b.sort((x, y) => cmpAsc(values[x]!, values[y]!));
      const m = Math.min(k, b.length);
      for (let j = 0; j < m; j++) {
        res.ids[res.n] = sv.ids[b[j]!]!;
        res.v[res.n++] = values[b[j]!]!;
      }
    }
    return res;
  }

  /** limitk over a step holding histograms: the first k samples of each group in series order, of either kind. */
  private limitkMixed(g: Groups, sv: StepVector, k: number, res: StepVector): StepVector {
    const order: number[] = [];
    for (let i = 0; i < sv.n; i++) order.push(i);
    for (let j = 0; j < sv.hn; j++) order.push(sv.n + j);
    const idOf = (x: number): number => (x < sv.n ? sv.ids[x]! : sv.hIds![x - sv.n]!);
    order.sort((a, b) => idOf(a) - idOf(b));
    for (const b of this.buckets) b.length = 0;
    for (const x of order) {
      const bucket = this.buckets[g.of[idOf(x)]!]!;
      if (bucket.length < k) bucket.push(x);
    }
    for (const b of this.buckets) {
      for (const x of b) {
        if (x < sv.n) {
          res.ids[res.n] = sv.ids[x]!;
          res.v[res.n++] = sv.v[x]!;
        } else pushHistogram(res, sv.hIds![x - sv.n]!, sv.h![x - sv.n]!);
      }
    }
    return res;
  }

  private ratioStep(sv: StepVector, p: number, res: StepVector): StepVector {
    if (p !== p) throw execution("Ratio value is NaN", this.paramPos);
    let r = p;
    if (r > 1 || r < -1) {
      r = r > 1 ? 1 : -1;
      this.ctx.annotations.report(invalidRatioWarning(p, r), this.paramPos);
    }
    for (let i = 0; i < sv.n; i++) {
      const h = this.ratioHash[sv.ids[i]!]!;
      const keep = r >= 0 ? h < r : h >= 1 + r;
      if (!keep) continue;
      res.ids[res.n] = sv.ids[i]!;
      res.v[res.n++] = sv.v[i]!;
    }
    for (let j = 0; j < sv.hn; j++) {
      const id = sv.hIds![j]!;
      const h = this.ratioHash[id]!;
      if (r >= 0 ? h < r : h >= 1 + r) pushHistogram(res, id, sv.h![j]!);
    }
    return res;
  }

  explain(): Explain {
    return { name: `[kAggregate] ${this.op}`, children: [this.input.explain()] };
  }
}

/** NaN always loses: last for topk, last for bottomk. */
function cmpDesc(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return b - a;
}
function cmpAsc(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a - b;
}

/** Moves the k best indices (by cmp, stable) to the front of b, in order: O(n·k) for small k. */
function selectFirstK(b: number[], values: Float64Array, k: number, cmp: (a: number, b: number) => number): void {
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const idx = b[i]!;
    const v = values[idx]!;
    if (n === k && cmp(v, values[b[n - 1]!]!) >= 0) continue;
    let j = n < k ? n++ : n - 1;
    while (j > 0 && cmp(v, values[b[j - 1]!]!) < 0) {
      b[j] = b[j - 1]!;
      j--;
    }
    b[j] = idx;
  }
  b.length = n;
}
