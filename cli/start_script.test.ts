// `npm start` (scripts/start.mjs) compiles only when dist/ is older than a source.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface StartScript {
  needsBuild(root: string): boolean;
}

test("npm start rebuilds only when a source or the build configuration is newer than dist/", async () => {
  const script = (await import(new URL("../../scripts/start.mjs", import.meta.url).href)) as StartScript;
  const root = mkdtempSync(join(tmpdir(), "orrery-start-"));
  try {
    const at = (path: string, seconds: number): void => utimesSync(join(root, path), seconds, seconds);
    writeFileSync(join(root, "tsconfig.json"), JSON.stringify({ include: ["api", "cli"] }));
    writeFileSync(join(root, "package.json"), "{}");
    mkdirSync(join(root, "api", "deep"), { recursive: true });
    writeFileSync(join(root, "api", "deep", "x.ts"), "export {};\n");
    assert.equal(script.needsBuild(root), true, "no dist/ yet");
    mkdirSync(join(root, "dist", "cli"), { recursive: true });
    writeFileSync(join(root, "dist", "cli", "main.js"), "");
    for (const p of ["tsconfig.json", "package.json", "api/deep/x.ts"]) at(p, 1000);
    at("dist/cli/main.js", 2000);
    assert.equal(script.needsBuild(root), false, "dist/ is current");
    at("api/deep/x.ts", 3000);
    assert.equal(script.needsBuild(root), true, "a source changed");
    at("api/deep/x.ts", 1000);
    at("package.json", 3000);
    assert.equal(script.needsBuild(root), true, "the build configuration changed");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
