// Deeply nested input parsed in layers, so the recursive-descent parser's stack stays bounded.
// An expression slot (the inside of a parenthesis, or one argument of a call or aggregation)
// whose nesting reaches `layerDepth` is parsed on its own and replaced by one Folded token
// that carries its AST; the enclosing text then parses as if that slot were an atom.
import type { IToken, TokenType } from "chevrotain";
import type { Expr } from "./ast.js";
import * as T from "./tokens.js";

/** Nesting parsed in one recursive pass; far below what the stack allows in any caller. */
export const layerDepth = 48;

export interface FoldedToken extends IToken {
  readonly expr: Expr;
}

/** Parses `slot` (tokens of one expression) followed by `closer`, the token that ends it. */
export type SlotParser = (slot: IToken[], closer: IToken) => Expr;

// A "(" after these is not an expression: label lists, modifiers, duration and @ arguments.
const opaqueBefore: ReadonlySet<TokenType> = new Set([
  T.By, T.Without, T.On, T.Ignoring, T.GroupLeft, T.GroupRight, T.Bool, T.Offset, T.At,
  T.Fill, T.FillLeft, T.FillRight, T.Start, T.End, T.Step, T.Range, T.MinOf, T.MaxOf,
]);

interface Group {
  /** Whether the group holds expression slots (parenthesis, call or aggregation arguments). */
  readonly slots: boolean;
  /** Index in the output where the current slot begins. */
  slotStart: number;
  /** Nesting height of the current slot and the tallest finished one. */
  slotHeight: number;
  height: number;
}

function opensSlots(t: IToken, prev: IToken | undefined, enclosing: Group | undefined): boolean {
  if (t.tokenType !== T.LParen) return false;
  if (enclosing !== undefined && !enclosing.slots) return false;
  return prev === undefined || !opaqueBefore.has(prev.tokenType);
}

function isOpener(t: IToken): boolean {
  return t.tokenType === T.LParen || t.tokenType === T.LBracket || t.tokenType === T.LBrace;
}

function isCloser(t: IToken): boolean {
  return t.tokenType === T.RParen || t.tokenType === T.RBracket || t.tokenType === T.RBrace;
}

/** The tokens with every slot nested `layerDepth` deep replaced by a Folded token. */
export function foldDeepSlots(tokens: IToken[], parseSlot: SlotParser): IToken[] {
  const out: IToken[] = [];
  const stack: Group[] = [];
  const finishSlot = (g: Group, closer: IToken): void => {
    if (g.slotHeight >= layerDepth && out.length > g.slotStart) {
      const slot = out.slice(g.slotStart);
      out.length = g.slotStart;
      out.push(foldedToken(parseSlot(slot, closer), slot[0]!, slot[slot.length - 1]!));
      g.slotHeight = 0;
    }
    g.height = Math.max(g.height, g.slotHeight);
  };
  for (const t of tokens) {
    const top = stack[stack.length - 1];
    if (isOpener(t)) {
      const slots = opensSlots(t, out[out.length - 1], top);
      out.push(t);
      stack.push({ slots, slotStart: out.length, slotHeight: 0, height: 0 });
      continue;
    }
    if (top !== undefined && top.slots && t.tokenType === T.Comma) {
      finishSlot(top, t);
      out.push(t);
      top.slotStart = out.length;
      top.slotHeight = 0;
      continue;
    }
    if (top !== undefined && isCloser(t)) {
      stack.pop();
      if (top.slots) finishSlot(top, t);
      else top.height = Math.max(top.height, top.slotHeight);
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.slotHeight = Math.max(parent.slotHeight, top.height + 1);
    }
    out.push(t);
  }
  return out;
}

function foldedToken(expr: Expr, first: IToken, last: IToken): FoldedToken {
  return {
    image: "expression",
    startOffset: first.startOffset,
    endOffset: last.endOffset,
    tokenType: T.Folded,
    tokenTypeIdx: T.Folded.tokenTypeIdx!,
    expr,
  } as FoldedToken;
}

/** The deepest nesting of (), [] and {} in the tokens. */
export function nestingDepth(tokens: readonly IToken[]): number {
  let depth = 0;
  let max = 0;
  for (const t of tokens) {
    if (isOpener(t)) max = Math.max(max, ++depth);
    else if (isCloser(t)) depth--;
  }
  return max;
}
