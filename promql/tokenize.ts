// The lexer's tokens as plain ranges with a kind, for editors that highlight PromQL
// (the web UI) without knowing Chevrotain's token types.
import type { IToken } from "chevrotain";
import { tokenMatcher } from "./chevrotain.js";
import { lex } from "./lexer.js";
import * as T from "./tokens.js";

export type TokenKind = "aggregation" | "keyword" | "identifier" | "number" | "duration" | "string" | "operator" | "punctuation";

export interface LexedToken {
  kind: TokenKind;
  /** Offset of the first character, UTF-16 code units. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

export interface Tokenized {
  tokens: LexedToken[];
  /** Where lexing stopped, when the input has a character or string the lexer rejects. */
  error?: { message: string; start: number; end: number };
}

const PUNCTUATION = [T.LParen, T.RParen, T.LBrace, T.RBrace, T.LBracket, T.RBracket, T.Comma, T.Colon];

function kindOf(t: IToken): TokenKind {
  const type = t.tokenType;
  if (type === T.NumberTok) return "number";
  if (type === T.DurationTok) return "duration";
  if (type === T.StringTok) return "string";
  if (type === T.Identifier || type === T.MetricIdentifier) return "identifier";
  if (tokenMatcher(t, T.AggOp)) return "aggregation";
  if (T.keywords.has(t.image.toLowerCase())) return "keyword";
  if (PUNCTUATION.includes(type)) return "punctuation";
  return "operator";
}

/** Every token of `input` up to the first lexing error (the tokens before it are kept). */
export function tokenize(input: string): Tokenized {
  const lexed = lex(input);
  const tokens = lexed.tokens.map((t) => ({ kind: kindOf(t), start: t.startOffset, end: t.startOffset + t.image.length }));
  return lexed.error === undefined ? { tokens } : { tokens, error: lexed.error };
}
