// Bundles the web UI (ui/web/main.ts, its CSS and uPlot's) into dist/ui/: assets named by
// content hash (served with long-lived caching) and an index.html naming them. The browser
// sources are type-checked first (lib DOM; `--no-check` skips it while iterating).
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist", "ui");

export async function buildUi({ check = true } = {}) {
  if (check) {
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "ui", "web")], { stdio: "inherit" });
    if (tsc.status !== 0) throw new Error("the web UI's sources do not type-check (tsc -p ui/web)");
  }
  rmSync(join(OUT, "assets"), { recursive: true, force: true });
  mkdirSync(join(OUT, "assets"), { recursive: true });
  const result = await build({
    entryPoints: { app: join(ROOT, "ui", "web", "main.ts") },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    platform: "browser",
    outdir: join(OUT, "assets"),
    entryNames: "[name]-[hash]",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const js = outputs.find((f) => f.endsWith(".js"));
  const css = outputs.find((f) => f.endsWith(".css"));
  if (js === undefined || css === undefined) throw new Error(`esbuild produced no script or no stylesheet: ${outputs.join(", ")}`);
  writeFileSync(join(OUT, "index.html"), indexHtml(js, css));
  return { js, css };
}

function indexHtml(js, css) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>orrery</title>
<link rel="stylesheet" href="/assets/${css}">
<script type="module" src="/assets/${js}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { js, css } = await buildUi({ check: !process.argv.includes("--no-check") });
  process.stdout.write(`web UI: dist/ui/assets/${js}, dist/ui/assets/${css}\n`);
}
