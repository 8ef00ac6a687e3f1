// The RE2 dialect, construct by construct: what Go's regexp (and so Prometheus) accepts, how it
// matches when compiled as Prometheus compiles matchers (`^(?s:` + pattern + `)$`), and what it rejects.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { compileAnchoredRe2, re2MatchesEmpty, translateRe2 } from "./index.js";

function matches(pattern: string, value: string): boolean {
  const c = compileAnchoredRe2(pattern);
  if ("error" in c) throw new Error(`${pattern}: ${c.error}`);
  return c.regexp.test(value);
}

// [construct, pattern, values it matches, values it does not match]
const accepted: [string, string, string[], string[]][] = [
  ["fully anchored", "ab", ["ab"], ["xab", "abx"]],
  ["alternation inside the anchors", "a|b", ["a", "b"], ["ab"]],
  ["dot matches newline (Prometheus 3)", "a.b", ["a\nb", "axb"], ["ab"]],
  ["(?-s) turns that off", "(?-s)a.b", ["axb"], ["a\nb"]],
  ["(?i) whole pattern", "(?i)orrery", ["ORRERY", "Orrery"], ["orrer"]],
  ["(?i) with non-ASCII", "(?i)straße", ["STRAßE"], ["strasse"]],
  ["(?i) folds whole orbits: k K U+212A, s S U+017F", "(?i)ks", ["\u212Aſ", "KS"], ["k"]],
  ["(?i) ends with the wrapping group it is in", "(?i)a)|(b", ["A", "xb"], ["xB"]],
  ["(?i:...) scoped", "(?i:a)b", ["Ab", "ab"], ["aB"]],
  ["(?i) mid-pattern", "a(?i)b", ["aB", "ab"], ["AB"]],
  ["(?U) ungreedy leaves anchored matches alone", "(?U)a+", ["aaa"], [""]],
  ["(?m) multi-line ^ $", "(?m)a$\\n^b", ["a\nb"], ["ab"]],
  ["non-greedy", "a+?b*?", ["aab", "a"], ["b"]],
  ["[[:alpha:]]", "[[:alpha:]]+", ["abcXYZ"], ["ab1", ""]],
  ["[[:^digit:]]", "[[:^digit:]]", ["a"], ["5"]],
  ["[[:space:]] and [[:punct:]]", "[[:space:][:punct:]]+", [" .\t!"], ["a"]],
  ["\\pL", "\\pL+", ["héllo", "Ωμέγα"], ["a1"]],
  ["\\p{Greek}", "\\p{Greek}+", ["Ωμέγα"], ["omega"]],
  ["\\PL", "\\PL+", ["123 !"], ["a"]],
  ["\\p{^Greek}", "\\p{^Greek}", ["a"], ["Ω"]],
  ["\\d \\w \\s", "\\d\\w\\s", ["1a ", "9_\t"], ["a1 "]],
  ["\\s excludes \\v (RE2)", "\\s", [" ", "\n"], ["\v"]],
  ["\\Q...\\E literal", "\\Qa.b*\\E", ["a.b*"], ["axb"]],
  ["\\A and \\z", "\\Aab\\z", ["ab"], ["ab\n"]],
  ["\\x{...} and \\x41", "\\x{263a}\\x41", ["☺A"], ["A"]],
  ["octal \\101", "\\101", ["A"], ["a"]],
  ["repeat counts up to 1000", "a{2,3}b{1000}", ["aa" + "b".repeat(1000)], ["a" + "b".repeat(1000)]],
  ["{ as a literal when not a count", "a{,2}", ["a{,2}"], ["aa"]],
  ["named group (?P<n>...)", "(?P<n>a)b", ["ab"], ["b"]],
  ["named group (?<n>...) (Go 1.22, Prometheus 3)", "(?<n>a)b", ["ab"], ["b"]],
  ["empty alternative", "a|", ["a", ""], ["b"]],
  ["a pattern that escapes the wrapping group, as in Prometheus", "a)|(b", ["a", "ax", "xb"], ["x"]],
];

// [construct, pattern, Go's message (as Prometheus 3 reports it for a matcher)]
const rejected: [string, string, string][] = [
  ["unclosed group", "(", "missing closing ): `^(?s:()$`"],
  ["unopened group", "a))", "unexpected ): `^(?s:a)))$`"],
  ["unclosed class", "[a", "missing closing ]: `[a)$`"],
  ["bad class range", "[z-a]", "invalid character class range: `z-a`"],
  ["backreference", "(a)\\1", "invalid escape sequence: `\\1`"],
  ["lookahead", "a(?=b)", "invalid or unsupported Perl syntax: `(?=`"],
  ["negative lookahead", "a(?!b)", "invalid or unsupported Perl syntax: `(?!`"],
  ["lookbehind", "(?<=a)b", "invalid or unsupported Perl syntax: `(?<`"],
  ["possessive", "a++", "invalid nested repetition operator: `++`"],
  ["double repetition", "a**", "invalid nested repetition operator: `**`"],
  ["nothing to repeat", "*a", "missing argument to repetition operator: `*`"],
  ["repeat count over 1000", "a{1001}", "invalid repeat count: `{1001}`"],
  ["repeat range backwards", "a{3,2}", "invalid repeat count: `{3,2}`"],
  ["\\C", "\\C", "invalid escape sequence: `\\C`"],
  ["unknown escape", "\\q", "invalid escape sequence: `\\q`"],
  ["unknown Unicode class", "\\p{Nope}", "invalid character class range: `\\p{Nope}`"],
  ["unknown POSIX class", "[[:nope:]]", "invalid character class range: `[:nope:]`"],
  ["\\Q without \\E quotes the wrapping too", "\\Q(x", "missing closing ): `^(?s:\\Q(x)$`"],
  ["unknown flag", "(?x)a", "invalid or unsupported Perl syntax: `(?x`"],
];

describe("RE2 constructs Prometheus accepts match as Go's regexp does", () => {
  for (const [what, pattern, yes, no] of accepted) {
    it(`${what}: ${pattern}`, () => {
      for (const v of yes) assert.ok(matches(pattern, v), `${pattern} should match ${JSON.stringify(v)}`);
      for (const v of no) assert.ok(!matches(pattern, v), `${pattern} should not match ${JSON.stringify(v)}`);
    });
  }
});

describe("RE2 rejects what Go's regexp rejects, with Go's message", () => {
  for (const [what, pattern, message] of rejected) {
    it(`${what}: ${pattern}`, () => {
      const c = compileAnchoredRe2(pattern);
      assert.ok("error" in c, `${pattern} compiled`);
      assert.equal(c.error, `error parsing regexp: ${message}`);
    });
  }
});

describe("capture group names", () => {
  it("are listed in group order, unnamed as empty", () => {
    const c = compileAnchoredRe2("(?P<a>x)(y)(?<b>z)");
    assert.ok("groupNames" in c);
    assert.deepEqual(c.groupNames, ["a", "", "b"]);
  });
});

describe("re2MatchesEmpty", () => {
  const cases: [string, boolean][] = [
    [".*", true],
    [".+", false],
    ["a|", true],
    ["[[:alpha:]]*", true],
    ["\\pL*", true],
    ["(?i)a*", true],
    ["\\Qa\\E", false],
    ["(", false],
  ];
  for (const [pattern, want] of cases) it(`${pattern} → ${want}`, () => assert.equal(re2MatchesEmpty(pattern), want));
});

describe("translateRe2 (unanchored, as MatchString)", () => {
  it("finds a match anywhere", () => {
    const t = translateRe2("b+");
    assert.ok("source" in t);
    assert.ok(new RegExp(t.source, t.flags).test("abbc"));
  });
});
