// histogram_quantile / histogram_fraction over classic `le` buckets: series grouped by all labels
// but `le`, buckets sorted by upper bound each step, then the library's bucket interpolation.
// Native histogram samples are evaluated one by one into an output series with their own labels
// (a series without a valid `le`); where one meets classic buckets with the same labels at a step,
// neither is evaluated and Prometheus's mixed classic/native warning is raised.
import { classicHistogramFraction, classicHistogramQuantile } from "../functions/index.js";
import { histogramFraction, histogramQuantile, type HistogramResult } from "../histogram/index.js";
import type { QueryContext } from "../exec/context.js";
import { getLabel, labelsKey, METRIC_NAME, removeLabels, setLabel } from "../../storeapi/index.js";
import { formatGoFloat } from "../../promql/index.js";
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";
import type { PosRange } from "../types.js";
import { badBucketLabelWarning, histogramQuantileForcedMonotonicityInfo, invalidQuantileWarning, mixedClassicNativeHistogramsWarning } from "../annotations.js";

export class HistogramQuantileOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;
  private groupOf = new Int32Array(0);
  /** Output group of each input series' native histogram samples (-1: a classic bucket series). */
  private nativeOf = new Int32Array(0);
  /** Input series whose float samples carry a missing or malformed `le` (warned when a float arrives). */
  private badLe: (string | undefined)[] = [];
  private names: string[] = [];
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

  private inputLabels: SeriesMeta["labels"][] = [];

  async series(): Promise<readonly SeriesMeta[]> {
    if (this.meta !== undefined) return this.meta;
    const input = await this.input.series();
    this.inputLabels = input.map((m) => m.labels);
    const index = new Map<string, number>();
    const meta: SeriesMeta[] = [];
    const le = new Set(["le"]);
    this.groupOf = new Int32Array(input.length).fill(-1);
    this.nativeOf = new Int32Array(input.length).fill(-1);
    this.badLe = new Array<string | undefined>(input.length);
    this.upper = new Float64Array(input.length);
    const groupFor = (ls: SeriesMeta["labels"]): number => {
      const key = labelsKey(ls);
      let g = index.get(key);
      if (g === undefined) {
        g = meta.length;
        index.set(key, g);
        meta.push({ labels: ls, dropName: true });
        this.members.push([]);
      }
      return g;
    };
    for (let i = 0; i < input.length; i++) {
      const m = input[i]!;
      const raw = getLabel(m.labels, "le");
      const ub = parseBound(raw);
      if (ub === undefined) {
        // Floats here have no bucket to be; histograms are evaluated under the series' own labels.
        this.badLe[i] = raw;
        this.nativeOf[i] = groupFor(m.labels);
        continue;
      }
      this.groupOf[i] = groupFor(removeLabels(m.labels, le));
      this.upper[i] = ub;
    }
    this.names = meta.map((m) => getLabel(m.labels, METRIC_NAME));
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
      const id = sv.ids[k]!;
      const g = this.groupOf[id]!;
      if (g >= 0) this.members[g]!.push(k);
      else this.warnBadLe(id);
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
    n = this.evalNative(sv, res, n);
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

  /** A float sample from a series without a valid `le`: Prometheus's bad-bucket-label warning. */
  private warnBadLe(id: number): void {
    this.ctx.annotations.report(badBucketLabelWarning(getLabel(this.inputLabels[id]!, METRIC_NAME), this.badLe[id] ?? ""), this.inputPos);
  }

  /** The native histogram samples of a step, each into its own output series; returns the new count. */
  private evalNative(sv: StepVector, res: StepVector, n: number): number {
    const nq = this.name === "histogram_quantiles" ? this.params.length : 1;
    for (let k = 0; k < sv.hn; k++) {
      const g = this.nativeOf[sv.hIds![k]!]!;
      if (g < 0) continue;
      const name = this.names[g]!;
      if (this.members[g]!.length > 0) {
        // Classic buckets and a native histogram with the same labels: neither is evaluated.
        this.ctx.annotations.report(mixedClassicNativeHistogramsWarning(name), this.inputPos);
        this.members[g]!.length = 0;
        continue;
      }
      const h = sv.h![k]!;
      for (let qi = 0; qi < nq; qi++) {
        const r: HistogramResult =
          this.name === "histogram_fraction"
            ? histogramFraction(this.params[0]![this.step]!, this.params[1]![this.step]!, h, name)
            : histogramQuantile(this.params[qi]![this.step]!, h, name);
        if (r.annotation !== undefined) this.ctx.annotations.report(r.annotation, this.inputPos);
        res.ids[n] = g * nq + qi;
        res.v[n++] = r.value;
      }
    }
    return n;
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
