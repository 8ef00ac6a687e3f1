import { test } from "node:test";
import assert from "node:assert/strict";
import type { Matcher, MatcherOp } from "./types.js";
import { compileMatcher, MatcherError, formatMatcher } from "./matchers.js";

const m = (op: MatcherOp, value: string): Matcher => ({ name: "l", op, value });
const re = (value: string): ((v: string) => boolean) => compileMatcher(m("=~", value));

test("equality matchers", () => {
  assert.ok(compileMatcher(m("=", "a"))("a"));
  assert.ok(!compileMatcher(m("=", "a"))("ab"));
  assert.ok(compileMatcher(m("!=", "a"))(""));
  assert.ok(!compileMatcher(m("!=", "a"))("a"));
});

test("regexes are fully anchored and . matches newlines", () => {
  const cases: [string, string, boolean][] = [
    ["foo", "foo", true],
    ["foo", "xfoo", false],
    ["foo", "foox", false],
    ["fo+", "foooo", true],
    ["a|b", "ab", false],
    ["a|b", "b", true],
    [".*", "anything\nat all", true],
    [".+", "", false],
    [".+", "\n", true],
    ["foo.*", "foo\nbar", true],
    ["foo.*", "xfoo", false],
    [".*bar", "foo\nbar", true],
    [".*o\\.b.*", "fo.bar", true],
    [".*o\\.b.*", "foxbar", false],
    ["a.c", "a\nc", true],
    ["", "", true],
    ["", "a", false],
    ["a|", "", true],
    ["foo\\.bar", "foo.bar", true],
    ["foo\\.bar", "fooxbar", false],
    ["x{2,3}", "xxx", true],
    ["x{2,3}", "xxxx", false],
    ["^foo$", "foo", true],
    ["(a)(b)", "ab", true],
    ["😀.", "😀😀", true],
  ];
  for (const [p, v, want] of cases) assert.equal(re(p)(v), want, `${p} on ${JSON.stringify(v)}`);
  assert.ok(compileMatcher(m("!~", "a.*"))("b"));
  assert.ok(!compileMatcher(m("!~", "a.*"))("abc"));
});

test("RE2 syntax is translated", () => {
  const cases: [string, string, boolean][] = [
    ["(?i)foo", "FoO", true],
    ["(?i)foo|bar", "BAR", true],
    ["(?i:foo)bar", "FOObar", true],
    ["(?i:foo)bar", "FOOBAR", false],
    ["x(?i)ab", "xAB", true],
    ["x(?i)ab", "XAB", false],
    ["(?i)[a-c]+", "AbC", true],
    ["a(?i:[a-c]+)", "aAbC", true],
    ["(?P<name>ab)+", "abab", true],
    ["(?<name>ab)+", "abab", true],
    ["ab\\z", "ab", true],
    ["\\Aab", "ab", true],
    ["\\Qa.b\\E", "a.b", true],
    ["\\Qa.b\\E", "axb", false],
    ["[[:alpha:]]+", "abZ", true],
    ["[[:^digit:]]+", "ab", true],
    ["[[:^digit:]]+", "a1", false],
    ["\\s", "\v", false],
    ["\\s", " ", true],
    ["\\S", "\v", true],
    ["[\\s]", "\v", false],
    ["[^\\S]", "\t", true],
    ["\\pL+", "héllo", true],
    ["\\p{Greek}+", "αβγ", true],
    ["\\P{Greek}", "a", true],
    ["\\x{1F600}", "😀", true],
    ["\\x41", "A", true],
    ["\\101", "A", true],
    ["\\0", "\0", true],
    ["a{,2}", "a{,2}", true],
    ["a{", "a{", true],
    ["a}", "a}", true],
    ["]", "]", true],
    ["[]a]+", "]a", true],
    ["[^]a]", "b", true],
    ["[a-]+", "a-", true],
    ["\\-\\/\\\"", '-/"', true],
    ["(?s).", "\n", true],
    ["(?-s).", "\n", false],
    ["(?m)a$\\nb", "a\nb", true],
    ["a.*?b", "axxb", true],
  ];
  for (const [p, v, want] of cases) assert.equal(re(p)(v), want, `${p} on ${JSON.stringify(v)}`);
});

test("bad regexes give a clear error", () => {
  for (const bad of ["(", "a)", "[a", "*a", "a**", "x{1001}", "x{3,2}", "\\1", "\\C", "\\q", "[z-a]", "\\p{NotAClass}", "\\Qa.b"]) {
    assert.throws(() => compileMatcher(m("=~", bad)), (e: unknown) => e instanceof MatcherError && e.message.startsWith("error parsing regexp: "), bad);
    assert.throws(() => compileMatcher(m("!~", bad)), MatcherError, bad);
  }
  assert.doesNotThrow(() => compileMatcher(m("=~", "a(b|c)*")));
});

test("formatMatcher", () => {
  assert.equal(formatMatcher({ name: "job", op: "=~", value: 'a"b' }), 'job=~"a\\"b"');
});

function makeRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

test("fast paths and translation agree with a brute-force RegExp on random strings", () => {
  const rnd = makeRandom(5);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const atoms = ["a", "b", "ab", ".", "(.*)", "(.+)", "\\.", "[ab]", "(a|b)", "x"];
  const shapes = [
    () => ".*",
    () => ".+",
    () => pick(["a", "ab", "b.a"]),
    () => `${pick(["a", "ab", "b"])}|${pick(["a", "b", "", "ba"])}|${pick(["x", "ab"])}`,
    () => `${pick(["a", "ab", "a\\."])}.*`,
    () => `.*${pick(["a", "ab", "\\.b"])}`,
    () => `.*${pick(["a", "ab", "b\\.", ""])}.*`,
    () => Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(atoms) + pick(["", "", "*", "+", "?"])).join(""),
  ];
  const alphabet = ["a", "b", ".", "\n", "x", "😀"];
  for (let round = 0; round < 300; round++) {
    const pattern = pick(shapes)();
    const ours = re(pattern);
    const oursNeg = compileMatcher(m("!~", pattern));
    const reference = new RegExp(`^(?:${pattern})$`, "su");
    for (let k = 0; k < 30; k++) {
      const v = Array.from({ length: Math.floor(rnd() * 6) }, () => pick(alphabet)).join("");
      assert.equal(ours(v), reference.test(v), `${pattern} on ${JSON.stringify(v)}`);
      assert.equal(oursNeg(v), !reference.test(v));
    }
  }
});

test("case-insensitive and scoped-flag translations agree with a JS RegExp using the i flag", () => {
  const rnd = makeRandom(9);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const atoms = ["a", "B", "é", "[a-c]", "[^b]", ".", "(ab|C)", "x"];
  const alphabet = ["a", "A", "b", "B", "c", "C", "é", "É", "x", "X", "\n"];
  for (let round = 0; round < 200; round++) {
    const body = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(atoms) + pick(["", "", "*", "+", "?"])).join("");
    const reference = new RegExp(`^(?:${body})$`, "siu");
    // the same pattern three ways: leading (?i), a scoped (?i:...) group, and (?i) after an empty group
    for (const pattern of [`(?i)${body}`, `(?i:${body})`, `()(?i)${body}`]) {
      const ours = re(pattern);
      for (let k = 0; k < 20; k++) {
        const v = Array.from({ length: Math.floor(rnd() * 5) }, () => pick(alphabet)).join("");
        assert.equal(ours(v), reference.test(v), `${pattern} on ${JSON.stringify(v)}`);
      }
    }
  }
});

test("compileMatchers pairs names with tests", async () => {
  const { compileMatchers } = await import("./matchers.js");
  const ms = compileMatchers([m("=", "a"), { name: "job", op: "=~", value: "x|y" }]);
  assert.deepEqual(ms.map((x) => x.name), ["l", "job"]);
  assert.ok(ms[0]!.matches("a") && ms[1]!.matches("y") && !ms[1]!.matches("z"));
});
