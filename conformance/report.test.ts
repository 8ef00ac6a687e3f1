import assert from "node:assert/strict";
import { test } from "node:test";
import type { EvalResult } from "./promqltest/runner.js";
import {
  checkRatchet,
  formatJsonReport,
  formatKnownFailures,
  formatTextReport,
  parseKnownFailures,
  type FileResult,
} from "./report.js";

function r(file: string, line: number, status: EvalResult["status"], message?: string): EvalResult {
  return { file, line, query: `q${line}`, kind: "instant", status, message };
}

const run: FileResult[] = [
  { file: "a.test", path: "/x/a.test", results: [r("a.test", 3, "passed"), r("a.test", 7, "failed", "expected 1 but got 2")] },
  { file: "b.test", path: "/x/b.test", results: [r("b.test", 1, "failed", "boom"), r("b.test", 4, "passed")] },
];

test("text report: a row per file, failures with file:line, last line the summary", () => {
  const text = formatTextReport(run);
  const lines = text.split("\n");
  assert.match(lines[1], /^a\.test\s+1\s+1$/);
  assert.match(lines[2], /^b\.test\s+1\s+1$/);
  assert.match(text, /a\.test:7: q7\n    expected 1 but got 2/);
  assert.equal(lines[lines.length - 1], "2 passed, 2 failed");
  assert.doesNotMatch(text, /Passed:/);
  assert.match(formatTextReport(run, { verbose: true }), /Passed:\na\.test:3: q3/);
});

test("JSON report carries the same counts and every eval", () => {
  const json = JSON.parse(formatJsonReport(run)) as { totals: unknown; files: { file: string; passed: number; evals: unknown[] }[] };
  assert.deepEqual(json.totals, { passed: 2, failed: 2 });
  assert.equal(json.files[0].evals.length, 2);
  assert.equal(json.files[1].passed, 1);
});

test("known failures round-trip and the ratchet catches both directions", () => {
  const text = formatKnownFailures(run);
  assert.match(text, /^# Known failures/);
  const known = parseKnownFailures(text);
  assert.deepEqual([...known], ["a.test:7", "b.test:1"]);
  assert.deepEqual(checkRatchet(run, known), { newFailures: [], stale: [] });

  const fewer = new Set(["a.test:7"]);
  assert.deepEqual(checkRatchet(run, fewer).newFailures.map((x) => `${x.file}:${x.line}`), ["b.test:1"]);

  const more = new Set(["a.test:7", "b.test:1", "a.test:3", "gone.test:5"]);
  assert.deepEqual(checkRatchet(run, more).stale, ["a.test:3", "gone.test:5"]);
});
