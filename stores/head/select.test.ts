import { test } from "node:test";
import assert from "node:assert/strict";
import { compileMatcher } from "../../storeapi/index.js";
import type { Label, Labels, Matcher, MatcherOp } from "../../storeapi/index.js";
import { PostingsIndex } from "./postings.js";
import { literalAlternatives } from "./regex.js";
import { selectIds } from "./select.js";
import { rng } from "./test-helpers.js";

const NAMES = ["__name__", "job", "instance", "code", "env", "rare"];
const VALUES = ["", "a", "b", "ab", "abc", "api", "api-2", "db", "x.y", "200", "500", "5xx"];

function randomLabels(rand: () => number): Labels {
  const out: Label[] = [];
  for (const name of NAMES) {
    // Labels present with different probabilities, so some names are rare.
    if (rand() < (name === "rare" ? 0.05 : 0.75)) {
      const value = VALUES[1 + Math.floor(rand() * (VALUES.length - 1))]!;
      out.push({ name, value });
    }
  }
  if (out.length === 0) out.push({ name: "job", value: "a" });
  return out.sort((x, y) => (x.name < y.name ? -1 : 1));
}

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

function randomRegex(rand: () => number): string {
  switch (Math.floor(rand() * 9)) {
    case 0:
      return `${pick(rand, VALUES)}|${pick(rand, VALUES)}|${pick(rand, VALUES)}`;
    case 1:
      return `${pick(rand, ["a", "ap", "d", "5", "x"])}.*`;
    case 2:
      return ".*";
    case 3:
      return ".+";
    case 4:
      return `.*${pick(rand, ["b", "2", "y"])}`;
    case 5:
      return `${pick(rand, ["a", "d", "5"])}.+`;
    case 6:
      return "x\\.y|a";
    case 7:
      return "(a|b)c?";
    default:
      return pick(rand, VALUES);
  }
}

function randomMatcher(rand: () => number): Matcher {
  const op = pick<MatcherOp>(rand, ["=", "!=", "=~", "!~"]);
  const name = rand() < 0.05 ? "missing" : pick(rand, NAMES);
  const value = op === "=" || op === "!=" ? pick(rand, [...VALUES, "nope"]) : randomRegex(rand);
  return { name, op, value };
}

function bruteForce(all: Map<number, Labels>, matchers: readonly Matcher[]): number[] {
  const tests = matchers.map((m) => ({ name: m.name, test: compileMatcher(m) }));
  const out: number[] = [];
  for (const [id, labels] of all) {
    const ok = tests.every((m) => m.test(labels.find((l) => l.name === m.name)?.value ?? ""));
    if (ok) out.push(id);
  }
  return out.sort((a, b) => a - b);
}

test("selectIds equals a brute-force matcher on random series and matchers", () => {
  const rand = rng(42);
  for (const seriesCount of [0, 1, 20, 400, 3000]) {
    const index = new PostingsIndex();
    const all = new Map<number, Labels>();
    for (let id = 1; id <= seriesCount; id++) {
      const labels = randomLabels(rand);
      // Ids with gaps, like a head after truncation.
      const sid = id * 3;
      all.set(sid, index.add(sid, labels));
    }
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(rand() * 4);
      const matchers = Array.from({ length: n }, () => randomMatcher(rand));
      const got = [...selectIds(index, matchers, (id) => all.get(id))];
      assert.deepEqual(got, bruteForce(all, matchers), `${seriesCount} series, ${JSON.stringify(matchers)}`);
    }
  }
});

test("selectIds returns sorted ids and handles the empty-string matchers", () => {
  const index = new PostingsIndex();
  const all = new Map<number, Labels>();
  all.set(1, index.add(1, [{ name: "job", value: "a" }]));
  all.set(2, index.add(2, [{ name: "env", value: "p" }, { name: "job", value: "b" }]));
  const sel = (ms: Matcher[]) => [...selectIds(index, ms, (id) => all.get(id))];
  assert.deepEqual(sel([{ name: "env", op: "=", value: "" }]), [1]);
  assert.deepEqual(sel([{ name: "env", op: "!=", value: "" }]), [2]);
  assert.deepEqual(sel([{ name: "env", op: "=~", value: ".*" }]), [1, 2]);
  assert.deepEqual(sel([{ name: "env", op: "=~", value: ".+" }]), [2]);
  assert.deepEqual(sel([{ name: "job", op: "!~", value: "a|b" }]), []);
  assert.deepEqual(sel([{ name: "job", op: "=~", value: "a|" }]), [1]);
  assert.deepEqual(sel([{ name: "nope", op: "=~", value: "a|" }]), [1, 2]);
  assert.deepEqual(sel([]), [1, 2]);
});

test("literalAlternatives recognises only plain literal lists", () => {
  assert.deepEqual(literalAlternatives("a|b|c"), ["a", "b", "c"]);
  assert.deepEqual(literalAlternatives("foo"), ["foo"]);
  assert.deepEqual(literalAlternatives("x\\.y|a"), ["x.y", "a"]);
  assert.deepEqual(literalAlternatives("a|"), ["a", ""]);
  assert.equal(literalAlternatives("a.*"), undefined);
  assert.equal(literalAlternatives("(a|b)"), undefined);
  assert.equal(literalAlternatives("\\d+"), undefined);
  assert.equal(literalAlternatives("(?i)a"), undefined);
});
