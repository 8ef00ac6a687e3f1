// A binary operation with a scalar on at least one side: scalar ∘ scalar, vector ∘ scalar, scalar ∘ vector.
import type { QueryContext } from "../exec/context.js";
import type { Explain, Operator, SeriesMeta, StepVector } from "../model.js";
import type { PosRange } from "../types.js";
import { incompatibleTypesInBinOpInfo, type AnnotationText } from "../annotations.js";
import { arith, compare, isComparison, isTrim, keepsMetricName, type ArithOp } from "./arith.js";
import { histogramBinop } from "./histogram_binop.js";

export class ScalarBinaryOperator implements Operator {
  readonly kind: "vector" | "scalar";
  private meta: SeriesMeta[] | undefined;
  private step = 0;

  /** `vec` is the vector side (or the lhs when both are scalars); `scalar` holds the other side per step. */
  constructor(
    private readonly ctx: QueryContext,
    private readonly op: ArithOp,
    private readonly vec: Operator,
    private readonly scalar: Float64Array,
    /** True when the scalar was written on the left. */
    private readonly scalarLeft: boolean,
    private readonly returnBool: boolean,
    /** The binary expression, where histogram annotations point. */
    private readonly pos: PosRange | undefined = undefined,
  ) {
    this.kind = vec.kind;
  }

  async series(): Promise<readonly SeriesMeta[]> {
    if (this.meta !== undefined) return this.meta;
    const input = await this.vec.series();
    const keepName = keepsMetricName(this.op, this.returnBool);
    this.meta = input.map((m) => (keepName || this.kind === "scalar" ? m : { labels: m.labels, dropName: true }));
    return this.meta;
  }

  async next(): Promise<StepVector[] | null> {
    await this.series();
    const batch = await this.vec.next();
    if (batch === null) return null;
    const cmp = isComparison(this.op);
    const op = this.op;
    for (const sv of batch) {
      const s = this.scalar[this.step++]!;
      if (isTrim(op)) this.dropFloatsOfTrim(sv);
      let n = 0;
      for (let k = 0; k < sv.n; k++) {
        const x = sv.v[k]!;
        const a = this.scalarLeft ? s : x;
        const b = this.scalarLeft ? x : s;
        let out: number;
        if (cmp) {
          const keep = compare(op, a, b);
          if (this.returnBool) out = keep ? 1 : 0;
          else if (!keep) continue;
          else out = x; // The vector's value is kept even when the scalar is on the left.
        } else out = arith(op, a, b);
        sv.ids[n] = sv.ids[k]!;
        sv.v[n++] = out;
      }
      sv.n = n;
      if (sv.hn > 0) this.histograms(sv, s);
    }
    return batch;
  }

  /** A trim needs a histogram on the left; float samples give none, as in Prometheus. */
  private dropFloatsOfTrim(sv: StepVector): void {
    if (sv.n === 0) return;
    this.ctx.annotations.report(incompatibleTypesInBinOpInfo("float", this.op, "float"), this.pos);
    sv.n = 0;
  }

  /** The step's histogram samples ∘ the scalar; results that are floats (bool) join the float columns. */
  private histograms(sv: StepVector, s: number): void {
    const report = (a: AnnotationText): void => this.ctx.annotations.report(a, this.pos);
    let hn = 0;
    for (let k = 0; k < sv.hn; k++) {
      const h = sv.h![k]!;
      const r = this.scalarLeft ? histogramBinop(this.op, s, undefined, 0, h, this.returnBool, report) : histogramBinop(this.op, 0, h, s, undefined, this.returnBool, report);
      if (r === undefined) continue;
      const id = sv.hIds![k]!;
      if (r.h === undefined) {
        sv.ids[sv.n] = id;
        sv.v[sv.n++] = r.v;
        continue;
      }
      sv.hIds![hn] = id;
      sv.h![hn++] = r.h;
    }
    sv.hn = hn;
  }

  explain(): Explain {
    return { name: `[scalarBinary] ${this.op}`, children: [this.vec.explain()] };
  }
}
