import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../testing/index.js";
import { parseRuleFile } from "./rulefile.js";

const PROMTOOL = "/usr/bin/promtool";
const TESTDATA = join(repoRoot(), "ruler", "testdata");
const files = (kind: string): string[] => readdirSync(join(TESTDATA, kind)).filter((f) => f.endsWith(".yml")).map((f) => join(TESTDATA, kind, f));

/** Each error line up to its message: "file: L:C: group "g", rule N, "name"" (what says where). */
function locations(lines: string[]): string[] {
  return lines
    .filter((l) => / group "|Groupname|groupname|not a valid duration|not found in type/.test(l))
    .map((l) => l.replace(/(rule \d+, "[^"]*"): .*$/, "$1").replace(/(: yaml: line \d+): .*/, "$1"))
    .sort();
}

test("rule check agrees with promtool check rules (2.42), file by file, on good and broken files", { skip: !existsSync(PROMTOOL) && "promtool is not installed" }, () => {
  const all = [...files("good"), ...files("bad")];
  assert.ok(all.length >= 12);
  for (const file of all) {
    const theirs = spawnSync(PROMTOOL, ["check", "rules", file], { encoding: "utf8" });
    const ours = parseRuleFile(readFileSync(file, "utf8"), file);
    const theirLines = theirs.stderr.split("\n").filter((l) => l.startsWith(file) || /^\s+line \d+:/.test(l));
    assert.equal(ours.errors.length === 0, theirs.status === 0, `${file}: promtool ${theirs.status === 0 ? "accepts" : "rejects"} it, orrery ${ours.errors.length === 0 ? "accepts" : `rejects it:\n${ours.errors.join("\n")}`}\n${theirs.stderr}`);
    if (theirs.status === 0) {
      const count = /SUCCESS: (\d+) rules found/.exec(theirs.stdout)?.[1];
      assert.equal(String(ours.groups.reduce((n, g) => n + g.rules.length, 0)), count, file);
      continue;
    }
    const ourLines = ours.errors.flatMap((e) => e.split("\n"));
    assert.deepEqual(locations(ourLines), locations(theirLines), `${file}: errors name other places\nours:\n${ourLines.join("\n")}\npromtool:\n${theirLines.join("\n")}`);
  }
});

test("rule files: groups and rules as configured, Thanos's partial_response_strategy and query_offset accepted", () => {
  const { groups, errors } = parseRuleFile(
    `groups:
- name: g
  interval: 30s
  query_offset: 1m
  limit: 10
  partial_response_strategy: abort
  labels:
    team: a
  rules:
  - alert: A
    expr: up == 0
    for: 5m
    keep_firing_for: 1m
    labels: {}
`,
    "f.yml",
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(groups[0], {
    name: "g",
    file: "f.yml",
    intervalMs: 30_000,
    queryOffsetMs: 60_000,
    limit: 10,
    labels: { team: "a" },
    partialResponseStrategy: "abort",
    rules: [{ kind: "alerting", name: "A", expr: "up == 0", forMs: 300_000, keepFiringForMs: 60_000, labels: {}, annotations: {} }],
  });
  assert.match(parseRuleFile("groups:\n- name: g\n  partial_response_strategy: maybe\n  rules: []\n", "f.yml").errors[0]!, /f\.yml: group "g": partial_response_strategy must be warn or abort/);
});
