// One binary operation where at least one operand is a native histogram, by Prometheus's rules:
// histogram * float, float * histogram and histogram / float scale it; histogram </ float and
// histogram >/ float keep the observations below / above the float; histogram + histogram and
// histogram - histogram combine (the difference is a gauge); == and != compare histograms; every
// other pairing is dropped with the incompatible-sample-types info.
import type { AnnotationText } from "../annotations.js";
import {
  histogramCounterResetCollisionWarning,
  incompatibleBucketLayoutInBinOpWarning,
  incompatibleTypesInBinOpInfo,
  mismatchedCustomBucketsHistogramsInfo,
} from "../annotations.js";
import { CombineFlags, trimBuckets, type FloatHistogram } from "../histogram/index.js";
import { CounterResetHint } from "../../storeapi/index.js";
import type { ArithOp } from "./arith.js";

/** A result sample: a float, or a histogram `h`. */
export interface BinopSample {
  v: number;
  h: FloatHistogram | undefined;
}

/**
 * lhs op rhs with a histogram on at least one side; undefined when no sample results.
 * `returnBool` turns a comparison's outcome into 1/0. Annotations go to `report`.
 */
export function histogramBinop(
  op: ArithOp,
  lf: number,
  lh: FloatHistogram | undefined,
  rf: number,
  rh: FloatHistogram | undefined,
  returnBool: boolean,
  report: (a: AnnotationText) => void,
): BinopSample | undefined {
  const r = combine(op, lf, lh, rf, rh, report);
  if (r === "incompatible") {
    report(incompatibleTypesInBinOpInfo(lh !== undefined ? "histogram" : "float", op, rh !== undefined ? "histogram" : "float"));
    return undefined;
  }
  if (r === undefined) return undefined;
  if (typeof r === "boolean") {
    if (returnBool) return { v: r ? 1 : 0, h: undefined };
    return r ? { v: 0, h: lh } : undefined;
  }
  return { v: 0, h: r };
}

/** A histogram result, a comparison outcome, no sample (an annotated failure), or "incompatible". */
function combine(
  op: ArithOp,
  lf: number,
  lh: FloatHistogram | undefined,
  rf: number,
  rh: FloatHistogram | undefined,
  report: (a: AnnotationText) => void,
): FloatHistogram | boolean | undefined | "incompatible" {
  if (lh === undefined) return op === "*" ? rh!.copy().mul(lf).compact(0) : "incompatible";
  if (rh === undefined) {
    if (op === "*") return lh.copy().mul(rf).compact(0);
    if (op === "/") return lh.copy().div(rf).compact(0);
    if (op === "</" || op === ">/") return trimBuckets(lh.copy(), rf, op === "</");
    return "incompatible";
  }
  switch (op) {
    case "+":
    case "-": {
      const res = lh.copy();
      const flags = op === "+" ? res.add(rh) : res.sub(rh);
      if ((flags & CombineFlags.IncompatibleSchema) !== 0) {
        report(incompatibleBucketLayoutInBinOpWarning(op));
        return undefined;
      }
      const operation = op === "+" ? "addition" : "subtraction";
      if ((flags & CombineFlags.CounterResetCollision) !== 0) report(histogramCounterResetCollisionWarning(operation));
      if ((flags & CombineFlags.CustomBoundsReconciled) !== 0) report(mismatchedCustomBucketsHistogramsInfo(operation));
      if (op === "-") res.counterResetHint = CounterResetHint.Gauge;
      return res.compact(0);
    }
    case "==":
      return lh.equals(rh);
    case "!=":
      return !lh.equals(rh);
    default:
      return "incompatible";
  }
}
