// The parser loads Chevrotain's one-file bundle, not its package entry with ~650 lodash-es modules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../testing/index.js";

// A resolve hook that fails any import of lodash-es, then a parse through the library's public face.
const HOOK = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (r.url.includes("/lodash-es/")) throw new Error("lodash-es loaded: " + r.url);
  return r;
}`;

test("parsing loads Chevrotain's bundle: no lodash-es module is resolved", () => {
  const index = pathToFileURL(join(repoRoot(), "dist", "promql", "index.js")).href;
  const script = [
    'import { register } from "node:module";',
    `register("data:text/javascript," + encodeURIComponent(${JSON.stringify(HOOK)}));`,
    `const { parse } = await import(${JSON.stringify(index)});`,
    'process.stdout.write(parse("sum by (job) (rate(x[5m]))").type);',
  ].join("\n");
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "AggregateExpr");
});
