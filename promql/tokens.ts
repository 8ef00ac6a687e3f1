// Token types shared by the hand-written lexer and the Chevrotain parser.
// The lexer is ours (one pass over char codes); Chevrotain only sees the tokens.
import type { TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

function tok(name: string, categories: TokenType[] = [], label?: string): TokenType {
  return createToken({ name, pattern: Lexer.NA, categories, label: label ?? name });
}

// Categories: a token of a member type matches CONSUME(category).
export const BinOp = tok("BinOp", [], "binary operator");
export const DurOp = tok("DurOp", [], "duration operator");
export const AggOp = tok("AggOp", [], "aggregation");
/** Words that can name a metric outside braces. */
export const MetricName = tok("MetricName", [], "metric name");
/** Words that can name a label in grouping lists (every word except a metric identifier with ':'). */
export const LabelName = tok("LabelName", [], "label name");
export const MatchOp = tok("MatchOp", [], "label matching operator");
/** Words that can name a function: identifiers and the keywords step, range, start, end, min_of, max_of. */
export const FunctionName = tok("FunctionName", [], "function name");

export const LParen = tok("LParen", [], '"("');
export const RParen = tok("RParen", [], '")"');
export const LBrace = tok("LBrace", [], '"{"');
export const RBrace = tok("RBrace", [], '"}"');
export const LBracket = tok("LBracket", [], '"["');
export const RBracket = tok("RBracket", [], '"]"');
export const Comma = tok("Comma", [], '","');
export const Colon = tok("Colon", [], '":"');
export const At = tok("At", [], '"@"');

export const Plus = tok("Plus", [BinOp, DurOp], '"+"');
export const Minus = tok("Minus", [BinOp, DurOp], '"-"');
export const Mul = tok("Mul", [BinOp, DurOp], '"*"');
export const Div = tok("Div", [BinOp, DurOp], '"/"');
export const Mod = tok("Mod", [BinOp, DurOp], '"%"');
export const Pow = tok("Pow", [BinOp, DurOp], '"^"');
export const EqlC = tok("EqlC", [BinOp], '"=="');
export const Neq = tok("Neq", [BinOp, MatchOp], '"!="');
export const Lss = tok("Lss", [BinOp], '"<"');
export const Lte = tok("Lte", [BinOp], '"<="');
export const Gtr = tok("Gtr", [BinOp], '">"');
export const Gte = tok("Gte", [BinOp], '">="');
/** Native histogram trim operators: `h </ x` drops observations above x, `h >/ x` below. */
export const TrimUpper = tok("TrimUpper", [BinOp], '"</"');
export const TrimLower = tok("TrimLower", [BinOp], '">/"');
export const Eql = tok("Eql", [MatchOp], '"="');
export const EqlRegex = tok("EqlRegex", [MatchOp], '"=~"');
export const NeqRegex = tok("NeqRegex", [MatchOp], '"!~"');

export const NumberTok = tok("Number", [], "number");
/** Never lexed: stands for an expression parsed in an earlier layer (fold.ts). */
export const Folded = tok("Folded", [], "expression");
export const DurationTok = tok("Duration", [], "duration");
export const StringTok = tok("String", [], "string");
export const Identifier = tok("Identifier", [MetricName, LabelName, FunctionName], "identifier");
export const MetricIdentifier = tok("MetricIdentifier", [MetricName], "metric identifier");

const word = [MetricName, LabelName];
export const And = tok("And", [BinOp, ...word], "and");
export const Or = tok("Or", [BinOp, ...word], "or");
export const Unless = tok("Unless", [BinOp, ...word], "unless");
export const Atan2 = tok("Atan2", [BinOp, LabelName], "atan2");

export const Sum = tok("Sum", [AggOp, ...word], "sum");
export const Avg = tok("Avg", [AggOp, ...word], "avg");
export const Min = tok("Min", [AggOp, ...word], "min");
export const Max = tok("Max", [AggOp, ...word], "max");
export const Count = tok("Count", [AggOp, ...word], "count");
export const Stddev = tok("Stddev", [AggOp, ...word], "stddev");
export const Stdvar = tok("Stdvar", [AggOp, ...word], "stdvar");
export const Group = tok("Group", [AggOp, ...word], "group");
export const Topk = tok("Topk", [AggOp, ...word], "topk");
export const Bottomk = tok("Bottomk", [AggOp, ...word], "bottomk");
export const Quantile = tok("Quantile", [AggOp, ...word], "quantile");
export const CountValues = tok("CountValues", [AggOp, ...word], "count_values");
export const Limitk = tok("Limitk", [AggOp, ...word], "limitk");
export const LimitRatio = tok("LimitRatio", [AggOp, ...word], "limit_ratio");

export const By = tok("By", word, "by");
export const Without = tok("Without", word, "without");
export const On = tok("On", [LabelName], "on");
export const Ignoring = tok("Ignoring", [LabelName], "ignoring");
export const GroupLeft = tok("GroupLeft", [LabelName], "group_left");
export const GroupRight = tok("GroupRight", [LabelName], "group_right");
export const Bool = tok("Bool", [LabelName], "bool");
export const Offset = tok("Offset", word, "offset");
export const Start = tok("Start", [...word, FunctionName], "start");
export const End = tok("End", [...word, FunctionName], "end");
export const Step = tok("Step", [...word, FunctionName], "step");
export const Range = tok("Range", [...word, FunctionName], "range");
export const MinOf = tok("MinOf", [...word, FunctionName], "min_of");
export const MaxOf = tok("MaxOf", [...word, FunctionName], "max_of");
export const Anchored = tok("Anchored", word, "anchored");
export const Smoothed = tok("Smoothed", word, "smoothed");
export const Fill = tok("Fill", word, "fill");
export const FillLeft = tok("FillLeft", word, "fill_left");
export const FillRight = tok("FillRight", word, "fill_right");

/** Keywords by lower-cased spelling; PromQL keywords are case-insensitive. */
export const keywords: ReadonlyMap<string, TokenType> = new Map([
  ["and", And], ["or", Or], ["unless", Unless], ["atan2", Atan2],
  ["sum", Sum], ["avg", Avg], ["min", Min], ["max", Max], ["count", Count], ["stddev", Stddev],
  ["stdvar", Stdvar], ["group", Group], ["topk", Topk], ["bottomk", Bottomk], ["quantile", Quantile],
  ["count_values", CountValues], ["limitk", Limitk], ["limit_ratio", LimitRatio],
  ["by", By], ["without", Without], ["on", On], ["ignoring", Ignoring], ["group_left", GroupLeft],
  ["group_right", GroupRight], ["bool", Bool], ["offset", Offset], ["start", Start], ["end", End],
  ["step", Step], ["range", Range], ["min_of", MinOf], ["max_of", MaxOf], ["anchored", Anchored],
  ["smoothed", Smoothed], ["fill", Fill], ["fill_left", FillLeft], ["fill_right", FillRight],
]);

export const allTokens: TokenType[] = [
  BinOp, DurOp, AggOp, MetricName, LabelName, MatchOp, FunctionName,
  LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Colon, At,
  Plus, Minus, Mul, Div, Mod, Pow, EqlC, Neq, Lss, Lte, Gtr, Gte, TrimUpper, TrimLower, Eql, EqlRegex, NeqRegex,
  NumberTok, DurationTok, StringTok, Identifier, MetricIdentifier, Folded,
  ...keywords.values(),
];
