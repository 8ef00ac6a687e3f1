// `npm start -- FLAGS`: runs `orrery start FLAGS`, compiling first only when dist/ is
// older than a source file (so a start after `npm run build` begins at once).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const ENTRY = join("dist", "cli", "main.js");

/** Newest modification time (ms) of the TypeScript sources tsconfig.json includes, and of the build's configuration. */
export function newestSourceMs(root) {
  const { include = [] } = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8"));
  let newest = Math.max(statSync(join(root, "tsconfig.json")).mtimeMs, statSync(join(root, "package.json")).mtimeMs);
  const stack = include.map((dir) => join(root, dir));
  while (stack.length > 0) {
    const dir = stack.pop();
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) stack.push(path);
      else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** Whether dist/ must be compiled: no entry point yet, or a source newer than it. */
export function needsBuild(root) {
  let built;
  try {
    built = statSync(join(root, ENTRY)).mtimeMs;
  } catch {
    return true;
  }
  return newestSourceMs(root) > built;
}

/** Whether the web UI's bundle is missing or older than a source under ui/web. */
export function needsUiBuild(root) {
  let built;
  try {
    built = statSync(join(root, "dist", "ui", "index.html")).mtimeMs;
  } catch {
    return true;
  }
  const web = join(root, "ui", "web");
  return readdirSync(web).some((f) => statSync(join(web, f)).mtimeMs > built);
}

async function main() {
  if (needsBuild(ROOT)) {
    process.stderr.write("orrery: dist/ is older than the sources; compiling (tsc -p .)\n");
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", ROOT], { stdio: "inherit" });
    if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  }
  if (needsUiBuild(ROOT)) {
    process.stderr.write("orrery: bundling the web UI (scripts/build-ui.mjs)\n");
    await (await import("./build-ui.mjs")).buildUi();
  }
  // main.js reads process.argv: make it `orrery start FLAGS`.
  process.argv = [process.argv[0], join(ROOT, ENTRY), "start", ...process.argv.slice(2)];
  await import(pathToFileURL(join(ROOT, ENTRY)).href);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
