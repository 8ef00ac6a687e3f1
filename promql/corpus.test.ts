// The spec corpus: every query of ../shared/promqltest/*.test and the compliance list
// parses (unless marked as a parse failure) and survives format → parse unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { NO_SHARED, sharedDir } from "../testing/index.js";
import { format, parse, ParseError } from "./index.js";
import { complianceQueries, promqltestQueries, specCorpus, type CorpusQuery } from "./testutil/corpus.js";
import { sameMeaning } from "./testutil/ast.js";

/**
 * Expected failures that are parse errors in Prometheus. Every other `expect fail` in the
 * corpus is an evaluation error (duplicate label sets, invalid label names made by
 * count_values/label_replace, NaN parameters, smoothed/anchored used with the wrong
 * function, …): those queries parse, and the engine reports the failure.
 */
function isParseFailure(q: CorpusQuery): boolean {
  if (q.expectFail === undefined) return false;
  if (/parse error/i.test(q.expectFail)) return true;
  // The compliance list's only should_fail selector: it matches the empty string.
  return q.source.startsWith("promql-test-queries.yml") && /^\{__name__=~"\.\*"\}$/.test(q.query);
}

test("spec corpus: every query parses or fails as its file says, and round-trips", (t) => {
  const shared = sharedDir();
  if (shared === undefined) {
    t.skip(NO_SHARED);
    return;
  }
  const corpus = specCorpus(shared);
  assert.ok(corpus.length > 2000, `corpus too small: ${corpus.length}`);
  const failures: string[] = [];
  let parsed = 0;
  let rejected = 0;
  for (const q of corpus) {
    let expr;
    try {
      expr = parse(q.query);
    } catch (err) {
      assert.ok(err instanceof ParseError, `${q.source}: not a ParseError: ${String(err)}`);
      if (isParseFailure(q)) rejected++;
      else failures.push(`${q.source}: ${q.query}\n    ${err.message}`);
      continue;
    }
    if (isParseFailure(q)) {
      failures.push(`${q.source}: expected a parse error: ${q.query}`);
      continue;
    }
    parsed++;
    const text = format(expr);
    try {
      const again = parse(text);
      assert.deepEqual(sameMeaning(again), sameMeaning(expr));
      assert.equal(format(again), text, "the printed form is a fixed point");
    } catch (err) {
      failures.push(`${q.source}: round trip ${q.query} → ${text}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(rejected >= 1, "the compliance list's empty-matching selector must be rejected");
  t.diagnostic(`${parsed} parsed and round-tripped, ${rejected} rejected as expected`);
});

test("spec corpus: compliance variants are expanded from the tester's argument lists", (t) => {
  const shared = sharedDir();
  if (shared === undefined) {
    t.skip(NO_SHARED);
    return;
  }
  const qs = complianceQueries(join(shared, "compliance", "promql-test-queries.yml")).map((q) => q.query);
  assert.ok(qs.includes("demo_memory_usage_bytes offset -10m"));
  assert.ok(qs.includes("quantile_over_time(-0.5, demo_memory_usage_bytes[1h])"));
  assert.ok(!qs.some((q) => q.includes("{{")), "unexpanded placeholder");
  assert.ok(qs.length > 500, `only ${qs.length} compliance queries`);
});

test("spec corpus: promqltest eval lines and their expect-fail lines are read", (t) => {
  const shared = sharedDir();
  if (shared === undefined) {
    t.skip(NO_SHARED);
    return;
  }
  const qs = promqltestQueries(join(shared, "promqltest"));
  const smoothed = qs.find((q) => q.query === "deriv(foo[3m] smoothed)");
  assert.ok(smoothed?.expectFail?.startsWith("smoothed modifier can only be used with"));
  assert.ok(qs.some((q) => q.query.startsWith("label_join(overlap") && q.expectFail === ""), "eval_fail lines count as expected failures");
  assert.ok(qs.some((q) => q.source.startsWith("duration_expression.test")));
});
