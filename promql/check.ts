// Type checking as Prometheus does it after a successful parse, with its messages.
import type { BinaryExpr, Expr, LabelMatcher, ValueType, VectorSelector } from "./ast.js";
import { lookupFunction } from "./functions.js";
import type { RawProblem } from "./errors.js";
import { re2MatchesEmpty } from "./re2.js";

/** The type an expression evaluates to. */
export function exprType(e: Expr): ValueType {
  for (;;) {
    switch (e.type) {
      case "NumberLiteral":
        return "scalar";
      case "StringLiteral":
        return "string";
      case "VectorSelector":
      case "AggregateExpr":
        return "vector";
      case "MatrixSelector":
      case "SubqueryExpr":
        return "matrix";
      case "Call":
        return lookupFunction(e.func)?.returnType ?? "vector";
      case "BinaryExpr":
        return exprType(e.lhs) === "scalar" && exprType(e.rhs) === "scalar" ? "scalar" : "vector";
      case "UnaryExpr":
      case "ParenExpr":
        e = e.expr;
        continue;
    }
  }
}

/** How Prometheus names a type in messages. */
export function documentedType(t: ValueType): string {
  return t === "vector" ? "instant vector" : t === "matrix" ? "range vector" : t;
}

const comparison = new Set(["==", "!=", "<", "<=", ">", ">="]);
const setOps = new Set(["and", "or", "unless"]);

/** Whether a label matcher selects series that lack the label. */
export function matcherMatchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case "=":
      return m.value === "";
    case "!=":
      return m.value !== "";
    case "=~":
      return re2MatchesEmpty(m.value);
    case "!~":
      return !re2MatchesEmpty(m.value);
  }
}

export class Checker {
  constructor(
    private readonly problems: RawProblem[],
    private readonly withModifiers: ReadonlySet<BinaryExpr>,
    private readonly input = "",
  ) {}

  private isSpace(i: number): boolean {
    const c = this.input.charCodeAt(i);
    return c === 32 || c === 9 || c === 10 || c === 13;
  }

  private fail(message: string, start: number, end: number): void {
    this.problems.push({ message, start, end });
  }

  private expect(e: Expr, want: ValueType, context: string): void {
    const t = this.check(e);
    if (t !== want) this.fail(`expected type ${documentedType(want)} in ${context}, got ${documentedType(t)}`, e.pos.start, e.pos.end);
  }

  check(e: Expr, allowEmptySelector = false): ValueType {
    switch (e.type) {
      case "NumberLiteral":
        return "scalar";
      case "StringLiteral":
        return "string";
      case "VectorSelector":
        this.checkSelector(e, allowEmptySelector);
        return "vector";
      case "MatrixSelector":
        this.checkSelector(e.vectorSelector, false);
        return "matrix";
      case "SubqueryExpr": {
        const t = this.check(e.expr);
        if (t !== "vector") this.fail(`subquery is only allowed on instant vector, got ${documentedType(t)} instead`, e.pos.start, e.pos.end);
        return "matrix";
      }
      case "ParenExpr":
        return this.check(e.expr);
      case "UnaryExpr": {
        const t = this.check(e.expr);
        if (t !== "scalar" && t !== "vector") {
          this.fail(`unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(t)}"`, e.pos.start, e.pos.end);
        }
        return t;
      }
      case "AggregateExpr":
        this.expect(e.expr, "vector", "aggregation expression");
        if (e.param !== undefined) this.expect(e.param, e.op === "count_values" ? "string" : "scalar", "aggregation parameter");
        return "vector";
      case "Call":
        return this.checkCall(e);
      case "BinaryExpr":
        return this.checkBinary(e);
    }
  }

  private checkSelector(vs: VectorSelector, allowEmpty: boolean): void {
    if (vs.name !== "" || allowEmpty) return;
    if (!vs.matchers.some((m) => !matcherMatchesEmpty(m))) {
      this.fail("vector selector must contain at least one non-empty matcher", vs.pos.start, vs.pos.end);
    }
  }

  private checkCall(e: Extract<Expr, { type: "Call" }>): ValueType {
    const info = lookupFunction(e.func);
    if (info === undefined) {
      this.fail(`unknown function with name ${JSON.stringify(e.func)}`, e.pos.start, e.pos.end);
      return "vector";
    }
    const nargs = info.argTypes.length;
    const got = e.args.length;
    const name = JSON.stringify(info.name);
    if (info.variadic === 0) {
      if (nargs !== got) this.fail(`expected ${nargs} argument(s) in call to ${name}, got ${got}`, e.pos.start, e.pos.end);
    } else if (got < nargs - 1) {
      this.fail(`expected at least ${nargs - 1} argument(s) in call to ${name}, got ${got}`, e.pos.start, e.pos.end);
    } else if (info.variadic > 0 && got > nargs - 1 + info.variadic) {
      this.fail(`expected at most ${nargs - 1 + info.variadic} argument(s) in call to ${name}, got ${got}`, e.pos.start, e.pos.end);
    }
    let infoLabels: Expr | undefined;
    if (info.name === "info" && got > 1) {
      const sel = e.args[1]!;
      if (sel.type === "VectorSelector" && sel.name !== "") {
        this.fail("expected label selectors only, got vector selector instead", sel.pos.start, sel.pos.end);
      } else if (sel.type !== "VectorSelector") {
        this.fail("expected label selectors only", sel.pos.start, sel.pos.end);
      } else infoLabels = sel;
    }
    for (let i = 0; i < got; i++) {
      let k = i;
      if (k >= nargs) {
        if (info.variadic === 0) break;
        k = nargs - 1;
      }
      const arg = e.args[i]!;
      const t = this.check(arg, arg === infoLabels);
      if (t !== info.argTypes[k]) {
        this.fail(`expected type ${documentedType(info.argTypes[k]!)} in call to function ${name}, got ${documentedType(t)}`, arg.pos.start, arg.pos.end);
      }
    }
    return info.returnType;
  }

  private checkBinary(e: BinaryExpr): ValueType {
    const lt = this.check(e.lhs);
    const rt = this.check(e.rhs);
    // The operator's own range, between the operands without surrounding whitespace.
    let opStart = e.lhs.pos.end;
    let opEnd = e.rhs.pos.start;
    while (opStart < opEnd && this.isSpace(opStart)) opStart++;
    while (opEnd > opStart && this.isSpace(opEnd - 1)) opEnd--;
    const isComparison = comparison.has(e.op);
    const isSet = setOps.has(e.op);
    if (e.returnBool && !isComparison) this.fail("bool modifier can only be used on comparison operators", opStart, opEnd);
    if (isComparison && !e.returnBool && lt === "scalar" && rt === "scalar") {
      this.fail("comparisons between scalars must use BOOL modifier", opStart, opEnd);
    }
    const m = e.matching;
    if (m !== undefined) {
      if (isSet && m.card === "one-to-one") m.card = "many-to-many";
      if (m.on) {
        for (const l of m.matchingLabels) {
          if (m.include.includes(l)) this.fail(`label ${JSON.stringify(l)} must not occur in ON and GROUP clause at once`, opStart, opEnd);
        }
      }
    }
    if (lt !== "scalar" && lt !== "vector") this.fail("binary expression must contain only scalar and instant vector types", e.lhs.pos.start, e.lhs.pos.end);
    if (rt !== "scalar" && rt !== "vector") this.fail("binary expression must contain only scalar and instant vector types", e.rhs.pos.start, e.rhs.pos.end);
    const hasFill = m !== undefined && (m.fillLeft !== undefined || m.fillRight !== undefined);
    if (lt !== "vector" || rt !== "vector") {
      if (m !== undefined && m.matchingLabels.length > 0) this.fail("vector matching only allowed between instant vectors", e.pos.start, e.pos.end);
      if (hasFill) this.fail("filling in missing series only allowed between instant vectors", e.pos.start, e.pos.end);
      // Matching stays in the AST only where it was written (it has no effect here).
      if (!this.withModifiers.has(e)) delete e.matching;
    } else if (isSet && m !== undefined) {
      if (m.card === "one-to-many" || m.card === "many-to-one") this.fail(`no grouping allowed for "${e.op}" operation`, e.pos.start, e.pos.end);
      if (hasFill) this.fail("filling in missing series not allowed for set operators", e.pos.start, e.pos.end);
    }
    if ((lt === "scalar" || rt === "scalar") && isSet) {
      this.fail(`set operator "${e.op}" not allowed in binary scalar expression`, e.pos.start, e.pos.end);
    }
    return lt === "scalar" && rt === "scalar" ? "scalar" : "vector";
  }
}
