import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { run } from "./conformance.js";

function capture(): { io: { out(t: string): void; err(t: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
}

test("conformance dispatches on its subcommand", async () => {
  const help = capture();
  assert.equal(await run([], help.io), 0);
  assert.match(help.out.join("\n"), /promqltest \[FILES…\]/);
  const bad = capture();
  assert.equal(await run(["bogus"], bad.io), 2);
  assert.match(bad.err.join("\n"), /unknown command "bogus"/);
  const sub = capture();
  assert.equal(await run(["promqltest", "--help"], sub.io), 0);
  assert.match(sub.out.join("\n"), /--write-known-failures/);
});

test("promqltest rejects unknown flags and missing files", async () => {
  const flag = capture();
  assert.equal(await run(["promqltest", "--bogus"], flag.io), 2);
  assert.match(flag.err.join("\n"), /unknown flag "--bogus"/);
  const workers = capture();
  assert.equal(await run(["promqltest", "--query.parallelism", "-2"], workers.io), 2);
  assert.match(workers.err.join("\n"), /--query.parallelism needs an integer ≥ 0, got "-2"/);
  const partial = capture();
  assert.equal(await run(["promqltest", "--write-known-failures", "literals.test"], partial.io), 2);
  assert.match(partial.err.join("\n"), /give no FILES/);
  const missing = capture();
  assert.equal(await run(["promqltest", "/no/such/file.test"], missing.io), 2);
  assert.match(missing.err.join("\n"), /no such file or folder/);
});

test("a script error is a failure with file:line, and the last line is the summary", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-conformance-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "broken.test");
  writeFileSync(file, "load 1m\n  m 1\n\nnonsense here\n");
  const text = capture();
  assert.equal(await run(["promqltest", file], text.io), 1);
  const lines = text.out.join("\n").split("\n");
  assert.match(lines.join("\n"), /broken\.test:4: \n    script error: invalid command "nonsense here"/);
  assert.equal(lines[lines.length - 1], "0 passed, 1 failed");

  const json = capture();
  assert.equal(await run(["promqltest", file, "--json"], json.io), 1);
  const report = JSON.parse(json.out.join("\n")) as { totals: unknown; files: { evals: { line: number; status: string }[] }[] };
  assert.deepEqual(report.totals, { passed: 0, failed: 1 });
  assert.deepEqual(report.files[0].evals.map((e) => [e.line, e.status]), [[4, "failed"]]);
});

test("NAME:LINE runs only that eval, and a line without an eval is an error", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-conformance-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "one.test");
  writeFileSync(file, "eval instant at 0 sum(\n  1\n\neval instant at 0 sum(\n  1\n");
  const one = capture();
  assert.equal(await run(["promqltest", `${file}:4`], one.io), 1);
  assert.match(one.out.join("\n"), /one\.test:4: sum\(/);
  assert.doesNotMatch(one.out.join("\n"), /one\.test:1:/);
  const none = capture();
  assert.equal(await run(["promqltest", `${file}:2`], none.io), 2);
  assert.match(none.err.join("\n"), /no eval command at one\.test:2/);
});
