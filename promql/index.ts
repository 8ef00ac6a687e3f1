// orrery's PromQL parser: a dependency-free library (no Node-only APIs).
//
//   parse(q)                 → typed AST (promql/ast.ts), type-checked as Prometheus does;
//                              throws ParseError carrying every problem with its position.
//   format(expr, {pretty})   → canonical PromQL; parse(format(parse(q))) equals parse(q).
//   parseMetricSelector(s)   → label matchers of `foo{a="b"}` (HTTP match[], test series).
//   functions / exprType     → the function catalog and the type of an expression.
//   tokenize(q)              → token ranges with a kind (aggregation, string, …), for highlighting.
//   parseDuration / formatDuration / evalDuration → Prometheus durations in milliseconds.
//
// Strings: escapes producing bytes that are not valid UTF-8 (`"\xff"`) are kept as lone
// surrogates U+DC80..U+DCFF, so such a value is recognisably invalid and prints back as written.
// Regular expressions are RE2 (Go's dialect), translated to JS RegExp in one place (re2.ts):
// the parser rejects a matcher regex Go would not compile; stores and the engine compile through it.
export type * from "./ast.js";
import type { Expr, LabelMatcher } from "./ast.js";
import { lex, maxNesting } from "./lexer.js";
import { PromQLParser, describeToken } from "./parser.js";
import { Checker } from "./check.js";
import { ParseError, sourcePos, toParseError, type RawProblem } from "./errors.js";
import { durationToMs, formatDurationMs } from "./duration.js";
import { treeDepth } from "./walk.js";
import { foldDeepSlots, layerDepth, nestingDepth } from "./fold.js";

export { ParseError, type ParseProblem, type SourcePos } from "./errors.js";
export { tokenize, type LexedToken, type TokenKind, type Tokenized } from "./tokenize.js";
export { functions, functionsWith, lookupFunction, type FunctionInfo } from "./functions.js";
export { exprType, documentedType, matcherMatchesEmpty } from "./check.js";
export { format, formatExpr, prettyExpr, formatDurationExpr, type FormatOptions } from "./printer.js";
export { evalDuration, evalDurationSeconds, DurationEvalError } from "./duration.js";
export { compareUtf8, quote as quoteString, unquote as unquoteString, isWellFormed } from "./strings.js";
export {
  walk,
  children,
  treeDepth,
  isNumberLiteral,
  isStringLiteral,
  isVectorSelector,
  isMatrixSelector,
  isSubqueryExpr,
  isCall,
  isAggregateExpr,
  isBinaryExpr,
  isUnaryExpr,
  isParenExpr,
  isDurationExpr,
  isExpr,
} from "./walk.js";

export interface ParseOptions {
  /**
   * Accept Prometheus's experimental syntax and functions (duration expressions,
   * anchored/smoothed, fill modifiers, info(), limitk, …). Default true.
   */
  experimental?: boolean;
}

/** Deepest expression tree accepted (binary chains and unary signs count too). */
export const maxTreeDepth = 2048;

// Chevrotain's grammar analysis is costly; it runs once, on first use. Parsing is
// synchronous, so one instance serves every call.
let sharedParser: PromQLParser | undefined;
function parser(): PromQLParser {
  sharedParser ??= new PromQLParser();
  return sharedParser;
}

function syntaxProblems(input: string, errors: PromQLParser["errors"]): RawProblem[] {
  return errors.map((err) => {
    const t = err.token;
    const start = Number.isFinite(t.startOffset) ? t.startOffset : input.length;
    const end = Number.isFinite(t.startOffset) ? start + t.image.length : input.length;
    return { message: err.message, start, end };
  });
}

type Entry = "expression" | "vectorSelector";

function run<T>(
  input: string,
  experimental: boolean,
  entry: Entry,
  finish: (r: T, problems: RawProblem[], p: PromQLParser, tokenCount: number) => void,
): T {
  if (typeof input !== "string") throw new ParseError(String(input), [{ message: "input is not a string", pos: { offset: 0, line: 1, column: 1 } }]);
  const lexed = lex(input);
  if (lexed.error !== undefined) throw toParseError(input, [lexed.error]);
  if (lexed.tokens.length === 0) throw toParseError(input, [{ message: "no expression found in input", start: 0, end: input.length }]);
  const p = parser();
  p.state = { experimental, problems: [], withModifiers: new Set() };
  const problems = p.state.problems;
  const failOnSyntax = (errors: PromQLParser["errors"]): void => {
    const syntax = syntaxProblems(input, errors);
    if (syntax.length > 0) throw toParseError(input, [...problems.filter((q) => q.start < syntax[0]!.start), syntax[0]!]);
  };
  let tokens = lexed.tokens;
  if (entry === "expression" && nestingDepth(tokens) >= layerDepth) {
    tokens = foldDeepSlots(tokens, (slot, closer) => {
      p.input = [...slot, closer];
      const expr = p.expression();
      failOnSyntax(p.errors.filter((err) => !(err.name === "NotAllInputParsedException" && err.token === closer)));
      return expr;
    });
  }
  p.input = tokens;
  const result = (entry === "expression" ? p.expression() : p.vectorSelector()) as T;
  failOnSyntax(p.errors);
  if (problems.length > 0) throw toParseError(input, problems);
  finish(result, problems, p, lexed.tokens.length);
  if (problems.length > 0) throw toParseError(input, problems);
  return result;
}

function internalError(input: string, err: unknown): ParseError {
  const what = err instanceof RangeError ? `expression too complex (${err.message})` : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  return new ParseError(String(input), [{ message: what, pos: sourcePos(String(input), 0) }]);
}

/** Parses and type-checks a PromQL expression. Throws ParseError, and nothing else. */
export function parse(input: string, options?: ParseOptions): Expr {
  try {
    return run<Expr>(input, options?.experimental ?? true, "expression", (expr, problems, p, tokenCount) => {
      // Every node owns at least one token, so short inputs cannot be too deep.
      if (tokenCount > maxTreeDepth && treeDepth(expr, maxTreeDepth) > maxTreeDepth) {
        problems.push({ message: `expression nested too deeply (more than ${maxTreeDepth} levels)`, start: 0, end: input.length });
        return;
      }
      new Checker(problems, p.state.withModifiers, input).check(expr);
    });
  } catch (err) {
    if (err instanceof ParseError) throw err;
    throw internalError(input, err);
  }
}

/** Parses a series selector (`foo{a="b"}`, `{__name__=~"x.*"}`) to its matchers. */
export function parseMetricSelector(input: string): LabelMatcher[] {
  try {
    return run<{ matchers: LabelMatcher[] }>(input, true, "vectorSelector", () => undefined).matchers;
  } catch (err) {
    if (err instanceof ParseError) throw err;
    throw internalError(input, err);
  }
}

/** Milliseconds of a Prometheus duration string (`1h30m`, `500ms`, `0`). Throws ParseError. */
export function parseDuration(s: string): number {
  const ms = typeof s === "string" ? durationToMs(s) : undefined;
  if (ms === undefined) throw toParseError(String(s), [{ message: `not a valid duration string: ${JSON.stringify(s)}`, start: 0, end: String(s).length }]);
  return ms;
}

/** Prometheus's spelling of a duration in milliseconds: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  return formatDurationMs(ms);
}

export { maxNesting, describeToken };
export { formatGoFloat, formatGoG } from "./go_float.js";
export {
  /** Compiles a pattern as Prometheus does: `^(?s:` + pattern + `)$`; a Go-style error otherwise. */
  compileAnchoredRe2,
  /** compileAnchoredRe2's result: a RegExp with each capture group's RE2 name ("" when unnamed), or an error. */
  type AnchoredRe2,
  /** Translates an unanchored RE2 pattern to JS RegExp source and flags, or a Go-style error. */
  translateRe2,
  /** translateRe2's result. */
  type Re2Translation,
  /** Whether a pattern, fully anchored, matches "" (false for an invalid pattern). */
  re2MatchesEmpty,
} from "./re2.js";
