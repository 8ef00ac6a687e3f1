// promql/ must run in a browser bundle: no Node-only APIs outside tests.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../testing/index.js";

const root = repoRoot();
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const browserConfig = join(root, "promql", "tsconfig.browser.json");

function runTsc(project: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [tsc, "-p", project], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test("library sources type-check with lib ES2022 only and no Node types", () => {
  const r = runTsc(browserConfig);
  assert.equal(r.status, 0, r.output);
});

test("the browser check rejects a node: import", () => {
  const dir = mkdtempSync(join(tmpdir(), "orrery-promql-browser-"));
  try {
    writeFileSync(join(dir, "bad.ts"), 'import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n');
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({ extends: browserConfig, include: [], files: [join(root, "promql", "index.ts"), join(dir, "bad.ts")] }),
    );
    const r = runTsc(join(dir, "tsconfig.json"));
    assert.notEqual(r.status, 0, "a node: import must fail the browser check");
    assert.match(r.output, /node:fs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("no library source imports node: modules or Node globals", () => {
  const dir = join(root, "promql");
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".ts") || f.endsWith(".test.ts")) continue;
    const src = readFileSync(join(dir, f), "utf8");
    assert.doesNotMatch(src, /from\s+["']node:|require\(|process\.|Buffer\b/, f);
  }
});
