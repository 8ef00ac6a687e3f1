// Vector ∘ vector arithmetic and comparison with one-to-one, many-to-one and one-to-many
// matching, and the experimental fill modifiers. Output series are every pairing the
// signatures allow, known before any sample is read.
import type { BinaryOp, VectorMatching } from "../../promql/index.js";
import { execution } from "../errors.js";
import type { QueryContext } from "../exec/context.js";
import { compareLabels, labelsKey, formatLabels, keepLabels, removeLabels, setLabel, getLabel, type Labels } from "../../storeapi/index.js";
import { pushHistogram, type Explain, type Operator, type SeriesMeta, type StepVector } from "../model.js";
import { incompatibleTypesInBinOpInfo, type AnnotationText } from "../annotations.js";
import type { FloatHistogram } from "../histogram/index.js";
import { histogramBinop } from "./histogram_binop.js";
import type { PosRange } from "../types.js";
import { arith, compare, isComparison, isTrim, keepsMetricName } from "./arith.js";
import { signatureIds, signer, type Signer } from "./matching.js";

const NONE = -1;

export class VectorBinaryOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;
  private manyMeta: readonly SeriesMeta[] = [];
  private oneMeta: readonly SeriesMeta[] = [];
  private manySig: Int32Array = new Int32Array(0);
  private oneSig: Int32Array = new Int32Array(0);
  /** Output id of (many series, one series), keyed many*nOne+one. */
  private pairOut = new Map<number, number>();
  /** Output id of a many series whose one side is filled, and of a one series whose many side is. */
  private manyAlone = new Int32Array(0);
  private oneAlone = new Int32Array(0);
  private oneAt = new Int32Array(0);
  private oneStamp = new Int32Array(0);
  private matchStamp = new Int32Array(0);
  private outStamp = new Int32Array(0);
  private stamp = 0;
  private readonly swapped: boolean;
  private readonly sign: Signer;
  private readonly fillMany: number | undefined;
  private readonly fillOne: number | undefined;

  constructor(
    private readonly ctx: QueryContext,
    private readonly op: BinaryOp,
    private readonly lhs: Operator,
    private readonly rhs: Operator,
    private readonly matching: VectorMatching,
    private readonly returnBool: boolean,
    private readonly pos: PosRange,
  ) {
    this.swapped = matching.card === "one-to-many";
    this.sign = signer(matching);
    // As in Prometheus, fill_left fills the "many" side and fill_right the "one" side, also for group_right.
    this.fillMany = matching.fillLeft;
    this.fillOne = matching.fillRight;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    if (this.meta !== undefined) return this.meta;
    const [l, r] = await Promise.all([this.lhs.series(), this.rhs.series()]);
    this.manyMeta = this.swapped ? r : l;
    this.oneMeta = this.swapped ? l : r;
    const sigs = signatureIds(this.sign, [this.manyMeta, this.oneMeta]);
    this.manySig = sigs.ids[0]!;
    this.oneSig = sigs.ids[1]!;
    this.oneAt = new Int32Array(sigs.count);
    this.oneStamp = new Int32Array(sigs.count).fill(-1);
    this.matchStamp = new Int32Array(sigs.count).fill(-1);

    const out: SeriesMeta[] = [];
    const index = new Map<string, number>();
    const intern = (labels: Labels, dropName: boolean): number => {
      const key = labelsKey(labels);
      let id = index.get(key);
      if (id === undefined) {
        id = out.length;
        index.set(key, id);
        out.push({ labels, dropName });
      }
      return id;
    };
    const bySig = new Map<number, number[]>();
    for (let j = 0; j < this.oneMeta.length; j++) {
      const s = this.oneSig[j]!;
      const list = bySig.get(s);
      if (list) list.push(j);
      else bySig.set(s, [j]);
    }
    const keepsName = keepsMetricName(this.op, this.returnBool);
    const nOne = this.oneMeta.length;
    this.manyAlone = new Int32Array(this.manyMeta.length).fill(NONE);
    for (let i = 0; i < this.manyMeta.length; i++) {
      const m = this.manyMeta[i]!;
      const drop = keepsName ? m.dropName : true;
      for (const j of bySig.get(this.manySig[i]!) ?? []) {
        this.pairOut.set(i * nOne + j, intern(this.resultLabels(m.labels, this.oneMeta[j]!.labels), drop));
      }
      if (this.fillOne !== undefined) this.manyAlone[i] = intern(this.resultLabels(m.labels, undefined), drop);
    }
    this.oneAlone = new Int32Array(nOne).fill(NONE);
    if (this.fillMany !== undefined) {
      for (let j = 0; j < nOne; j++) this.oneAlone[j] = intern(this.sign.matchLabels(this.oneMeta[j]!.labels), true);
    }
    this.outStamp = new Int32Array(out.length).fill(-1);
    this.meta = out;
    return out;
  }

  /** Labels of a result: the many side's, narrowed to the match for one-to-one, plus group_x labels. */
  private resultLabels(many: Labels, one: Labels | undefined): Labels {
    const m = this.matching;
    let ls = many;
    if (m.card === "one-to-one") {
      ls = m.on ? keepLabels(ls, new Set(m.matchingLabels)) : removeLabels(ls, new Set(m.matchingLabels));
    }
    for (const name of m.include) ls = setLabel(ls, name, one ? getLabel(one, name) : "");
    return ls;
  }

  async next(): Promise<StepVector[] | null> {
    await this.series();
    const [lb, rb] = await Promise.all([this.lhs.next(), this.rhs.next()]);
    if (lb === null || rb === null) {
      if (lb) this.ctx.pool.putAll(lb);
      if (rb) this.ctx.pool.putAll(rb);
      return null;
    }
    const out: StepVector[] = [];
    for (let i = 0; i < lb.length; i++) {
      const many = this.swapped ? rb[i]! : lb[i]!;
      const one = this.swapped ? lb[i]! : rb[i]!;
      out.push(this.combine(many, one));
      this.ctx.pool.put(lb[i]!);
      this.ctx.pool.put(rb[i]!);
    }
    return out;
  }

  private combine(many: StepVector, one: StepVector): StepVector {
    if (many.hn > 0 || one.hn > 0) return this.combineWithHistograms(many, one);
    const stamp = this.stamp++;
    const res = this.ctx.pool.get(many.t, this.meta!.length);
    let n = 0;
    // Index the one side by signature; two samples with one signature is many-to-many.
    for (let k = 0; k < one.n; k++) {
      const s = this.oneSig[one.ids[k]!]!;
      if (this.oneStamp[s] === stamp) this.duplicateOnOneSide(one.ids[this.oneAt[s]!]!, one.ids[k]!);
      this.oneStamp[s] = stamp;
      this.oneAt[s] = k;
    }
    const cmp = isComparison(this.op);
    for (let k = 0; k < many.n; k++) {
      const mid = many.ids[k]!;
      const outId = this.matchOut(mid, one, stamp);
      if (outId === NONE) continue;
      const ok = this.matched;
      const value = this.apply(many.v[k]!, ok >= 0 ? one.v[ok]! : this.fillOne!, cmp);
      if (value === undefined) continue;
      this.claim(outId, stamp);
      res.ids[n] = outId;
      res.v[n++] = value;
    }
    if (this.fillMany !== undefined) {
      for (let k = 0; k < one.n; k++) {
        const s = this.oneSig[one.ids[k]!]!;
        if (this.matchStamp[s] === stamp) continue;
        const value = this.apply(this.fillMany, one.v[k]!, cmp);
        if (value === undefined) continue;
        const outId = this.oneAlone[one.ids[k]!]!;
        if (this.outStamp[outId] === stamp) continue;
        this.outStamp[outId] = stamp;
        res.ids[n] = outId;
        res.v[n++] = value;
      }
    }
    res.n = n;
    return res;
  }

  /** Index in `one` of the sample matched by the last matchOut (-1: filled). */
  private matched = -1;

  /** The output id of many-side series `mid` this step (NONE: no match and no fill); sets `matched`. */
  private matchOut(mid: number, one: StepVector, stamp: number): number {
    const s = this.manySig[mid]!;
    if (this.oneStamp[s] === stamp) {
      const ok = this.oneAt[s]!;
      this.matched = ok;
      const oid = ok < one.n ? one.ids[ok]! : one.hIds![ok - one.n]!;
      if (this.matching.card === "one-to-one" && this.matchStamp[s] === stamp) {
        throw execution("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)", this.pos);
      }
      this.matchStamp[s] = stamp;
      return this.pairOut.get(mid * this.oneMeta.length + oid)!;
    }
    this.matched = -1;
    return this.fillOne !== undefined ? this.manyAlone[mid]! : NONE;
  }

  private claim(outId: number, stamp: number): void {
    if (this.outStamp[outId] === stamp) throw execution("multiple matches for labels: grouping labels must ensure unique matches", this.pos);
    this.outStamp[outId] = stamp;
  }

  /**
   * combine() for a step with histograms on either side: sample k of a side is its float k for
   * k < n, else its histogram k − n; a pairing with a histogram follows histogramBinop's rules.
   */
  private combineWithHistograms(many: StepVector, one: StepVector): StepVector {
    const stamp = this.stamp++;
    const res = this.ctx.pool.get(many.t, this.meta!.length);
    const report = (a: AnnotationText): void => this.ctx.annotations.report(a, this.pos);
    const oneTotal = one.n + one.hn;
    for (let k = 0; k < oneTotal; k++) {
      const id = k < one.n ? one.ids[k]! : one.hIds![k - one.n]!;
      const s = this.oneSig[id]!;
      if (this.oneStamp[s] === stamp) {
        const prev = this.oneAt[s]!;
        this.duplicateOnOneSide(prev < one.n ? one.ids[prev]! : one.hIds![prev - one.n]!, id);
      }
      this.oneStamp[s] = stamp;
      this.oneAt[s] = k;
    }
    const cmp = isComparison(this.op);
    const emit = (outId: number, mf: number, mh: FloatHistogram | undefined, of: number, oh: FloatHistogram | undefined): void => {
      const [lf, lh, rf, rh] = this.swapped ? [of, oh, mf, mh] : [mf, mh, of, oh];
      if (lh === undefined && rh === undefined) {
        const value = this.apply(mf, of, cmp);
        if (value === undefined) return;
        this.claim(outId, stamp);
        res.ids[res.n] = outId;
        res.v[res.n++] = value;
        return;
      }
      const r = histogramBinop(this.op, lf, lh, rf, rh, this.returnBool, report);
      if (r === undefined) return;
      this.claim(outId, stamp);
      if (r.h !== undefined) pushHistogram(res, outId, r.h);
      else {
        res.ids[res.n] = outId;
        res.v[res.n++] = r.v;
      }
    };
    const manyTotal = many.n + many.hn;
    for (let k = 0; k < manyTotal; k++) {
      const isFloat = k < many.n;
      const mid = isFloat ? many.ids[k]! : many.hIds![k - many.n]!;
      const outId = this.matchOut(mid, one, stamp);
      if (outId === NONE) continue;
      const ok = this.matched;
      const mf = isFloat ? many.v[k]! : 0;
      const mh = isFloat ? undefined : many.h![k - many.n]!;
      if (ok < 0) emit(outId, mf, mh, this.fillOne!, undefined);
      else if (ok < one.n) emit(outId, mf, mh, one.v[ok]!, undefined);
      else emit(outId, mf, mh, 0, one.h![ok - one.n]!);
    }
    if (this.fillMany !== undefined) {
      for (let k = 0; k < oneTotal; k++) {
        const isFloat = k < one.n;
        const oid = isFloat ? one.ids[k]! : one.hIds![k - one.n]!;
        if (this.matchStamp[this.oneSig[oid]!] === stamp) continue;
        const outId = this.oneAlone[oid]!;
        if (this.outStamp[outId] === stamp) continue;
        emit(outId, this.fillMany, undefined, isFloat ? one.v[k]! : 0, isFloat ? undefined : one.h![k - one.n]!);
      }
    }
    return res;
  }

  /** The result of many ∘ one in the written order; undefined when a comparison filters it out. */
  private apply(mv: number, ov: number, cmp: boolean): number | undefined {
    const a = this.swapped ? ov : mv;
    const b = this.swapped ? mv : ov;
    if (isTrim(this.op)) {
      // A trim needs a histogram on the left; two floats give no sample, as in Prometheus.
      this.ctx.annotations.report(incompatibleTypesInBinOpInfo("float", this.op, "float"), this.pos);
      return undefined;
    }
    if (!cmp) return arith(this.op, a, b);
    const keep = compare(this.op, a, b);
    if (this.returnBool) return keep ? 1 : 0;
    return keep ? a : undefined;
  }

  private duplicateOnOneSide(first: number, second: number): never {
    const a = this.oneMeta[first]!.labels;
    const b = this.oneMeta[second]!.labels;
    const [x, y] = compareLabels(a, b) < 0 ? [a, b] : [b, a];
    const side = this.swapped ? "left" : "right";
    throw execution(
      `found duplicate series for the match group ${formatLabels(this.sign.matchLabels(a))} on the ${side} hand-side of the operation: [${formatLabels(x)}, ${formatLabels(y)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      this.pos,
    );
  }

  explain(): Explain {
    return { name: `[vectorBinary] ${this.op} ${this.matching.card}`, children: [this.lhs.explain(), this.rhs.explain()] };
  }
}
