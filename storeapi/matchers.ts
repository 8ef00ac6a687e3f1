// Label matchers with Prometheus semantics: regexes are RE2, fully anchored, and `.` matches newlines.
// Common regex shapes take fast paths (literal, alternation of literals, prefix/suffix/contains, .* and .+).
import type { Matcher } from "./types.js";
import { compileAnchoredRe2 } from "../promql/index.js";
import { goQuote } from "./labels.js";

/** A compiled matcher: does this label value (\"\" when the label is absent) match? */
export type ValueMatcher = (value: string) => boolean;

/** An error from compileMatcher (a bad regex); the API reports it as bad_data. */
export class MatcherError extends Error {
  constructor(
    message: string,
    readonly matcher: Matcher,
  ) {
    super(message);
    this.name = "MatcherError";
  }
}

const REGEX_SPECIAL = /[\\.+*?()|[\]{}^$]/;

/** The literal a regex stands for when it is only literal characters and escaped punctuation. */
function regexLiteral(pattern: string): string | undefined {
  if (!pattern.includes("\\")) return REGEX_SPECIAL.test(pattern) ? undefined : pattern;
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const e = pattern[++i];
      if (e === undefined || /[A-Za-z0-9]/.test(e) || e.charCodeAt(0) >= 0x80) return undefined;
      out += e;
    } else if (REGEX_SPECIAL.test(c)) {
      return undefined;
    } else {
      out += c;
    }
  }
  return out;
}

/** The fast test for common regex shapes, or undefined when the regex engine is needed. */
function fastRegexPath(pattern: string): ValueMatcher | undefined {
  if (pattern === ".*") return () => true;
  if (pattern === ".+") return (v) => v.length > 0;
  const literal = regexLiteral(pattern);
  if (literal !== undefined) return (v) => v === literal;
  if (pattern.includes("|") && !pattern.includes("\\")) {
    const parts = pattern.split("|");
    if (parts.every((p) => !REGEX_SPECIAL.test(p))) {
      const set = new Set(parts);
      return (v) => set.has(v);
    }
  }
  const leading = pattern.startsWith(".*");
  const trailing = pattern.endsWith(".*") && !pattern.endsWith("\\.*") && pattern.length >= (leading ? 4 : 2);
  if (leading || trailing) {
    const inner = regexLiteral(pattern.slice(leading ? 2 : 0, trailing ? -2 : undefined));
    if (inner !== undefined) {
      if (leading && trailing) return (v) => v.includes(inner);
      if (leading) return (v) => v.endsWith(inner);
      return (v) => v.startsWith(inner);
    }
  }
  return undefined;
}

/** A regex matcher for a pattern: fully anchored, with Prometheus's RE2 semantics. Throws MatcherError. */
function compileRegex(m: Matcher): ValueMatcher {
  const fast = fastRegexPath(m.value);
  if (fast !== undefined) return fast;
  const compiled = compileAnchoredRe2(m.value);
  if ("error" in compiled) throw new MatcherError(compiled.error, m);
  const re = compiled.regexp;
  return (v) => re.test(v);
}

/** Compiles a matcher into a value test. Throws MatcherError for a bad regex. */
export function compileMatcher(m: Matcher): ValueMatcher {
  const value = m.value;
  switch (m.op) {
    case "=":
      return (v) => v === value;
    case "!=":
      return (v) => v !== value;
    case "=~":
      return compileRegex(m);
    case "!~": {
      const re = compileRegex(m);
      return (v) => !re(v);
    }
  }
  throw new MatcherError(`unknown matcher operator ${JSON.stringify(m.op)}`, m);
}

/** Compiles matchers as pairs of (label name, test). Throws MatcherError. */
export function compileMatchers(ms: readonly Matcher[]): { readonly name: string; readonly matches: ValueMatcher }[] {
  return ms.map((m) => ({ name: m.name, matches: compileMatcher(m) }));
}

/** Prometheus's text form of a matcher: name="value" (value quoted as Go's strconv.Quote). */
export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${goQuote(m.value)}`;
}
