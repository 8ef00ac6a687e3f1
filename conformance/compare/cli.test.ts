import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCompareArgs, parseTimeFlag, runCompareCommand } from "./cli.js";

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

test("compare flags: defaults follow the compliance tester (end now-12m, 10m range, 10s step)", () => {
  const a = parseCompareArgs(["--reference", "http://127.0.0.1:9091", "--target=http://127.0.0.1:9092/prefix"], NOW);
  assert.ok(typeof a !== "string", String(a));
  assert.deepEqual(a.range, { startMs: NOW - 22 * 60_000, endMs: NOW - 12 * 60_000, stepMs: 10_000 });
  assert.equal(a.target.url, "http://127.0.0.1:9092/prefix");
  assert.equal(a.json, false);
  assert.equal(a.check242, true);
  assert.equal(a.queriesFile, undefined);
});

test("compare flags: times, step, auth, json", () => {
  const a = parseCompareArgs(
    [
      "--reference", "http://r", "--target", "https://t", "--start", "2026-01-01T00:00:00Z", "--end", "1767226200.5", "--step", "1m",
      "--json", "--reference.bearer-token", "tok", "--target.basic-auth", "u:p:w", "--no-2.42-check", "--queries", "q.yml",
    ],
    NOW,
  );
  assert.ok(typeof a !== "string", String(a));
  assert.deepEqual(a.range, { startMs: Date.UTC(2026, 0, 1), endMs: 1767226200500, stepMs: 60_000 });
  assert.deepEqual(a.reference.auth, { kind: "bearer", token: "tok" });
  assert.deepEqual(a.target.auth, { kind: "basic", user: "u", password: "p:w" });
  assert.equal(a.json, true);
  assert.equal(a.check242, false);
  assert.equal(a.queriesFile, "q.yml");
  assert.equal(parseTimeFlag("12.5"), 12_500);
  assert.equal(parseTimeFlag("yesterday"), undefined);
});

test("compare flags: bad input is named", () => {
  const bad: [string[], RegExp][] = [
    [["--target", "http://t"], /--reference URL is required/],
    [["--reference", "r", "--target", "http://t"], /--reference must be an http\(s\) URL/],
    [["--reference", "http://r", "--target", "http://t", "--step", "0"], /invalid --step/],
    [["--reference", "http://r", "--target", "http://t", "--end", "soon"], /invalid --end/],
    [["--reference", "http://r", "--target", "http://t", "--start", "100", "--end", "50"], /--start is after --end/],
    [["--reference", "http://r", "--target", "http://t", "--start", "0", "--end", "200000", "--step", "1s"], /more than 11,000 steps/],
    [["--reference", "http://r", "--target", "http://t", "--bogus", "1"], /unknown flag --bogus/],
    [["--reference", "http://r", "--target", "http://t", "--target.basic-auth", "nopass"], /USER:PASS/],
    [["--reference", "http://r", "--target", "http://t", "--target.basic-auth", "a:b", "--target.bearer-token", "x"], /give one of/],
    [["--reference"], /needs a value/],
  ];
  for (const [argv, want] of bad) {
    const r = parseCompareArgs(argv, NOW);
    assert.equal(typeof r, "string", argv.join(" "));
    assert.match(r as string, want);
  }
});

test("compare command: --help, flag errors exit 2, a missing query file is the file-system error (named by the command's top)", async () => {
  const out: string[] = [];
  const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s) };
  assert.equal(await runCompareCommand(["--help"], io), 0);
  assert.match(out.join(""), /usage: orrery conformance compare/);
  assert.equal(await runCompareCommand(["--target", "http://t"], io), 2);
  out.length = 0;
  await assert.rejects(runCompareCommand(["--reference", "http://r", "--target", "http://t", "--queries", "/nonexistent/q.yml"], io), {
    code: "ENOENT",
    path: "/nonexistent/q.yml",
  });
});
