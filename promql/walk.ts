// Tree traversal and type guards over the AST.
import type {
  AggregateExpr,
  BinaryExpr,
  Call,
  DurationExpr,
  Expr,
  MatrixSelector,
  Node,
  NumberLiteral,
  ParenExpr,
  StringLiteral,
  SubqueryExpr,
  UnaryExpr,
  VectorSelector,
} from "./ast.js";

/** The direct children of a node, in source order (durations included). */
export function children(n: Node): Node[] {
  switch (n.type) {
    case "NumberLiteral":
    case "StringLiteral":
    case "DurationLiteral":
      return [];
    case "VectorSelector":
      return n.offset !== undefined ? [n.offset] : [];
    case "MatrixSelector":
      return [n.vectorSelector, n.range];
    case "SubqueryExpr": {
      const out: Node[] = [n.expr, n.range];
      if (n.step !== undefined) out.push(n.step);
      if (n.offset !== undefined) out.push(n.offset);
      return out;
    }
    case "Call":
      return n.args;
    case "AggregateExpr":
      return n.param !== undefined ? [n.param, n.expr] : [n.expr];
    case "BinaryExpr":
    case "DurationBinary":
      return [n.lhs, n.rhs];
    case "UnaryExpr":
    case "ParenExpr":
    case "DurationUnary":
    case "DurationParen":
      return [n.expr];
    case "DurationCall":
      return n.args;
  }
}

/**
 * Visits every node depth-first, parents before children. `path` holds the ancestors,
 * root first. Returning false from the visitor skips that node's children.
 * Iterative, so deep trees cannot overflow the stack.
 */
export function walk(root: Node, visit: (node: Node, path: readonly Node[]) => void | boolean): void {
  const stack: { node: Node; depth: number }[] = [{ node: root, depth: 0 }];
  const path: Node[] = [];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    path.length = depth;
    if (visit(node, path) === false) continue;
    path.push(node);
    const kids = children(node);
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i]!, depth: depth + 1 });
  }
}

/** The depth of the deepest node (the root is 1), stopping early past `limit`. */
export function treeDepth(root: Node, limit = Infinity): number {
  let max = 0;
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const c of children(node)) stack.push([c, depth + 1]);
  }
  return max;
}

export const isNumberLiteral = (n: Node): n is NumberLiteral => n.type === "NumberLiteral";
export const isStringLiteral = (n: Node): n is StringLiteral => n.type === "StringLiteral";
export const isVectorSelector = (n: Node): n is VectorSelector => n.type === "VectorSelector";
export const isMatrixSelector = (n: Node): n is MatrixSelector => n.type === "MatrixSelector";
export const isSubqueryExpr = (n: Node): n is SubqueryExpr => n.type === "SubqueryExpr";
export const isCall = (n: Node): n is Call => n.type === "Call";
export const isAggregateExpr = (n: Node): n is AggregateExpr => n.type === "AggregateExpr";
export const isBinaryExpr = (n: Node): n is BinaryExpr => n.type === "BinaryExpr";
export const isUnaryExpr = (n: Node): n is UnaryExpr => n.type === "UnaryExpr";
export const isParenExpr = (n: Node): n is ParenExpr => n.type === "ParenExpr";
export const isDurationExpr = (n: Node): n is DurationExpr => n.type.startsWith("Duration");
export const isExpr = (n: Node): n is Expr => !n.type.startsWith("Duration");
