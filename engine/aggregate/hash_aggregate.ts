// sum, avg, min, max, count, group, stddev, stdvar and quantile: one accumulator per group,
// in typed arrays indexed by group, filled step by step.
import type { AggregateOp } from "../../promql/index.js";
import type { QueryContext } from "../exec/context.js";
import {
  histogramCounterResetCollisionWarning,
  histogramIgnoredInAggregationInfo,
  invalidQuantileWarning,
  mismatchedCustomBucketsHistogramsInfo,
  mixedExponentialCustomHistogramsWarning,
  mixedFloatsHistogramsAggWarning,
} from "../annotations.js";
import { pushHistogram, type Explain, type Operator, type SeriesMeta, type StepVector } from "../model.js";
import { CombineFlags, HistogramMean, type FloatHistogram } from "../histogram/index.js";
import { CounterResetHint, getLabel, METRIC_NAME } from "../../storeapi/index.js";
import type { PosRange } from "../types.js";
import { groupSeries, type Groups } from "./grouping.js";
import { kahanAddAt, kahanResult, kahanSumInc } from "../functions/index.js";
import { VectorSelectorOperator } from "../scan/vector_selector.js";
import { RangeFunctionOperator } from "../function/range_function.js";
import { aggregateFloatReads, aggregateFloatRows, GROUPED_STEPS_MOST, type GroupedSteps } from "./grouped_steps.js";
import type { GroupShare } from "../parallel/offload.js";

export class HashAggregateOperator implements Operator {
  readonly kind = "vector";
  /** One output series per group. */
  readonly distinctLabels = true;
  private groups: Groups | undefined;
  private value = new Float64Array(0);
  private comp = new Float64Array(0);
  private mean = new Float64Array(0);
  private count = new Float64Array(0);
  private incremental = new Uint8Array(0);
  private lists: number[][] = [];
  private readonly pair = new Float64Array(2);
  private step = 0;
  /** Histogram state per group, made on the first histogram a query meets (float-only queries never pay for it). */
  private hist: HistogramGroups | undefined;
  private inputMeta: readonly SeriesMeta[] = [];
  /** sum, count or group of every step at once, from a vector selector or range function (grouped_steps.ts); null: from its step vectors. */
  private grouped: Grouped | null | undefined;

  constructor(
    private readonly ctx: QueryContext,
    private readonly op: AggregateOp,
    private readonly input: Operator,
    private readonly grouping: string[],
    private readonly without: boolean,
    /** quantile's φ per step. */
    private readonly param: Float64Array | undefined,
    private readonly paramPos: PosRange | undefined,
    /** The aggregated expression, where histogram annotations point. */
    private readonly exprPos: PosRange | undefined = undefined,
  ) {}

  private async init(): Promise<Groups> {
    if (this.groups !== undefined) return this.groups;
    this.inputMeta = await this.input.series();
    const g = groupSeries(this.inputMeta, this.grouping, this.without);
    const n = g.meta.length;
    this.value = new Float64Array(n);
    this.comp = new Float64Array(n);
    this.mean = new Float64Array(n);
    this.count = new Float64Array(n);
    this.incremental = new Uint8Array(n);
    if (this.op === "quantile") this.lists = g.meta.map(() => []);
    this.groups = g;
    return g;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    return (await this.init()).meta;
  }

  async next(): Promise<StepVector[] | null> {
    const g = await this.init();
    if (this.grouped === undefined) this.grouped = await this.readGrouped(g);
    if (this.grouped !== null) return this.groupedBatch(g, this.grouped);
    const batch = await this.input.next();
    if (batch === null) return null;
    const out: StepVector[] = [];
    for (const sv of batch) {
      out.push(this.aggregateStep(g, sv));
      this.ctx.pool.put(sv);
      this.step++;
    }
    return out;
  }

  /**
   * A range query's sum, count or group of a vector selector's floats or a range function's float
   * results, its groups × steps within GROUPED_STEPS_MOST: every step's groups at once, from the
   * series read whole. Null for any other aggregation or input (then it reads step vectors).
   */
  private async readGrouped(g: Groups): Promise<Grouped | null> {
    const op = this.op;
    const input = this.input;
    if (op !== "sum" && op !== "count" && op !== "group") return null;
    const grouping = { of: g.of, groups: g.meta.length, sum: op === "sum" };
    const fits = (steps: number): boolean => steps > this.ctx.stepsBatch && grouping.groups * steps <= GROUPED_STEPS_MOST;
    if (input instanceof VectorSelectorOperator) {
      if (!fits(input.steps())) return null;
      const reads = await input.floatReads(grouping);
      if (reads === undefined) return null;
      return { acc: await aggregateFloatReads(reads, grouping.of, grouping.groups, grouping.sum, this.ctx.signal), times: reads.times, countReads: true, share: reads.share };
    }
    if (input instanceof RangeFunctionOperator) {
      if (!fits(input.steps())) return null;
      const rows = await input.floatRows(grouping);
      if (rows === undefined) return null;
      return { acc: await aggregateFloatRows(rows, grouping.of, grouping.groups, grouping.sum, this.ctx.signal), times: rows.times, countReads: false, share: rows.share };
    }
    return null;
  }

  /** The next batch of steps from the grouped accumulators; a selector's reads at each step counted as it counts its step vector. */
  private groupedBatch(g: Groups, grouped: Grouped): StepVector[] | null {
    const { acc, times } = grouped;
    const steps = times.length;
    if (this.step >= steps) return null;
    const last = Math.min(steps, this.step + this.ctx.stepsBatch);
    const ng = g.meta.length;
    const out: StepVector[] = [];
    for (let k = this.step; k < last; k++) {
      if (grouped.countReads) {
        // The floats read at this step, each counted in its group: what the step vector would have held.
        let read = 0;
        for (let grp = 0, cell = k; grp < ng; grp++, cell += steps) read += acc.count[cell]!;
        this.ctx.samples.read(read);
        this.ctx.samples.check(read);
      }
      const res = this.ctx.pool.get(times[k]!, ng);
      let n = 0;
      for (let grp = 0, cell = k; grp < ng; grp++, cell += steps) {
        const c = acc.count[cell]!;
        if (c === 0) continue;
        res.ids[n] = grp;
        res.v[n++] = this.op === "sum" ? kahanResult(acc.value[cell]!, acc.comp[cell]!) : this.op === "count" ? c : 1;
      }
      res.n = n;
      out.push(res);
    }
    this.step = last;
    // Every worker answered before the rows were handed here (aggregateFloatReads/Rows): read whole, they can go.
    if (last === steps) {
      grouped.share?.release();
      grouped.share = undefined;
    }
    return out;
  }

  private aggregateStep(g: Groups, sv: StepVector): StepVector {
    const ng = g.meta.length;
    this.count.fill(0, 0, ng);
    const op = this.op;
    if (op === "sum") this.sumFloats(g.of, sv);
    else if (op === "count" || op === "group") this.countFloats(g.of, sv);
    else {
      for (let k = 0; k < sv.n; k++) {
        const grp = g.of[sv.ids[k]!]!;
        this.add(grp, sv.v[k]!, op);
      }
    }
    const hist = sv.hn > 0 ? this.addHistograms(g, sv) : undefined;
    const res = this.ctx.pool.get(sv.t, ng);
    let n = 0;
    let q = NaN;
    if (op === "quantile") {
      q = this.param ? this.param[this.step]! : NaN;
      const invalid = invalidQuantileWarning(q);
      if (invalid !== undefined) this.ctx.annotations.report(invalid, this.paramPos);
    }
    for (let grp = 0; grp < ng; grp++) {
      const c = this.count[grp]!;
      if (c === 0) continue;
      if (hist !== undefined && hist.touched[grp] === 1) {
        this.histogramResult(hist, grp, c, res);
        continue;
      }
      res.ids[n] = grp;
      res.v[n++] = this.result(grp, c, q);
    }
    res.n = n;
    return res;
  }

  /**
   * A step's histogram samples: sum and avg add them up per group (a group mixing them with floats
   * gives no result), count and group count them, the other aggregations ignore them with an info.
   */
  private addHistograms(g: Groups, sv: StepVector): HistogramGroups | undefined {
    const op = this.op;
    if (op !== "sum" && op !== "avg" && op !== "count" && op !== "group") {
      this.ctx.annotations.report(histogramIgnoredInAggregationInfo(op), this.exprPos);
      return undefined;
    }
    if (op === "count" || op === "group") {
      for (let k = 0; k < sv.hn; k++) this.count[g.of[sv.hIds![k]!]!]++;
      return undefined;
    }
    const hist = (this.hist ??= new HistogramGroups(g.meta.length));
    hist.touched.fill(0);
    for (let k = 0; k < sv.hn; k++) {
      const id = sv.hIds![k]!;
      const grp = g.of[id]!;
      const h = sv.h![k]!;
      const first = hist.touched[grp] === 0;
      if (first) {
        hist.touched[grp] = 1;
        hist.sum[grp] = undefined;
        hist.compensation[grp] = undefined;
        hist.mean[grp] = undefined;
        hist.flags[grp] = 0;
        hist.histograms[grp] = 0;
      }
      this.count[grp]++;
      hist.histograms[grp]++;
      if (h.counterResetHint === CounterResetHint.CounterReset) hist.flags[grp] |= RESET_SEEN;
      else if (h.counterResetHint === CounterResetHint.NotCounterReset) hist.flags[grp] |= NOT_RESET_SEEN;
      if ((hist.flags[grp]! & INCOMPATIBLE) !== 0) continue;
      const flags = op === "avg" ? addToMean(hist, grp, h) : addToSum(hist, grp, h);
      if ((flags & CombineFlags.IncompatibleSchema) !== 0) {
        this.ctx.annotations.report(mixedExponentialCustomHistogramsWarning(getLabel(this.inputMeta[id]!.labels, METRIC_NAME)), this.exprPos);
        hist.flags[grp] |= INCOMPATIBLE;
      }
      if ((flags & CombineFlags.CustomBoundsReconciled) !== 0) this.ctx.annotations.report(mismatchedCustomBucketsHistogramsInfo("aggregation"), this.exprPos);
    }
    return hist;
  }

  /** The result of a group that met histograms this step (sum or avg). */
  private histogramResult(hist: HistogramGroups, grp: number, c: number, res: StepVector): void {
    if (hist.histograms[grp] !== c) {
      this.ctx.annotations.report(mixedFloatsHistogramsAggWarning(), this.exprPos);
      return;
    }
    const flags = hist.flags[grp]!;
    if ((flags & INCOMPATIBLE) !== 0) return;
    const h = this.op === "avg" ? hist.mean[grp]!.result() : sumResult(hist, grp);
    if ((flags & RESET_SEEN) !== 0 && (flags & NOT_RESET_SEEN) !== 0) {
      this.ctx.annotations.report(histogramCounterResetCollisionWarning("aggregation"), this.exprPos);
    }
    pushHistogram(res, grp, h);
  }

  /** A step's floats into their groups for sum, in one loop: `sum by (…) (rate(…))` runs this for every series at every step. */
  private sumFloats(of: Uint32Array, sv: StepVector): void {
    const { count, value, comp } = this;
    for (let k = 0; k < sv.n; k++) kahanAddAt(count, value, comp, of[sv.ids[k]!]!, sv.v[k]!);
  }

  /** A step's floats counted into their groups: count and group need nothing else, and `count by (…) (x)` runs this for every series at every step. */
  private countFloats(of: Uint32Array, sv: StepVector): void {
    const { count } = this;
    const ids = sv.ids;
    for (let k = 0; k < sv.n; k++) count[of[ids[k]!]!]++;
  }

  /** One float into its group, for every operation but sum (sumFloats) and count and group (countFloats). */
  private add(grp: number, f: number, op: AggregateOp): void {
    const first = this.count[grp] === 0;
    const c = ++this.count[grp]!;
    switch (op) {
      case "avg":
        this.addAvg(grp, f, c, first);
        return;
      case "min":
        if (first || this.value[grp]! > f || this.value[grp] !== this.value[grp]) this.value[grp] = f;
        return;
      case "max":
        if (first || this.value[grp]! < f || this.value[grp] !== this.value[grp]) this.value[grp] = f;
        return;
      case "stddev":
      case "stdvar": {
        if (first) {
          this.value[grp] = 0;
          this.mean[grp] = 0;
        }
        // Welford from zero, so a lone NaN or ±Inf gives NaN as in Prometheus.
        const delta = f - this.mean[grp]!;
        this.mean[grp] = this.mean[grp]! + delta / c;
        this.value[grp] = this.value[grp]! + delta * (f - this.mean[grp]!);
        return;
      }
      case "quantile":
        if (first) this.lists[grp]!.length = 0;
        this.lists[grp]!.push(f);
        return;
      default:
        return;
    }
  }

  /** Kahan-summed mean that falls back to an incremental mean once the sum overflows. */
  private addAvg(grp: number, f: number, c: number, first: boolean): void {
    if (first) {
      this.value[grp] = f;
      this.comp[grp] = 0;
      this.incremental[grp] = 0;
      return;
    }
    if (this.incremental[grp] === 0) {
      kahanSumInc(f, this.value[grp]!, this.comp[grp]!, this.pair);
      if (this.pair[0] !== Infinity && this.pair[0] !== -Infinity) {
        this.value[grp] = this.pair[0]!;
        this.comp[grp] = this.pair[1]!;
        return;
      }
      this.incremental[grp] = 1;
      this.mean[grp] = this.value[grp]! / (c - 1);
      this.comp[grp] = this.comp[grp]! / (c - 1);
    }
    const mean = this.mean[grp]!;
    if (mean === Infinity || mean === -Infinity) {
      if ((f === Infinity || f === -Infinity) && mean > 0 === f > 0) return;
      if (f !== Infinity && f !== -Infinity && f === f) return;
    }
    const cur = mean + this.comp[grp]!;
    kahanSumInc(f / c - cur / c, mean, this.comp[grp]!, this.pair);
    this.mean[grp] = this.pair[0]!;
    this.comp[grp] = this.pair[1]!;
  }

  private result(grp: number, c: number, q: number): number {
    switch (this.op) {
      case "sum":
        return kahanResult(this.value[grp]!, this.comp[grp]!);
      case "avg":
        if (this.incremental[grp]) return this.mean[grp]! + this.comp[grp]!;
        return this.value[grp]! / c + this.comp[grp]! / c;
      case "min":
      case "max":
        return this.value[grp]!;
      case "count":
        return c;
      case "group":
        return 1;
      case "stdvar":
        return this.value[grp]! / c;
      case "stddev":
        return Math.sqrt(this.value[grp]! / c);
      case "quantile":
        return quantileOf(q, this.lists[grp]!);
      default:
        return NaN;
    }
  }

  explain(): Explain {
    const by = this.without ? "without" : "by";
    return { name: `[aggregate] ${this.op} ${by} (${this.grouping.join(", ")})`, children: [this.input.explain()] };
  }
}

/** Every step's groups, read at once (readGrouped). */
interface Grouped {
  acc: GroupedSteps;
  times: Float64Array;
  /** Whether each step's floats are counted as read here (a vector selector's, which counts nothing itself). */
  countReads: boolean;
  /** Rows shared with the workers: given back for another read once every step is emitted. */
  share?: GroupShare;
}

const RESET_SEEN = 1;
const NOT_RESET_SEEN = 2;
const INCOMPATIBLE = 4;

/** Per-group histogram accumulators of sum and avg, reset per step by `touched`. */
class HistogramGroups {
  readonly touched: Uint8Array;
  readonly flags: Uint8Array;
  readonly histograms: Float64Array;
  readonly sum: (FloatHistogram | undefined)[];
  /** Kahan compensation of each group's sum. */
  readonly compensation: (FloatHistogram | undefined)[];
  /** avg's accumulator per group. */
  readonly mean: (HistogramMean | undefined)[];
  constructor(n: number) {
    this.mean = new Array<HistogramMean | undefined>(n);
    this.touched = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.histograms = new Float64Array(n);
    this.sum = new Array<FloatHistogram | undefined>(n);
    this.compensation = new Array<FloatHistogram | undefined>(n);
  }
}

/** sum: adds h to the group's Kahan sum (the first histogram starts it); kahanAdd's flags. */
function addToSum(hist: HistogramGroups, grp: number, h: FloatHistogram): CombineFlags {
  const acc = hist.sum[grp];
  if (acc === undefined) {
    hist.sum[grp] = h.copy();
    return CombineFlags.None;
  }
  const r = acc.kahanAdd(h, hist.compensation[grp]);
  hist.compensation[grp] = r.compensation;
  return r.flags;
}

/** avg: adds h to the group's mean (the first histogram starts it); kahanAdd's flags. */
function addToMean(hist: HistogramGroups, grp: number, h: FloatHistogram): CombineFlags {
  const acc = hist.mean[grp];
  if (acc === undefined) {
    hist.mean[grp] = new HistogramMean(h);
    return CombineFlags.None;
  }
  return acc.add(h);
}

function sumResult(hist: HistogramGroups, grp: number): FloatHistogram {
  const h = hist.sum[grp]!;
  const comp = hist.compensation[grp];
  if (comp !== undefined) h.add(comp);
  return h.compact(0);
}

/** φ-quantile with linear interpolation between neighbours; NaN sorts first. */
export function quantileOf(q: number, values: number[]): number {
  if (values.length === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  values.sort((a, b) => (a !== a ? (b !== b ? 0 : -1) : b !== b ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

