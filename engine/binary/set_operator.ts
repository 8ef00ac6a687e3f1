// and / or / unless: keep or drop whole samples by whether their signature occurs on the other side.
import type { BinaryExpr } from "../../promql/index.js";
import type { QueryContext } from "../exec/context.js";
import { pushHistogram, type Explain, type Operator, type SeriesMeta, type StepVector } from "../model.js";
import { signatureIds, signer } from "./matching.js";

export class SetOperator implements Operator {
  readonly kind = "vector";
  private meta: SeriesMeta[] | undefined;
  private lSig: Int32Array = new Int32Array(0);
  private rSig: Int32Array = new Int32Array(0);
  private seen = new Int32Array(0);
  private stamp = 0;
  private nLeft = 0;

  constructor(
    private readonly ctx: QueryContext,
    private readonly op: "and" | "or" | "unless",
    private readonly lhs: Operator,
    private readonly rhs: Operator,
    private readonly matching: BinaryExpr["matching"],
  ) {}

  async series(): Promise<readonly SeriesMeta[]> {
    if (this.meta !== undefined) return this.meta;
    const [l, r] = await Promise.all([this.lhs.series(), this.rhs.series()]);
    const sigs = signatureIds(signer(this.matching), [l, r]);
    this.lSig = sigs.ids[0]!;
    this.rSig = sigs.ids[1]!;
    this.seen = new Int32Array(sigs.count).fill(-1);
    this.nLeft = l.length;
    this.meta = this.op === "or" ? [...l, ...r] : [...l];
    return this.meta;
  }

  async next(): Promise<StepVector[] | null> {
    await this.series();
    const [lb, rb] = await Promise.all([this.lhs.next(), this.rhs.next()]);
    if (lb === null) {
      if (rb) this.ctx.pool.putAll(rb);
      return null;
    }
    const out: StepVector[] = [];
    for (let i = 0; i < lb.length; i++) {
      const l = lb[i]!;
      const r = rb?.[i];
      out.push(this.combine(l, r));
      if (r) this.ctx.pool.put(r);
    }
    return out;
  }

  private combine(l: StepVector, r: StepVector | undefined): StepVector {
    const stamp = this.stamp++;
    const seen = this.seen;
    if (this.op === "or") {
      const res = this.ctx.pool.get(l.t, l.n + (r?.n ?? 0));
      let n = 0;
      for (let k = 0; k < l.n; k++) {
        seen[this.lSig[l.ids[k]!]!] = stamp;
        res.ids[n] = l.ids[k]!;
        res.v[n++] = l.v[k]!;
      }
      for (let k = 0; k < l.hn; k++) {
        seen[this.lSig[l.hIds![k]!]!] = stamp;
        pushHistogram(res, l.hIds![k]!, l.h![k]!);
      }
      if (r) {
        for (let k = 0; k < r.n; k++) {
          if (seen[this.rSig[r.ids[k]!]!] === stamp) continue;
          res.ids[n] = this.nLeft + r.ids[k]!;
          res.v[n++] = r.v[k]!;
        }
        for (let k = 0; k < r.hn; k++) {
          if (seen[this.rSig[r.hIds![k]!]!] === stamp) continue;
          pushHistogram(res, this.nLeft + r.hIds![k]!, r.h![k]!);
        }
      }
      res.n = n;
      this.ctx.pool.put(l);
      return res;
    }
    if (r) {
      for (let k = 0; k < r.n; k++) seen[this.rSig[r.ids[k]!]!] = stamp;
      for (let k = 0; k < r.hn; k++) seen[this.rSig[r.hIds![k]!]!] = stamp;
    }
    const wantSeen = this.op === "and";
    let n = 0;
    for (let k = 0; k < l.n; k++) {
      if ((seen[this.lSig[l.ids[k]!]!] === stamp) !== wantSeen) continue;
      l.ids[n] = l.ids[k]!;
      l.v[n++] = l.v[k]!;
    }
    l.n = n;
    let hn = 0;
    for (let k = 0; k < l.hn; k++) {
      if ((seen[this.lSig[l.hIds![k]!]!] === stamp) !== wantSeen) continue;
      l.hIds![hn] = l.hIds![k]!;
      l.h![hn++] = l.h![k]!;
    }
    l.hn = hn;
    return l;
  }

  explain(): Explain {
    return { name: `[set] ${this.op}`, children: [this.lhs.explain(), this.rhs.explain()] };
  }
}
