// `orrery promql check|format` (cli/promql.ts), driven with in-memory stdin/stdout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, type PromqlIO } from "../cli/promql.js";

function io(stdin: string): PromqlIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, readStdin: async () => stdin, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

test("check prints ok or error <line>:<col> per input line and exits 1 on any failure", async () => {
  const good = io("sum(rate(x[5m]))\nfoo offset 5m\n");
  assert.equal(await run(["check"], good), 0);
  assert.deepEqual(good.stdout, ["ok", "ok"]);

  const bad = io('up\nrate(x)\nfoo{a="b"\n');
  assert.equal(await run(["check"], bad), 1);
  assert.deepEqual(bad.stdout, ["ok", 'error 2:6: expected type range vector in call to function "rate", got instant vector', "error 3:10: unexpected end of input inside braces"]);

  const strict = io("x[1m] anchored\n");
  assert.equal(await run(["check", "--no-experimental"], strict), 1);
  assert.match(strict.stdout[0]!, /anchored modifier is experimental/);
});

test("format prints canonical or pretty PromQL from an argument or stdin", async () => {
  const arg = io("");
  assert.equal(await run(["format", "sum(x)by(job)"], arg), 0);
  assert.deepEqual(arg.stdout, ["sum by (job) (x)"]);

  const stdin = io("rate( x[5m] )\n");
  assert.equal(await run(["format"], stdin), 0);
  assert.deepEqual(stdin.stdout, ["rate(x[5m])"]);

  const long = `${"a".repeat(60)} + ${"b".repeat(60)}`;
  const pretty = io("");
  assert.equal(await run(["format", "--pretty", long], pretty), 0);
  assert.deepEqual(pretty.stdout, [`  ${"a".repeat(60)}\n+\n  ${"b".repeat(60)}`]);

  const neg = io("");
  assert.equal(await run(["format", "-1"], neg), 0);
  assert.deepEqual(neg.stdout, ["-1"]);

  const bad = io("");
  assert.equal(await run(["format", "1 +"], bad), 1);
  assert.deepEqual(bad.stderr, ["error 1:4: unexpected end of input"]);
});

test("help and usage errors", async () => {
  const help = io("");
  assert.equal(await run(["--help"], help), 0);
  assert.match(help.stdout[0]!, /usage: orrery promql/);
  const formatHelp = io("");
  assert.equal(await run(["format", "--help"], formatHelp), 0);
  assert.match(formatHelp.stdout[0]!, /--pretty/);
  const unknown = io("");
  assert.equal(await run(["frobnicate"], unknown), 2);
  assert.equal(await run([], io("")), 2);
  assert.equal(await run(["format", "--bogus"], io("")), 2);
});
