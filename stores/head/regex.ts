// Recognises regexes that are a plain list of literals, so the index can look
// their postings up directly instead of testing every value of the label.

const META = new Set([".", "+", "*", "?", "(", ")", "[", "]", "{", "}", "^", "$", "|", "\\"]);

/**
 * The literals of a regex of the form `a|b|c` (escaped punctuation such as `\.`
 * allowed), or undefined when the regex is anything more. `foo` gives ["foo"];
 * `a|` gives ["a", ""].
 */
export function literalAlternatives(pattern: string): string[] | undefined {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "|") {
      out.push(current);
      current = "";
      continue;
    }
    if (c === "\\") {
      const next = pattern[i + 1];
      // Only escaped punctuation is a literal; \d, \w, \n … are classes or escapes we leave to the regex.
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined;
      current += next;
      i++;
      continue;
    }
    if (META.has(c)) return undefined;
    current += c;
  }
  out.push(current);
  return [...new Set(out)];
}
