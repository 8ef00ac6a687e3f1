// A one-pass PromQL lexer over char codes, producing Chevrotain tokens.
// Context rules as Prometheus: inside `{…}` every word is a plain identifier (label
// names may be keywords) and ':' is not a name character; inside `[…]` ':' separates
// a subquery's range and step. Keywords are case-insensitive; `Inf`/`NaN` are numbers.
import type { IToken, TokenType } from "chevrotain";
import * as T from "./tokens.js";
import { durationToMs } from "./duration.js";

/** Deepest nesting of (), [] and {} accepted; beyond it the parser would only recurse. */
export const maxNesting = 1024;

export interface LexError {
  message: string;
  start: number;
  end: number;
}

export interface LexResult {
  tokens: IToken[];
  error?: LexError;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlpha(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isAlnum(c: number): boolean {
  return isAlpha(c) || isDigit(c);
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function make(type: TokenType, image: string, start: number): IToken {
  return {
    image,
    startOffset: start,
    endOffset: start + image.length - 1,
    tokenType: type,
    tokenTypeIdx: type.tokenTypeIdx!,
  } as IToken;
}

/** The character at `i` as Go's %q prints a rune (Prometheus's lexer errors): 'é', '\x00'. */
function describeChar(input: string, i: number): string {
  const cp = input.codePointAt(i) ?? 0;
  const escapes: Record<number, string> = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 39: "\\'", 92: "\\\\" };
  const escaped = escapes[cp];
  if (escaped !== undefined) return `'${escaped}'`;
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, "0")}'`;
  if ((cp >= 0x80 && cp < 0xa0) || cp === 0xfeff) return `'\\u${cp.toString(16).padStart(4, "0")}'`;
  return `'${String.fromCodePoint(cp)}'`;
}

/** Scans a number per Prometheus (decimal, hex, fraction, exponent); returns its end. */
function scanNumber(input: string, i: number): number {
  let hex = false;
  if (input.charCodeAt(i) === 48 && (input.charCodeAt(i + 1) | 32) === 120) {
    hex = true;
    i += 2;
  }
  const digit = hex ? isHex : isDigit;
  while (i < input.length && digit(input.charCodeAt(i))) i++;
  if (input.charCodeAt(i) === 46) {
    i++;
    while (i < input.length && digit(input.charCodeAt(i))) i++;
  }
  if (!hex && (input.charCodeAt(i) | 32) === 101) {
    i++;
    const s = input.charCodeAt(i);
    if (s === 43 || s === 45) i++;
    while (i < input.length && isDigit(input.charCodeAt(i))) i++;
  }
  return i;
}

export function lex(input: string): LexResult {
  const tokens: IToken[] = [];
  const open: number[] = []; // stack of open delimiters' char codes
  let braces = 0;
  let brackets = 0;
  const n = input.length;
  let i = 0;
  const fail = (message: string, start: number, end = start + 1): LexResult => ({
    tokens,
    error: { message, start, end: Math.min(Math.max(end, start), n) },
  });
  while (i < n) {
    const c = input.charCodeAt(i);
    // Whitespace and comments.
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 35 /* # */) {
      while (i < n && input.charCodeAt(i) !== 10) i++;
      continue;
    }
    const start = i;
    // Words.
    if (isAlpha(c) || (c === 58 && braces === 0 && brackets === 0)) {
      const colonOk = braces === 0 && brackets === 0;
      let hasColon = c === 58;
      let hasUpper = c >= 65 && c <= 90;
      i++;
      while (i < n) {
        const d = input.charCodeAt(i);
        if (isAlnum(d)) {
          if (d >= 65 && d <= 90) hasUpper = true;
          i++;
        } else if (d === 58 && colonOk) {
          hasColon = true;
          i++;
        } else break;
      }
      const image = input.slice(start, i);
      if (hasColon) {
        tokens.push(make(T.MetricIdentifier, image, start));
        continue;
      }
      if (braces > 0) {
        tokens.push(make(T.Identifier, image, start));
        continue;
      }
      // Keywords and Inf/NaN are case-insensitive; most words are lower case already.
      const word = hasUpper ? image.toLowerCase() : image;
      if (word.length === 3 && (word === "inf" || word === "nan")) {
        tokens.push(make(T.NumberTok, image, start));
        continue;
      }
      tokens.push(make(T.keywords.get(word) ?? T.Identifier, image, start));
      continue;
    }
    // Numbers and durations.
    if (isDigit(c) || (c === 46 && isDigit(input.charCodeAt(i + 1)))) {
      const end = scanNumber(input, i);
      if (end < n && isAlnum(input.charCodeAt(end))) {
        // A duration like 5m or 1h30m: the whole alphanumeric run must be one.
        let j = i;
        while (j < n && (isAlnum(input.charCodeAt(j)) || input.charCodeAt(j) === 46)) j++;
        const image = input.slice(i, j);
        if (durationToMs(image) === undefined) {
          return fail(`bad number or duration syntax: ${JSON.stringify(image)}`, i, j);
        }
        tokens.push(make(T.DurationTok, image, i));
        i = j;
        continue;
      }
      tokens.push(make(T.NumberTok, input.slice(i, end), i));
      i = end;
      continue;
    }
    // Strings.
    if (c === 34 || c === 39 || c === 96) {
      i++;
      let closed = false;
      while (i < n) {
        const d = input.charCodeAt(i);
        if (d === c) {
          closed = true;
          i++;
          break;
        }
        if (c !== 96) {
          if (d === 10) break;
          if (d === 92) {
            i += 2;
            continue;
          }
        }
        i++;
      }
      if (!closed || i > n) return fail(c === 96 ? "unterminated raw string" : "unterminated quoted string", start, n);
      tokens.push(make(T.StringTok, input.slice(start, i), start));
      continue;
    }
    // Punctuation and operators.
    let type: TokenType | undefined;
    let len = 1;
    const d = input.charCodeAt(i + 1);
    switch (c) {
      case 40: // (
      case 91: // [
      case 123: // {
        if (c === 123 && braces > 0) return fail("unexpected left brace inside braces", i);
        open.push(c);
        if (open.length > maxNesting) return fail(`expression nested too deeply (more than ${maxNesting} levels)`, i);
        if (c === 91) brackets++;
        if (c === 123) braces++;
        type = c === 40 ? T.LParen : c === 91 ? T.LBracket : T.LBrace;
        break;
      case 41: // )
      case 93: // ]
      case 125: {
        // }
        const want = c === 41 ? 40 : c === 93 ? 91 : 123;
        const name = c === 41 ? "parenthesis" : c === 93 ? "bracket" : "brace";
        if (open.length === 0 || open[open.length - 1] !== want) {
          // Prometheus's lexer reports a stray ")" after consuming it, and "}" as any other character.
          if (c === 125) return fail(`unexpected character: '}'`, i);
          return fail(`unexpected right ${name} '${String.fromCharCode(c)}'`, c === 41 ? i + 1 : i);
        }
        open.pop();
        if (c === 93) brackets--;
        if (c === 125) braces--;
        type = c === 41 ? T.RParen : c === 93 ? T.RBracket : T.RBrace;
        break;
      }
      case 44:
        type = T.Comma;
        break;
      case 58:
        type = T.Colon;
        if (braces > 0) return fail(`unexpected character inside braces: ':'`, i);
        if (brackets === 0) return fail(`unexpected colon ":"`, i);
        break;
      case 64:
        type = T.At;
        break;
      case 43:
        type = T.Plus;
        break;
      case 45:
        type = T.Minus;
        break;
      case 42:
        type = T.Mul;
        break;
      case 47:
        type = T.Div;
        break;
      case 37:
        type = T.Mod;
        break;
      case 94:
        type = T.Pow;
        break;
      case 61: // =
        if (d === 61) [type, len] = [T.EqlC, 2];
        else if (d === 126) [type, len] = [T.EqlRegex, 2];
        else type = T.Eql;
        break;
      case 33: // !
        if (d === 61) [type, len] = [T.Neq, 2];
        else if (d === 126) [type, len] = [T.NeqRegex, 2];
        else {
          const where = braces > 0 ? " inside braces" : "";
          return fail(`unexpected character after '!'${where}: ${i + 1 < n ? describeChar(input, i + 1) : "end of input"}`, i);
        }
        break;
      case 60:
        if (d === 61) [type, len] = [T.Lte, 2];
        else if (d === 47) [type, len] = [T.TrimUpper, 2];
        else type = T.Lss;
        break;
      case 62:
        if (d === 61) [type, len] = [T.Gte, 2];
        else if (d === 47) [type, len] = [T.TrimLower, 2];
        else type = T.Gtr;
        break;
    }
    if (type === undefined) {
      const where = braces > 0 ? " inside braces" : "";
      return fail(`unexpected character${where}: ${describeChar(input, i)}`, i);
    }
    tokens.push(make(type, input.slice(i, i + len), i));
    i += len;
  }
  if (open.length > 0) {
    const top = open[open.length - 1];
    if (top === 123) return fail("unexpected end of input inside braces", n, n);
    return fail(`unclosed ${top === 40 ? "left parenthesis" : "left bracket"}`, n, n);
  }
  return { tokens };
}
