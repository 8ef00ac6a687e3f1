// Pass: wrap subtrees whose value is the same at every step (`x @ 100`, `rate(x[5m] @ end())`,
// arithmetic on those) so the engine evaluates them once and repeats the result.
import { lookupFunction } from "../promql/index.js";
import type { PlanNode } from "./plan.js";
import { planType } from "./plan.js";

export function wrapStepInvariant(root: PlanNode): PlanNode {
  return invariant(root) ? wrap(root) : root;
}

function wrap(n: PlanNode): PlanNode {
  if (isLiteral(n)) return n;
  const t = planType(n);
  if (t !== "vector" && t !== "scalar") return n;
  return { type: "StepInvariant", expr: n, pos: n.pos };
}

function isLiteral(n: PlanNode): boolean {
  if (n.type === "NumberLiteral" || n.type === "StringLiteral") return true;
  return n.type === "Unary" && isLiteral(n.expr);
}

/** Whether n is step invariant; wraps the invariant children of a node that is not. */
function invariant(n: PlanNode): boolean {
  switch (n.type) {
    case "NumberLiteral":
    case "StringLiteral":
      return true;
    case "VectorSelector":
      return n.atMs !== undefined;
    case "MatrixSelector":
      return n.selector.atMs !== undefined;
    case "Unary":
      return invariant(n.expr);
    case "StepInvariant":
      return true;
    case "Subquery": {
      if (invariant(n.expr)) n.expr = wrap(n.expr);
      return n.atMs !== undefined;
    }
    case "Aggregate": {
      const a = invariant(n.expr);
      const b = n.param ? invariant(n.param) : true;
      if (a && b) return true;
      if (a) n.expr = wrap(n.expr);
      if (b && n.param) n.param = wrap(n.param);
      return false;
    }
    case "Binary": {
      const a = invariant(n.lhs);
      const b = invariant(n.rhs);
      if (a && b) return true;
      if (a) n.lhs = wrap(n.lhs);
      if (b) n.rhs = wrap(n.rhs);
      return false;
    }
    case "Call": {
      const flags = n.args.map(invariant);
      // An unknown function is taken as step dependent: evaluating it at every step is always right.
      const stepDependent = lookupFunction(n.func)?.stepDependent ?? true;
      if (!stepDependent && flags.every((f) => f)) return true;
      n.args = n.args.map((a, i) => (flags[i] ? wrap(a) : a));
      return false;
    }
  }
}
