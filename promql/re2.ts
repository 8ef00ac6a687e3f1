// Translates Go RE2 syntax (what Prometheus matchers use) into an equivalent JS RegExp with the u flag.
// Differences handled: inline flags (?i) (?s) (?m) and scoped (?i:...), (?P<name>...), \z \A \Q..\E,
// RE2's \s, \pN and \p{Greek}, \x{...}, octal escapes, POSIX [[:alpha:]], literal ] { } where RE2
// takes them literally, (?U) ungreedy, and repeat counts above 1000. `.` matches newlines (Prometheus 3
// compiles matchers and label_replace regexes as `^(?s:` + pattern + `)$`; compileAnchoredRe2 does the same).
// The one RE2 dialect of orrery: the parser's checks, the store matchers and label_replace all use it.

interface Flags {
  readonly i: boolean;
  readonly s: boolean;
  readonly m: boolean;
  /** (?U): repetitions are lazy unless followed by `?`. */
  readonly U: boolean;
}

/** A translated pattern (JS source, flags, and each capture group's RE2 name, "" when unnamed), or a Go-style error message. */
export type Re2Translation =
  | { readonly source: string; readonly flags: string; readonly groupNames: readonly string[] }
  | { readonly error: string };

class Re2Error extends Error {}

const MAX_REPEAT = 1000;
const SPACE_RANGES: [number, number][] = [
  [0x09, 0x0a],
  [0x0c, 0x0d],
  [0x20, 0x20],
];
const POSIX: Record<string, [number, number][]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a], [0x5f, 0x5f]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

function complement(ranges: [number, number][]): [number, number][] {
  const sorted = ranges.slice().sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    if (hi + 1 > next) next = hi + 1;
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff]);
  return out;
}

function cp(c: number): string {
  return "\\u{" + c.toString(16) + "}";
}

function rangesToClassBody(ranges: [number, number][]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? cp(lo) : cp(lo) + "-" + cp(hi))).join("");
}

/** Both cases of a single character, when they are single code points. */
function caseVariants(c: number): number[] {
  const ch = String.fromCodePoint(c);
  const out = new Set<number>([c]);
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    if ([...v].length === 1) out.add(v.codePointAt(0)!);
  }
  return [...out];
}

/** Adds the other-case counterparts of ranges (ASCII exactly; other ranges char by char up to a bound). */
function foldRanges(ranges: [number, number][]): [number, number][] {
  const out = ranges.slice();
  for (const [lo, hi] of ranges) {
    if (hi - lo > 4096) {
      const addShift = (a: number, b: number, shift: number): void => {
        const l = Math.max(lo, a);
        const h = Math.min(hi, b);
        if (l <= h) out.push([l + shift, h + shift]);
      };
      addShift(0x61, 0x7a, -32);
      addShift(0x41, 0x5a, 32);
      continue;
    }
    for (let c = lo; c <= hi; c++) for (const v of caseVariants(c)) if (v < lo || v > hi) out.push([v, v]);
  }
  return out;
}

class Translator {
  private readonly chars: string[];
  private pos = 0;
  private out = "";
  /** Whether the last emitted item can take a repetition operator. */
  private canRepeat = false;
  private lastWasRepeat = false;
  private readonly useJsIgnoreCase: boolean;
  /** RE2 names of the capture groups in order ("" for an unnamed group); JS gets plain groups. */
  private readonly groupNames: string[] = [];

  /** Set when a cased character appears outside (?i) while the JS i flag is in use: translate again without it. */
  jsIgnoreCaseWrong = false;

  constructor(
    private readonly src: string,
    useJsIgnoreCase: boolean,
  ) {
    this.chars = [...src];
    this.useJsIgnoreCase = useJsIgnoreCase;
  }

  translate(): Re2Translation {
    const flags: Flags = { i: false, s: true, m: false, U: false };
    this.parseAlternation(flags, 0);
    if (this.pos < this.chars.length) throw new Re2Error(`unexpected ): \`${this.src}\``);
    return { source: this.out, flags: this.useJsIgnoreCase ? "ui" : "u", groupNames: this.groupNames };
  }

  private peek(off = 0): string | undefined {
    return this.chars[this.pos + off];
  }

  /** Parses until an unmatched ')' or the end; the flags are scoped to this group. */
  private parseAlternation(inherited: Flags, depth: number): void {
    let flags = inherited;
    while (this.pos < this.chars.length) {
      const c = this.chars[this.pos]!;
      if (c === ")") {
        if (depth === 0) throw new Re2Error(`unexpected ): \`${this.src}\``);
        return;
      }
      this.pos++;
      switch (c) {
        case "|":
          this.emit("|", false);
          break;
        case "(":
          flags = this.parseGroup(flags, depth);
          break;
        case "[":
          this.emit(this.parseClass(flags), true);
          break;
        case ".":
          this.emit(flags.s ? "[^]" : "[^\\n]", true);
          break;
        case "^":
          this.emit(flags.m ? "(?:^|(?<=\\n))" : "^", false);
          break;
        case "$":
          this.emit(flags.m ? "(?:$|(?=\\n))" : "$", false);
          break;
        case "*":
        case "+":
        case "?":
          this.repeat(c, flags);
          break;
        case "{":
          if (!this.tryRepeatCount(flags)) this.emitLiteral(0x7b, flags);
          break;
        case "\\":
          this.parseEscape(flags);
          break;
        default:
          this.emitLiteral(c.codePointAt(0)!, flags);
      }
    }
    if (depth > 0) throw new Re2Error(`missing closing ): \`${this.src}\``);
  }

  /** After '(' : a group, or a flag setting that returns the flags for the rest of this group. */
  private parseGroup(flags: Flags, depth: number): Flags {
    let inner = flags;
    if (this.peek() === "?") {
      const rest = this.chars.slice(this.pos + 1).join("");
      const named = /^P?<([A-Za-z0-9_]+)>/.exec(rest);
      if (named) {
        this.pos += 1 + named[0].length;
        this.groupNames.push(named[1]!);
        this.out += "(";
      } else {
        const m = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
        if (!m || (m[1] === "" && m[2] === undefined && m[3] === ")") || m[2] === "") {
          throw new Re2Error(`invalid or unsupported Perl syntax: \`(?${rest.slice(0, 1)}\``);
        }
        const next = this.applyFlags(flags, m[1]!, m[2] ?? "", rest);
        this.pos += 1 + m[0].length;
        if (m[3] === ")") return next; // (?i) applies to the rest of the enclosing group
        inner = next;
        this.out += "(?:";
      }
    } else {
      this.groupNames.push("");
      this.out += "(";
    }
    this.canRepeat = false;
    this.lastWasRepeat = false;
    this.parseAlternation(inner, depth + 1);
    this.pos++; // ')'
    this.out += ")";
    this.canRepeat = true;
    this.lastWasRepeat = false;
    return flags;
  }

  private applyFlags(flags: Flags, on: string, off: string, rest: string): Flags {
    const next = { ...flags };
    for (const [set, value] of [[on, true], [off, false]] as const) {
      for (const f of set) {
        if (f === "i") next.i = value;
        else if (f === "s") next.s = value;
        else if (f === "m") next.m = value;
        else if (f === "U") next.U = value;
        else throw new Re2Error(`invalid or unsupported Perl syntax: \`(?${rest.slice(0, rest.indexOf(f) + 1)}\``);
      }
    }
    return next;
  }

  private emit(s: string, atom: boolean): void {
    this.out += s;
    this.canRepeat = atom;
    this.lastWasRepeat = false;
  }

  private emitLiteral(c: number, flags: Flags): void {
    if (this.useJsIgnoreCase && !flags.i && caseVariants(c).length > 1) this.jsIgnoreCaseWrong = true;
    if (flags.i && !this.useJsIgnoreCase) {
      const variants = caseVariants(c);
      if (variants.length > 1) {
        this.emit("[" + variants.map(cp).join("") + "]", true);
        return;
      }
    }
    const ch = String.fromCodePoint(c);
    this.emit(/[A-Za-z0-9_ ]/.test(ch) ? ch : cp(c), true);
  }

  private repeat(op: string, flags: Flags): void {
    if (this.lastWasRepeat) throw new Re2Error(`invalid nested repetition operator: \`${this.prevOpText()}${op}\``);
    if (!this.canRepeat) throw new Re2Error(`missing argument to repetition operator: \`${op}\``);
    this.out += op + this.laziness(flags);
    this.lastWasRepeat = true;
    this.canRepeat = false;
  }

  /** Consumes a `?` after a repetition; "?" when the repetition is lazy (a `?` flips it under (?U)). */
  private laziness(flags: Flags): string {
    let lazy = flags.U;
    if (this.peek() === "?") {
      this.pos++;
      lazy = !lazy;
    }
    return lazy ? "?" : "";
  }

  private prevOpText(): string {
    return this.chars[this.pos - 2] ?? "";
  }

  /** After '{': a repeat count {n}, {n,}, {n,m}; false (and nothing consumed) when it is a literal brace. */
  private tryRepeatCount(flags: Flags): boolean {
    const rest = this.chars.slice(this.pos, this.pos + 16).join("");
    const m = /^(\d+)(,(\d*))?\}/.exec(rest);
    if (!m) return false;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) {
      throw new Re2Error(`invalid repeat count: \`{${m[0]}\``);
    }
    if (this.lastWasRepeat) throw new Re2Error(`invalid nested repetition operator: \`{${m[0]}\``);
    if (!this.canRepeat) throw new Re2Error(`missing argument to repetition operator: \`{${m[0]}\``);
    this.pos += m[0].length;
    this.out += "{" + m[0] + this.laziness(flags);
    this.lastWasRepeat = true;
    this.canRepeat = false;
    return true;
  }

  private parseEscape(flags: Flags): void {
    const c = this.peek();
    if (c === undefined) throw new Re2Error("trailing backslash at end of expression: ``");
    this.pos++;
    switch (c) {
      case "Q": {
        while (this.pos < this.chars.length) {
          if (this.peek() === "\\" && this.peek(1) === "E") {
            this.pos += 2;
            return;
          }
          this.emitLiteral(this.chars[this.pos++]!.codePointAt(0)!, flags);
        }
        return;
      }
      case "E":
        return; // a stray \E is ignored, as RE2 does
      case "z":
        this.emit("$", false);
        return;
      case "A":
        this.emit("^", false);
        return;
      case "b":
      case "B":
        this.emit("\\" + c, false);
        return;
      case "C":
        throw new Re2Error("invalid escape sequence: `\\C`");
    }
    const cls = this.perlOrUnicodeClass(c, false);
    if (cls !== undefined) {
      this.emit(cls, true);
      return;
    }
    this.emitLiteral(this.escapedChar(c), flags);
  }

  /** \d \s \w \pN \p{..} and negations as a JS atom (inClass: as class-body text). */
  private perlOrUnicodeClass(c: string, inClass: boolean): string | undefined {
    switch (c) {
      case "d":
      case "D":
      case "w":
      case "W":
        return "\\" + c;
      case "s":
        return inClass ? rangesToClassBody(SPACE_RANGES) : "[" + rangesToClassBody(SPACE_RANGES) + "]";
      case "S": {
        const body = rangesToClassBody(complement(SPACE_RANGES));
        return inClass ? body : "[" + body + "]";
      }
      case "p":
      case "P":
        return this.unicodeClass(c === "P");
    }
    return undefined;
  }

  private unicodeClass(negated: boolean): string {
    let name: string;
    if (this.peek() === "{") {
      const end = this.chars.indexOf("}", this.pos);
      if (end < 0) throw new Re2Error(`invalid character class range: \`\\p${this.chars.slice(this.pos).join("")}\``);
      name = this.chars.slice(this.pos + 1, end).join("");
      this.pos = end + 1;
    } else {
      name = this.peek() ?? "";
      this.pos++;
    }
    if (name.startsWith("^")) {
      negated = !negated;
      name = name.slice(1);
    }
    const p = negated ? "\\P" : "\\p";
    const candidates = name === "Any" ? ["Any"] : [name, "Script=" + name];
    for (const cand of candidates) {
      try {
        new RegExp(`\\p{${cand}}`, "u");
        return `${p}{${cand}}`;
      } catch {
        // try the next spelling
      }
    }
    throw new Re2Error(`invalid character class range: \`\\p{${name}}\``);
  }

  /** The character an escape (after the backslash and its first char c) stands for. */
  private escapedChar(c: string): number {
    switch (c) {
      case "a":
        return 0x07;
      case "f":
        return 0x0c;
      case "t":
        return 0x09;
      case "n":
        return 0x0a;
      case "r":
        return 0x0d;
      case "v":
        return 0x0b;
      case "x": {
        if (this.peek() === "{") {
          const end = this.chars.indexOf("}", this.pos);
          const hex = end < 0 ? "" : this.chars.slice(this.pos + 1, end).join("");
          if (!/^[0-9a-fA-F]{1,8}$/.test(hex) || parseInt(hex, 16) > 0x10ffff) {
            throw new Re2Error(`invalid escape sequence: \`\\x${this.chars.slice(this.pos, end + 1).join("")}\``);
          }
          this.pos = end + 1;
          return parseInt(hex, 16);
        }
        const hex = (this.peek() ?? "") + (this.peek(1) ?? "");
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Re2Error(`invalid escape sequence: \`\\x${hex}\``);
        this.pos += 2;
        return parseInt(hex, 16);
      }
    }
    if (c >= "0" && c <= "7") {
      // RE2: \0 and \NN.. are octal; a single \1-\7 would be a backreference, which RE2 rejects.
      if (c !== "0" && !/[0-7]/.test(this.peek() ?? "")) throw new Re2Error(`invalid escape sequence: \`\\${c}\``);
      let digits = c;
      while (digits.length < 3 && /[0-7]/.test(this.peek() ?? "")) digits += this.chars[this.pos++]!;
      return parseInt(digits, 8);
    }
    const code = c.codePointAt(0)!;
    if (code < 0x80 && !/[A-Za-z0-9]/.test(c)) return code; // escaped punctuation
    throw new Re2Error(`invalid escape sequence: \`\\${c}\``);
  }

  /** After '[': a bracket class as a JS class. */
  private parseClass(flags: Flags): string {
    const start = this.pos - 1;
    let negated = false;
    if (this.peek() === "^") {
      negated = true;
      this.pos++;
    }
    const ranges: [number, number][] = [];
    let extra = "";
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new Re2Error(`missing closing ]: \`${this.chars.slice(start).join("")}\``);
      if (c === "]" && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === "[" && this.peek(1) === ":") {
        const rest = this.chars.slice(this.pos).join("");
        const m = /^\[:(\^?)([a-z]+):\]/.exec(rest);
        if (m) {
          const set = POSIX[m[2]!];
          if (set === undefined) throw new Re2Error(`invalid character class range: \`${m[0]}\``);
          ranges.push(...(m[1] === "^" ? complement(set) : set));
          this.pos += m[0].length;
          continue;
        }
      }
      if (c === "\\") {
        const e = this.peek(1);
        if (e !== undefined && "dDwWsSpP".includes(e)) {
          this.pos += 2;
          extra += this.perlOrUnicodeClass(e, true)!;
          continue;
        }
      }
      const lo = this.classChar();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== undefined) {
        this.pos++;
        const hi = this.classChar();
        if (hi < lo) {
          throw new Re2Error(`invalid character class range: \`${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}\``);
        }
        ranges.push([lo, hi]);
      } else {
        ranges.push([lo, lo]);
      }
    }
    if (this.useJsIgnoreCase && !flags.i) this.jsIgnoreCaseWrong = true;
    const folded = flags.i && !this.useJsIgnoreCase ? foldRanges(ranges) : ranges;
    return "[" + (negated ? "^" : "") + rangesToClassBody(folded) + extra + "]";
  }

  private classChar(): number {
    const c = this.chars[this.pos++]!;
    if (c !== "\\") return c.codePointAt(0)!;
    const e = this.chars[this.pos++];
    if (e === undefined) throw new Re2Error("trailing backslash at end of expression: ``");
    return this.escapedChar(e);
  }
}

/** Translates an RE2 pattern (unanchored, as Go's MatchString uses it) to JS source and flags, or an error. */
export function translateRe2(pattern: string): Re2Translation {
  return translate(pattern, startsCaseInsensitive(pattern));
}

/**
 * Whether a pattern sets (?i) first and no flag after: then the JS i flag can fold case for all of it,
 * with Unicode's full fold orbits (k, K, U+212A) as RE2 folds them. The translator checks the guess.
 */
function startsCaseInsensitive(pattern: string): boolean {
  return pattern.startsWith("(?i)") && !/\(\?[a-zA-Z-]/.test(pattern.slice(4));
}

function translate(pattern: string, jsIgnoreCase: boolean): Re2Translation {
  try {
    const translator = new Translator(pattern, jsIgnoreCase);
    const t = translator.translate();
    if (translator.jsIgnoreCaseWrong) return translate(pattern, false);
    if ("error" in t) return t;
    new RegExp(t.source, t.flags); // anything we let through must compile
    return t;
  } catch (e) {
    const msg = e instanceof Re2Error ? e.message : `invalid or unsupported regular expression: ${(e as Error).message}`;
    return { error: `error parsing regexp: ${msg}` };
  }
}

/** A regex as Prometheus 3 compiles matchers and label_replace's: the pattern inside `^(?s:` … `)$`. */
export type AnchoredRe2 = { readonly regexp: RegExp; readonly groupNames: readonly string[] } | { readonly error: string };

/** Compiles a pattern as Prometheus does (`^(?s:` + pattern + `)$`, so errors quote that whole text as Go's do). */
export function compileAnchoredRe2(pattern: string): AnchoredRe2 {
  const t = translate("^(?s:" + pattern + ")$", startsCaseInsensitive(pattern));
  if ("error" in t) return t;
  return { regexp: new RegExp(t.source, t.flags), groupNames: t.groupNames };
}

/** Whether a (valid) pattern, fully anchored, matches the empty string; false for an invalid one. */
export function re2MatchesEmpty(pattern: string): boolean {
  const c = compileAnchoredRe2(pattern);
  return "regexp" in c && c.regexp.test("");
}
