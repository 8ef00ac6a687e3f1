// Fuzzing: random and mutated inputs always end in an AST or a ParseError — never
// another exception, never a hang — and every AST they yield round-trips through format.
import { test } from "node:test";
import assert from "node:assert/strict";
import { format, parse, ParseError } from "./index.js";
import { sameMeaning } from "./testutil/ast.js";
import { rng, sharedDir } from "../testing/index.js";
import { specCorpus } from "./testutil/corpus.js";
import { fragments, generateQuery, mutateQuery, sampleQueries } from "../testing/fuzz/queries.js";

function checkOne(input: string, stats: { ok: number; errors: number }): void {
  let expr;
  try {
    expr = parse(input);
  } catch (err) {
    if (!(err instanceof ParseError)) assert.fail(`${JSON.stringify(input)} threw ${String(err)}`);
    assert.ok(err.errors.length > 0, `${JSON.stringify(input)}: ParseError without problems`);
    for (const p of err.errors) assert.ok(p.pos.line >= 1 && p.pos.column >= 1 && p.message.length > 0);
    stats.errors++;
    return;
  }
  stats.ok++;
  const text = format(expr);
  let again;
  try {
    again = parse(text);
  } catch (err) {
    assert.fail(`${JSON.stringify(input)} formats to ${JSON.stringify(text)} which does not parse: ${(err as Error).message}`);
  }
  assert.deepEqual(sameMeaning(again), sameMeaning(expr), `${JSON.stringify(input)} → ${JSON.stringify(text)}`);
  assert.equal(format(again), text, `${JSON.stringify(text)} is not a fixed point of the printer`);
  assert.ok(format(expr, { pretty: true }).length > 0);
}

test("fuzz: random, generated and mutated inputs end in an AST or a ParseError", (t) => {
  const r = rng(Number(process.env.PROMQL_FUZZ_SEED ?? 20261121));
  const shared = sharedDir();
  const seeds = shared === undefined ? sampleQueries : [...sampleQueries, ...specCorpus(shared).map((q) => q.query)];
  const stats = { ok: 0, errors: 0 };
  const deadline = Date.now() + Number(process.env.PROMQL_FUZZ_MS ?? 9000);
  let n = 0;
  const count = Number(process.env.PROMQL_FUZZ_COUNT ?? 20000);
  for (; n < count && Date.now() < deadline; n++) {
    let input: string;
    const kind = n % 4;
    if (kind === 0) {
      input = "";
      const len = Math.floor(r() * 12);
      for (let k = 0; k < len; k++) input += fragments[Math.floor(r() * fragments.length)]! + (r() < 0.5 ? " " : "");
    } else if (kind === 1) {
      input = generateQuery(r, 4);
    } else {
      input = mutateQuery(r, seeds[Math.floor(r() * seeds.length)]!);
    }
    checkOne(input, stats);
  }
  assert.ok(n >= 2000, `only ${n} inputs in the time budget`);
  t.diagnostic(`${n} inputs: ${stats.ok} parsed and round-tripped, ${stats.errors} ParseErrors`);
  assert.ok(stats.ok > 100 && stats.errors > 100, JSON.stringify(stats));
});
