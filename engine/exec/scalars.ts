// Scalar arguments (topk's k, quantile's φ, clamp's bounds…) read as one value per step.
import type { Operator } from "../model.js";
import type { QueryContext } from "./context.js";

/** Runs a scalar operator to the end and returns its value at every step (NaN where missing). */
export async function materializeScalar(ctx: QueryContext, op: Operator, steps: number): Promise<Float64Array> {
  const out = new Float64Array(steps).fill(NaN);
  let i = 0;
  for (;;) {
    const batch = await op.next();
    if (batch === null) break;
    for (const sv of batch) {
      if (i < steps && sv.n > 0) out[i] = sv.v[0]!;
      i++;
      ctx.pool.put(sv);
    }
  }
  return out;
}
